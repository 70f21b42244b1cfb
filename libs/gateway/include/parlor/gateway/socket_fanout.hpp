#pragma once

#include "parlor/gateway/fanout_delivery.hpp"
#include "parlor/gateway/socket_sink.hpp"
#include "parlor/metrics/metrics.hpp"
#include "parlor/pubsub/pubsub_actor.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <memory>

/// How a gateway names its socket to the fan-out (never leaves the node).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::weak_ptr<parlor::gateway::socket_sink>)

namespace parlor::gateway {

/// A node's socket fan-out: the one local subscriber of the PubSub
/// for every topic that sockets of this node have joined. A broadcast costs
/// one actor message here and one hand-off per io thread (`send_to_all`),
/// not one actor message and one post per socket.
///
/// - `(pubsub::subscribe_atom, std::string topic, std::weak_ptr<socket_sink>)`
///   → `ok`: the socket gets the topic's frames from now on. The reply comes
///   once the PubSub has the subscription in its mailbox, so a gateway that
///   waits for it misses nothing published after its later join. Counted:
///   subscribe twice, unsubscribe twice.
/// - `(pubsub::unsubscribe_atom, std::string topic, std::weak_ptr<socket_sink>)`.
/// - `(pubsub::frame_atom, std::string topic, pubsub::frame_ptr)`: from the
///   PubSub; queued on every live socket of `topic`. Sockets that are gone
///   are forgotten on the way.
using socket_fanout_actor = caf::typed_actor<
  caf::replies_to<pubsub::subscribe_atom, std::string,
                  std::weak_ptr<socket_sink>>::with<caf::ok_atom>,
  caf::reacts_to<pubsub::unsubscribe_atom, std::string,
                 std::weak_ptr<socket_sink>>>::
  extend_with<pubsub::subscriber_actor>;

/// Spawns a node's socket fan-out.
socket_fanout_actor
spawn_socket_fanout(caf::actor_system& sys, pubsub::pubsub_actor pubsub,
                    std::shared_ptr<metrics::node_metrics> metrics);

} // namespace parlor::gateway
