#pragma once

#include "parlor/auth/token.hpp"
#include "parlor/core/node_info.hpp"
#include "parlor/core/type_ids.hpp"
#include "parlor/gateway/socket_sink.hpp"
#include "parlor/metrics/metrics.hpp"
#include "parlor/game_server/supervisor_actor.hpp"
#include "parlor/registry/registry_actor.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/type_id.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

CAF_BEGIN_TYPE_ID_BLOCK(parlor_gateway, parlor::core::gateway_ids_begin)
  CAF_ADD_ATOM(parlor_gateway, parlor::gateway, inbound_atom, "inbound")
  CAF_ADD_ATOM(parlor_gateway, parlor::gateway, closed_atom, "closed")
  CAF_ADD_ATOM(parlor_gateway, parlor::gateway, idle_atom, "idle")
  CAF_ADD_ATOM(parlor_gateway, parlor::gateway, follow_atom, "follow")
  CAF_ADD_ATOM(parlor_gateway, parlor::gateway, unfollow_atom, "unfollow")
  CAF_ADD_ATOM(parlor_gateway, parlor::gateway, game_down_atom, "game_down")
  CAF_ADD_ATOM(parlor_gateway, parlor::gateway, sweep_atom, "sweep")
CAF_END_TYPE_ID_BLOCK(parlor_gateway)

static_assert(caf::id_block::parlor_gateway::end
              <= parlor::core::gateway_ids_end);

namespace parlor::gateway {

/// Limits of one WebSocket connection.
struct socket_limits {
  /// Largest text frame accepted; larger ones close the socket with 1009.
  std::size_t max_frame_bytes = 64 * 1024;
  /// Topics one socket may join at once (Phoenix's limit).
  std::size_t max_channels = 100;
  /// Frames queued for a slow reader before it is dropped with 1008.
  std::size_t max_queued_frames = 1024;
  /// A socket silent for this long is closed (clients beat every 30 s).
  std::chrono::milliseconds idle_timeout = std::chrono::seconds{60};
  /// How long a gateway waits for a GameServer or the registry.
  std::chrono::milliseconds request_timeout = std::chrono::seconds{5};
};

/// What every gateway actor of a node shares.
struct gateway_env {
  core::node_info node;
  registry::registry_actor registry;
  game_server::supervisor_actor supervisor;
  /// The node's socket fan-out (see `spawn_socket_fanout`).
  caf::actor fanout;
  /// The node's game watch (see `spawn_game_watch`).
  caf::actor watch;
  std::shared_ptr<const auth::token_signer> signer;
  std::shared_ptr<metrics::node_metrics> metrics;
  socket_limits limits;
};

/// Spawns the gateway actor of one WebSocket connection: it speaks Phoenix
/// Channels v2 for the socket (topics `phoenix`, `lobby`, `game:CODE`).
/// `token` is the connect param, if any; an invalid one means a new player.
/// Its interface towards the socket:
///
/// - `(inbound_atom, std::string text)`: a text frame from the client.
/// - `(closed_atom)`: the socket is gone; the actor quits.
caf::actor spawn_gateway(caf::actor_system& sys,
                         std::shared_ptr<const gateway_env> env,
                         std::weak_ptr<socket_sink> sink, std::string name,
                         std::optional<std::string> token);

} // namespace parlor::gateway
