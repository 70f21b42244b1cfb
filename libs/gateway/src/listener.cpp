#include "listener.hpp"

#include "http_session.hpp"
#include "server_state.hpp"

#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace parlor::gateway {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

listener::listener(std::shared_ptr<server_state> server, bool operators)
  : server_(std::move(server)),
    operators_(operators),
    acceptor_(server_->ioc),
    retry_(server_->ioc) {
  // nop
}

uint16_t listener::open(const std::string& host, uint16_t port) {
  error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec)
    throw std::runtime_error(std::string{"invalid "}
                             + (operators_ ? "--admin-host" : "--http-host")
                             + " '" + host + "': " + ec.message());
  tcp::endpoint ep{address, port};
  auto where = [&] {
    return host + ":" + std::to_string(port);
  };
  if (acceptor_.open(ep.protocol(), ec); ec)
    throw std::runtime_error("cannot open HTTP socket: " + ec.message());
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec); ec)
    throw std::runtime_error("cannot set SO_REUSEADDR: " + ec.message());
  if (acceptor_.bind(ep, ec); ec)
    throw std::runtime_error(std::string{"cannot bind "}
                             + (operators_ ? "admin" : "HTTP") + " port "
                             + where() + ": " + ec.message());
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec)
    throw std::runtime_error("cannot listen on " + where() + ": "
                             + ec.message());
  return acceptor_.local_endpoint().port();
}

void listener::run() {
  asio::post(server_->ioc, [self = shared_from_this()] { self->do_accept(); });
}

void listener::close() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    error_code ec;
    self->acceptor_.close(ec);
    self->retry_.cancel();
  });
}

void listener::do_accept() {
  // No strands: one thread runs `ioc`, so handlers never run concurrently,
  // and a broadcast can serve many sessions in one handler (send_to_all).
  acceptor_.async_accept(server_->ioc, [self = shared_from_this()](
                                         error_code ec, tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

namespace {

/// Whether accepting failed for lack of descriptors or memory: retrying at
/// once would fail again.
bool out_of_resources(const error_code& ec) {
  return ec == asio::error::no_descriptors // EMFILE
         || ec == boost::system::errc::too_many_files_open_in_system // ENFILE
         || ec == asio::error::no_buffer_space                       // ENOBUFS
         || ec == asio::error::no_memory;                            // ENOMEM
}

} // namespace

void listener::back_off(const error_code& ec) {
  using std::chrono::milliseconds;
  if (refused_++ == 0)
    spdlog::warn("http accept: {}; retrying with back-off until it clears",
                 ec.message());
  delay_ = delay_.count() == 0 ? milliseconds{5}
                               : std::min(delay_ * 2, milliseconds{1000});
  retry_.expires_after(delay_);
  retry_.async_wait([self = shared_from_this()](error_code wait_ec) {
    if (!wait_ec && self->acceptor_.is_open())
      self->do_accept();
  });
}

void listener::on_accept(error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open())
    return;
  if (ec && out_of_resources(ec))
    return back_off(ec);
  if (ec) {
    // The connection went away before it was accepted (ECONNABORTED...):
    // nothing to wait for.
    spdlog::debug("http accept: {}", ec.message());
  } else {
    if (refused_ > 0)
      spdlog::info("http accept: accepting again after {} refused "
                   "attempt(s)", refused_);
    refused_ = 0;
    delay_ = std::chrono::milliseconds{0};
    // Small frames, request/response: Nagle plus delayed ACKs would add
    // ~40 ms to a reply that follows a write.
    error_code peer_ec;
    auto peer = socket.remote_endpoint(peer_ec);
    auto address = peer_ec ? std::string{} : peer.address().to_string();
    auto slot = operators_ ? server_->take_admin_slot()
                           : server_->take_slot(address);
    if (!slot) {
      // Full: this one is refused, the open ones are not disturbed.
      if (full_refusals_++ % 1000 == 0)
        spdlog::warn("http accept: {} connections open, or too many from {} "
                     "(--max-connections, --max-connections-per-address): "
                     "refusing new ones ({} so far)",
                     server_->open_connections(), address, full_refusals_);
      error_code close_ec;
      socket.close(close_ec);
      return do_accept();
    }
    error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    run_http_session(std::move(socket), server_, std::move(*slot),
                     operators_);
  }
  do_accept();
}

} // namespace parlor::gateway
