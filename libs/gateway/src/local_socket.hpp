#pragma once

#include "parlor/gateway/socket_sink.hpp"

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace parlor::gateway {

/// A WebSocket session of this node's `http_server`, as the server and the
/// fan-out see it: Beast stays inside `ws_session.cpp`.
class local_socket : public socket_sink {
public:
  /// The `io_context` the session runs on (run by exactly one thread).
  virtual boost::asio::io_context& context() = 0;

  /// Queues a frame. On the thread running `context()` only: `send_to_all`
  /// hands many sessions their frame in one handler.
  virtual void deliver(const shared_frame& frame) = 0;

  /// Drops the TCP connection; pending operations fail. Thread-safe.
  virtual void abort() = 0;
};

} // namespace parlor::gateway
