#pragma once

#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "router.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace parlor::gateway {

class server_state;
class connection_slot;

/// Accepts the WebSocket upgrade `req` on `socket` and runs the session
/// until the socket closes; the session's gateway actor speaks Phoenix
/// Channels for `player`. On the io thread.
void run_ws_session(boost::asio::ip::tcp::socket&& socket,
                    std::shared_ptr<server_state> server,
                    connection_slot slot, http_request req, ws_accept player);

} // namespace parlor::gateway
