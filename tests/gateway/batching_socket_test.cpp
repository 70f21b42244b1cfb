#include <utility> // before Asio: Boost 1.74 in C++20 needs std::exchange

#include "batching_socket.hpp"

#include "parlor/gateway/io_scheduler.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>

using namespace std::chrono_literals;
using parlor::gateway::batching_socket;
using parlor::gateway::io_loop;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

/// A connected loopback pair: the server end on `ioc`, the client end
/// blocking (on its own io_context, used from the test's thread).
struct socket_pair {
  socket_pair() : client(client_ioc) {
    tcp::acceptor acc{ioc, {asio::ip::make_address("127.0.0.1"), 0}};
    client.connect(acc.local_endpoint());
    tcp::socket accepted{ioc};
    acc.accept(accepted);
    accepted.set_option(tcp::no_delay(true));
    server = std::make_shared<batching_socket>(std::move(accepted));
    server->set_owner(server);
  }

  std::string read_client(std::size_t n) {
    std::string got(n, '\0');
    asio::read(client, asio::buffer(got));
    return got;
  }

  asio::io_context ioc;
  asio::io_context client_ioc;
  tcp::socket client;
  std::shared_ptr<batching_socket> server;
};

/// Writes `text` and counts its completion in `done` (checking its size).
void write(batching_socket& s, std::string text, int& done) {
  auto data = std::make_shared<std::string>(std::move(text));
  s.async_write_some(asio::buffer(*data),
                     [data, &done](error_code ec, std::size_t n) {
                       CHECK_FALSE(ec);
                       CHECK(n == data->size());
                       ++done;
                     });
}

/// Byte `i` of the test stream.
char pattern(std::size_t i) {
  return static_cast<char>('a' + (i * 7) % 26);
}

} // namespace

TEST_CASE("writes made in one handler leave in one send, in order") {
  socket_pair p;
  int done = 0;
  asio::post(p.ioc, [&] {
    write(*p.server, "one ", done);
    write(*p.server, "two ", done);
    write(*p.server, "three", done);
  });
  p.ioc.run();
  CHECK(done == 3);
  CHECK(p.server->sends() == 1);
  CHECK(p.server->buffered() == 0);
  CHECK(p.read_client(13) == "one two three");
}

TEST_CASE("a write from a handler the first write's handler queued joins "
          "its send") {
  // The move path: the fan-out writes the state, the gateway actor's job
  // (queued meanwhile) writes the reply.
  socket_pair p;
  int done = 0;
  asio::post(p.ioc, [&] {
    write(*p.server, "state;", done);
    asio::post(p.ioc, [&] { write(*p.server, "reply;", done); });
  });
  p.ioc.run();
  CHECK(done == 2);
  CHECK(p.server->sends() == 1);
  CHECK(p.read_client(12) == "state;reply;");
}

TEST_CASE("appended bytes join the writes' send whole and in order, every "
          "waiter hears when it is sent") {
  socket_pair p;
  int done = 0;
  int waited = 0;
  asio::post(p.ioc, [&] {
    write(*p.server, "<write>", done);
    CHECK(p.server->append("<head:", "body>"));
    write(*p.server, "<write>", done);
    CHECK(p.server->append("", "<body only>"));
    for (int i = 0; i < 2; ++i)
      p.server->async_wait_sent([&](error_code ec) {
        CHECK_FALSE(ec);
        CHECK(p.server->buffered() == 0);
        ++waited;
      });
  });
  p.ioc.run();
  CHECK(done == 2);
  CHECK(waited == 2);
  CHECK(p.server->sends() == 1);
  CHECK(p.read_client(36) == "<write><head:body><write><body only>");
}

TEST_CASE("nothing is appended once a send failed") {
  socket_pair p;
  p.client.close();
  std::string big(1024 * 1024, 'x');
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!p.server->error() && std::chrono::steady_clock::now() < deadline) {
    REQUIRE(p.server->append("", big));
    p.ioc.restart();
    p.ioc.run_for(20ms);
  }
  REQUIRE(p.server->error());
  auto before = p.server->buffered();
  CHECK_FALSE(p.server->append("head", "body"));
  CHECK(p.server->buffered() == before);
}

TEST_CASE("writes far apart leave in separate sends") {
  socket_pair p;
  int done = 0;
  write(*p.server, "a", done);
  p.ioc.run();
  p.ioc.restart();
  write(*p.server, "b", done);
  p.ioc.run();
  CHECK(done == 2);
  CHECK(p.server->sends() == 2);
  CHECK(p.read_client(2) == "ab");
}

TEST_CASE("a reader that does not read stalls the writer, nothing is lost") {
  socket_pair p;
  constexpr std::size_t chunk = 16 * 1024;
  // Changed only while `p.ioc` is not running.
  std::size_t stop_at = 256 * 1024 * 1024; // far more than the kernel buffers
  std::size_t written = 0;
  int completed = 0;
  int issued = 0;
  // Writes like Beast does: the next write once the previous completed.
  std::function<void()> pump = [&] {
    if (written >= stop_at)
      return;
    auto data = std::make_shared<std::string>(chunk, '\0');
    for (std::size_t i = 0; i < chunk; ++i)
      (*data)[i] = pattern(written + i);
    written += chunk;
    ++issued;
    p.server->async_write_some(asio::buffer(*data),
                               [data, &completed, &pump](error_code ec,
                                                         std::size_t n) {
                                 REQUIRE_FALSE(ec);
                                 CHECK(n == data->size());
                                 ++completed;
                                 pump();
                               });
  };
  asio::post(p.ioc, pump);
  // The kernel's buffers fill up, then the socket's own buffer, then a
  // write is held: the pump stops.
  p.ioc.run_for(500ms);
  REQUIRE(written < stop_at);
  CHECK(completed == issued - 1);
  CHECK(p.server->buffered() > batching_socket::high_water);
  CHECK(p.server->buffered() <= batching_socket::high_water + 2 * chunk);
  // Now read: the rest flows, in order, until a few more chunks are done.
  stop_at = written + 4 * chunk;
  auto reader = std::async(std::launch::async, [&p, target = stop_at] {
    std::string buf(64 * 1024, '\0');
    std::size_t got = 0;
    std::size_t bad = 0;
    while (got < target) {
      auto n = p.client.read_some(
        asio::buffer(buf.data(), std::min(buf.size(), target - got)));
      for (std::size_t i = 0; i < n; ++i)
        bad += buf[i] != pattern(got + i) ? 1 : 0;
      got += n;
    }
    return bad;
  });
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (reader.wait_for(1ms) != std::future_status::ready
         && std::chrono::steady_clock::now() < deadline) {
    p.ioc.restart(); // out of work once the last send is done
    p.ioc.run_for(10ms);
  }
  REQUIRE(reader.wait_for(0ms) == std::future_status::ready);
  CHECK(reader.get() == 0);
  p.ioc.run_for(50ms);
  CHECK(written == stop_at);
  CHECK(completed == issued);
  CHECK(p.server->buffered() == 0);
}

TEST_CASE("a failed send fails the writes after it") {
  socket_pair p;
  p.client.close();
  int failed = 0;
  std::string big(1024 * 1024, 'x');
  // Keep writing until the peer's reset surfaces as an error.
  std::function<void()> pump = [&] {
    p.server->async_write_some(asio::buffer(big),
                               [&](error_code ec, std::size_t) {
                                 if (ec) {
                                   ++failed;
                                   return;
                                 }
                                 pump();
                               });
  };
  pump();
  p.ioc.run_for(2s);
  CHECK(failed == 1);
  int after = 0;
  p.ioc.restart();
  p.server->async_write_some(asio::buffer(big),
                             [&](error_code ec, std::size_t n) {
                               CHECK(ec);
                               CHECK(n == 0);
                               ++after;
                             });
  p.ioc.run_for(1s);
  CHECK(after == 1);
}

namespace {

/// A WebSocket echo server over a batching socket, on `p.ioc`.
struct ws_echo : std::enable_shared_from_this<ws_echo> {
  explicit ws_echo(tcp::socket&& s) : ws(std::move(s)) {
    // nop
  }

  void start() {
    ws.next_layer().set_owner(shared_from_this());
    ws.async_accept([self = shared_from_this()](error_code ec) {
      if (ec) {
        self->failed = true;
        return;
      }
      self->read();
    });
  }

  void read() {
    ws.async_read(buffer, [self = shared_from_this()](error_code ec,
                                                      std::size_t) {
      if (ec) {
        self->closed = ec;
        return;
      }
      auto text = beast::buffers_to_string(self->buffer.data());
      self->buffer.consume(self->buffer.size());
      if (text == "close me") {
        websocket::close_reason why{std::uint16_t{4000}};
        why.reason = "asked";
        self->ws.async_close(why, [self](error_code) {});
        self->read();
        return;
      }
      // Two messages per message: they share a send.
      self->replies.push_back(text + " (1)");
      self->replies.push_back(text + " (2)");
      self->write_next();
      self->read();
    });
  }

  void write_next() {
    if (writing || replies.empty())
      return;
    writing = true;
    ws.async_write(asio::buffer(replies.front()),
                   [self = shared_from_this()](error_code ec, std::size_t) {
                     if (ec) {
                       self->failed = true;
                       return;
                     }
                     self->writing = false;
                     self->replies.erase(self->replies.begin());
                     self->write_next();
                   });
  }

  websocket::stream<batching_socket> ws;
  beast::flat_buffer buffer;
  std::vector<std::string> replies;
  bool writing = false;
  error_code closed;
  /// Set on the io thread when the handshake or a write fails.
  std::atomic<bool> failed{false};
};

std::string read_text(websocket::stream<tcp::socket>& ws) {
  beast::flat_buffer b;
  ws.read(b);
  return beast::buffers_to_string(b.data());
}

} // namespace

TEST_CASE("Beast's WebSocket stream runs over it: messages, ping, close") {
  io_loop loop; // the server's io thread
  auto& ioc = loop.context();
  tcp::acceptor acc{ioc, {asio::ip::make_address("127.0.0.1"), 0}};
  asio::io_context client_ioc;
  websocket::stream<tcp::socket> client{client_ioc};
  client.next_layer().connect(acc.local_endpoint());
  tcp::socket accepted{ioc};
  acc.accept(accepted);
  auto server = std::make_shared<ws_echo>(std::move(accepted));
  asio::post(ioc, [server] { server->start(); });

  client.handshake("127.0.0.1", "/");
  client.write(asio::buffer(std::string{"hello"}));
  CHECK(read_text(client) == "hello (1)");
  CHECK(read_text(client) == "hello (2)");

  SECTION("a ping is answered in order with the messages") {
    int pongs = 0;
    client.control_callback([&](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong)
        ++pongs;
    });
    client.ping({});
    client.write(asio::buffer(std::string{"after ping"}));
    CHECK(read_text(client) == "after ping (1)");
    CHECK(pongs == 1);
    CHECK(read_text(client) == "after ping (2)");
    client.close(websocket::close_code::normal);
  }
  SECTION("the client closes: the server's close frame and teardown") {
    client.close(websocket::close_code::normal);
    // close() returns after the server's close frame; the read loop ends.
    beast::flat_buffer b;
    error_code ec;
    client.read(b, ec);
    CHECK(ec);
  }
  SECTION("the server closes with a reason") {
    client.write(asio::buffer(std::string{"close me"}));
    beast::flat_buffer b;
    error_code ec;
    client.read(b, ec);
    CHECK(ec == websocket::error::closed);
    CHECK(client.reason().code == 4000);
    CHECK(std::string{client.reason().reason.c_str()} == "asked");
  }
  CHECK_FALSE(server->failed);
}
