#pragma once

#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "static_files.hpp"

#include "parlor/auth/admin.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>
#include <variant>

namespace parlor::gateway {

using http_request
  = boost::beast::http::request<boost::beast::http::string_body>;
using http_response
  = boost::beast::http::response<boost::beast::http::string_body>;

/// The `Server` header of every response and of the WebSocket handshake.
inline constexpr const char* server_name = "parlor";

/// What the node says about itself at the time of a request.
struct node_status {
  bool ready = false;
  bool draining = false;
  bool stopping = false;
  /// Why the database takes no writes; empty while it does.
  std::string storage_fault;
};

/// A signed admin request whose signature checked out: the session runs
/// `action` and writes the answer when it comes (a drain takes a while).
struct admin_call {
  std::string action;
  std::map<std::string, std::string> params;
};

/// A WebSocket upgrade to accept, for the player of the connect params.
struct ws_accept {
  std::string name;
  std::optional<std::string> token;
};

/// What to do with a request: answer it, run an admin action, or accept
/// the WebSocket upgrade.
using route = std::variant<http_response, admin_call, ws_accept>;

/// Which requests a listener answers.
enum class surface : uint8_t {
  /// Everything (no `--admin-port`).
  everything,
  /// The players' port beside an admin port: no `/metrics`, no
  /// `/api/admin/...` (404).
  players,
  /// The admin port: `/healthz`, `/api/cluster`, `/metrics` and
  /// `/api/admin/...` only; the web client and WebSockets get 404.
  operators,
};

/// What the router serves besides the fixed paths.
struct router_config {
  surface serves = surface::everything;
  static_files files;
  /// Renders `/api/cluster`.
  std::function<std::string()> cluster_json;
  /// `/api/games`: the catalog (it does not change while the node runs).
  std::string games_json;
  /// Renders `/metrics`.
  std::function<std::string()> metrics;
  /// Whether the node runs admin actions (a handler and a secret are set);
  /// without, admin requests get 404.
  bool admin = false;
  /// The key admin requests are signed with (the cluster secret).
  std::string admin_secret;
  /// `--allowed-origins`; empty: same host, or localhost (`origin_allowed`).
  std::vector<std::string> allowed_origins;
};

/// Decides every HTTP request of the node: `/healthz`, `/api/cluster`,
/// `/metrics`, the web client and `/g/CODE`, the signed
/// `POST /api/admin/...` and the upgrade to `/socket/websocket`. No I/O and
/// no clock: a request and the node's status in, what to do out.
class router {
public:
  explicit router(router_config cfg);

  /// Decides `req`, received at `now_ms` (Unix ms, for admin signatures).
  route operator()(const http_request& req, const node_status& status,
                   int64_t now_ms) const;

private:
  route upgrade(const http_request& req) const;
  route admin(const http_request& req, const node_status& status,
              int64_t now_ms) const;
  http_response serve(const http_request& req,
                      const node_status& status) const;

  router_config cfg_;
  /// Admin signatures already used (a router is shared by every session).
  std::shared_ptr<auth::replay_guard> replays_
    = std::make_shared<auth::replay_guard>();
};

/// A `text/plain; charset=utf-8` response.
http_response plain_response(boost::beast::http::status status,
                             std::string body, unsigned version,
                             bool keep_alive);

/// An `application/json` response that caches must not store (the answers
/// of admin requests).
http_response json_response(unsigned status, std::string body,
                            unsigned version, bool keep_alive);

} // namespace parlor::gateway
