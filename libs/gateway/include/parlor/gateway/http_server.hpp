#pragma once

#include "parlor/core/fault.hpp"
#include "parlor/gateway/gateway_actor.hpp"

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace parlor::gateway {

/// What the HTTP server needs besides the gateway environment.
struct http_options {
  std::string host = "0.0.0.0";
  uint16_t port = 4000;
  /// A second listener for operators (`--admin-port`; 0: pick a free one):
  /// `/healthz`, `/api/cluster`, `/metrics` and `/api/admin/...`, which the
  /// players' port then no longer answers. Unset: one port for everything.
  std::optional<uint16_t> admin_port;
  std::string admin_host = "127.0.0.1";
  /// Directory of the built web client (index.html, app.js, ...).
  std::filesystem::path web_root;
  /// Renders `/api/cluster`.
  std::function<std::string()> cluster_json;
  /// Answers an admin request: HTTP status and a JSON body. May be called
  /// from any thread, once.
  using admin_reply = std::function<void(unsigned status, std::string body)>;
  /// Runs `POST /api/admin/ACTION?PARAMS` once its signature checked out
  /// (see `auth::verify_admin_request`). Unset: admin requests get 404.
  std::function<void(const std::string& action,
                     const std::map<std::string, std::string>& params,
                     admin_reply reply)>
    admin;
  /// The key admin requests are signed with (the cluster secret).
  std::string admin_secret;
  /// Origins whose pages may open WebSockets (`--allowed-origins`); empty:
  /// the node's own host, or localhost (`origin_allowed`).
  std::vector<std::string> allowed_origins;
  /// Connections (HTTP and WebSocket) open at once; more are refused.
  /// 0: no limit.
  std::size_t max_connections = 18'000;
  /// Of those, from one remote address; more are refused. 0: no limit.
  std::size_t max_connections_per_address = 1'000;
  /// Raised while the database takes no writes: `/healthz` answers 503 with
  /// the reason. May be null.
  std::shared_ptr<const core::fault_flag> storage_fault;
};

/// The node's HTTP and WebSocket listener (Boost.Beast on Asio): the web UI,
/// `/g/CODE`, `/healthz`, `/api/cluster`, `/metrics`, `/socket/websocket`
/// and the signed `POST /api/admin/...` of `parlorctl`. Runs on the thread
/// that runs the `io_context`: exactly one thread must run it.
class http_server {
public:
  http_server(boost::asio::io_context& ioc, caf::actor_system& sys,
              std::shared_ptr<const gateway_env> env, http_options opts);
  ~http_server();

  /// Binds and starts accepting (on the io thread, which may already run).
  /// Returns the bound port. Throws `std::runtime_error` naming the problem
  /// if the address is unusable.
  uint16_t start();

  /// The admin listener's bound port, once `start` opened it; 0 without
  /// `admin_port`.
  uint16_t admin_port() const;

  /// Marks the node ready: `/healthz` answers `ok` from now on.
  void set_ready(bool ready);

  /// While draining, `/healthz` answers 503 `draining` (load balancers send
  /// new players elsewhere); everything else keeps working.
  void set_draining(bool draining);

  /// Stops accepting and closes every WebSocket with `close_code` (1001
  /// going away by default) so that clients reconnect elsewhere or later.
  /// Thread-safe.
  void stop(uint16_t close_code = 1001);

  /// Drops every WebSocket at once, without a close handshake: for clients
  /// that did not answer `stop` in time. Thread-safe.
  void abort();

  /// Calls `done` once no WebSocket session is open: at once if none is,
  /// else on the thread that ends the last one. Thread-safe.
  void when_no_sessions(std::function<void()> done);

  /// Number of open WebSocket sessions.
  std::size_t session_count() const;

  /// Opaque implementation (Beast stays out of this header).
  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace parlor::gateway
