#pragma once

#include "parlor/core/type_ids.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/type_id.hpp>

#include <memory>
#include <string>

namespace parlor::pubsub {

/// An encoded WebSocket text frame, built once and shared by every local
/// subscriber. Never sent to another node: peers get a plain `std::string`.
using frame_ptr = std::shared_ptr<const std::string>;

struct forward_msg;

} // namespace parlor::pubsub

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parlor::pubsub::frame_ptr)

CAF_BEGIN_TYPE_ID_BLOCK(parlor_pubsub, parlor::core::pubsub_ids_begin)
  CAF_ADD_TYPE_ID(parlor_pubsub, (parlor::pubsub::forward_msg))
  CAF_ADD_ATOM(parlor_pubsub, parlor::pubsub, subscribe_atom, "subscribe")
  CAF_ADD_ATOM(parlor_pubsub, parlor::pubsub, unsubscribe_atom, "unsubscrib")
  CAF_ADD_ATOM(parlor_pubsub, parlor::pubsub, publish_atom, "publish")
  CAF_ADD_ATOM(parlor_pubsub, parlor::pubsub, frame_atom, "frame")
CAF_END_TYPE_ID_BLOCK(parlor_pubsub)

static_assert(caf::id_block::parlor_pubsub::end
              <= parlor::core::pubsub_ids_end);
