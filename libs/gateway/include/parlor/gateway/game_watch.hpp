#pragma once

#include <caf/fwd.hpp>

namespace parlor::gateway {

/// Spawns a node's game watch: it monitors every GameServer that local
/// gateways have joined, once per GameServer however many gateways joined
/// it, and tells those gateways when it goes down (it stopped, or its
/// node's connection dropped).
///
/// Why not a monitor per gateway: CAF 0.17 keeps an actor's monitors in a
/// list, and a demonitor scans it. With one monitor per spectator, 10,000
/// spectators leaving a game cost 10,000 scans of 10,000 entries.
///
/// - `(follow_atom, caf::actor game)` from a gateway: it is joined to `game`.
///   Counted: follow twice, unfollow twice.
/// - `(unfollow_atom, caf::actor_addr game)` from a gateway: it left.
/// - To each follower when `game` goes down:
///   `(game_down_atom, caf::actor_addr game, caf::error reason)`.
///
/// A gateway unfollows on every leave and when its socket closes; one that
/// dies otherwise stays listed until the game goes down.
caf::actor spawn_game_watch(caf::actor_system& sys);

} // namespace parlor::gateway
