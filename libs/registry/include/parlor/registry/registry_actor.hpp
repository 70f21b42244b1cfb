#pragma once

#include "parlor/registry/fwd.hpp"

#include <string>

namespace parlor::registry {

/// Spawns this node's replica of the cluster registry: game code →
/// {GameServer, owner node, incarnation}. Lookups are local. The state is
/// the CRDT in replica.hpp; this actor applies local writes, sends them to
/// every peer as deltas and merges theirs. Its interface:
///
/// - `(register_atom, std::string code, caf::actor game[, uint64_t
///   incarnation = 1])` → `bool`: claims `code` for a local `game`. The
///   claim is sent to every live peer and only succeeds once each has
///   accepted and recorded it (a peer refuses a code it knows for another
///   game), so a join on any node right after `create` finds the game.
///   False if the code is taken anywhere.
/// - `(replace_atom, std::string code, caf::actor game[, uint64_t
///   incarnation])`: points `code` at a local `game` unconditionally (a
///   restarted or restored game) and tells the peers; without an
///   incarnation the previous one is kept.
/// - `(lookup_atom, std::string code)` → `caf::actor`, or `errc::not_found`.
/// - `(unregister_atom, std::string code, caf::actor game)`: removes the
///   entry if it still points at `game`, everywhere.
/// - `(count_atom)` → `uint64_t`: the number of known games.
///
/// Between replicas (sent by the registry itself):
/// - `(claim_atom, code, owner, game, incarnation, epoch, seq)` → `bool`;
///   `(sync_atom, code, owner, game, incarnation, epoch, seq, live)`.
/// - `(cluster::peer_up_atom, std::string node, caf::actor peer_registry)`:
///   the new peer gets every record this node owns;
///   `(cluster::peer_down_atom, node)` drops every record that node wrote.
///
/// Conflicts (the same code owned by two nodes after a partition heals) are
/// resolved the same way on every replica by the CRDT's rule (higher
/// incarnation, then smaller node name); the loser's own replica stops its
/// GameServer so that its players rejoin the winner. Local games are
/// monitored: an entry becomes a tombstone when its game stops. `epoch`
/// orders this node's writes after those of an earlier run under the same
/// name (0: the current wall-clock time in ms).
caf::actor spawn_registry(caf::actor_system& sys, std::string self_name,
                          uint64_t epoch = 0);

} // namespace parlor::registry
