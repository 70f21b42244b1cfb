#pragma once

#include "parlor/cluster/messages.hpp"
#include "parlor/game_server/game_server_actor.hpp"
#include "parlor/registry/registry_actor.hpp"

namespace parlor::game_server {

/// The game supervisor of a node: it creates games, registers them,
/// restarts a crashed GameServer from its last snapshot, restores the
/// node's games at start, names each game's backup, and moves games when
/// nodes come and go.
///
/// - `create_msg` → `std::string code`, or `errc::unknown_game`: the new game
///   is durable and registered when the code is returned (while draining:
///   created on a peer).
/// - `(restore_atom)` → `uint64_t`: loads every unfinished game from the
///   store; answered once all are registered.
/// - `(stats_atom)` → `uint64_t`: the number of live games it supervises.
/// - `(drain_atom)` → `uint64_t`: the node is going away. New games are
///   created on a peer; every live game with a backup is frozen and handed
///   to its backup (which already holds its final snapshot); answers how
///   many were handed over. Games without a backup (a node alone) stay on
///   disk for the next start; a game whose handoff fails stays here and
///   playable. The node keeps draining until `(resume_atom)` → `ok`, after
///   which it creates games again (handed-over games stay where they are).
/// - `adopt_msg` → `ok` (from a draining peer, through this node's peer
///   endpoint): takes over one game from the copy kept here, one
///   incarnation later.
/// - Membership (it watches the cluster agent): the peer endpoints of peers
///   that are not draining are the backup and placement candidates; the
///   games of a lost peer kept here are taken over (failover).
/// - `(reap_atom)`: its own timer (finished games past their ttl).
///
/// A crashed GameServer is restarted from its snapshot (at most 3 times in
/// 10 s) and the registry pointed at the new one; one that stops as
/// `errc::abandoned` or `registry::errc::superseded` is deleted from the
/// store and its backup copy dropped. An exit message (e.g.
/// `user_shutdown`) stops it and all its games.
using supervisor_actor = caf::typed_actor<
  caf::replies_to<create_msg>::with<std::string>,
  caf::replies_to<restore_atom>::with<uint64_t>,
  caf::replies_to<stats_atom>::with<uint64_t>,
  caf::replies_to<drain_atom>::with<uint64_t>,
  caf::replies_to<resume_atom>::with<caf::ok_atom>,
  caf::replies_to<adopt_msg>::with<caf::ok_atom>,
  caf::reacts_to<reap_atom>,
  caf::reacts_to<failover_atom>>::extend_with<cluster::membership_watcher>;

/// Spawns the supervisor of a node whose games share `env`.
supervisor_actor spawn_supervisor(caf::actor_system& sys,
                                  std::shared_ptr<const game_env> env,
                                  registry::registry_actor registry);

} // namespace parlor::game_server
