// The only translation unit that includes Beast.
#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "parlor/gateway/http_server.hpp"

#include "batching_socket.hpp"
#include "parlor/gateway/http_util.hpp"
#include "parlor/gateway/socket_fanout.hpp"

#include "parlor/auth/admin.hpp"
#include "parlor/core/clock.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_map>

namespace parlor::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t max_request_bytes = 16 * 1024;
constexpr auto http_read_timeout = std::chrono::seconds{30};
constexpr auto ws_handshake_timeout = std::chrono::seconds{10};
constexpr const char* server_name = "parlor";

/// A file of the web client, loaded once at start.
struct static_file {
  std::string body;
  std::string content_type;
};

std::string_view as_view(beast::string_view s) {
  return {s.data(), s.size()};
}

/// Asio errors that only mean "the peer or we closed": not worth a log line.
bool benign(const beast::error_code& ec) {
  return ec == asio::error::operation_aborted || ec == websocket::error::closed
         || ec == beast::error::timeout || ec == http::error::end_of_stream
         || ec == asio::error::eof || ec == asio::error::connection_reset
         || ec == asio::error::broken_pipe;
}

} // namespace

class ws_session;

struct http_server::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& io, caf::actor_system& actor_sys,
       std::shared_ptr<const gateway_env> gw_env, http_options options)
    : ioc(io), sys(actor_sys), env(std::move(gw_env)), opts(std::move(options)),
      acceptor(io) {
    // nop
  }

  void load_files();
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  http::response<http::string_body>
  handle(const http::request<http::string_body>& req);

  void add_session(ws_session* s, std::weak_ptr<ws_session> w) {
    std::lock_guard<std::mutex> guard{sessions_mtx};
    sessions.emplace(s, std::move(w));
  }

  /// The sessions still alive, kept alive by the returned pointers.
  std::vector<std::shared_ptr<ws_session>> open_sessions() {
    std::vector<std::shared_ptr<ws_session>> result;
    std::lock_guard<std::mutex> guard{sessions_mtx};
    for (auto& entry : sessions)
      if (auto s = entry.second.lock())
        result.push_back(std::move(s));
    return result;
  }

  void remove_session(ws_session* s) {
    std::lock_guard<std::mutex> guard{sessions_mtx};
    sessions.erase(s);
  }

  /// Run by exactly one thread.
  asio::io_context& ioc;
  caf::actor_system& sys;
  std::shared_ptr<const gateway_env> env;
  http_options opts;
  tcp::acceptor acceptor;
  std::unordered_map<std::string, static_file> files;
  std::atomic<bool> ready{false};
  std::atomic<bool> draining{false};
  std::atomic<bool> stopping{false};
  mutable std::mutex sessions_mtx;
  std::unordered_map<ws_session*, std::weak_ptr<ws_session>> sessions;
};

// -- WebSocket session --------------------------------------------------------

/// One WebSocket connection. Only `send` and `close` may be called off the
/// strand; everything else runs on it.
class ws_session : public socket_sink,
                   public std::enable_shared_from_this<ws_session> {
public:
  ws_session(tcp::socket&& socket, std::shared_ptr<http_server::impl> server)
    : ws_(std::move(socket)), server_(std::move(server)) {
    // nop
  }

  ~ws_session() override {
    server_->remove_session(this);
    if (actor_)
      caf::anon_send(actor_, closed_atom_v);
  }

  void run(http::request<http::string_body> req, std::string name,
           std::optional<std::string> token) {
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
    name_ = std::move(name);
    token_ = std::move(token);
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

  /// Queues a frame; on the io thread only (see `send_to_all`).
  void deliver(const shared_frame& frame) {
    on_send(frame);
  }

  asio::io_context& context() {
    return server_->ioc;
  }

  /// Thread-safe. Called by the gateway actor and at shutdown.
  void close(uint16_t code, std::string reason) override {
    asio::post(ws_.get_executor(),
               beast::bind_front_handler(&ws_session::do_close,
                                         shared_from_this(), code,
                                         std::move(reason)));
  }

  /// Thread-safe. Drops the TCP connection; pending operations fail.
  void abort() {
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
    caf::anon_send(actor_, inbound_atom_v,
                   beast::buffers_to_string(buffer_.data()));
    buffer_.consume(buffer_.size());
    do_read();
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
  // timer, and tcp_stream's timers cost ~500 bytes per socket
  // (docs/benchmarks.md, memory per player). The batching socket sends
  // the frames written in one round of the io thread together.
  websocket::stream<batching_socket> ws_;
  beast::flat_buffer buffer_;
  /// Frames waiting while the socket is stalled. A vector: an empty
  /// std::deque holds 576 bytes, and most sockets are idle.
  std::vector<shared_frame> queue_;
  std::shared_ptr<http_server::impl> server_;
  gateway_actor actor_;
  std::string name_;
  std::optional<std::string> token_;
  std::size_t max_frame_bytes_ = 0;
  bool closing_ = false;
  /// More than the high-water mark is buffered: frames queue.
  bool stalled_ = false;
};

// -- HTTP session -------------------------------------------------------------

/// One HTTP connection: serves requests until it is upgraded or closed.
class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(tcp::socket&& socket, std::shared_ptr<http_server::impl> server)
    : stream_(std::move(socket)), server_(std::move(server)) {
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
      return reply(plain(http::status::payload_too_large, "request too large\n",
                         11, false));
    if (ec) {
      if (!benign(ec))
        spdlog::debug("http read: {}", ec.message());
      return shutdown();
    }
    auto req = parser_->release();
    if (websocket::is_upgrade(req))
      return upgrade(std::move(req));
    if (is_admin(as_view(req.target())))
      return admin(std::move(req));
    reply(server_->handle(req));
  }

  static bool is_admin(std::string_view target) {
    return target.rfind("/api/admin/", 0) == 0;
  }

  static http::response<http::string_body>
  json_reply(unsigned status, std::string body, unsigned version,
             bool keep_alive) {
    auto res = make_response(static_cast<http::status>(status),
                             "application/json", std::move(body), version,
                             keep_alive);
    res.set(http::field::cache_control, "no-store");
    return res;
  }

  /// `POST /api/admin/ACTION?PARAMS`, signed with the cluster secret; the
  /// answer may take a while (a drain), so it is written when it comes.
  void admin(http::request<http::string_body> req) {
    auto version = req.version();
    auto keep = req.keep_alive();
    auto refuse = [&](unsigned status, std::string_view error) {
      reply(json_reply(status,
                       std::string{R"({"error":")"} + std::string{error}
                         + "\"}\n",
                       version, keep));
    };
    auto& opts = server_->opts;
    if (!opts.admin || opts.admin_secret.empty())
      return refuse(404, "not_found");
    if (req.method() != http::verb::post)
      return refuse(405, "method_not_allowed");
    auto target = std::string{as_view(req.target())};
    auto auth = as_view(req[http::field::authorization]);
    if (!auth::verify_admin_request(opts.admin_secret, auth, "POST", target,
                                    core::unix_ms()))
      return refuse(401, "unauthorized");
    // The node's handler may be gone once it stops.
    if (server_->stopping)
      return refuse(503, "stopping");
    auto [path, params] = split_target(target);
    auto action = path.substr(std::string_view{"/api/admin/"}.size());
    // Drains are bounded by the node; this only stops a stuck connection.
    stream_.expires_after(std::chrono::minutes{2});
    auto self = shared_from_this();
    auto executor = stream_.get_executor();
    opts.admin(action, params,
               [self, executor, version, keep](unsigned status,
                                               std::string body) {
                 asio::post(executor, [=]() mutable {
                   self->reply(json_reply(status, std::move(body), version,
                                          keep));
                 });
               });
  }

  void upgrade(http::request<http::string_body> req) {
    auto [path, params] = split_target(as_view(req.target()));
    if (path != "/socket/websocket")
      return reply(plain(http::status::not_found, "not found\n", req.version(),
                         false));
    auto name = params.find("name");
    if (name == params.end() || !valid_name(name->second))
      return reply(plain(http::status::forbidden,
                         "connect param 'name' must be 1 to 32 characters\n",
                         req.version(), false));
    std::optional<std::string> token;
    if (auto t = params.find("token"); t != params.end() && !t->second.empty())
      token = t->second;
    stream_.expires_never();
    std::make_shared<ws_session>(stream_.release_socket(), server_)
      ->run(std::move(req), name->second, std::move(token));
  }

  static http::response<http::string_body>
  make_response(http::status status, beast::string_view content_type,
                std::string body, unsigned version, bool keep_alive) {
    http::response<http::string_body> res{status, version};
    res.set(http::field::server, server_name);
    res.set(http::field::content_type, content_type);
    res.keep_alive(keep_alive);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  }

  static http::response<http::string_body>
  plain(http::status status, std::string body, unsigned version,
        bool keep_alive) {
    return make_response(status, "text/plain; charset=utf-8", std::move(body),
                         version, keep_alive);
  }

  void reply(http::response<http::string_body> res) {
    auto sp = std::make_shared<http::response<http::string_body>>(
      std::move(res));
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
  std::shared_ptr<http_server::impl> server_;
};

// -- broadcast ----------------------------------------------------------------

void send_to_all(const shared_frame& frame,
                 const std::vector<std::shared_ptr<socket_sink>>& sinks) {
  // One hand-off per io_context (each is run by one thread) instead of one
  // post per session.
  std::vector<std::pair<asio::io_context*,
                        std::vector<std::shared_ptr<ws_session>>>>
    batches;
  for (auto& s : sinks) {
    auto ws = std::dynamic_pointer_cast<ws_session>(s);
    if (!ws) {
      s->send(frame);
      continue;
    }
    auto* ctx = &ws->context();
    auto i = std::find_if(batches.begin(), batches.end(),
                          [&](auto& b) { return b.first == ctx; });
    if (i == batches.end())
      i = batches.insert(batches.end(), {ctx, {}});
    i->second.push_back(std::move(ws));
  }
  for (auto& [ctx, sessions] : batches)
    asio::dispatch(*ctx, [frame, sessions = std::move(sessions)] {
      for (auto& ws : sessions)
        ws->deliver(frame);
    });
}

// -- server -------------------------------------------------------------------

void http_server::impl::load_files() {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (opts.web_root.empty() || !fs::is_directory(opts.web_root, ec)) {
    spdlog::warn("web client not found at '{}': only the API is served",
                 opts.web_root.string());
    return;
  }
  for (auto it = fs::recursive_directory_iterator(opts.web_root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file())
      continue;
    std::ifstream in{it->path(), std::ios::binary};
    std::ostringstream buf;
    buf << in.rdbuf();
    auto rel = fs::relative(it->path(), opts.web_root).generic_string();
    files["/" + rel] = static_file{buf.str(),
                                   std::string{content_type_for(rel)}};
  }
  spdlog::info("serving {} web client files from {}", files.size(),
               opts.web_root.string());
}

http::response<http::string_body>
http_server::impl::handle(const http::request<http::string_body>& req) {
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::server, server_name);
  res.keep_alive(req.keep_alive());
  auto finish = [&](http::status status, std::string_view type,
                    std::string body) {
    res.result(status);
    res.set(http::field::content_type,
            beast::string_view{type.data(), type.size()});
    res.body() = std::move(body);
    res.prepare_payload();
    if (req.method() == http::verb::head)
      res.body().clear();
    return std::move(res);
  };
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    res.set(http::field::allow, "GET, HEAD");
    return finish(http::status::method_not_allowed, "text/plain",
                  "method not allowed\n");
  }
  auto path = split_target(as_view(req.target())).first;
  if (path == "/healthz") {
    if (stopping)
      return finish(http::status::service_unavailable, "text/plain",
                    "stopping");
    if (!ready)
      return finish(http::status::service_unavailable, "text/plain",
                    "starting");
    if (draining)
      return finish(http::status::service_unavailable, "text/plain",
                    "draining");
    return finish(http::status::ok, "text/plain", "ok");
  }
  if (path == "/api/cluster") {
    res.set(http::field::cache_control, "no-store");
    return finish(http::status::ok, "application/json", opts.cluster_json());
  }
  if (path == "/metrics")
    return finish(http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                  env->metrics->render());
  if (path == "/" || is_game_path(path))
    path = "/index.html";
  if (auto i = files.find(path); i != files.end()) {
    // index.html must be revalidated; bundles carry no hash in their name
    // yet, so everything is revalidated (cheap on loopback and LAN).
    res.set(http::field::cache_control, "no-cache");
    return finish(http::status::ok, i->second.content_type, i->second.body);
  }
  if (path == "/index.html")
    return finish(http::status::service_unavailable, "text/plain",
                  "the web client is not built (run the README's command)\n");
  return finish(http::status::not_found, "text/plain", "not found\n");
}

void http_server::impl::do_accept() {
  // No strands: one thread runs `ioc`, so handlers never run concurrently,
  // and a broadcast can serve many sessions in one handler (send_to_all).
  acceptor.async_accept(ioc,
                        beast::bind_front_handler(&impl::on_accept,
                                                  shared_from_this()));
}

void http_server::impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open())
    return;
  if (ec) {
    // E.g. EMFILE: log, keep accepting (after the next connection closes).
    spdlog::warn("http accept: {}", ec.message());
  } else {
    // Small frames, request/response: Nagle plus delayed ACKs would add
    // ~40 ms to a reply that follows a write.
    beast::error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    std::make_shared<http_session>(std::move(socket), shared_from_this())
      ->run();
  }
  do_accept();
}

http_server::http_server(asio::io_context& ioc, caf::actor_system& sys,
                         std::shared_ptr<const gateway_env> env,
                         http_options opts)
  : impl_(std::make_shared<impl>(ioc, sys, std::move(env), std::move(opts))) {
  impl_->load_files();
}

http_server::~http_server() = default;

uint16_t http_server::start() {
  auto& opts = impl_->opts;
  beast::error_code ec;
  auto address = asio::ip::make_address(opts.host, ec);
  if (ec)
    throw std::runtime_error("invalid --http-host '" + opts.host
                             + "': " + ec.message());
  tcp::endpoint ep{address, opts.port};
  auto& acc = impl_->acceptor;
  auto where = [&] {
    return opts.host + ":" + std::to_string(opts.port);
  };
  if (acc.open(ep.protocol(), ec); ec)
    throw std::runtime_error("cannot open HTTP socket: " + ec.message());
  if (acc.set_option(asio::socket_base::reuse_address(true), ec); ec)
    throw std::runtime_error("cannot set SO_REUSEADDR: " + ec.message());
  if (acc.bind(ep, ec); ec)
    throw std::runtime_error("cannot bind HTTP port " + where() + ": "
                             + ec.message());
  if (acc.listen(asio::socket_base::max_listen_connections, ec); ec)
    throw std::runtime_error("cannot listen on " + where() + ": "
                             + ec.message());
  auto port = acc.local_endpoint().port();
  // The accept loop belongs to the io thread, which may be running already.
  asio::post(impl_->ioc, [i = impl_] { i->do_accept(); });
  return port;
}

void http_server::set_draining(bool draining) {
  impl_->draining = draining;
}

void http_server::set_ready(bool ready) {
  impl_->ready = ready;
}

void http_server::stop(uint16_t close_code) {
  impl_->stopping = true;
  asio::post(impl_->acceptor.get_executor(), [i = impl_] {
    beast::error_code ec;
    i->acceptor.close(ec);
  });
  for (auto& s : impl_->open_sessions())
    s->close(close_code, "server shutting down");
}

void http_server::abort() {
  for (auto& s : impl_->open_sessions())
    s->abort();
}

std::size_t http_server::session_count() const {
  std::lock_guard<std::mutex> guard{impl_->sessions_mtx};
  return impl_->sessions.size();
}

} // namespace parlor::gateway
