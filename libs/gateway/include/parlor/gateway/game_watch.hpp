#pragma once

#include "parlor/game_server/game_server_actor.hpp"
#include "parlor/gateway/fwd.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace parlor::gateway {

/// What a follower of the game watch handles (a gateway):
/// `(game_down_atom, caf::actor_addr game, caf::error reason)` when a game
/// it follows goes down.
using watch_follower = caf::typed_actor<
  caf::reacts_to<game_down_atom, caf::actor_addr, caf::error>>;

/// A node's game watch: it monitors every GameServer that local gateways
/// have joined, once per GameServer however many gateways joined it, and
/// tells those gateways when it goes down (it stopped, or its node's
/// connection dropped).
///
/// Why not a monitor per gateway: CAF 0.17 keeps an actor's monitors in a
/// list, and a demonitor scans it. With one monitor per spectator, 10,000
/// spectators leaving a game cost 10,000 scans of 10,000 entries.
///
/// - `(follow_atom, game)` from a gateway (a `watch_follower`): it is joined
///   to `game`. Counted: follow twice, unfollow twice.
/// - `(unfollow_atom, caf::actor_addr game)` from a gateway: it left.
///
/// A gateway unfollows on every leave and when its socket closes; one that
/// dies otherwise stays listed until the game goes down.
using game_watch_actor = caf::typed_actor<
  caf::reacts_to<follow_atom, game_server::game_server_actor>,
  caf::reacts_to<unfollow_atom, caf::actor_addr>>;

/// Spawns a node's game watch.
game_watch_actor spawn_game_watch(caf::actor_system& sys);

} // namespace parlor::gateway
