#include "router.hpp"

#include "parlor/gateway/http_util.hpp"

#include "parlor/auth/admin.hpp"

#include <boost/beast/websocket/rfc6455.hpp>

namespace parlor::gateway {

namespace http = boost::beast::http;

namespace {

std::string_view as_view(boost::beast::string_view s) {
  return {s.data(), s.size()};
}

/// What the web client's page may load: its own scripts, styles, images
/// and WebSocket, nothing inline, no plugins, no framing.
constexpr const char* content_security_policy =
  "default-src 'self'; script-src 'self'; style-src 'self'; "
  "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
  "base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

bool is_admin(std::string_view target) {
  return target.rfind("/api/admin/", 0) == 0;
}

/// What the admin port answers.
bool operators_path(std::string_view path) {
  return path == "/healthz" || path == "/api/cluster" || path == "/metrics"
         || is_admin(path);
}

http_response make_response(http::status status,
                            boost::beast::string_view content_type,
                            std::string body, unsigned version,
                            bool keep_alive) {
  http_response res{status, version};
  res.set(http::field::server, server_name);
  res.set(http::field::content_type, content_type);
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

} // namespace

http_response plain_response(http::status status, std::string body,
                             unsigned version, bool keep_alive) {
  return make_response(status, "text/plain; charset=utf-8", std::move(body),
                       version, keep_alive);
}

http_response json_response(unsigned status, std::string body,
                            unsigned version, bool keep_alive) {
  auto res = make_response(static_cast<http::status>(status),
                           "application/json", std::move(body), version,
                           keep_alive);
  res.set(http::field::cache_control, "no-store");
  return res;
}

router::router(router_config cfg) : cfg_(std::move(cfg)) {
  // nop
}

route router::operator()(const http_request& req, const node_status& status,
                         int64_t now_ms) const {
  if (cfg_.serves != surface::everything) {
    auto path = split_target(as_view(req.target())).first;
    bool for_operators = path == "/metrics" || is_admin(path);
    if (cfg_.serves == surface::operators ? !operators_path(path)
                                          : for_operators) {
      auto res = plain_response(http::status::not_found, "not found\n",
                                req.version(), req.keep_alive());
      if (req.method() == http::verb::head)
        res.body().clear();
      return res;
    }
  }
  // Upgrades first: an upgrade to any other path is a 404, admin ones too.
  if (boost::beast::websocket::is_upgrade(req))
    return upgrade(req);
  if (is_admin(as_view(req.target())))
    return admin(req, status, now_ms);
  return serve(req, status);
}

route router::upgrade(const http_request& req) const {
  auto [path, params] = split_target(as_view(req.target()));
  if (path != "/socket/websocket")
    return plain_response(http::status::not_found, "not found\n",
                          req.version(), false);
  // A page of another site may not open sockets as its visitor (contract
  // §9); clients that are not browsers send no Origin.
  if (auto origin = req.find(http::field::origin);
      origin != req.end()
      && !origin_allowed(as_view(origin->value()),
                         as_view(req[http::field::host]),
                         cfg_.allowed_origins))
    return plain_response(http::status::forbidden, "origin not allowed\n",
                          req.version(), false);
  auto given = params.find("name");
  auto name = given == params.end() ? std::nullopt : clean_name(given->second);
  if (!name)
    return plain_response(http::status::forbidden,
                          "connect param 'name' must be 1 to 32 characters\n",
                          req.version(), false);
  std::optional<std::string> token;
  if (auto t = params.find("token"); t != params.end() && !t->second.empty())
    token = t->second;
  return ws_accept{std::move(*name), std::move(token)};
}

route router::admin(const http_request& req, const node_status& status,
                    int64_t now_ms) const {
  auto version = req.version();
  auto keep = req.keep_alive();
  auto refuse = [&](unsigned code, std::string_view error) -> route {
    auto res = json_response(code,
                             std::string{R"({"error":")"}
                               + std::string{error} + "\"}\n",
                             version, keep);
    // HEAD gets the headers alone (found by fuzz_http_router: a HEAD of
    // an admin path got the JSON body, which the client reads as the
    // start of the next response).
    if (req.method() == http::verb::head)
      res.body().clear();
    return res;
  };
  if (!cfg_.admin || cfg_.admin_secret.empty())
    return refuse(404, "not_found");
  if (req.method() != http::verb::post)
    return refuse(405, "method_not_allowed");
  auto target = std::string{as_view(req.target())};
  auto auth = as_view(req[http::field::authorization]);
  if (!auth::verify_admin_request(cfg_.admin_secret, auth, "POST", target,
                                  now_ms))
    return refuse(401, "unauthorized");
  // Single-use: a captured request cannot be sent again.
  if (!replays_->first_use(auth, now_ms))
    return refuse(401, "replayed");
  // The node's handler may be gone once it stops.
  if (status.stopping)
    return refuse(503, "stopping");
  auto [path, params] = split_target(target);
  return admin_call{path.substr(std::string_view{"/api/admin/"}.size()),
                    std::move(params)};
}

http_response router::serve(const http_request& req,
                            const node_status& status) const {
  http_response res{http::status::ok, req.version()};
  res.set(http::field::server, server_name);
  res.keep_alive(req.keep_alive());
  auto finish = [&](http::status code, std::string_view type,
                    std::string body) {
    res.result(code);
    res.set(http::field::content_type,
            boost::beast::string_view{type.data(), type.size()});
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
    if (status.stopping)
      return finish(http::status::service_unavailable, "text/plain",
                    "stopping");
    if (!status.ready)
      return finish(http::status::service_unavailable, "text/plain",
                    "starting");
    if (!status.storage_fault.empty())
      return finish(http::status::service_unavailable, "text/plain",
                    "storage: " + status.storage_fault);
    if (status.draining)
      return finish(http::status::service_unavailable, "text/plain",
                    "draining");
    return finish(http::status::ok, "text/plain", "ok");
  }
  if (path == "/api/cluster") {
    res.set(http::field::cache_control, "no-store");
    return finish(http::status::ok, "application/json", cfg_.cluster_json());
  }
  if (path == "/api/games")
    return finish(http::status::ok, "application/json", cfg_.games_json);
  if (path == "/metrics")
    return finish(http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                  cfg_.metrics());
  if (path == "/" || is_game_path(path))
    path = "/index.html";
  if (auto* file = cfg_.files.find(path)) {
    // index.html must be revalidated; bundles carry no hash in their name
    // yet, so everything is revalidated (cheap on loopback and LAN).
    res.set(http::field::cache_control, "no-cache");
    // The browser takes each file for what its type says, and the page runs
    // only the scripts and styles this node serves (contract §9).
    res.set("X-Content-Type-Options", "nosniff");
    if (std::string_view{file->content_type}.rfind("text/html", 0) == 0) {
      res.set("Content-Security-Policy", content_security_policy);
      res.set("Referrer-Policy", "same-origin");
      res.set("X-Frame-Options", "DENY");
    }
    return finish(http::status::ok, file->content_type, file->body);
  }
  if (path == "/index.html")
    return finish(http::status::service_unavailable, "text/plain",
                  "the web client is not built (run the README's command)\n");
  return finish(http::status::not_found, "text/plain", "not found\n");
}

} // namespace parlor::gateway
