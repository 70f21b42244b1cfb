#pragma once

#include "parlor/registry/fwd.hpp"

#include <string>

namespace parlor::registry {

/// Spawns this node's replica of the cluster registry: game code →
/// GameServer, with the name of the node that owns each game. Lookups are
/// local. Its interface:
///
/// - `(register_atom, std::string code, caf::actor game)` → `bool`: claims
///   `code` for a local `game`. The claim is sent to every live peer and
///   only succeeds once each has accepted it (a peer refuses a code it knows
///   for another game), so a join on any node right after `create` finds the
///   game. False if the code is taken anywhere.
/// - `(replace_atom, std::string code, caf::actor game)`: points `code` at a
///   local `game` unconditionally (a restarted game) and tells the peers.
/// - `(lookup_atom, std::string code)` → `caf::actor`, or `errc::not_found`.
/// - `(unregister_atom, std::string code, caf::actor game)`: drops the entry
///   if it still points at `game`, everywhere.
/// - `(count_atom)` → `uint64_t`: the number of known games.
///
/// Between replicas (sent by the registry itself):
/// - `(claim_atom, code, game, owner)` → `bool`; `(sync_atom, code, game,
///   owner)`; `(drop_atom, code, game)`.
/// - `(cluster::peer_up_atom, std::string node, caf::actor peer_registry)`:
///   a new peer gets every local entry; `(cluster::peer_down_atom, node)`
///   drops every entry that node owned.
///
/// Conflicts (the same code owned by two nodes after a partition heals) are
/// resolved the same way on every replica: the owner with the smaller node
/// name keeps the code, the loser's GameServer is stopped so its players
/// rejoin the winner. Local games are monitored: an entry vanishes when its
/// game stops.
caf::actor spawn_registry(caf::actor_system& sys, std::string self_name);

} // namespace parlor::registry
