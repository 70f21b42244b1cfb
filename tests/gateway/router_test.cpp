#include "router.hpp"

#include "parlor/auth/admin.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace parlor::gateway;
namespace http = boost::beast::http;

namespace {

constexpr int64_t now = 1'700'000'000'000;
constexpr const char* secret = "cluster-secret";

router make_router(bool with_index = true,
                   surface serves = surface::everything) {
  router_config cfg;
  cfg.serves = serves;
  if (with_index)
    cfg.files.add("/index.html", "<html>");
  cfg.files.add("/app.js", "run()");
  cfg.cluster_json = [] { return std::string{R"({"nodes":[]})"}; };
  cfg.metrics = [] { return std::string{"parlor_up 1\n"}; };
  cfg.admin = true;
  cfg.admin_secret = secret;
  return router{std::move(cfg)};
}

http_request get(std::string target, http::verb method = http::verb::get,
                 unsigned version = 11) {
  http_request req{method, target, version};
  req.set(http::field::host, "127.0.0.1");
  return req;
}

http_request upgrade(std::string target) {
  auto req = get(std::move(target));
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(http::field::sec_websocket_version, "13");
  return req;
}

http_request signed_admin(std::string target, int64_t signed_at = now) {
  auto req = get(target, http::verb::post);
  req.set(http::field::authorization,
          parlor::auth::sign_admin_request(secret, "POST", target, signed_at));
  return req;
}

const node_status up{true, false, false, {}};

/// The response `r` must hold.
http_response response(route r) {
  REQUIRE(std::holds_alternative<http_response>(r));
  return std::get<http_response>(std::move(r));
}

/// Status and header lines in the order they go out, as in
/// "200|Server: parlor|Content-Type: text/plain|Content-Length: 2".
std::string head(const http_response& res) {
  auto str = [](boost::beast::string_view s) {
    return std::string{s.data(), s.size()};
  };
  auto out = std::to_string(res.result_int());
  for (auto& f : res)
    out += "|" + str(f.name_string()) + ": " + str(f.value());
  return out;
}

} // namespace

TEST_CASE("healthz says starting, ok, draining or stopping", "[gateway]") {
  auto r = make_router();
  auto health = [&](node_status st) {
    auto res = response(r(get("/healthz"), st, now));
    return std::to_string(res.result_int()) + " " + res.body();
  };
  CHECK(health({false, false, false, {}}) == "503 starting");
  CHECK(health(up) == "200 ok");
  CHECK(health({true, true, false, {}}) == "503 draining");
  CHECK(health({true, true, true, {}}) == "503 stopping");
  CHECK(health({false, false, true, {}}) == "503 stopping");
  // A storage fault says why, before draining (contract §9).
  CHECK(health({true, false, false, "disk full"}) == "503 storage: disk full");
  CHECK(health({true, true, false, "disk full"}) == "503 storage: disk full");
  CHECK(health({true, false, true, "disk full"}) == "503 stopping");
  CHECK(head(response(r(get("/healthz"), up, now)))
        == "200|Server: parlor|Content-Type: text/plain|Content-Length: 2");
}

TEST_CASE("only GET and HEAD are served, and HEAD keeps the length",
          "[gateway]") {
  auto r = make_router();
  auto post = response(r(get("/healthz", http::verb::post), up, now));
  CHECK(head(post)
        == "405|Server: parlor|Allow: GET, HEAD|Content-Type: text/plain"
           "|Content-Length: 19");
  CHECK(post.body() == "method not allowed\n");
  auto res = response(r(get("/healthz", http::verb::head), up, now));
  CHECK(res.result() == http::status::ok);
  CHECK(res.body().empty());
  CHECK(res[http::field::content_length] == "2");
  // Refused admin requests too (found by fuzz_http_router).
  auto admin = response(r(get("/api/admin//healthz", http::verb::head), up, now));
  CHECK(admin.result() == http::status::method_not_allowed);
  CHECK(admin.body().empty());
  CHECK(admin[http::field::content_length] != "0");
}

TEST_CASE("keep-alive follows the request", "[gateway]") {
  auto r = make_router();
  auto old = get("/healthz", http::verb::get, 10);
  CHECK_FALSE(response(r(old, up, now)).keep_alive());
  old.keep_alive(true);
  CHECK(head(response(r(old, up, now)))
        == "200|Server: parlor|Connection: keep-alive|Content-Type: text/plain"
           "|Content-Length: 2");
  auto closing = get("/healthz");
  closing.keep_alive(false);
  CHECK(response(r(closing, up, now)).need_eof());
  CHECK_FALSE(response(r(get("/healthz"), up, now)).need_eof());
}

TEST_CASE("cluster and metrics are rendered per request", "[gateway]") {
  auto r = make_router();
  auto cluster = response(r(get("/api/cluster?x=1"), up, now));
  CHECK(head(cluster)
        == "200|Server: parlor|Cache-Control: no-store"
           "|Content-Type: application/json|Content-Length: 12");
  CHECK(cluster.body() == R"({"nodes":[]})");
  auto metrics = response(r(get("/metrics"), {false, false, false, {}}, now));
  CHECK(metrics[http::field::content_type]
        == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(metrics.body() == "parlor_up 1\n");
}

TEST_CASE("the web client is served for / and game links", "[gateway]") {
  auto r = make_router();
  for (auto target : {"/", "/index.html", "/g/ABCD", "/g/abcd?x=1"}) {
    INFO(target);
    auto res = response(r(get(target), up, now));
    CHECK(head(res)
          == "200|Server: parlor|Cache-Control: no-cache"
             "|X-Content-Type-Options: nosniff"
             "|Content-Security-Policy: default-src 'self'; script-src 'self'; "
             "style-src 'self'; img-src 'self' data:; connect-src 'self'; "
             "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
             "form-action 'self'"
             "|Referrer-Policy: same-origin|X-Frame-Options: DENY"
             "|Content-Type: text/html; charset=utf-8|Content-Length: 6");
    CHECK(res.body() == "<html>");
  }
  auto js = response(r(get("/app.js"), up, now));
  CHECK(js[http::field::content_type] == "text/javascript; charset=utf-8");
  CHECK(js["X-Content-Type-Options"] == "nosniff");
  CHECK(js["Content-Security-Policy"].empty()); // pages only
  CHECK(js.body() == "run()");
  for (auto target : {"/g/AB1D", "/g/ABCDE", "/nope", "/app.js/"}) {
    INFO(target);
    auto res = response(r(get(target), up, now));
    CHECK(res.result() == http::status::not_found);
    CHECK(res.body() == "not found\n");
    CHECK(res[http::field::content_type] == "text/plain");
  }
}

TEST_CASE("without a built client, pages answer 503", "[gateway]") {
  auto r = make_router(false);
  for (auto target : {"/", "/g/ABCD", "/index.html"}) {
    auto res = response(r(get(target), up, now));
    CHECK(res.result() == http::status::service_unavailable);
    CHECK(res.body()
          == "the web client is not built (run the README's command)\n");
  }
  CHECK(response(r(get("/app.js"), up, now)).result() == http::status::ok);
}

TEST_CASE("an upgrade with a valid name is accepted", "[gateway]") {
  auto r = make_router();
  auto accept = [&](std::string target) {
    auto what = r(upgrade(std::move(target)), up, now);
    REQUIRE(std::holds_alternative<ws_accept>(what));
    return std::get<ws_accept>(what);
  };
  auto plain = accept("/socket/websocket?vsn=2.0.0&name=Al%20ice");
  CHECK(plain.name == "Al ice");
  CHECK_FALSE(plain.token);
  CHECK(accept("/socket/websocket?name=Bob&token=abc").token == "abc");
  CHECK_FALSE(accept("/socket/websocket?name=Bob&token=").token);
  // Readiness and draining do not matter; the session closes at once
  // while stopping.
  CHECK(std::holds_alternative<ws_accept>(
    r(upgrade("/socket/websocket?name=Bob"), {false, true, true, {}}, now)));
}

TEST_CASE("an upgrade without a valid name is refused with 403",
          "[gateway]") {
  auto r = make_router();
  for (const std::string& target : std::vector<std::string>{
         "/socket/websocket", "/socket/websocket?name=",
         "/socket/websocket?name=%zz", "/socket/websocket?name=tab%09",
         "/socket/websocket?name=" + std::string(33, 'x')}) {
    INFO(target);
    auto res = response(r(upgrade(target), up, now));
    CHECK(head(res)
          == "403|Server: parlor|Content-Type: text/plain; charset=utf-8"
             "|Connection: close|Content-Length: 48");
    CHECK(res.body() == "connect param 'name' must be 1 to 32 characters\n");
  }
}

TEST_CASE("an upgrade from a page of another site is refused with 403",
          "[gateway]") {
  auto r = make_router();
  auto from = [&](const char* origin) {
    auto req = upgrade("/socket/websocket?vsn=2.0.0&name=alice");
    if (origin)
      req.set(http::field::origin, origin);
    return r(req, up, now);
  };
  CHECK(std::holds_alternative<ws_accept>(from(nullptr))); // not a browser
  CHECK(std::holds_alternative<ws_accept>(from("http://127.0.0.1")));
  CHECK(std::holds_alternative<ws_accept>(from("http://localhost:5173")));
  for (auto origin : {"https://evil.example", "null"}) {
    INFO(origin);
    auto res = response(from(origin));
    CHECK(res.result() == http::status::forbidden);
    CHECK(res.body() == "origin not allowed\n");
  }
}

TEST_CASE("an upgrade to another path is a 404, admin paths included",
          "[gateway]") {
  auto r = make_router();
  for (auto target : {"/socket", "/socket/websocket/x?name=Al",
                      "/api/admin/drain?node=n1", "/healthz"}) {
    INFO(target);
    auto res = response(r(upgrade(target), up, now));
    CHECK(head(res)
          == "404|Server: parlor|Content-Type: text/plain; charset=utf-8"
             "|Connection: close|Content-Length: 10");
  }
  // Not an upgrade without the Upgrade header: served as a page.
  auto half = upgrade("/healthz");
  half.erase(http::field::upgrade);
  CHECK(response(r(half, up, now)).body() == "ok");
}

TEST_CASE("a signed admin request becomes an admin call", "[gateway]") {
  auto r = make_router();
  auto what = r(signed_admin("/api/admin/drain?node=n1&x=a%20b"),
                {true, true, false, {}}, now + 1000);
  REQUIRE(std::holds_alternative<admin_call>(what));
  auto& call = std::get<admin_call>(what);
  CHECK(call.action == "drain");
  CHECK(call.params
        == std::map<std::string, std::string>{{"node", "n1"}, {"x", "a b"}});
  // Readiness does not matter.
  CHECK(std::holds_alternative<admin_call>(
    r(signed_admin("/api/admin/resume?node=n1"), {}, now)));
}

TEST_CASE("admin requests are refused in order: 404, 405, 401, 503",
          "[gateway]") {
  auto refusal = [](const route& what) {
    auto res = response(what);
    return std::to_string(res.result_int()) + " " + res.body();
  };
  auto target = std::string{"/api/admin/drain?node=n1"};
  auto r = make_router();

  router_config without;
  without.admin = false;
  without.admin_secret = secret;
  CHECK(refusal(router{without}(signed_admin(target), up, now))
        == "404 {\"error\":\"not_found\"}\n");
  router_config no_secret;
  no_secret.admin = true;
  CHECK(refusal(router{no_secret}(signed_admin(target), up, now))
        == "404 {\"error\":\"not_found\"}\n");

  auto wrong_method = signed_admin(target);
  wrong_method.method(http::verb::get);
  CHECK(refusal(r(wrong_method, up, now))
        == "405 {\"error\":\"method_not_allowed\"}\n");

  auto unsigned_req = get(target, http::verb::post);
  CHECK(refusal(r(unsigned_req, up, now))
        == "401 {\"error\":\"unauthorized\"}\n");
  auto other_node = signed_admin("/api/admin/drain?node=n2");
  other_node.target(target);
  CHECK(refusal(r(other_node, up, now))
        == "401 {\"error\":\"unauthorized\"}\n");
  auto stale = signed_admin(target, now - 61'000);
  CHECK(refusal(r(stale, up, now)) == "401 {\"error\":\"unauthorized\"}\n");
  auto bad_key = get(target, http::verb::post);
  bad_key.set(http::field::authorization,
              parlor::auth::sign_admin_request("other", "POST", target, now));
  CHECK(refusal(r(bad_key, up, now)) == "401 {\"error\":\"unauthorized\"}\n");

  CHECK(refusal(r(signed_admin(target), {true, false, true, {}}, now))
        == "503 {\"error\":\"stopping\"}\n");
  // A signature works once (a captured request cannot be sent again).
  auto once = signed_admin(target, now + 5);
  CHECK(std::holds_alternative<admin_call>(r(once, up, now + 5)));
  CHECK(refusal(r(once, up, now + 6)) == "401 {\"error\":\"replayed\"}\n");
  // A forged request learns nothing about the node's state.
  CHECK(refusal(r(unsigned_req, {true, false, true, {}}, now))
        == "401 {\"error\":\"unauthorized\"}\n");
}

TEST_CASE("admin refusals are uncached JSON and keep the connection",
          "[gateway]") {
  auto r = make_router();
  auto res = response(r(get("/api/admin/drain", http::verb::post), up, now));
  CHECK(head(res)
        == "401|Server: parlor|Content-Type: application/json"
           "|Content-Length: 25|Cache-Control: no-store");
  CHECK_FALSE(res.need_eof());
}

TEST_CASE("answers to admin calls and oversized requests", "[gateway]") {
  auto ok = json_response(200, R"({"status":"up"})", 11, true);
  CHECK(head(ok)
        == "200|Server: parlor|Content-Type: application/json"
           "|Content-Length: 15|Cache-Control: no-store");
  CHECK(ok.body() == R"({"status":"up"})");
  CHECK(json_response(409, "{}", 10, true)[http::field::connection]
        == "keep-alive");
  auto big = plain_response(http::status::payload_too_large,
                            "request too large\n", 11, false);
  CHECK(head(big)
        == "413|Server: parlor|Content-Type: text/plain; charset=utf-8"
           "|Connection: close|Content-Length: 18");
}

TEST_CASE("beside an admin port, the players' port answers no metrics and "
          "no admin requests",
          "[gateway]") {
  auto r = make_router(true, surface::players);
  CHECK(response(r(get("/metrics"), up, now)).result()
        == http::status::not_found);
  CHECK(response(r(signed_admin("/api/admin/drain?node=a"), up, now)).result()
        == http::status::not_found);
  auto head = response(r(get("/metrics", http::verb::head), up, now));
  CHECK(head.result() == http::status::not_found);
  CHECK(head.body().empty());
  // Everything players need stays.
  CHECK(response(r(get("/healthz"), up, now)).body() == "ok");
  CHECK(response(r(get("/g/ABCD"), up, now)).body() == "<html>");
  CHECK(response(r(get("/api/cluster"), up, now)).result() == http::status::ok);
  CHECK(std::holds_alternative<ws_accept>(
    r(upgrade("/socket/websocket?vsn=2.0.0&name=ann"), up, now)));
}

TEST_CASE("the admin port answers health, cluster, metrics and admin "
          "requests only",
          "[gateway]") {
  auto r = make_router(true, surface::operators);
  CHECK(response(r(get("/metrics"), up, now)).body() == "parlor_up 1\n");
  CHECK(response(r(get("/healthz"), up, now)).body() == "ok");
  CHECK(response(r(get("/api/cluster"), up, now)).result() == http::status::ok);
  CHECK(std::holds_alternative<admin_call>(
    r(signed_admin("/api/admin/drain?node=a"), up, now)));
  for (auto target : {"/", "/g/ABCD", "/app.js", "/index.html"})
    CHECK(response(r(get(target), up, now)).result()
          == http::status::not_found);
  CHECK(response(r(upgrade("/socket/websocket?vsn=2.0.0&name=ann"), up, now))
          .result()
        == http::status::not_found);
}
