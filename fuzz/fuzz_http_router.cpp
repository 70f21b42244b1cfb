// Fuzzes the gateway's HTTP router with requests parsed from raw bytes by
// Beast's parser, as an HTTP session reads them.
//
// The first byte sets the node's status (ready, draining, stopping) and
// whether the harness signs the request as `parlorctl` would; the rest is
// the request. Checks:
// - every response carries the request's version, `Server: parlor`, a
//   Content-Length equal to its body's (HEAD: an empty body), and header
//   values without CR or LF; it serializes;
// - `/healthz` answers 200 only on a ready node that neither drains nor
//   stops;
// - an admin action runs only for a signed POST to `/api/admin/...` on a
//   node that is not stopping, with the target's path and parameters; a
//   signed one always does;
// - an upgrade is accepted only to `/socket/websocket`, with the `name`
//   parameter as `clean_name` cleans it (cleaning it again changes
//   nothing) and a non-empty token if any.

#include "check.hpp"

#include "router.hpp"

#include "parlor/auth/admin.hpp"
#include "parlor/gateway/http_util.hpp"

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

namespace {

namespace http = boost::beast::http;
using namespace parlor::gateway;

constexpr int64_t now_ms = 1'700'000'000'000;
constexpr const char* secret = "fuzz-cluster-secret";
constexpr std::string_view admin_prefix = "/api/admin/";
// As the HTTP session limits a request.
constexpr std::size_t max_request_bytes = 16 * 1024;

const router& the_router() {
  static const router r = [] {
    router_config cfg;
    cfg.files.add("/index.html", "<html>");
    cfg.files.add("/app.js", "run()");
    cfg.cluster_json = [] { return std::string{R"({"nodes":[]})"}; };
    cfg.metrics = [] { return std::string{"parlor_up 1\n"}; };
    cfg.admin = true;
    cfg.admin_secret = secret;
    return router{std::move(cfg)};
  }();
  return r;
}

std::string_view as_view(boost::beast::string_view s) {
  return {s.data(), s.size()};
}

/// The request in `bytes`, if Beast's parser reads one whole.
std::optional<http_request> parse(std::string_view bytes) {
  http::request_parser<http::string_body> p;
  p.header_limit(max_request_bytes);
  p.body_limit(max_request_bytes);
  p.eager(true);
  boost::beast::error_code ec;
  while (!p.is_done() && !bytes.empty()) {
    auto used = p.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    bytes.remove_prefix(used);
    if (ec || used == 0)
      break;
  }
  if (ec == http::error::need_more)
    p.put_eof(ec);
  if (ec || !p.is_done())
    return std::nullopt;
  return p.release();
}

void check_response(const http_request& req, const http_response& res) {
  PARLOR_FUZZ_CHECK(res.version() == req.version());
  PARLOR_FUZZ_CHECK(res[http::field::server] == server_name);
  for (auto& field : res)
    PARLOR_FUZZ_CHECK(as_view(field.value()).find_first_of("\r\n")
                      == std::string_view::npos);
  auto length = std::string{as_view(res[http::field::content_length])};
  if (req.method() == http::verb::head)
    PARLOR_FUZZ_CHECK(res.body().empty());
  else
    PARLOR_FUZZ_CHECK(length == std::to_string(res.body().size()));
  std::ostringstream out;
  out << res;
  PARLOR_FUZZ_CHECK(!out.str().empty());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1)
    return 0;
  node_status status{(data[0] & 1) != 0, (data[0] & 2) != 0,
                     (data[0] & 4) != 0,
                     (data[0] & 16) != 0 ? "disk full" : ""};
  bool sign = (data[0] & 8) != 0;
  auto req = parse({reinterpret_cast<const char*>(data) + 1, size - 1});
  if (!req)
    return 0;
  auto target = std::string{as_view(req->target())};
  // Admin signatures are single-use: each input is signed at a later time,
  // 13 ms apart so that the router's replay guard forgets them faster than
  // it fills.
  static int64_t clock_ms = now_ms;
  clock_ms += 13;
  if (sign)
    req->set(http::field::authorization,
             parlor::auth::sign_admin_request(secret, "POST", target,
                                              clock_ms));

  auto decision = the_router()(*req, status, clock_ms);
  auto [path, params] = split_target(target);
  bool upgrade = boost::beast::websocket::is_upgrade(*req);
  bool admin_target = target.rfind(admin_prefix, 0) == 0;

  if (auto* res = std::get_if<http_response>(&decision)) {
    check_response(*req, *res);
    if (!upgrade && path == "/healthz"
        && (req->method() == http::verb::get
            || req->method() == http::verb::head))
      PARLOR_FUZZ_CHECK((res->result() == http::status::ok)
                        == (status.ready && !status.draining
                            && !status.stopping
                            && status.storage_fault.empty()));
    if (!upgrade && admin_target && sign
        && req->method() == http::verb::post)
      PARLOR_FUZZ_CHECK(status.stopping);
  } else if (auto* call = std::get_if<admin_call>(&decision)) {
    PARLOR_FUZZ_CHECK(sign && !upgrade && admin_target && !status.stopping);
    PARLOR_FUZZ_CHECK(req->method() == http::verb::post);
    PARLOR_FUZZ_CHECK(call->action == path.substr(admin_prefix.size()));
    PARLOR_FUZZ_CHECK(call->params == params);
  } else {
    auto& accept = std::get<ws_accept>(decision);
    PARLOR_FUZZ_CHECK(upgrade && path == "/socket/websocket");
    auto given = params.find("name");
    PARLOR_FUZZ_CHECK(given != params.end());
    PARLOR_FUZZ_CHECK(clean_name(given->second) == accept.name);
    PARLOR_FUZZ_CHECK(clean_name(accept.name) == accept.name);
    PARLOR_FUZZ_CHECK(!accept.token || !accept.token->empty());
  }
  return 0;
}
