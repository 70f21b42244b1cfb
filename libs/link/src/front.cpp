#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "parlor/link/front.hpp"

#include "handshake.hpp"
#include "tls.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace parlor::link {

namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using tls_stream = ssl::stream<tcp::socket>;
using clock_type = std::chrono::steady_clock;

/// Bytes moved per read while splicing.
constexpr size_t splice_chunk = 64 * 1024;

/// Refusals are logged, but a stranger's flood must not flood the log: at
/// most `burst` lines per window, then one line with how many were left out.
class refusal_log {
public:
  void line(const std::string& text) {
    auto now = clock_type::now();
    if (now - window_start_ >= window) {
      if (left_out_ > 0)
        spdlog::warn("cluster: {} more refused link(s) not logged", left_out_);
      window_start_ = now;
      in_window_ = 0;
      left_out_ = 0;
    }
    if (in_window_++ < burst)
      spdlog::warn("cluster: {}", text);
    else
      ++left_out_;
  }

private:
  static constexpr auto window = std::chrono::seconds{10};
  static constexpr size_t burst = 20;
  clock_type::time_point window_start_{};
  size_t in_window_ = 0;
  size_t left_out_ = 0;
};

class link_base {
public:
  virtual ~link_base() = default;
  /// Closes the link and cancels all its work (on the front's thread).
  virtual void close(const std::string& why) = 0;
};

} // namespace

struct front::impl {
  explicit impl(front_options o)
    : opts(std::move(o)),
      work(asio::make_work_guard(ioc)),
      acceptor(ioc),
      retry(ioc) {
    if (opts.tls)
      tls.emplace(make_tls_context(*opts.tls));
  }

  front_options opts;
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::optional<ssl::context> tls;
  tcp::acceptor acceptor;
  asio::steady_timer retry;
  std::thread thread;
  uint16_t inner_port = 0;
  /// Set by `stop`; `dial` checks it under `dial_mx`, so that no dial is
  /// left queued on a loop that no longer runs.
  std::mutex dial_mx;
  bool closing = false;

  // The front's thread only:
  bool stopped = false;
  size_t pending = 0;
  std::map<std::string, size_t> pending_by_address;
  std::vector<std::weak_ptr<link_base>> links;
  refusal_log log;
  std::chrono::milliseconds accept_delay{0};

  std::atomic<uint64_t> links_open{0};
  std::atomic<uint64_t> links_accepted{0};
  std::atomic<uint64_t> links_dialled{0};
  std::atomic<uint64_t> refused{0};

  void keep(const std::shared_ptr<link_base>& l) {
    if (links.size() >= 64 && links.size() == links.capacity())
      std::erase_if(links, [](auto& w) { return w.expired(); });
    links.push_back(l);
  }

  void do_accept();
  void on_accept(tcp::socket socket);
};

namespace {

/// What differs between a plain and a TLS link.
template <class Outer>
struct outer_traits;

template <>
struct outer_traits<tcp::socket> {
  static tcp::socket make(front::impl&, tcp::socket s) { return s; }
  static tcp::socket make(front::impl& f) { return tcp::socket{f.ioc}; }
  static tcp::socket& lowest(tcp::socket& s) { return s; }
  template <class F>
  static void handshake(tcp::socket& s, ssl::stream_base::handshake_type,
                        F&& f) {
    asio::post(s.get_executor(),
               [f = std::forward<F>(f)]() mutable { f(error_code{}); });
  }
};

template <>
struct outer_traits<tls_stream> {
  static tls_stream make(front::impl& f, tcp::socket s) {
    return tls_stream{std::move(s), *f.tls};
  }
  static tls_stream make(front::impl& f) { return tls_stream{f.ioc, *f.tls}; }
  static tcp::socket& lowest(tls_stream& s) { return s.next_layer(); }
  template <class F>
  static void handshake(tls_stream& s, ssl::stream_base::handshake_type t,
                        F&& f) {
    s.async_handshake(t, std::forward<F>(f));
  }
};

std::string endpoint_text(const tcp::endpoint& ep) {
  auto addr = ep.address();
  return (addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string())
         + ":" + std::to_string(ep.port());
}

/// One cluster link: the greeting (as listener or as dialer), then the
/// splice between the peer (`outer_`) and this node's BASP (`inner_`).
template <class Outer>
class link final : public link_base,
                   public std::enable_shared_from_this<link<Outer>> {
public:
  using traits = outer_traits<Outer>;

  /// A link the cluster port accepted.
  link(front::impl& f, tcp::socket accepted)
    : f_(f),
      outer_(traits::make(f, std::move(accepted))),
      inner_(f.ioc),
      resolver_(f.ioc),
      deadline_(f.ioc) {
  }

  /// A link this node dials.
  explicit link(front::impl& f)
    : f_(f),
      outer_(traits::make(f)),
      inner_(f.ioc),
      resolver_(f.ioc),
      deadline_(f.ioc) {
  }

  ~link() override {
    release_pending();
  }

  // -- listener side --------------------------------------------------------

  void greet_inbound(std::string address, std::string peer) {
    address_ = std::move(address);
    peer_ = std::move(peer);
    inbound_ = true;
    ++f_.pending;
    ++f_.pending_by_address[address_];
    pending_ = true;
    arm_deadline();
    // A peek at the first bytes tells TLS from our plain greeting, so that a
    // node set up differently is named as such.
    auto self = this->shared_from_this();
    traits::lowest(outer_).async_wait(
      tcp::socket::wait_read, [self](const error_code& ec) {
        if (self->closed_)
          return;
        if (ec)
          return self->fail("closed before its greeting");
        std::array<uint8_t, 2> first{};
        error_code peek_ec;
        auto n = traits::lowest(self->outer_)
                   .receive(asio::buffer(first), tcp::socket::message_peek,
                            peek_ec);
        if (peek_ec || n == 0)
          return self->fail("closed before its greeting");
        auto head = std::span<const uint8_t>{first.data(), n};
        bool tls_hello = handshake::looks_like_tls(head);
        if (self->f_.tls && !tls_hello)
          return self->fail(head[0] == handshake::magic[0]
                              ? "it does not use TLS, which this node "
                                "requires (--cluster-tls-*)"
                              : "not a TLS client");
        if (!self->f_.tls && tls_hello)
          return self->fail("it uses TLS and this node does not "
                            "(--cluster-tls-*)");
        traits::handshake(self->outer_, ssl::stream_base::server,
                          [self](const error_code& shaken) {
                            if (self->closed_)
                              return;
                            if (shaken)
                              return self->fail("TLS: " + shaken.message());
                            self->read_hello();
                          });
      });
  }

  // -- dialer side ----------------------------------------------------------

  void dial(const std::string& host, uint16_t port, front::dial_result done) {
    done_ = std::move(done);
    peer_ = host + ":" + std::to_string(port);
    arm_deadline();
    auto self = this->shared_from_this();
    resolver_.async_resolve(
      host, std::to_string(port),
      [self](const error_code& ec, tcp::resolver::results_type found) {
        if (self->closed_)
          return;
        if (ec)
          return self->unreachable("cannot resolve it: " + ec.message());
        asio::async_connect(
          traits::lowest(self->outer_), found,
          [self](const error_code& connected, const tcp::endpoint&) {
            if (self->closed_)
              return;
            if (connected)
              return self->unreachable("cannot connect: "
                                       + connected.message());
            self->no_delay(traits::lowest(self->outer_));
            traits::handshake(self->outer_, ssl::stream_base::client,
                              [self](const error_code& shaken) {
                                if (self->closed_)
                                  return;
                                if (shaken)
                                  return self->fail("TLS: "
                                                    + shaken.message());
                                self->send_hello();
                              });
          });
      });
  }

  void close(const std::string& why) override {
    if (closed_)
      return;
    closed_ = true;
    if (done_)
      std::exchange(done_, nullptr)(std::string{}, 0, why);
    error_code ignored;
    deadline_.cancel();
    resolver_.cancel();
    traits::lowest(outer_).close(ignored);
    inner_.close(ignored);
    if (local_)
      local_->close(ignored);
    release_pending();
    if (open_) {
      open_ = false;
      --f_.links_open;
    }
  }

private:
  /// The magic first, so that anything else is refused at its first bytes.
  void read_hello() {
    auto self = this->shared_from_this();
    asio::async_read(
      outer_, asio::buffer(msg_.data(), handshake::magic.size()),
      [self](const error_code& ec, size_t) {
        if (self->closed_)
          return;
        if (ec)
          return self->fail("its greeting did not arrive: " + ec.message());
        if (!handshake::has_magic({self->msg_.data(), handshake::magic.size()}))
          return self->fail("not a Parlor cluster greeting");
        self->read_nonce();
      });
  }

  void read_nonce() {
    auto self = this->shared_from_this();
    asio::async_read(
      outer_, asio::buffer(theirs_),
      [self](const error_code& ec, size_t) {
        if (self->closed_)
          return;
        if (ec)
          return self->fail("its greeting did not arrive: " + ec.message());
        self->mine_ = handshake::random_nonce();
        auto mac = handshake::mac(self->f_.opts.secret, "listener",
                                  self->theirs_, self->mine_);
        auto out = std::copy(handshake::magic.begin(), handshake::magic.end(),
                             self->msg_.begin());
        out = std::copy(self->mine_.begin(), self->mine_.end(), out);
        std::copy(mac.begin(), mac.end(), out);
        asio::async_write(
          self->outer_,
          asio::buffer(self->msg_.data(), handshake::challenge_size),
          [self](const error_code& written, size_t) {
            if (self->closed_)
              return;
            if (written)
              return self->fail("lost during the greeting: "
                                + written.message());
            self->read_proof();
          });
      });
  }

  void read_proof() {
    auto self = this->shared_from_this();
    asio::async_read(
      outer_, asio::buffer(msg_.data(), handshake::proof_size),
      [self](const error_code& ec, size_t) {
        if (self->closed_)
          return;
        if (ec)
          return self->fail("lost during the greeting: " + ec.message());
        handshake::mac_bytes proof;
        std::copy_n(self->msg_.begin(), proof.size(), proof.begin());
        if (!handshake::same(proof,
                             handshake::mac(self->f_.opts.secret, "dialer",
                                            self->mine_, self->theirs_)))
          return self->fail("it does not hold this cluster's secret");
        tcp::endpoint basp{asio::ip::address_v4::loopback(),
                           self->f_.inner_port};
        self->inner_.async_connect(basp, [self](const error_code& connected) {
          if (self->closed_)
            return;
          if (connected)
            return self->fail("this node's BASP port: "
                              + connected.message());
          self->no_delay(self->inner_);
          self->msg_[0] = handshake::accepted;
          asio::async_write(self->outer_, asio::buffer(self->msg_.data(), 1),
                            [self](const error_code& written, size_t) {
                              if (self->closed_)
                                return;
                              if (written)
                                return self->fail("lost during the greeting: "
                                                  + written.message());
                              ++self->f_.links_accepted;
                              self->splice();
                            });
        });
      });
  }

  void send_hello() {
    mine_ = handshake::random_nonce();
    auto out = std::copy(handshake::magic.begin(), handshake::magic.end(),
                         msg_.begin());
    std::copy(mine_.begin(), mine_.end(), out);
    auto self = this->shared_from_this();
    asio::async_write(
      outer_, asio::buffer(msg_.data(), handshake::hello_size),
      [self](const error_code& ec, size_t) {
        if (self->closed_)
          return;
        if (ec)
          return self->fail("lost during the greeting: " + ec.message());
        self->read_challenge();
      });
  }

  void read_challenge() {
    auto self = this->shared_from_this();
    asio::async_read(
      outer_, asio::buffer(msg_.data(), handshake::challenge_size),
      [self](const error_code& ec, size_t) {
        if (self->closed_)
          return;
        if (ec)
          return self->fail(
            ec == asio::error::eof
              ? "it closed the link during the greeting (see its log)"
              : "lost during the greeting: " + ec.message());
        auto challenge = std::span<const uint8_t>{self->msg_.data(),
                                                  handshake::challenge_size};
        if (!handshake::has_magic(challenge))
          return self->fail("not a Parlor cluster port");
        auto at = challenge.begin() + handshake::magic.size();
        std::copy_n(at, self->theirs_.size(), self->theirs_.begin());
        handshake::mac_bytes mac;
        std::copy_n(at + self->theirs_.size(), mac.size(), mac.begin());
        bool trusted = handshake::same(
          mac, handshake::mac(self->f_.opts.secret, "listener", self->mine_,
                              self->theirs_));
        // A proof either way: from a node with another secret it fails at
        // the listener too, which then logs why.
        auto proof = handshake::mac(self->f_.opts.secret, "dialer",
                                    self->theirs_, self->mine_);
        std::copy(proof.begin(), proof.end(), self->msg_.begin());
        asio::async_write(
          self->outer_, asio::buffer(self->msg_.data(), proof.size()),
          [self, trusted](const error_code& written, size_t) {
            if (self->closed_)
              return;
            if (!trusted)
              return self->fail("it does not hold this cluster's secret");
            if (written)
              return self->fail("lost during the greeting: "
                                + written.message());
            self->read_verdict();
          });
      });
  }

  void read_verdict() {
    auto self = this->shared_from_this();
    asio::async_read(
      outer_, asio::buffer(msg_.data(), 1),
      [self](const error_code& ec, size_t) {
        if (self->closed_)
          return;
        if (ec || self->msg_[0] != handshake::accepted)
          return self->fail("it refused this node (see its log)");
        self->hand_to_basp();
      });
  }

  /// Opens a one-time loopback port for this node's BASP to connect to.
  void hand_to_basp() {
    if (!done_)
      return close("closed");
    error_code ec;
    local_.emplace(f_.ioc);
    auto where = random_loopback();
    local_->open(where.protocol(), ec);
    if (!ec) {
      local_->bind(where, ec);
      if (ec == boost::system::errc::address_not_available) {
        ec = {};
        where = {asio::ip::address_v4::loopback(), 0};
        local_->bind(where, ec);
      }
    }
    if (!ec)
      local_->listen(1, ec);
    if (ec)
      return fail("no loopback port for BASP: " + ec.message());
    auto bound = local_->local_endpoint(ec);
    if (ec)
      return fail("no loopback port for BASP: " + ec.message());
    arm_deadline();
    auto self = this->shared_from_this();
    local_->async_accept(inner_, [self](const error_code& accepted) {
      if (self->closed_)
        return;
      error_code ignored;
      self->local_->close(ignored);
      if (accepted)
        return self->fail("this node's BASP did not take the link: "
                          + accepted.message());
      self->no_delay(self->inner_);
      ++self->f_.links_dialled;
      self->splice();
    });
    std::exchange(done_, nullptr)(bound.address().to_string(), bound.port(),
                                  std::string{});
  }

  // -- both -----------------------------------------------------------------

  void arm_deadline() {
    deadline_.expires_after(f_.opts.handshake_timeout);
    std::weak_ptr<link> weak = this->shared_from_this();
    auto ms = f_.opts.handshake_timeout.count();
    deadline_.async_wait([weak, ms](const error_code& ec) {
      if (ec)
        return;
      if (auto self = weak.lock())
        self->fail("the greeting did not finish within "
                   + std::to_string(ms) + " ms");
    });
  }

  void splice() {
    deadline_.cancel();
    release_pending();
    open_ = true;
    ++f_.links_open;
    spdlog::debug("cluster: link {} {} open", inbound_ ? "from" : "to",
                  peer_);
    up_.resize(splice_chunk);
    down_.resize(splice_chunk);
    pump_up();
    pump_down();
  }

  /// Peer → BASP.
  void pump_up() {
    auto self = this->shared_from_this();
    outer_.async_read_some(
      asio::buffer(up_), [self](const error_code& ec, size_t n) {
        if (self->closed_)
          return;
        if (ec)
          return self->lost(ec);
        asio::async_write(self->inner_, asio::buffer(self->up_.data(), n),
                          [self](const error_code& written, size_t) {
                            if (self->closed_)
                              return;
                            if (written)
                              return self->lost(written);
                            self->pump_up();
                          });
      });
  }

  /// BASP → peer.
  void pump_down() {
    auto self = this->shared_from_this();
    inner_.async_read_some(
      asio::buffer(down_), [self](const error_code& ec, size_t n) {
        if (self->closed_)
          return;
        if (ec)
          return self->lost(ec);
        asio::async_write(self->outer_, asio::buffer(self->down_.data(), n),
                          [self](const error_code& written, size_t) {
                            if (self->closed_)
                              return;
                            if (written)
                              return self->lost(written);
                            self->pump_down();
                          });
      });
  }

  void lost(const error_code& ec) {
    if (closed_)
      return;
    spdlog::debug("cluster: link {} {} closed: {}", inbound_ ? "from" : "to",
                  peer_, ec.message());
    close("closed");
  }

  /// A greeting that failed: logged (bounded), counted, closed.
  void fail(const std::string& why) {
    if (closed_)
      return;
    ++f_.refused;
    if (inbound_)
      f_.log.line("refused a peer at " + peer_ + ": " + why);
    else if (done_)
      f_.log.line("refused " + peer_ + ": " + why);
    else
      f_.log.line("link to " + peer_ + " failed: " + why);
    close(why);
  }

  /// A peer that is not there (down, or not yet up): the agent redials, so
  /// this is no news for the log.
  void unreachable(const std::string& why) {
    spdlog::debug("cluster: cannot reach {}: {}", peer_, why);
    close(why);
  }

  void release_pending() {
    if (!pending_)
      return;
    pending_ = false;
    --f_.pending;
    auto i = f_.pending_by_address.find(address_);
    if (i != f_.pending_by_address.end() && --i->second == 0)
      f_.pending_by_address.erase(i);
  }

  /// A random address of 127.0.0.0/8 (all of it is loopback on Linux).
  static tcp::endpoint random_loopback() {
    auto n = handshake::random_nonce();
    asio::ip::address_v4::bytes_type b{
      127, static_cast<uint8_t>(n[0] % 254 + 1),
      static_cast<uint8_t>(n[1] % 254 + 1),
      static_cast<uint8_t>(n[2] % 254 + 1)};
    return {asio::ip::address_v4{b}, 0};
  }

  static void no_delay(tcp::socket& s) {
    error_code ignored;
    s.set_option(tcp::no_delay{true}, ignored);
  }

  front::impl& f_;
  Outer outer_;
  tcp::socket inner_;
  std::optional<tcp::acceptor> local_;
  tcp::resolver resolver_;
  asio::steady_timer deadline_;
  std::string address_;
  std::string peer_;
  bool inbound_ = false;
  bool pending_ = false;
  bool open_ = false;
  bool closed_ = false;
  front::dial_result done_;
  std::array<uint8_t, handshake::challenge_size> msg_{};
  handshake::nonce mine_{};
  handshake::nonce theirs_{};
  std::vector<char> up_;
  std::vector<char> down_;
};

template <class Outer>
void start_inbound(front::impl& f, tcp::socket socket, std::string address,
                   std::string peer) {
  auto l = std::make_shared<link<Outer>>(f, std::move(socket));
  f.keep(l);
  l->greet_inbound(std::move(address), std::move(peer));
}

template <class Outer>
void start_outbound(front::impl& f, const std::string& host, uint16_t port,
                    front::dial_result done) {
  auto l = std::make_shared<link<Outer>>(f);
  f.keep(l);
  l->dial(host, port, std::move(done));
}

bool out_of_resources(const error_code& ec) {
  auto v = ec.value();
  return ec.category() == boost::system::system_category()
         && (v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM);
}

} // namespace

void front::impl::do_accept() {
  acceptor.async_accept([this](const error_code& ec, tcp::socket socket) {
    if (stopped || ec == asio::error::operation_aborted)
      return;
    if (ec) {
      // Out of descriptors: wait before accepting again instead of spinning
      // (as the HTTP listener does).
      if (out_of_resources(ec)) {
        accept_delay = std::clamp(accept_delay * 2,
                                  std::chrono::milliseconds{5},
                                  std::chrono::milliseconds{1000});
        log.line("cannot accept: " + ec.message());
        retry.expires_after(accept_delay);
        retry.async_wait([this](const error_code& waited) {
          if (!waited && !stopped)
            do_accept();
        });
        return;
      }
      do_accept();
      return;
    }
    accept_delay = std::chrono::milliseconds{0};
    on_accept(std::move(socket));
    do_accept();
  });
}

void front::impl::on_accept(tcp::socket socket) {
  error_code ec;
  auto remote = socket.remote_endpoint(ec);
  if (ec)
    return;
  auto address = remote.address().to_string();
  auto peer = endpoint_text(remote);
  auto i = pending_by_address.find(address);
  auto from_address = i == pending_by_address.end() ? 0 : i->second;
  if (pending >= opts.max_pending
      || from_address >= opts.max_pending_per_address) {
    ++refused;
    log.line("refused a peer at " + peer + ": too many greetings at once");
    socket.close(ec);
    return;
  }
  socket.set_option(tcp::no_delay{true}, ec);
  if (tls)
    start_inbound<tls_stream>(*this, std::move(socket), std::move(address),
                              std::move(peer));
  else
    start_inbound<tcp::socket>(*this, std::move(socket), std::move(address),
                               std::move(peer));
}

front::front(front_options opts)
  : impl_(std::make_shared<impl>(std::move(opts))) {
}

front::~front() {
  stop();
}

uint16_t front::open() {
  auto& f = *impl_;
  error_code ec;
  auto address = asio::ip::make_address(f.opts.host, ec);
  if (ec)
    throw std::runtime_error("cannot bind cluster port " + f.opts.host + ":"
                             + std::to_string(f.opts.port)
                             + ": not an IP address");
  tcp::endpoint ep{address, f.opts.port};
  f.acceptor.open(ep.protocol(), ec);
  if (!ec)
    f.acceptor.set_option(tcp::acceptor::reuse_address{true}, ec);
  if (!ec)
    f.acceptor.bind(ep, ec);
  if (!ec)
    f.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("cannot bind cluster port " + f.opts.host + ":"
                             + std::to_string(f.opts.port) + ": "
                             + ec.message());
  return f.acceptor.local_endpoint().port();
}

void front::start(uint16_t inner_port) {
  auto& f = *impl_;
  f.inner_port = inner_port;
  if (f.acceptor.is_open())
    asio::post(f.ioc, [&f] { f.do_accept(); });
  std::lock_guard guard{f.dial_mx};
  if (!f.thread.joinable() && !f.closing)
    f.thread = std::thread{[&f] {
      // A handler that throws must not take the node down with it.
      for (;;) {
        try {
          f.ioc.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("cluster: link front: {}", e.what());
        }
      }
    }};
}

void front::dial(const std::string& host, uint16_t port, dial_result done) {
  auto& f = *impl_;
  std::unique_lock guard{f.dial_mx};
  if (f.closing || !f.thread.joinable()) {
    guard.unlock();
    return done(std::string{}, 0, "this node is stopping");
  }
  asio::post(f.ioc, [&f, host, port, done = std::move(done)]() mutable {
    if (f.stopped)
      return done(std::string{}, 0, "this node is stopping");
    if (f.tls)
      start_outbound<tls_stream>(f, host, port, std::move(done));
    else
      start_outbound<tcp::socket>(f, host, port, std::move(done));
  });
}

void front::stop() {
  auto& f = *impl_;
  {
    std::lock_guard guard{f.dial_mx};
    if (f.closing || !f.thread.joinable())
      return;
    f.closing = true;
  }
  asio::post(f.ioc, [&f] {
    f.stopped = true;
    error_code ignored;
    f.acceptor.close(ignored);
    f.retry.cancel();
    for (auto& w : f.links)
      if (auto l = w.lock())
        l->close("this node is stopping");
    f.links.clear();
  });
  // Every socket, timer and resolver is closed above: the loop runs dry.
  f.work.reset();
  f.thread.join();
}

front_counters front::counters() const {
  auto& f = *impl_;
  return {f.links_open.load(), f.links_accepted.load(),
          f.links_dialled.load(), f.refused.load()};
}

} // namespace parlor::link
