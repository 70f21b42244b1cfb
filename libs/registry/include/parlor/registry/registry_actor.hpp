#pragma once

#include "parlor/registry/fwd.hpp"

namespace parlor::registry {

/// Spawns the registry: game code → GameServer. Its interface:
///
/// - `(register_atom, std::string code, caf::actor game)` → `bool`: claims
///   `code` for `game`; false if another live game holds it.
/// - `(replace_atom, std::string code, caf::actor game)`: points `code` at
///   `game` unconditionally (a restarted or moved game).
/// - `(lookup_atom, std::string code)` → `caf::actor`, or `errc::not_found`.
/// - `(unregister_atom, std::string code, caf::actor game)`: drops the entry
///   if it still points at `game`.
/// - `(count_atom)` → `uint64_t`: the number of registered games.
///
/// Registered games are monitored: an entry vanishes when its game stops.
/// Single-node for now; shaped so that the replicated registry keeps this
/// interface.
caf::actor spawn_registry(caf::actor_system& sys);

} // namespace parlor::registry
