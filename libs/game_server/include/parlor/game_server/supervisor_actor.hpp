#pragma once

#include "parlor/game_server/game_server_actor.hpp"

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
///
/// An exit message (e.g. `user_shutdown`) stops it and all its games.
caf::actor spawn_supervisor(caf::actor_system& sys,
                            std::shared_ptr<const game_env> env,
                            caf::actor registry);

} // namespace parlor::game_server
