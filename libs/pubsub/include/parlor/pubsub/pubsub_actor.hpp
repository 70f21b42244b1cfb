#pragma once

#include "parlor/cluster/messages.hpp"
#include "parlor/pubsub/messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>

namespace parlor::pubsub {

/// What a local subscriber handles: `(frame_atom, topic, frame)` for each
/// frame published on a topic it subscribed to.
using subscriber_actor = caf::typed_actor<
  caf::reacts_to<frame_atom, std::string, frame_ptr>>;

/// This node's PubSub:
///
/// - `(subscribe_atom, topic, who)`: `who` receives the frames published on
///   `topic` until it unsubscribes or terminates (subscribers are
///   monitored).
/// - `(unsubscribe_atom, topic, who)`.
/// - `(publish_atom, topic, frame)`: hands the same immutable frame to every
///   local subscriber of `topic`, in publish order, and sends it once to
///   each peer node's PubSub as a `forward_msg`.
/// - `forward_msg`: a frame published on a peer node.
/// - Membership (it watches the cluster agent): a peer's PubSub comes with
///   its `member_up_msg` as the service `pubsub::service_name`.
using pubsub_actor = caf::typed_actor<
  caf::reacts_to<subscribe_atom, std::string, subscriber_actor>,
  caf::reacts_to<unsubscribe_atom, std::string, subscriber_actor>,
  caf::reacts_to<publish_atom, std::string, frame_ptr>,
  caf::reacts_to<forward_msg>>::extend_with<cluster::membership_watcher>;

/// The name under which a node offers its PubSub to peers.
inline constexpr const char* service_name = "pubsub";

/// Spawns this node's PubSub actor.
pubsub_actor spawn_pubsub(caf::actor_system& sys);

} // namespace parlor::pubsub
