#include "options.hpp"

#include "parlor/cli/command_line.hpp"

#include <limits>

namespace parlor::ctl {

namespace {

using option = cli::option<options>;
using setter = decltype(option::set);

std::string needs_value(const std::string& key, const std::string& what) {
  return "option --" + key + " needs a value: --" + key + "=" + what;
}

setter flag(bool options::*field, const char* key) {
  return [=](options& o, const std::string& v) -> std::string {
    auto b = cli::to_bool(v);
    if (!b)
      return "--" + std::string{key} + " must be true or false, not '" + v
             + "'";
    o.*field = *b;
    return {};
  };
}

// CLI11 reads PARLOR_URL and PARLOR_CLUSTER_SECRET itself: its rule (a
// variable counts when the flag is absent and the variable is not empty)
// is parlorctl's.
const std::vector<option>& option_table() {
  static const std::vector<option> table = {
    {{"url", "URL", "any node of the cluster (default: http://127.0.0.1:4000)",
      "PARLOR_URL"},
     [](options& o, const std::string& v) -> std::string {
       if (v.empty())
         return needs_value("url", "URL");
       o.url = v;
       return {};
     }},
    {{"cluster-secret", "S",
      "the cluster secret (default: read from\n"
      "~/.parlor/cluster-secret, as the nodes do)",
      "PARLOR_CLUSTER_SECRET"},
     [](options& o, const std::string& v) -> std::string {
       if (v.empty())
         return needs_value("cluster-secret", "S");
       o.secret = v;
       o.secret_given = true;
       return {};
     }},
    {{"timeout-s", "N", "give up after N seconds (default: 90)"},
     [](options& o, const std::string& v) -> std::string {
       auto n = cli::to_uint(v, 1, 3600);
       if (!n)
         return "--timeout-s must be a number of seconds, 1 to 3600";
       o.timeout_s = static_cast<int>(*n);
       return {};
     }},
    {{"nodes", "N", "gen-certs: how many node certificates (default: 3)"},
     [](options& o, const std::string& v) -> std::string {
       auto n = cli::to_uint(v, 1, 1000);
       if (!n)
         return "--nodes must be a number, 1 to 1000";
       o.nodes = static_cast<int>(*n);
       return {};
     }},
    {{"json", "", "print the node's JSON answer"},
     flag(&options::json, "json")},
    {{"help", "", "print this help"}, flag(&options::help, "help")},
  };
  return table;
}

cli::app_ptr make_app() {
  return cli::make_app(
    "parlorctl",
    "usage: parlorctl [OPTIONS] COMMAND [ARGS]\n\n"
    "Commands:\n"
    "  status          list the cluster's members as the node at --url sees "
    "them\n"
    "  drain NODE      hand every game of NODE to other nodes; NODE keeps "
    "running\n"
    "                  but takes no new games (until `resume`)\n"
    "  resume NODE     NODE takes new games again\n"
    "  gen-certs DIR   write a CA and --nodes node certificates into DIR, "
    "for\n"
    "                  trying --cluster-tls-* (nodeN.pem, nodeN.key, "
    "ca.pem)\n",
    "", cli::specs_of(option_table()));
}

} // namespace

parse_result parse_options(const std::vector<std::string>& args) {
  parse_result r;
  auto app = make_app();
  auto parsed =
    cli::parse(*app, args, std::numeric_limits<std::size_t>::max());
  if (!parsed) {
    r.error = parsed.error;
    return r;
  }
  r.opts.args = std::move(parsed.positionals);
  r.error = cli::apply(*app, [&](const std::string& key,
                                 const std::string& value) {
    return cli::find(option_table(), key)->set(r.opts, value);
  });
  return r;
}

std::optional<core::host_port> parse_url(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0)
    rest = rest.substr(7);
  else if (rest.find("://") != std::string::npos)
    return std::nullopt;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    if (rest.find_first_not_of('/', slash) != std::string::npos)
      return std::nullopt;
    rest = rest.substr(0, slash);
  }
  return core::parse_host_port(rest, 80);
}

std::string usage_text() {
  return cli::help_text(*make_app());
}

} // namespace parlor::ctl
