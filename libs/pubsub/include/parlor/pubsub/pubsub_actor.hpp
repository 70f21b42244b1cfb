#pragma once

#include "parlor/pubsub/fwd.hpp"

namespace parlor::pubsub {

/// Spawns this node's PubSub actor. Its interface:
///
/// - `(subscribe_atom, std::string topic, caf::actor who)`: `who` receives
///   `(frame_atom, frame_ptr)` for each frame published on `topic` until it
///   unsubscribes or terminates (subscribers are monitored).
/// - `(unsubscribe_atom, std::string topic, caf::actor who)`.
/// - `(publish_atom, std::string topic, frame_ptr frame)`: hands the same
///   immutable frame to every subscriber of `topic`, in publish order.
caf::actor spawn_pubsub(caf::actor_system& sys);

} // namespace parlor::pubsub
