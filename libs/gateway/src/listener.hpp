#pragma once

#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace parlor::gateway {

class server_state;

/// Accepts TCP connections and hands each to an `http_session`.
class listener : public std::enable_shared_from_this<listener> {
public:
  explicit listener(std::shared_ptr<server_state> server);

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

  std::shared_ptr<server_state> server_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

} // namespace parlor::gateway
