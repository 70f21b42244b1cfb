#pragma once

#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

#include <cstdint>
#include <memory>
#include <string>

namespace parlor::gateway {

class server_state;

/// Accepts TCP connections and hands each to an `http_session`. When the
/// process or the system is out of file descriptors or memory, it waits
/// before it accepts again (5 ms, doubling up to 1 s, as Go's http.Server
/// does) instead of retrying at once, which would spin a core and stall
/// every socket; it logs once when that starts and once when it ends.
class listener : public std::enable_shared_from_this<listener> {
public:
  /// `operators`: the admin listener (`--admin-port`), whose connections
  /// are counted apart and answered by the admin router.
  explicit listener(std::shared_ptr<server_state> server,
                    bool operators = false);

  /// Binds `host:port` and listens. Returns the bound port. Throws
  /// `std::runtime_error` naming the problem if the address is unusable.
  uint16_t open(const std::string& host, uint16_t port);

  /// Starts accepting, on the io thread (which may already run).
  void run();

  /// Stops accepting. Thread-safe.
  void close();

private:
  void do_accept();
  void on_accept(boost::system::error_code ec,
                 boost::asio::ip::tcp::socket socket);
  void back_off(const boost::system::error_code& ec);

  std::shared_ptr<server_state> server_;
  bool operators_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
  /// The current wait after a resource error; zero while accepts succeed.
  std::chrono::milliseconds delay_{0};
  /// Accepts refused for lack of resources since the last success.
  uint64_t refused_ = 0;
  /// Connections refused because `--max-connections` were open.
  uint64_t full_refusals_ = 0;
};

} // namespace parlor::gateway
