#pragma once

#include "parlor/game_server/game_server_actor.hpp"
#include "parlor/registry/registry_actor.hpp"

namespace parlor::game_server {

/// Spawns the game supervisor of a node: it creates games, registers them,
/// restarts a crashed GameServer from its last snapshot, and restores the
/// node's unfinished games at start. Its interface:
///
/// - `(create_atom, std::string kind, std::string player_id,
///   std::string name)` → `std::string code`, or `errc::unknown_game`: the
///   new game is durable and registered when the code is returned.
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
/// - `(adopt_atom, std::string owner, std::string code)` → `caf::ok_atom`
///   (from a draining peer, through this node's keeper): takes over one
///   game from the copy kept here, one incarnation later.
/// - Membership (`cluster::member_up_msg`, `member_down_msg`,
///   `member_status_msg`, from the agent it watches): the peer endpoints of
///   peers that are not draining are the backup and placement candidates;
///   the games of a lost peer kept here are taken over (failover).
/// - A game that stops as `errc::abandoned` (nobody connected for the idle
///   ttl) is deleted from the store and its backup copy dropped.
///
/// An exit message (e.g. `user_shutdown`) stops it and all its games.
caf::actor spawn_supervisor(caf::actor_system& sys,
                            std::shared_ptr<const game_env> env,
                            registry::registry_actor registry);

} // namespace parlor::game_server
