// parlorctl's only Beast translation unit.
#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <stdexcept>

namespace parlor::ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

http_answer http_request(const endpoint& to, const std::string& method,
                         const std::string& target,
                         const std::string& authorization,
                         std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  http::request<http::string_body> req{http::string_to_verb(method), target,
                                       11};
  req.set(http::field::host, core::to_string(to));
  req.set(http::field::user_agent, "parlorctl");
  if (!authorization.empty())
    req.set(http::field::authorization, authorization);
  req.prepare_payload();
  http::response<http::string_body> res;
  beast::error_code failure;
  std::string stage = "resolve";
  auto where = [&] { return "http://" + core::to_string(to); };
  tcp::resolver resolver{ioc};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  stream.expires_at(deadline);
  resolver.async_resolve(
    to.host, std::to_string(to.port),
    [&](beast::error_code resolved, tcp::resolver::results_type r) {
      if (resolved)
        return void(failure = resolved);
      stage = "connect to";
      stream.async_connect(r, [&](beast::error_code connected,
                                  const tcp::endpoint&) {
        if (connected)
          return void(failure = connected);
        stage = "send to";
        http::async_write(stream, req, [&](beast::error_code sent,
                                           std::size_t) {
          if (sent)
            return void(failure = sent);
          stage = "read from";
          http::async_read(stream, buffer, res,
                           [&](beast::error_code read, std::size_t) {
                             failure = read;
                           });
        });
      });
    });
  ioc.run();
  if (failure) {
    auto why = failure == beast::error::timeout ? std::string{"timed out"}
                                                : failure.message();
    throw std::runtime_error("cannot " + stage + " " + where() + ": " + why);
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return {res.result_int(), std::move(res.body())};
}

} // namespace parlor::ctl
