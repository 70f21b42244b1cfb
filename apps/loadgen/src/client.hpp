#pragma once

// The loadgen's view of the network: Phoenix v2 WebSocket connections and a
// tiny HTTP GET, on one single-threaded io_context. Beast stays inside
// client.cpp; scenarios only see this interface.

#include "options.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace parlor::loadgen {

using clock_type = std::chrono::steady_clock;

/// Microseconds from `t` to now.
inline uint64_t us_since(clock_type::time_point t) {
  auto d = clock_type::now() - t;
  return static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

/// One WebSocket connection (Phoenix Channels v2 framing is up to the
/// caller). Create with `connection::open`; callbacks run on the
/// io_context's thread.
class connection {
public:
  struct handlers {
    /// The handshake finished (`error` empty) or failed.
    std::function<void(const std::string& error)> opened;
    /// A text frame arrived.
    std::function<void(std::string_view text)> message;
    /// The connection ended after it was opened.
    std::function<void(const std::string& why)> closed;
  };

  virtual ~connection() = default;

  /// Opens `ws://url.host:url.port` + `target` from local address `source`
  /// (empty: any).
  static std::shared_ptr<connection>
  open(boost::asio::io_context& ioc, const ws_url& url,
       const std::string& target, const std::string& source, handlers h);

  /// Queues a text frame.
  virtual void send(std::string text) = 0;

  /// Drops the connection (no close handshake); no more callbacks.
  virtual void close() = 0;

  virtual bool is_open() const = 0;

  /// A fresh message ref for this connection.
  std::string next_ref() { return std::to_string(++ref_); }

  /// Sends a Phoenix heartbeat if the last one is `interval` old.
  void heartbeat_if_due(clock_type::duration interval);

  uint64_t heartbeats = 0;

private:
  uint64_t ref_ = 0;
  clock_type::time_point last_beat_ = clock_type::now();
};

/// Runs a timer: `fn` every `period` until it returns false.
void every(boost::asio::io_context& ioc, std::chrono::microseconds period,
           std::function<bool()> fn);

/// Runs `fn` once after `delay`.
void after(boost::asio::io_context& ioc, std::chrono::microseconds delay,
           std::function<void()> fn);

/// `GET http://host:port/path` with a few seconds' deadline, run on its own
/// io_context (call it outside the measured phases). Throws
/// `std::runtime_error` naming the endpoint on failure.
std::string http_get(const std::string& host, const std::string& port,
                     const std::string& path);

/// Frames sent and received, for the progress line and the summary.
struct traffic {
  uint64_t frames_out = 0;
  uint64_t frames_in = 0;
};

traffic& counters();

} // namespace parlor::loadgen
