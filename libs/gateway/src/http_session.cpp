#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "http_session.hpp"

#include "io_errors.hpp"
#include "router.hpp"
#include "server_state.hpp"
#include "ws_session.hpp"

#include "parlor/core/clock.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <spdlog/spdlog.h>

#include <optional>
#include <variant>

namespace parlor::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t max_request_bytes = 16 * 1024;
/// A request must arrive whole within this, headers included (contract
/// §9): a client that trickles bytes (slowloris) holds a socket no longer.
constexpr auto http_read_timeout = std::chrono::seconds{10};

/// Whether `ec` says the bytes were not HTTP (rather than that the
/// connection ended or timed out): answered with 400.
bool malformed(const beast::error_code& ec) {
  return ec.category() == beast::http::make_error_code(http::error::bad_method)
                            .category()
         && ec != http::error::end_of_stream
         && ec != http::error::partial_message
         && ec != http::error::need_more && ec != http::error::need_buffer;
}

/// One HTTP connection: serves requests until it is upgraded or closed.
class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(tcp::socket&& socket, std::shared_ptr<server_state> server,
               connection_slot slot, const router& routes)
    : stream_(std::move(socket)),
      server_(std::move(server)),
      slot_(std::move(slot)),
      routes_(routes) {
    // nop
  }

  void run() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&http_session::do_read,
                                             shared_from_this()));
  }

private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(max_request_bytes);
    parser_->body_limit(max_request_bytes);
    stream_.expires_after(http_read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read,
                                               shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit || ec == http::error::header_limit)
      return reply(plain_response(http::status::payload_too_large,
                                  "request too large\n", 11, false));
    if (ec && malformed(ec))
      return reply(plain_response(http::status::bad_request,
                                  "bad request: " + ec.message() + "\n", 11,
                                  false));
    if (ec) {
      if (!benign(ec))
        spdlog::debug("http read: {}", ec.message());
      return shutdown();
    }
    auto req = parser_->release();
    auto what = routes_(req, server_->status(), core::unix_ms());
    if (auto* res = std::get_if<http_response>(&what))
      return reply(std::move(*res));
    if (auto* call = std::get_if<admin_call>(&what))
      return admin(req, std::move(*call));
    upgrade(std::move(req), std::get<ws_accept>(std::move(what)));
  }

  /// Runs a signed admin action; the answer may take a while (a drain), so
  /// it is written when it comes.
  void admin(const http_request& req, admin_call call) {
    auto version = req.version();
    auto keep = req.keep_alive();
    // Drains are bounded by the node; this only stops a stuck connection.
    stream_.expires_after(std::chrono::minutes{2});
    auto self = shared_from_this();
    auto executor = stream_.get_executor();
    server_->opts.admin(call.action, call.params,
                        [self, executor, version, keep](unsigned status,
                                                        std::string body) {
                          asio::post(executor, [=]() mutable {
                            self->reply(json_response(status, std::move(body),
                                                      version, keep));
                          });
                        });
  }

  void upgrade(http_request req, ws_accept player) {
    stream_.expires_never();
    run_ws_session(stream_.release_socket(), server_, std::move(*slot_),
                   std::move(req), std::move(player));
  }

  void reply(http_response res) {
    auto sp = std::make_shared<http_response>(std::move(res));
    http::async_write(stream_, *sp,
                      [self = shared_from_this(), sp](beast::error_code ec,
                                                      std::size_t) {
                        self->on_write(ec, sp->need_eof());
                      });
  }

  void on_write(beast::error_code ec, bool close) {
    if (ec) {
      if (!benign(ec))
        spdlog::debug("http write: {}", ec.message());
      return;
    }
    if (close)
      return shutdown();
    do_read();
  }

  void shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<server_state> server_;
  /// Empty once a WebSocket session took it over.
  std::optional<connection_slot> slot_;
  /// The server's players' or admin router (it outlives its sessions).
  const router& routes_;
};

} // namespace

void run_http_session(tcp::socket&& socket,
                      std::shared_ptr<server_state> server,
                      connection_slot slot, bool operators) {
  const auto& routes = operators ? server->admin_routes : server->routes;
  std::make_shared<http_session>(std::move(socket), std::move(server),
                                 std::move(slot), routes)
    ->run();
}

} // namespace parlor::gateway
