#pragma once

#include "parlor/auth/token.hpp"
#include "parlor/core/node_info.hpp"
#include "parlor/game_server/supervisor_actor.hpp"
#include "parlor/gateway/fwd.hpp"
#include "parlor/gateway/game_watch.hpp"
#include "parlor/gateway/socket_fanout.hpp"
#include "parlor/gateway/socket_sink.hpp"
#include "parlor/metrics/metrics.hpp"
#include "parlor/registry/registry_actor.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace parlor::gateway {

/// Limits of one WebSocket connection.
struct socket_limits {
  /// Largest text frame accepted; larger ones close the socket with 1009.
  std::size_t max_frame_bytes = 64 * 1024;
  /// Frames a second per socket on average, bursts of twice that
  /// (`--socket-rate`); 0: no limit. Frames over it are answered
  /// `rate_limited`; a socket over it for 10 s is closed with 1008.
  uint32_t socket_rate = 50;
  /// Topics one socket may join at once (Phoenix's limit).
  std::size_t max_channels = 100;
  /// Frames queued for a slow reader before it is dropped with 1008.
  std::size_t max_queued_frames = 1024;
  /// A socket silent for this long is closed (clients beat every 30 s).
  std::chrono::milliseconds idle_timeout = std::chrono::seconds{60};
  /// How long a gateway waits for a GameServer or the registry.
  std::chrono::milliseconds request_timeout = std::chrono::seconds{5};
};

/// The node's per-player budget of game creates (src/create_quota.hpp).
class create_quota;

/// A create budget of `per_minute` games a minute per player, bursts of as
/// many (`--create-rate`); 0: no limit.
std::shared_ptr<create_quota> make_create_quota(uint32_t per_minute);

/// What every gateway actor of a node shares.
struct gateway_env {
  core::node_info node;
  registry::registry_actor registry;
  game_server::supervisor_actor supervisor;
  /// The node's socket fan-out (see `spawn_socket_fanout`).
  socket_fanout_actor fanout;
  /// The node's game watch (see `spawn_game_watch`).
  game_watch_actor watch;
  std::shared_ptr<const auth::token_signer> signer;
  std::shared_ptr<metrics::node_metrics> metrics;
  socket_limits limits;
  /// Creates per player; null: no limit.
  std::shared_ptr<create_quota> creates;
};

/// The actor of one WebSocket connection: it speaks Phoenix Channels v2 for
/// the socket (topics `phoenix`, `lobby`, `game:CODE`).
///
/// - `(inbound_atom, text)`: a text frame from the client.
/// - `(closed_atom)`: the socket is gone; the actor quits.
/// - `(game_down_atom, game, reason)` from the game watch: a joined
///   GameServer stopped or its node was lost (the channel gets `phx_error`).
/// - `(idle_atom)`, `(sweep_atom)`: its own timers (heartbeat timeout,
///   request timeouts).
using gateway_actor
  = caf::typed_actor<caf::reacts_to<inbound_atom, std::string>,
                     caf::reacts_to<closed_atom>, caf::reacts_to<idle_atom>,
                     caf::reacts_to<sweep_atom>>::extend_with<watch_follower>;

/// Spawns the gateway actor of one WebSocket connection. `token` is the
/// connect param, if any; an invalid one means a new player.
gateway_actor spawn_gateway(caf::actor_system& sys,
                         std::shared_ptr<const gateway_env> env,
                         std::weak_ptr<socket_sink> sink, std::string name,
                         std::optional<std::string> token);

} // namespace parlor::gateway
