// parlor-echo: the latency floor. One thread, Boost.Beast WebSockets, every
// text frame sent straight back. Same stack as parlor-node's gateway minus
// everything Parlor does (no JSON, no actors, no storage).
//
// The fan-out floor: a text frame that starts with '*' is not echoed but
// sent to every open connection (the sender included), the same shared
// bytes to each, as a node sends a broadcast to its sockets.
//
// The move floor (bench/peers' "floor" system): a connection that sends
// "=KEY" (echoed) is paired with the next one that sends the same KEY, and
// both then get "+KEY"; a frame that starts with '>' is echoed to its
// sender and also sent to the sender's partner, the same shared bytes to
// both: the frames of one move (the mover's answer, the opponent's state)
// with no game behind them.
//
//   parlor-echo [--host=127.0.0.1] [--port=0]
//
// Logs "listening on HOST:PORT" once it accepts; stops on SIGTERM/SIGINT.
#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

using shared_text = std::shared_ptr<const std::string>;

class session;

/// Every open session (one thread: no locking).
std::unordered_set<session*> sessions;

/// Sessions that sent "=KEY" and wait for their partner, by KEY.
std::unordered_map<std::string, session*> unpaired;

class session : public std::enable_shared_from_this<session> {
public:
  explicit session(tcp::socket&& s) : ws_(std::move(s)) {
    // nop
  }

  ~session() {
    sessions.erase(this);
    if (partner_)
      partner_->partner_ = nullptr;
    if (!pair_key_.empty()) {
      auto it = unpaired.find(pair_key_);
      if (it != unpaired.end() && it->second == this)
        unpaired.erase(it);
    }
  }

  void push(const shared_text& text) {
    outbox_.push_back(text);
    if (outbox_.size() == 1)
      write();
  }

  void run() {
    ws_.set_option(
      websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.async_accept([self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return;
      sessions.insert(self.get());
      self->read();
    });
  }

private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec,
                                                        std::size_t) {
      if (ec)
        return;
      auto text = std::make_shared<const std::string>(
        beast::buffers_to_string(self->buffer_.data()));
      self->buffer_.consume(self->buffer_.size());
      if (!text->empty() && text->front() == '*') {
        for (auto* s : sessions)
          s->push(text);
      } else if (!text->empty() && text->front() == '>') {
        self->push(text);
        if (self->partner_)
          self->partner_->push(text);
      } else {
        self->push(text);
        if (!text->empty() && text->front() == '=')
          self->pair(text->substr(1));
      }
      self->read();
    });
  }

  /// Pairs this session with the one that waits under `key` (both get
  /// "+KEY"), or waits. A session that is paired or waiting ignores it.
  void pair(std::string key) {
    if (partner_ || !pair_key_.empty() || key.empty())
      return;
    auto it = unpaired.find(key);
    if (it == unpaired.end()) {
      pair_key_ = std::move(key);
      unpaired.emplace(pair_key_, this);
      return;
    }
    partner_ = it->second;
    partner_->partner_ = this;
    partner_->pair_key_.clear();
    unpaired.erase(it);
    auto paired = std::make_shared<const std::string>("+" + key);
    partner_->push(paired);
    push(paired);
  }

  void write() {
    ws_.text(true);
    ws_.async_write(asio::buffer(*outbox_.front()),
                    [self = shared_from_this()](beast::error_code ec,
                                                std::size_t) {
                      if (ec)
                        return;
                      self->outbox_.pop_front();
                      if (!self->outbox_.empty())
                        self->write();
                    });
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<shared_text> outbox_;
  session* partner_ = nullptr; // cleared by the partner's destructor
  std::string pair_key_;       // while waiting in `unpaired`
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](beast::error_code ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted)
      return;
    if (!ec) {
      s.set_option(tcp::no_delay{true});
      std::make_shared<session>(std::move(s))->run();
    }
    accept(acceptor);
  });
}

} // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  unsigned long port = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--host=", 0) == 0) {
      host = a.substr(7);
    } else if (a.rfind("--port=", 0) == 0) {
      char* end = nullptr;
      port = std::strtoul(a.c_str() + 7, &end, 10);
      if (*end != '\0' || port > 65535) {
        std::fprintf(stderr, "parlor-echo: bad --port '%s'\n", a.c_str() + 7);
        return 2;
      }
    } else {
      std::fprintf(stderr,
                   "parlor-echo: unknown option '%s'\n"
                   "usage: parlor-echo [--host=ADDR] [--port=PORT]\n",
                   a.c_str());
      return 2;
    }
  }
  try {
    asio::io_context ioc{1};
    tcp::acceptor acceptor{ioc};
    tcp::endpoint ep{asio::ip::make_address(host),
                     static_cast<unsigned short>(port)};
    acceptor.open(ep.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen(asio::socket_base::max_listen_connections);
    std::printf("parlor-echo listening on %s:%u\n", host.c_str(),
                acceptor.local_endpoint().port());
    std::fflush(stdout);
    asio::signal_set signals{ioc, SIGINT, SIGTERM};
    signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
    accept(acceptor);
    ioc.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parlor-echo: %s\n", e.what());
    return 1;
  }
  return 0;
}
