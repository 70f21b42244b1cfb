#pragma once

#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace parlor::gateway {

class server_state;
class connection_slot;

/// Serves HTTP requests on `socket` until it closes or a request upgrades
/// it to a WebSocket (then a `ws_session` takes the socket over). On the io
/// thread. `operators`: a connection of the admin listener.
void run_http_session(boost::asio::ip::tcp::socket&& socket,
                      std::shared_ptr<server_state> server,
                      connection_slot slot, bool operators);

} // namespace parlor::gateway
