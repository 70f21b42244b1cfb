// parlorctl: operator commands for a Parlor cluster, over the nodes' HTTP
// API. Admin requests are signed with the cluster secret.
#include "http_client.hpp"
#include "options.hpp"

#include "parlor/link/certs.hpp"

#include "parlor/auth/admin.hpp"
#include "parlor/auth/secret.hpp"
#include "parlor/core/clock.hpp"
#include "parlor/link/certs.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace {

using namespace parlor;
using nlohmann::json;
using ctl::options;

/// Exit statuses: 0 done, 1 the cluster said no or could not be reached,
/// 2 bad usage.
[[noreturn]] void usage_error(const std::string& what) {
  std::cerr << "parlorctl: " << what << "\n(see parlorctl --help)\n";
  std::exit(2);
}

[[noreturn]] void failure(const std::string& what) {
  std::cerr << "parlorctl: " << what << '\n';
  std::exit(1);
}

ctl::endpoint endpoint_of(const std::string& url) {
  auto e = ctl::parse_url(url);
  if (!e)
    usage_error("bad URL '" + url + "' (expected http://HOST:PORT)");
  return *e;
}

json get_json(const ctl::endpoint& to, const std::string& target,
              const options& o) {
  auto answer = ctl::http_request(to, "GET", target, "",
                                  std::chrono::seconds{o.timeout_s});
  if (answer.status != 200)
    failure("GET " + target + " answered " + std::to_string(answer.status)
            + ": " + answer.body);
  auto parsed = json::parse(answer.body, nullptr, false);
  if (parsed.is_discarded())
    failure("GET " + target + " did not answer JSON");
  return parsed;
}

int status(const options& o) {
  auto cluster = get_json(endpoint_of(o.url), "/api/cluster", o);
  if (o.json) {
    std::cout << cluster.dump(2) << '\n';
    return 0;
  }
  std::printf("%-24s %-8s %-22s %s\n", "NODE", "REGION", "HTTP", "STATUS");
  for (auto& m : cluster.value("members", json::array()))
    std::printf("%-24s %-8s %-22s %s\n", m.value("name", "").c_str(),
                m.value("region", "").c_str(), m.value("http", "").c_str(),
                m.value("status", "").c_str());
  return 0;
}

/// Finds NODE's admin endpoint through the node at --url: its `admin`
/// address (`--admin-port`) where it has one, else its HTTP one.
ctl::endpoint locate(const options& o, const std::string& node) {
  auto entry = endpoint_of(o.url);
  auto cluster = get_json(entry, "/api/cluster", o);
  std::string names;
  for (auto& m : cluster.value("members", json::array())) {
    if (m.value("name", "") == node) {
      // Nodes advertise `host:port` (an IPv6 host without brackets).
      auto http = m.value("admin", m.value("http", ""));
      if (cluster.value("node", "") == node && !m.contains("admin"))
        return entry;
      if (auto e = core::parse_host_port(http))
        return *e;
      failure("node " + node + " advertises an unusable address '" + http
              + "'");
    }
    names += (names.empty() ? "" : ", ") + m.value("name", "");
  }
  failure("no live member named '" + node + "' (members: " + names + ")");
}

std::string query_escape(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

int admin(const options& o, const std::string& action,
          const std::string& node) {
  auto secret = o.secret_given
                  ? o.secret
                  : auth::load_secret(auth::default_secret_path());
  auto to = locate(o, node);
  auto target = "/api/admin/" + action + "?node=" + query_escape(node);
  auto authorization = auth::sign_admin_request(secret, "POST", target,
                                                core::unix_ms());
  auto answer = ctl::http_request(to, "POST", target, authorization,
                                  std::chrono::seconds{o.timeout_s});
  auto body = json::parse(answer.body, nullptr, false);
  if (answer.status != 200) {
    auto error = body.is_object() ? body.value("error", "") : "";
    if (answer.status == 401)
      failure("node " + node + " refused the request: wrong cluster secret "
              "(or clocks more than 60 s apart)");
    failure(action + " " + node + " failed (HTTP "
            + std::to_string(answer.status) + "): "
            + (error.empty() ? answer.body : error));
  }
  if (o.json) {
    std::cout << body.dump(2) << '\n';
    return 0;
  }
  if (action == "drain")
    std::cout << node << " is draining: handed "
              << body.value("handed", uint64_t{0})
              << " game(s) to other nodes\n";
  else
    std::cout << node << " is up: it takes new games again\n";
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  auto parsed = ctl::parse_options(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed)
    usage_error(parsed.error);
  auto& o = parsed.opts;
  if (o.help) {
    std::cout << ctl::usage_text();
    return 0;
  }
  if (o.args.empty())
    usage_error("no command given");
  auto& cmd = o.args[0];
  try {
    if (cmd == "status") {
      if (o.args.size() != 1)
        usage_error("status takes no arguments");
      return status(o);
    }
    if (cmd == "gen-certs") {
      if (o.args.size() != 2)
        usage_error("gen-certs needs exactly one DIR");
      for (auto& file : link::generate_certs(o.args[1], o.nodes))
        std::cout << file.string() << '\n';
      return 0;
    }
    if (cmd == "drain" || cmd == "resume") {
      if (o.args.size() != 2)
        usage_error(cmd + " needs exactly one NODE name");
      return admin(o, cmd, o.args[1]);
    }
  } catch (const std::exception& e) {
    failure(e.what());
  }
  usage_error("unknown command '" + cmd + "'");
}
