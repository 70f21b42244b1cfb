// The loadgen's only Beast translation unit.
#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "client.hpp"
#include "phoenix.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <map>
#include <stdexcept>

namespace parlor::loadgen {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

traffic& counters() {
  static traffic t;
  return t;
}

void connection::heartbeat_if_due(clock_type::duration interval) {
  auto now = clock_type::now();
  if (!is_open() || now - last_beat_ < interval)
    return;
  last_beat_ = now;
  ++heartbeats;
  send(phx::frame("", next_ref(), "phoenix", "heartbeat"));
}

namespace {

/// Resolved once per host:port (every connection to a node reuses it).
tcp::endpoint resolve(asio::io_context& ioc, const std::string& host,
                      const std::string& port) {
  static std::map<std::string, tcp::endpoint> cache;
  auto key = host + ":" + port;
  if (auto i = cache.find(key); i != cache.end())
    return i->second;
  tcp::resolver resolver{ioc};
  beast::error_code ec;
  auto results = resolver.resolve(host, port, ec);
  if (ec || results.empty())
    throw std::runtime_error("cannot resolve " + key + ": "
                             + (ec ? ec.message() : "no address"));
  auto ep = results.begin()->endpoint();
  cache.emplace(key, ep);
  return ep;
}

class ws_connection final : public connection,
                            public std::enable_shared_from_this<ws_connection> {
public:
  ws_connection(asio::io_context& ioc, handlers h)
    : ws_(ioc), handlers_(std::move(h)) {
    // nop
  }

  void start(const tcp::endpoint& to, const std::string& source,
             std::string host, std::string target) {
    auto& sock = beast::get_lowest_layer(ws_).socket();
    beast::error_code ec;
    sock.open(to.protocol(), ec);
    if (!ec && !source.empty()) {
      auto addr = asio::ip::make_address(source, ec);
#ifdef IP_BIND_ADDRESS_NO_PORT
      // The port is chosen by connect(), which may reuse one that this
      // address already uses towards another node.
      if (!ec) { // IP level, for IPv6 sockets too
        int on = 1;
        ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT,
                     &on, sizeof on);
      }
#endif
      if (!ec)
        sock.bind(tcp::endpoint{addr, 0}, ec);
    }
    if (ec)
      return fail_open("socket: " + ec.message());
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds{10});
    beast::get_lowest_layer(ws_).async_connect(
      to, [self = shared_from_this(), host = std::move(host),
           target = std::move(target)](beast::error_code connected) mutable {
        if (connected)
          return self->fail_open("connect: " + connected.message());
        beast::get_lowest_layer(self->ws_).expires_never();
        self->ws_.set_option(websocket::stream_base::timeout::suggested(
          beast::role_type::client));
        self->ws_.set_option(websocket::stream_base::decorator(
          [](websocket::request_type& req) {
            req.set(http::field::user_agent, "parlor-loadgen");
          }));
        self->ws_.async_handshake(
          host, target, [self](beast::error_code shaken) {
            if (shaken)
              return self->fail_open("handshake: " + shaken.message());
            self->open_ = true;
            self->ws_.text(true);
            if (self->handlers_.opened)
              self->handlers_.opened({});
            self->read();
          });
      });
  }

  void send(std::string text) override {
    if (!open_)
      return;
    outbox_.push_back(std::move(text));
    if (!writing_)
      write();
  }

  void close() override {
    handlers_ = {};
    open_ = false;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  bool is_open() const override {
    return open_;
  }

private:
  void fail_open(const std::string& why) {
    auto opened = std::move(handlers_.opened);
    handlers_ = {};
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    if (opened)
      opened(why);
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec,
                                                        std::size_t) {
      if (ec)
        return self->lost(ec);
      ++counters().frames_in;
      auto data = self->buffer_.data();
      std::string_view text{static_cast<const char*>(data.data()),
                            data.size()};
      if (self->handlers_.message)
        self->handlers_.message(text);
      self->buffer_.consume(self->buffer_.size());
      if (self->open_)
        self->read();
    });
  }

  void write() {
    writing_ = true;
    ws_.async_write(asio::buffer(outbox_.front()),
                    [self = shared_from_this()](beast::error_code ec,
                                                std::size_t) {
                      if (ec)
                        return self->lost(ec);
                      ++counters().frames_out;
                      self->outbox_.pop_front();
                      if (self->outbox_.empty() || !self->open_)
                        self->writing_ = false;
                      else
                        self->write();
                    });
  }

  void lost(beast::error_code ec) {
    writing_ = false;
    if (!open_)
      return;
    open_ = false;
    auto closed = std::move(handlers_.closed);
    handlers_ = {};
    if (closed)
      closed(ec == websocket::error::closed ? "closed by the server"
                                            : ec.message());
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  bool writing_ = false;
  bool open_ = false;
  handlers handlers_;
};

} // namespace

std::shared_ptr<connection>
connection::open(asio::io_context& ioc, const ws_url& url,
                 const std::string& target, const std::string& source,
                 handlers h) {
  auto to = resolve(ioc, url.host, url.port);
  auto c = std::make_shared<ws_connection>(ioc, std::move(h));
  auto host = url.host + ":" + url.port;
  c->start(to, source, std::move(host), target);
  return c;
}

void every(asio::io_context& ioc, std::chrono::microseconds period,
           std::function<bool()> fn) {
  auto timer = std::make_shared<asio::steady_timer>(ioc);
  auto step = std::make_shared<std::function<void()>>();
  auto next = std::make_shared<clock_type::time_point>(clock_type::now());
  *step = [timer, step, next, period, fn = std::move(fn)] {
    *next += period;
    timer->expires_at(*next);
    timer->async_wait([timer, step, fn](beast::error_code ec) {
      if (ec || !fn()) {
        *step = nullptr; // breaks the cycle
        return;
      }
      (*step)();
    });
  };
  (*step)();
}

void after(asio::io_context& ioc, std::chrono::microseconds delay,
           std::function<void()> fn) {
  auto timer = std::make_shared<asio::steady_timer>(ioc, delay);
  timer->async_wait([timer, fn = std::move(fn)](beast::error_code ec) {
    if (!ec)
      fn();
  });
}

std::string http_get(const std::string& host, const std::string& port,
                     const std::string& path) {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  auto where = "http://" + host + ":" + port + path;
  beast::error_code failure;
  http::response<http::string_body> res;
  beast::flat_buffer buffer;
  http::request<http::empty_body> req{http::verb::get, path, 11};
  req.set(http::field::host, host + ":" + port);
  req.set(http::field::user_agent, "parlor-loadgen");
  stream.expires_after(std::chrono::seconds{5});
  stream.async_connect(resolve(ioc, host, port), [&](beast::error_code c) {
    if (c)
      return void(failure = c);
    http::async_write(stream, req, [&](beast::error_code w, std::size_t) {
      if (w)
        return void(failure = w);
      http::async_read(stream, buffer, res,
                       [&](beast::error_code r, std::size_t) { failure = r; });
    });
  });
  ioc.run();
  if (failure)
    throw std::runtime_error("GET " + where + ": " + failure.message());
  if (res.result_int() != 200)
    throw std::runtime_error("GET " + where + " answered "
                             + std::to_string(res.result_int()));
  return std::move(res.body());
}

} // namespace parlor::loadgen
