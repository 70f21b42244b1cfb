#pragma once

#include "parlor/pubsub/fwd.hpp"

#include <caf/meta/type_name.hpp>

#include <string>

namespace parlor::pubsub {

/// PubSub → peer PubSub: a frame published on the sender's node, as plain
/// text (a `frame_ptr` never leaves its node). Delivered to the receiver's
/// local subscribers only, never forwarded again.
struct forward_msg {
  std::string topic;
  std::string frame;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, forward_msg& x) {
  return f(caf::meta::type_name("forward_msg"), x.topic, x.frame);
}

} // namespace parlor::pubsub
