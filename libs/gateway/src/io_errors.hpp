#pragma once

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>

namespace parlor::gateway {

/// Asio errors that only mean "the peer or we closed": not worth a log line.
inline bool benign(const boost::beast::error_code& ec) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  return ec == asio::error::operation_aborted
         || ec == beast::websocket::error::closed
         || ec == beast::error::timeout
         || ec == beast::http::error::end_of_stream || ec == asio::error::eof
         || ec == asio::error::connection_reset
         || ec == asio::error::broken_pipe;
}

} // namespace parlor::gateway
