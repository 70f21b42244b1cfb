#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "parlor/link/certs.hpp"
#include "parlor/link/front.hpp"

#include "handshake.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

using namespace parlor;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

/// Stands in for a node's BASP port: echoes every byte, counts connections.
class echo_server {
public:
  echo_server() : acceptor_(ioc_, {asio::ip::address_v4::loopback(), 0}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread{[this] {
      for (;;) {
        boost::system::error_code ec;
        tcp::socket s{ioc_};
        acceptor_.accept(s, ec);
        if (ec || stopping_)
          return;
        ++accepted_;
        std::lock_guard guard{mx_};
        workers_.emplace_back([s = std::move(s)]() mutable {
          std::array<char, 4096> buf;
          boost::system::error_code io;
          for (;;) {
            auto n = s.read_some(asio::buffer(buf), io);
            if (io || asio::write(s, asio::buffer(buf.data(), n), io) != n)
              return;
          }
        });
      }
    }};
  }

  ~echo_server() {
    stopping_ = true;
    // Wakes the blocking accept.
    tcp::socket poke{ioc_};
    boost::system::error_code ec;
    poke.connect({asio::ip::address_v4::loopback(), port_}, ec);
    thread_.join();
    std::lock_guard guard{mx_};
    for (auto& w : workers_)
      w.detach(); // each ends when its link closes
  }

  uint16_t port() const { return port_; }
  int accepted() const { return accepted_; }

private:
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
  std::mutex mx_;
  std::vector<std::thread> workers_;
};

/// A blocking client socket whose reads give up after 5 s.
struct client {
  asio::io_context ioc;
  tcp::socket s{ioc};

  explicit client(uint16_t port, const std::string& host = "127.0.0.1") {
    s.connect({asio::ip::make_address(host), port});
    timeval tv{5, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  void send(const std::string& text) { asio::write(s, asio::buffer(text)); }

  std::string receive(size_t n) {
    std::string out(n, '\0');
    boost::system::error_code ec;
    auto got = asio::read(s, asio::buffer(out), ec);
    out.resize(got);
    return out;
  }

  /// Whether the other side closed: a read ends with EOF (or a reset) rather
  /// than the 5 s timeout.
  bool closed_by_peer() {
    std::array<char, 64> buf;
    boost::system::error_code ec;
    for (;;) {
      s.read_some(asio::buffer(buf), ec);
      if (ec == asio::error::eof || ec == asio::error::connection_reset)
        return true;
      if (ec)
        return false;
    }
  }
};

struct dialled {
  std::string host;
  std::optional<uint16_t> port;
  std::string error;
};

dialled dial(link::front& from, uint16_t to) {
  std::promise<dialled> p;
  from.dial("127.0.0.1", to,
            [&p](std::string host, uint16_t port, std::string error) {
              p.set_value({std::move(host),
                           port == 0 ? std::nullopt
                                     : std::optional<uint16_t>{port},
                           std::move(error)});
            });
  auto f = p.get_future();
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  return f.get();
}

link::front_options plain(const std::string& secret) {
  link::front_options o;
  o.secret = secret;
  o.handshake_timeout = 1s;
  return o;
}

/// A front on a free loopback port, leading to `inner`.
struct node_front {
  link::front front;
  uint16_t port;

  node_front(link::front_options o, uint16_t inner)
    : front(std::move(o)), port(front.open()) {
    front.start(inner);
  }
};

/// Writes `text` through a link and expects the echo back.
void expect_echo(client& c, const std::string& text) {
  c.send(text);
  CHECK(c.receive(text.size()) == text);
}

std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path()
             / ("parlor-link-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

link::front_options with_tls(const std::string& secret,
                             const std::filesystem::path& dir,
                             const std::string& node) {
  auto o = plain(secret);
  o.tls = link::tls_files{(dir / (node + ".pem")).string(),
                          (dir / (node + ".key")).string(),
                          (dir / "ca.pem").string()};
  return o;
}

} // namespace

TEST_CASE("greeting MACs depend on the role, both nonces and the secret") {
  auto a = link::handshake::random_nonce();
  auto b = link::handshake::random_nonce();
  CHECK(a != b);
  auto m = link::handshake::mac("s", "dialer", a, b);
  CHECK(link::handshake::same(m, link::handshake::mac("s", "dialer", a, b)));
  CHECK_FALSE(
    link::handshake::same(m, link::handshake::mac("s", "listener", a, b)));
  CHECK_FALSE(
    link::handshake::same(m, link::handshake::mac("s", "dialer", b, a)));
  CHECK_FALSE(
    link::handshake::same(m, link::handshake::mac("t", "dialer", a, b)));
}

TEST_CASE("greeting magic and TLS records are told apart") {
  std::vector<uint8_t> greeting{'P', 'R', 'L', 'R', 'L', 'N', 'K', '1', 0};
  std::vector<uint8_t> tls{0x16, 0x03, 0x01, 0x02, 0x00};
  CHECK(link::handshake::has_magic(greeting));
  CHECK_FALSE(link::handshake::has_magic(tls));
  CHECK_FALSE(link::handshake::has_magic(
    std::span<const uint8_t>{greeting.data(), 4}));
  CHECK(link::handshake::looks_like_tls(tls));
  CHECK(link::handshake::looks_like_tls(std::span<const uint8_t>{tls.data(), 1}));
  CHECK_FALSE(link::handshake::looks_like_tls(greeting));
  CHECK_FALSE(link::handshake::looks_like_tls({}));
}

TEST_CASE("a dialled link carries bytes both ways once both hold the secret") {
  echo_server basp_b;
  node_front a{plain("s3cret"), 1};
  node_front b{plain("s3cret"), basp_b.port()};
  auto d = dial(a.front, b.port);
  REQUIRE(d.port);
  CHECK(d.error.empty());
  CHECK_THAT(d.host, Catch::StartsWith("127."));
  client c{*d.port, d.host};
  expect_echo(c, "ping through the front");
  // A large message, in many chunks, both ways.
  std::string big(300'000, 'x');
  for (size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>('a' + i % 26);
  std::thread writer{[&] { c.send(big); }};
  CHECK(c.receive(big.size()) == big);
  writer.join();
  CHECK(b.front.counters().links_accepted == 1);
  CHECK(a.front.counters().links_dialled == 1);
  CHECK(b.front.counters().refused == 0);
}

TEST_CASE("a peer with another secret is refused on both sides and never "
          "reaches BASP") {
  echo_server basp_b;
  node_front a{plain("mine"), 1};
  node_front b{plain("theirs"), basp_b.port()};
  auto d = dial(a.front, b.port);
  CHECK_FALSE(d.port);
  CHECK(d.error == "it does not hold this cluster's secret");
  CHECK(basp_b.accepted() == 0);
  CHECK(a.front.counters().refused == 1);
  // The listener refused it too (and logged why), a moment later.
  for (int i = 0; i < 100 && b.front.counters().refused == 0; ++i)
    std::this_thread::sleep_for(10ms);
  CHECK(b.front.counters().refused == 1);
}

TEST_CASE("a dialer with the wrong secret is refused by the listener") {
  echo_server basp_b;
  node_front b{plain("right"), basp_b.port()};
  // A hand-made dialer that answers the challenge with a wrong proof.
  client c{b.port};
  auto nonce = link::handshake::random_nonce();
  std::string hello(link::handshake::magic.begin(),
                    link::handshake::magic.end());
  hello.append(nonce.begin(), nonce.end());
  c.send(hello);
  auto challenge = c.receive(link::handshake::challenge_size);
  REQUIRE(challenge.size() == link::handshake::challenge_size);
  c.send(std::string(link::handshake::proof_size, '\0'));
  CHECK(c.closed_by_peer());
  CHECK(basp_b.accepted() == 0);
  CHECK(b.front.counters().refused == 1);
}

TEST_CASE("a BASP header sent straight to the cluster port is refused at "
          "once, whatever size it announces") {
  echo_server basp_b;
  node_front b{plain("s"), basp_b.port()};
  client c{b.port};
  // A 32-byte header whose payload length says 256 MiB (and some payload).
  std::string header(32, '\0');
  header[0] = 0x05;
  header[4] = 0x10;
  c.send(header + std::string(1000, 'z'));
  CHECK(c.closed_by_peer());
  CHECK(basp_b.accepted() == 0);
}

TEST_CASE("a greeting that stops half-way is closed at the deadline") {
  echo_server basp_b;
  auto o = plain("s");
  o.handshake_timeout = 200ms;
  node_front b{std::move(o), basp_b.port()};
  client c{b.port};
  c.send("PRLR"); // 4 of the 40 bytes
  auto t0 = std::chrono::steady_clock::now();
  CHECK(c.closed_by_peer());
  // Closed by the 200 ms deadline, not by the client's 5 s read timeout.
  CHECK(std::chrono::steady_clock::now() - t0 < 4s);
  client silent{b.port};
  CHECK(silent.closed_by_peer());
  CHECK(b.front.counters().refused == 2);
}

TEST_CASE("greetings in progress are capped per address") {
  echo_server basp_b;
  auto o = plain("s");
  o.max_pending_per_address = 2;
  o.handshake_timeout = 3s;
  node_front b{std::move(o), basp_b.port()};
  client first{b.port};
  client second{b.port};
  std::this_thread::sleep_for(100ms); // both accepted and waiting
  client third{b.port};
  auto t0 = std::chrono::steady_clock::now();
  CHECK(third.closed_by_peer());
  CHECK(std::chrono::steady_clock::now() - t0 < 2s); // at once, not at 3 s
}

TEST_CASE("a refused or broken greeting leaves an open link alone") {
  echo_server basp_b;
  node_front a{plain("s"), 1};
  node_front b{plain("s"), basp_b.port()};
  auto d = dial(a.front, b.port);
  REQUIRE(d.port);
  client c{*d.port, d.host};
  c.send("before");
  CHECK(c.receive(6) == "before");
  node_front rogue{plain("other"), 1};
  CHECK_FALSE(dial(rogue.front, b.port).port);
  {
    client garbage{b.port};
    garbage.send(std::string(64, '\x16'));
    CHECK(garbage.closed_by_peer());
  }
  c.send("after");
  CHECK(c.receive(5) == "after");
  CHECK(b.front.counters().links_open == 1);
}

TEST_CASE("gen-certs writes a CA and node certificates, never over old "
          "files") {
  auto dir = temp_dir("gen");
  auto files = link::generate_certs(dir, 2);
  CHECK(files.size() == 6);
  for (auto& f : files)
    CHECK(std::filesystem::file_size(f) > 100);
  struct stat st{};
  REQUIRE(::stat((dir / "node1.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_THROWS_WITH(link::generate_certs(dir, 1),
                    Catch::Contains("exists"));
  CHECK_THROWS_WITH(link::generate_certs(temp_dir("zero"), 0),
                    Catch::Contains("--nodes"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("TLS settings that can't work are named at start") {
  auto dir = temp_dir("bad");
  auto other = temp_dir("other");
  link::generate_certs(dir, 2);
  link::generate_certs(other, 1);
  auto o = with_tls("s", dir, "node1");
  o.tls->key = (dir / "node2.key").string();
  CHECK_THROWS_WITH(link::front{o}, Catch::Contains("--cluster-tls-key")
                                      && Catch::Contains("mismatch"));
  o = with_tls("s", dir, "node1");
  o.tls->ca = (other / "ca.pem").string();
  CHECK_THROWS_WITH(link::front{o}, Catch::Contains("not signed"));
  o = with_tls("s", dir, "node1");
  o.tls->cert = (dir / "missing.pem").string();
  CHECK_THROWS_WITH(link::front{o}, Catch::Contains("--cluster-tls-cert"));
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(other);
}

TEST_CASE("TLS links: only nodes with a certificate of the cluster's CA get "
          "in") {
  auto dir = temp_dir("ca");
  auto other = temp_dir("rogue");
  link::generate_certs(dir, 2);
  link::generate_certs(other, 1);
  echo_server basp_b;
  node_front a{with_tls("s", dir, "node1"), 1};
  node_front b{with_tls("s", dir, "node2"), basp_b.port()};
  auto d = dial(a.front, b.port);
  REQUIRE(d.port);
  client c{*d.port, d.host};
  expect_echo(c, "over TLS");

  SECTION("a certificate of another CA is refused") {
    node_front rogue{with_tls("s", other, "node1"), 1};
    auto r = dial(rogue.front, b.port);
    CHECK_FALSE(r.port);
    CHECK_THAT(r.error, Catch::StartsWith("TLS"));
  }
  SECTION("a node without TLS is refused, and so is dialling it") {
    echo_server basp_plain;
    node_front bare{plain("s"), basp_plain.port()};
    CHECK_FALSE(dial(bare.front, b.port).port);
    CHECK_FALSE(dial(a.front, bare.port).port);
    CHECK(basp_plain.accepted() == 0);
  }
  // Whatever was refused, the healthy link still works.
  expect_echo(c, "still there");
  CHECK(basp_b.accepted() == 1);
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(other);
}
