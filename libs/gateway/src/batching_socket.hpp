#pragma once

// Beast and Asio heavy: included by ws_session.cpp (and its unit test) only.

#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parlor::gateway {

/// A TCP socket that gathers writes: the next layer of the WebSocket stream.
///
/// A write is copied into a buffer and completes at once; the buffer leaves
/// in one send after the io thread has run the handlers that were queued at
/// the time of the first write (two posts later). The frames one move makes
/// for the same socket, the `state` broadcast and the reply to the mover,
/// therefore leave in one `sendmsg` instead of two: on loopback each send
/// also runs the receiver's TCP input and wake-up (bench/README.md, the
/// kernel's send cost, measures it). What Beast writes (its pongs and the
/// close frame) and what the session frames itself (`append`: every text
/// frame) pass through the one buffer, each whole, so the order of bytes on
/// the wire is the order of the writes.
///
/// Back-pressure: while more than `high_water` bytes wait, a write completes
/// only when the send that carries it has finished, so a slow reader stalls
/// the WebSocket stream's writes instead of growing this buffer; a caller
/// that appends checks `buffered()` and waits (`async_wait_sent`) itself,
/// as the session does (its frames then queue, up to its limit).
///
/// Single-threaded: every call on the socket's executor. `set_owner` must
/// name the object that owns this socket before the first write: pending
/// sends keep it alive.
class batching_socket {
public:
  using socket_type = boost::asio::ip::tcp::socket;
  using executor_type = socket_type::executor_type;
  using error_code = boost::system::error_code;

  static constexpr std::size_t high_water = 64 * 1024;

  explicit batching_socket(socket_type&& socket) : socket_(std::move(socket)) {
    // nop
  }

  batching_socket(const batching_socket&) = delete;
  batching_socket& operator=(const batching_socket&) = delete;

  void set_owner(std::weak_ptr<void> owner) {
    owner_ = std::move(owner);
  }

  executor_type get_executor() noexcept {
    return socket_.get_executor();
  }

  /// The TCP socket (Beast's `get_lowest_layer` finds it here).
  socket_type& next_layer() noexcept {
    return socket_;
  }

  /// Drops the connection; buffered bytes are lost, pending sends fail.
  void close(error_code& ec) {
    socket_.close(ec);
  }

  /// Bytes written but not yet confirmed sent.
  std::size_t buffered() const noexcept {
    return out_.size() + inflight_.size();
  }

  /// Sends started so far (each is one gathered write to the TCP socket).
  std::size_t sends() const noexcept {
    return sends_;
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return socket_.async_read_some(buffers, std::forward<Token>(token));
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(error_code, std::size_t)>(
      [this](auto handler, const ConstBuffers& bufs) {
        start_write(std::move(handler), bufs);
      },
      token, buffers);
  }

  /// Appends `head` and `body` to the next send, outside any write
  /// operation: for a caller that frames its messages itself and keeps to
  /// `high_water` by waiting with `async_wait_sent`. The bytes join the
  /// buffer whole, so they never split another write's bytes. False, and
  /// nothing appended, once a send has failed (see `error`).
  bool append(std::string_view head, std::string_view body) {
    if (error_)
      return false;
    out_.reserve(out_.size() + head.size() + body.size());
    out_.append(head);
    out_.append(body);
    schedule_send();
    return true;
  }

  /// The error of the first failed send, if any.
  error_code error() const noexcept {
    return error_;
  }

  /// Calls `f(ec)` once everything buffered has been sent (or sending
  /// failed); at once, posted, if nothing waits. Any number may wait.
  template <class F>
  void async_wait_sent(F&& f) {
    using handler_t = std::decay_t<F>;
    if (!writing_ && out_.empty()) {
      boost::asio::post(get_executor(),
                        boost::beast::bind_front_handler(std::forward<F>(f),
                                                         error_));
      return;
    }
    drained_.push_back(std::make_unique<held<handler_t, error_code>>(
      std::forward<F>(f)));
  }

private:
  /// A completion handler kept until a send finishes (type-erased: Beast's
  /// operations are move-only).
  template <class... Args>
  struct held_base {
    virtual ~held_base() = default;
    virtual void post(executor_type ex, Args... args) = 0;
  };

  template <class Handler, class... Args>
  struct held : held_base<Args...> {
    explicit held(Handler h) : handler(std::move(h)) {
      // nop
    }
    void post(executor_type ex, Args... args) override {
      boost::asio::post(ex, boost::beast::bind_front_handler(
                              std::move(handler), args...));
    }
    Handler handler;
  };

  template <class Handler, class ConstBuffers>
  void start_write(Handler handler, const ConstBuffers& buffers) {
    if (error_) {
      boost::asio::post(get_executor(), boost::beast::bind_front_handler(
                                          std::move(handler), error_, 0));
      return;
    }
    std::size_t n = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::const_buffer b = *it;
      out_.append(static_cast<const char*>(b.data()), b.size());
      n += b.size();
    }
    schedule_send();
    if (buffered() <= high_water) {
      boost::asio::post(get_executor(), boost::beast::bind_front_handler(
                                          std::move(handler), error_code{}, n));
      return;
    }
    throttled_ = std::make_unique<held<Handler, error_code, std::size_t>>(
      std::move(handler));
    throttled_bytes_ = n;
  }

  void schedule_send() {
    if (scheduled_ || writing_)
      return; // the running send's completion sends the rest
    scheduled_ = true;
    // Two posts: behind the handlers queued now, and behind the ones those
    // queue (the gateway actor's reply follows the fan-out's state by one).
    auto ex = get_executor();
    boost::asio::post(ex, [this, keep = owner_.lock(), ex]() mutable {
      boost::asio::post(ex, [this, keep = std::move(keep)] {
        scheduled_ = false;
        send();
      });
    });
  }

  void send() {
    if (writing_ || out_.empty())
      return;
    writing_ = true;
    ++sends_;
    inflight_.swap(out_);
    carried_ = std::move(throttled_);
    boost::asio::async_write(
      socket_, boost::asio::buffer(inflight_),
      [this, keep = owner_.lock()](error_code ec, std::size_t) {
        on_sent(ec);
      });
  }

  void on_sent(error_code ec) {
    writing_ = false;
    inflight_.clear();
    auto ex = get_executor();
    if (ec) {
      error_ = ec;
      out_.clear();
    }
    if (carried_) {
      auto n = throttled_bytes_;
      std::exchange(carried_, nullptr)->post(ex, error_, error_ ? 0 : n);
    }
    if (!error_ && !out_.empty()) {
      send(); // already behind the handlers that wrote it
      return;
    }
    if (throttled_) // its bytes left with the send that just failed
      std::exchange(throttled_, nullptr)->post(ex, error_, 0);
    // Idle sockets hold no buffer (most sockets are idle).
    std::string{}.swap(inflight_);
    std::string{}.swap(out_);
    for (auto& waiter : std::exchange(drained_, {}))
      waiter->post(ex, error_);
  }

  socket_type socket_;
  std::weak_ptr<void> owner_;
  /// Written, waiting for the next send.
  std::string out_;
  /// Being sent.
  std::string inflight_;
  std::unique_ptr<held_base<error_code, std::size_t>> throttled_;
  std::size_t throttled_bytes_ = 0;
  /// The throttled write whose bytes the running send carries.
  std::unique_ptr<held_base<error_code, std::size_t>> carried_;
  std::vector<std::unique_ptr<held_base<error_code>>> drained_;
  error_code error_;
  std::size_t sends_ = 0;
  bool scheduled_ = false;
  bool writing_ = false;
};

/// WebSocket teardown (Beast finds it by argument-dependent lookup): sends
/// what is buffered, the close frame included, then shuts the TCP
/// connection down the way Beast does for a plain socket.
template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, batching_socket& socket,
                    TeardownHandler&& handler) {
  socket.async_wait_sent(
    [role, &socket, h = std::forward<TeardownHandler>(handler)](
      batching_socket::error_code) mutable {
      boost::beast::websocket::async_teardown(role, socket.next_layer(),
                                              std::move(h));
    });
}

} // namespace parlor::gateway
