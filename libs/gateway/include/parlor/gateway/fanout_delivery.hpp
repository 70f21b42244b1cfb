#pragma once

#include "parlor/gateway/socket_sink.hpp"

#include <memory>
#include <vector>

namespace parlor::gateway {

/// Queues `frame` on every sink of `sinks`: one hand-off per io thread for
/// the WebSocket sessions of an `http_server`, `send` for any other sink.
/// Any thread.
void send_to_all(const shared_frame& frame,
                 const std::vector<std::shared_ptr<socket_sink>>& sinks);

} // namespace parlor::gateway
