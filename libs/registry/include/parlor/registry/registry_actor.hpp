#pragma once

#include "parlor/cluster/messages.hpp"
#include "parlor/registry/messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>

namespace parlor::registry {

/// This node's replica of the cluster registry: game code → {GameServer,
/// owner node, incarnation}. Lookups are local. The state is the CRDT in
/// replica.hpp; this actor applies local writes, sends them to every peer as
/// deltas and merges theirs.
///
/// - `register_msg` → `bool`: the claim is sent to every live peer and only
///   succeeds once each has accepted and recorded it (a peer refuses a code
///   it knows for another game), so a join on any node right after `create`
///   finds the game. False if the code is taken anywhere.
/// - `replace_msg`, `unregister_msg`: see messages.hpp.
/// - `(lookup_atom, code)` → the GameServer, or `errc::not_found`.
/// - `(count_atom)` → `uint64_t`: the number of known games.
/// - Between replicas: `claim_msg` → `bool`, `sync_msg`.
/// - Membership (it watches the cluster agent): a new peer gets every
///   record this node owns; a lost peer's records are dropped at once.
///
/// Conflicts (the same code owned by two nodes after a partition heals) are
/// resolved the same way on every replica by the CRDT's rule (higher
/// incarnation, then smaller node name); the loser's own replica stops its
/// GameServer (exit reason `errc::superseded`) so that its players rejoin
/// the winner. Local games are monitored: an entry becomes a tombstone when
/// its game stops.
using registry_actor = caf::typed_actor<
  caf::replies_to<register_msg>::with<bool>,
  caf::reacts_to<replace_msg>,
  caf::reacts_to<unregister_msg>,
  caf::replies_to<lookup_atom, std::string>::with<caf::actor>,
  caf::replies_to<count_atom>::with<uint64_t>,
  caf::reacts_to<prune_atom>,
  caf::replies_to<claim_msg>::with<bool>,
  caf::reacts_to<sync_msg>>::extend_with<cluster::membership_watcher>;

/// The name under which a node offers its registry to peers.
inline constexpr const char* service_name = "registry";

/// Spawns this node's replica. `epoch` orders this node's writes after
/// those of an earlier run under the same name (0: the current wall-clock
/// time in ms).
registry_actor spawn_registry(caf::actor_system& sys, std::string self_name,
                              uint64_t epoch = 0);

} // namespace parlor::registry
