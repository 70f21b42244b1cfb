#pragma once

#include "parlor/pubsub/fwd.hpp"

namespace parlor::pubsub {

/// Spawns this node's PubSub actor. Its interface:
///
/// - `(subscribe_atom, std::string topic, caf::actor who)`: `who` receives
///   `(frame_atom, std::string topic, frame_ptr)` for each frame published
///   on `topic` until it unsubscribes or terminates (subscribers are
///   monitored).
/// - `(unsubscribe_atom, std::string topic, caf::actor who)`.
/// - `(publish_atom, std::string topic, frame_ptr frame)`: hands the same
///   immutable frame to every local subscriber of `topic`, in publish order,
///   and sends it once to each peer node's PubSub.
/// - `(forward_atom, std::string topic, std::string frame)`: a frame
///   published on a peer node; delivered locally, never forwarded again.
/// - `(cluster::peer_up_atom, std::string node, caf::actor peer_pubsub)` and
///   `(cluster::peer_down_atom, std::string node)`: cluster membership, from the
///   cluster agent.
caf::actor spawn_pubsub(caf::actor_system& sys);

} // namespace parlor::pubsub
