#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace parlor::gateway {

/// An encoded frame shared between sockets (see `pubsub::frame_ptr`).
using shared_frame = std::shared_ptr<const std::string>;

/// The write side of one WebSocket, as its gateway actor sees it. Both calls
/// are thread-safe and never block: they post to the socket's strand.
class socket_sink {
public:
  virtual ~socket_sink() = default;

  /// Queues a text frame.
  virtual void send(shared_frame frame) = 0;

  /// Closes the socket with a WebSocket close code and reason.
  virtual void close(uint16_t code, std::string reason) = 0;
};

} // namespace parlor::gateway
