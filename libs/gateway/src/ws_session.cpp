// Beast's WebSocket stream lives here only: the heaviest translation unit of
// the gateway (docs/architecture.md, build).
#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "ws_session.hpp"

#include "batching_socket.hpp"
#include "frame_budget.hpp"
#include "io_errors.hpp"
#include "server_state.hpp"

#include "parlor/gateway/gateway_actor.hpp"
#include "parlor/protocol/frame.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <vector>

namespace parlor::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr auto ws_handshake_timeout = std::chrono::seconds{10};

/// One WebSocket connection and its gateway actor. Only `send`, `close` and
/// `abort` may be called off the io thread; everything else runs on it.
class ws_session : public local_socket,
                   public std::enable_shared_from_this<ws_session> {
public:
  ws_session(tcp::socket&& socket, std::shared_ptr<server_state> server,
             connection_slot slot)
    : ws_(std::move(socket)),
      server_(std::move(server)),
      slot_(std::move(slot)),
      budget_(server_->env->limits.socket_rate),
      pause_(ws_.get_executor()) {
    // nop
  }

  ~ws_session() override {
    // The actor hears of it first: whoever waits for the last session to
    // end (`when_no_sessions`) may stop the actors next.
    if (actor_)
      caf::anon_send(actor_, closed_atom_v);
    server_->remove_session(this);
  }

  void run(http_request req, ws_accept player) {
    auto& limits = server_->env->limits;
    websocket::stream_base::timeout t;
    t.handshake_timeout = ws_handshake_timeout;
    t.idle_timeout = websocket::stream_base::none(); // the gateway's heartbeat
    t.keep_alive_pings = false;
    ws_.set_option(t);
    // The frame size limit is enforced in on_read, not by Beast: Beast 1.74
    // tears the connection down after one read when it refuses a message
    // (teardown's bytes_transferred check), so the client sees a reset
    // instead of the 1009 close. async_close drains the rest properly.
    ws_.read_message_max(0);
    max_frame_bytes_ = limits.max_frame_bytes;
    ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) {
        res.set(http::field::server, server_name);
      }));
    name_ = std::move(player.name);
    token_ = std::move(player.token);
    ws_.next_layer().set_owner(weak_from_this());
    ws_.async_accept(req, beast::bind_front_handler(&ws_session::on_accept,
                                                    shared_from_this()));
  }

  /// Thread-safe. Called by the gateway actor: on the io thread itself
  /// (actors run there by default) the write starts at once.
  void send(shared_frame frame) override {
    asio::dispatch(ws_.get_executor(),
                   beast::bind_front_handler(&ws_session::on_send,
                                             shared_from_this(),
                                             std::move(frame)));
  }

  void deliver(const shared_frame& frame) override {
    on_send(frame);
  }

  asio::io_context& context() override {
    return server_->ioc;
  }

  /// Thread-safe. Called by the gateway actor and at shutdown.
  void close(uint16_t code, std::string reason) override {
    asio::post(ws_.get_executor(),
               beast::bind_front_handler(&ws_session::do_close,
                                         shared_from_this(), code,
                                         std::move(reason)));
  }

  void abort() override {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->ws_.next_layer().close(ec);
    });
  }

private:
  void on_accept(beast::error_code ec) {
    if (ec)
      return fail(ec, "accept");
    actor_ = spawn_gateway(server_->sys, server_->env, weak_from_this(),
                           std::move(name_), std::move(token_));
    server_->add_session(this, weak_from_this());
    if (server_->stopping)
      do_close(static_cast<uint16_t>(websocket::close_code::going_away),
               "server shutting down");
    do_read();
  }

  void do_read() {
    // Read in pieces so that an oversized message is caught after at most
    // max_frame_bytes_ + 1 bytes, whatever its header claims.
    ws_.async_read_some(buffer_, max_frame_bytes_ + 1 - buffer_.size(),
                        beast::bind_front_handler(&ws_session::on_read,
                                                  shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec)
      return fail(ec, "read");
    if (buffer_.size() > max_frame_bytes_) {
      buffer_.consume(buffer_.size());
      return do_close(static_cast<uint16_t>(websocket::close_code::too_big),
                      "frame larger than "
                        + std::to_string(max_frame_bytes_) + " bytes");
    }
    if (!ws_.is_message_done())
      return do_read();
    if (!ws_.got_text()) {
      buffer_.consume(buffer_.size());
      return do_close(static_cast<uint16_t>(websocket::close_code::unknown_data),
                      "binary frames are not supported");
    }
    switch (budget_.take(frame_budget::clock::now())) {
      case frame_budget::verdict::accept:
        caf::anon_send(actor_, inbound_atom_v,
                       beast::buffers_to_string(buffer_.data()));
        break;
      case frame_budget::verdict::refuse:
        refuse_frame();
        buffer_.consume(buffer_.size());
        return pause_reading();
      case frame_budget::verdict::close:
        buffer_.consume(buffer_.size());
        return do_close(static_cast<uint16_t>(websocket::close_code::policy_error),
                        "rate limit exceeded");
    }
    buffer_.consume(buffer_.size());
    do_read();
  }

  /// A socket over its budget reads its next frame only after a pause, so
  /// that a flood costs the io thread at most ~1,000 refusals a second per
  /// socket; the rest waits in the kernel and TCP slows the sender down.
  void pause_reading() {
    pause_.expires_after(refusal_pause);
    pause_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && !self->closing_)
        self->do_read();
    });
  }

  /// Answers a frame over the socket's budget with `rate_limited`, here on
  /// the io thread: a flood costs a look at each frame's head, and its
  /// frames never reach the gateway actor.
  void refuse_frame() {
    server_->env->metrics->rate_limited.add();
    auto data = buffer_.cdata();
    auto head = protocol::peek_head(
      {static_cast<const char*>(data.data()), data.size()});
    if (!head || !head->ref)
      return;
    on_send(std::make_shared<const std::string>(protocol::encode_reply(
      head->join_ref, head->ref, head->topic, false,
      protocol::reason("rate_limited"))));
  }

  /// Writes the frame, or queues it while a slow reader holds more than
  /// the socket's high-water mark.
  void on_send(const shared_frame& frame) {
    if (closing_ || !ws_.is_open())
      return; // Beast answered a close frame: nothing may follow it
    if (auto ec = ws_.next_layer().error()) {
      // The socket is done: the gateway hears it once, here or from the
      // read that fails next.
      if (actor_)
        fail(ec, "write");
      return;
    }
    if (!stalled_)
      return write_text(*frame);
    if (queue_.size() >= server_->env->limits.max_queued_frames)
      return do_close(static_cast<uint16_t>(websocket::close_code::policy_error),
                      "client too slow");
    queue_.push_back(frame);
  }

  /// Puts a text frame into the socket's buffer directly: a server's frame
  /// is a 2-10 byte header and the payload (unmasked, RFC 6455 §5.2), and
  /// going through Beast's write operation cost more than the rest of a
  /// send (a composed operation and two handler posts per frame, with no
  /// other effect: the batching socket completes writes at once). Beast
  /// still writes its control frames (pong, close) into the same buffer,
  /// each whole, so frames never interleave.
  void write_text(std::string_view payload) {
    char head[10];
    std::size_t len = 2;
    head[0] = static_cast<char>(0x81); // FIN, text
    auto n = payload.size();
    if (n < 126) {
      head[1] = static_cast<char>(n);
    } else if (n <= 0xffff) {
      head[1] = 126;
      head[2] = static_cast<char>(n >> 8);
      head[3] = static_cast<char>(n);
      len = 4;
    } else {
      head[1] = 127;
      for (int i = 0; i < 8; ++i)
        head[2 + i] = static_cast<char>(uint64_t{n} >> (56 - 8 * i));
      len = 10;
    }
    auto& socket = ws_.next_layer();
    if (!socket.append({head, len}, payload))
      return fail(socket.error(), "write");
    if (socket.buffered() > batching_socket::high_water)
      wait_until_sent();
  }

  /// Back-pressure: further frames queue (up to `max_queued_frames`) until
  /// the reader has taken everything buffered.
  void wait_until_sent() {
    stalled_ = true;
    ws_.next_layer().async_wait_sent(
      beast::bind_front_handler(&ws_session::on_sent, shared_from_this()));
  }

  void on_sent(beast::error_code ec) {
    stalled_ = false;
    if (ec) {
      std::vector<shared_frame>{}.swap(queue_);
      return fail(ec, "write");
    }
    auto writable = [this] {
      return !stalled_ && !closing_ && ws_.is_open()
             && !ws_.next_layer().error();
    };
    std::size_t i = 0;
    while (i < queue_.size() && writable())
      write_text(*queue_[i++]);
    queue_.erase(queue_.begin(), queue_.begin() + i);
    if (queue_.empty() || closing_ || !ws_.is_open()
        || ws_.next_layer().error()) {
      // Sent, or never to be sent: idle and dead sockets hold no queue.
      std::vector<shared_frame>{}.swap(queue_);
    }
  }

  void do_close(uint16_t code, std::string reason) {
    if (closing_ || !ws_.is_open())
      return;
    closing_ = true;
    std::vector<shared_frame>{}.swap(queue_); // never to be sent
    websocket::close_reason cr{code};
    cr.reason = std::move(reason);
    ws_.async_close(cr, [self = shared_from_this()](beast::error_code ec) {
      if (ec && !benign(ec))
        spdlog::debug("websocket close: {}", ec.message());
      // When we stopped reading (oversized or binary message), nothing else
      // tells the gateway actor that the socket is gone.
      self->fail(ec ? ec : websocket::error::closed, "close");
    });
  }

  void fail(beast::error_code ec, const char* what) {
    if (!benign(ec) && ec != websocket::error::message_too_big)
      spdlog::debug("websocket {}: {}", what, ec.message());
    if (actor_) {
      caf::anon_send(actor_, closed_atom_v);
      actor_ = nullptr;
    }
  }

  // Not beast::tcp_stream below: the WebSocket layer has its own handshake
  // timer, and tcp_stream's timers add to every socket's memory (the idle
  // benchmark measures memory per player, docs/benchmarks.md). The batching socket sends
  // the frames written in one round of the io thread together.
  websocket::stream<batching_socket> ws_;
  beast::flat_buffer buffer_;
  /// Frames waiting while the socket is stalled. A vector: an empty
  /// std::deque holds 576 bytes, and most sockets are idle.
  std::vector<shared_frame> queue_;
  std::shared_ptr<server_state> server_;
  gateway_actor actor_;
  std::string name_;
  std::optional<std::string> token_;
  std::size_t max_frame_bytes_ = 0;
  bool closing_ = false;
  /// More than the high-water mark is buffered: frames queue.
  bool stalled_ = false;
  /// Counts this connection towards `--max-connections`.
  connection_slot slot_;
  /// `--socket-rate`.
  frame_budget budget_;
  /// Delays the next read of a socket over its budget (`pause_reading`).
  asio::steady_timer pause_;
  static constexpr auto refusal_pause = std::chrono::milliseconds{1};
};

} // namespace

void run_ws_session(tcp::socket&& socket, std::shared_ptr<server_state> server,
                    connection_slot slot, http_request req, ws_accept player) {
  std::make_shared<ws_session>(std::move(socket), std::move(server),
                               std::move(slot))
    ->run(std::move(req), std::move(player));
}

} // namespace parlor::gateway
