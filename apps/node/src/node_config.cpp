#include "parlor/node/node_config.hpp"

#include "parlor/gateway/http_util.hpp"

#include "parlor/cli/command_line.hpp"
#include "parlor/core/host_port.hpp"

#include <algorithm>
#include <sstream>

namespace parlor::node {

namespace {

using option = cli::option<node_config>;
using setter = decltype(option::set);

std::string trim(std::string s) {
  auto ws = " \t\r\n";
  s.erase(s.find_last_not_of(ws) + 1);
  s.erase(0, s.find_first_not_of(ws));
  return s;
}

/// The non-empty items of a comma-separated list, trimmed.
std::vector<std::string> split_list(const std::string& v) {
  std::vector<std::string> items;
  std::istringstream in{v};
  std::string item;
  while (std::getline(in, item, ','))
    if (item = trim(item); !item.empty())
      items.push_back(std::move(item));
  return items;
}

setter text(std::string node_config::*field, bool allow_empty = false) {
  return [=](node_config& c, const std::string& v) -> std::string {
    if (!allow_empty && v.empty())
      return "must not be empty";
    c.*field = v;
    return {};
  };
}

template <class T>
setter number(T node_config::*field, uint64_t min, uint64_t max) {
  return [=](node_config& c, const std::string& v) -> std::string {
    auto n = cli::to_uint(v, min, max);
    if (!n)
      return "must be a whole number from " + std::to_string(min) + " to "
             + std::to_string(max);
    c.*field = static_cast<T>(*n);
    return {};
  };
}

setter flag(bool node_config::*field) {
  return [=](node_config& c, const std::string& v) -> std::string {
    auto b = cli::to_bool(v);
    if (!b)
      return "must be true or false";
    c.*field = *b;
    return {};
  };
}

const std::vector<option>& options() {
  static const std::vector<option> opts = {
    {{"name", "VALUE", "node name, unique in the cluster (default: host name + cluster port)"},
     text(&node_config::name)},
    {{"region", "VALUE", "free-form region tag, e.g. fra or iad (default: local)"},
     text(&node_config::region)},
    {{"http-host", "VALUE", "address the HTTP/WebSocket listener binds (default: 0.0.0.0)"},
     text(&node_config::http_host)},
    {{"http-port", "VALUE", "HTTP/WebSocket port, 0 picks a free one (default: 4000)"},
     number(&node_config::http_port, 0, 65535)},
    {{"admin-port", "VALUE",
      "a port of its own for /metrics and /api/admin (parlorctl), which the "
      "HTTP port then no longer answers; 0 picks a free one (default: none, "
      "everything on the HTTP port)"},
     [](node_config& c, const std::string& v) -> std::string {
       auto n = cli::to_uint(v, 0, 65535);
       if (!n)
         return "must be a whole number from 0 to 65535";
       c.admin_port = static_cast<uint16_t>(*n);
       return {};
     }},
    {{"admin-host", "VALUE", "address the --admin-port listener binds (default: 127.0.0.1)"},
     text(&node_config::admin_host)},
    {{"cluster-host", "VALUE", "address the cluster listener binds and advertises (default: 127.0.0.1)"},
     text(&node_config::cluster_host)},
    {{"cluster-port", "VALUE", "cluster (node-to-node) port (default: 4370)"},
     number(&node_config::cluster_port, 0, 65535)},
    {{"seeds", "VALUE", "cluster ports of nodes to join, H:P,H:P (default: none)"},
     [](node_config& c, const std::string& v) -> std::string {
       c.seeds.clear();
       for (auto& item : split_list(v)) {
         auto ep = core::parse_host_port(item);
         if (!ep)
           return "'" + item + "' is not host:port";
         c.seeds.push_back(*ep);
       }
       return {};
     }},
    {{"dns", "VALUE",
     "DNS name whose A/AAAA records are nodes to join, NAME or NAME:PORT; "
     "polled (default: none; PORT defaults to --cluster-port)"},
     [](node_config& c, const std::string& v) -> std::string {
       auto bad = "'" + v + "' is not NAME or NAME:PORT";
       auto name = v;
       uint16_t port = 0;
       if (v.find_first_of(" \t/[]") != std::string::npos)
         return bad;
       if (v.find(':') != std::string::npos) {
         auto hp = core::parse_host_port(v);
         if (!hp)
           return bad;
         name = hp->host;
         port = hp->port;
       }
       if (name.empty() || name.find(':') != std::string::npos)
         return bad;
       c.dns = name;
       c.dns_port = port;
       return {};
     }},
    {{"dns-interval-ms", "VALUE", "how often --dns is resolved (default: 5000)"},
     number(&node_config::dns_interval_ms, 100, 3'600'000)},
    {{"data-dir", "VALUE", "where the node keeps its SQLite database (default: ./data)"},
     text(&node_config::data_dir)},
    {{"cluster-secret", "VALUE",
     "shared secret of the cluster (default: read from ~/.parlor/cluster-secret, "
     "created if missing)"},
     [](node_config& c, const std::string& v) -> std::string {
       if (v.empty())
         return "must not be empty";
       c.cluster_secret = v;
       return {};
     }},
    {{"cluster-tls-cert", "VALUE",
      "this node's certificate (PEM): with --cluster-tls-key and "
      "--cluster-tls-ca, every cluster link is mutually authenticated TLS "
      "(default: none, plain links)"},
     text(&node_config::cluster_tls_cert)},
    {{"cluster-tls-key", "VALUE", "the private key of --cluster-tls-cert (PEM)"},
     text(&node_config::cluster_tls_key)},
    {{"cluster-tls-ca", "VALUE",
      "the cluster's CA (PEM): peers must show a certificate it signed"},
     text(&node_config::cluster_tls_ca)},
    {{"allowed-origins", "VALUE",
      "origins whose pages may open WebSockets, ORIGIN,ORIGIN "
      "(e.g. https://play.example.com); others get 403 (default: the "
      "node's own host, or localhost / 127.0.0.1 on any port)"},
     [](node_config& c, const std::string& v) -> std::string {
       c.allowed_origins.clear();
       for (auto& item : split_list(v)) {
         if (!gateway::valid_origin(item))
           return "'" + item + "' is not an origin (http://HOST[:PORT] or "
                  "https://HOST[:PORT])";
         c.allowed_origins.push_back(item);
       }
       return {};
     }},
    {{"web-root", "VALUE", "directory of the built web client (default: <binary dir>/../web)"},
     text(&node_config::web_root)},
    {{"log-level", "VALUE", "trace, debug, info, warn, error or off (default: info)"},
     [](node_config& c, const std::string& v) -> std::string {
       static const char* levels[] = {"trace", "debug", "info",
                                      "warn",  "error", "off"};
       if (std::find(std::begin(levels), std::end(levels), v)
           == std::end(levels))
         return "must be one of trace, debug, info, warn, error, off";
       c.log_level = v;
       return {};
     }},
    {{"max-frame-bytes", "VALUE", "largest WebSocket frame accepted (default: 65536)"},
     number(&node_config::max_frame_bytes, 256, 16 * 1024 * 1024)},
    {{"max-connections", "VALUE",
      "HTTP and WebSocket connections open at once; more are refused "
      "(default: 18000)"},
     number(&node_config::max_connections, 1, 10'000'000)},
    {{"max-connections-per-address", "VALUE",
      "of those, from one IP address; more are refused; 0 = no limit "
      "(default: 1000)"},
     number(&node_config::max_connections_per_address, 0, 10'000'000)},
    {{"socket-rate", "VALUE",
      "frames a second per socket, bursts of twice that; 0 = no limit, for "
      "benchmarks (default: 50)"},
     number(&node_config::socket_rate, 0, 1'000'000)},
    {{"create-rate", "VALUE",
      "games one player may create a minute, bursts of as many; more get "
      "rate_limited; 0 = no limit, for benchmarks (default: 30)"},
     number(&node_config::create_rate, 0, 1'000'000)},
    {{"token-max-age-days", "VALUE",
      "days a player token stays good; every lobby join hands out a fresh "
      "one (default: 30)"},
     number(&node_config::token_max_age_days, 1, 3650)},
    {{"sync", "VALUE",
      "full: every acknowledged move is synced to disk first and survives a "
      "power cut; normal: synced about once a second, a process crash loses "
      "nothing, a power cut the last second (default: full)"},
     [](node_config& c, const std::string& v) -> std::string {
       if (v != "full" && v != "normal")
         return "must be full or normal";
       c.sync = v;
       return {};
     }},
    {{"idle-timeout-ms", "VALUE",
     "close sockets silent for this long; clients beat every 30 s (default: 60000)"},
     number(&node_config::idle_timeout_ms, 1000, 3'600'000)},
    {{"finished-ttl-s", "VALUE",
     "seconds a finished game stays joinable (default: 1800)"},
     number(&node_config::finished_ttl_s, 1, 30 * 24 * 3600)},
    {{"idle-game-ttl-s", "VALUE",
     "seconds a game stays with nobody connected before it is removed, "
     "0 = never (default: 1800)"},
     number(&node_config::idle_game_ttl_s, 0, 30 * 24 * 3600)},
    {{"threads", "VALUE", "actor worker threads; 0 = none: actors and timers "
     "share the HTTP/WebSocket io thread; the store has a thread of its own "
     "either way (default: 0)"},
     number(&node_config::threads, 0, 256)},
    {{"help", "", "print this help and exit"}, flag(&node_config::help)},
    {{"version", "", "print the version and exit"}, flag(&node_config::version)},
  };
  return opts;
}

/// Applies `key=value` from `src`; returns an error line or empty.
std::string apply(node_config& c, const std::string& key,
                  const std::string& value, const std::string& where) {
  auto* o = cli::find(options(), key);
  if (!o)
    return "unknown option '" + key + "' (" + where + "); see --help";
  if (auto err = o->set(c, value); !err.empty())
    return "invalid value '" + value + "' for " + key + " (" + where
           + "): " + err;
  return {};
}

std::string env_name(const std::string& key) {
  std::string out = "PARLOR_";
  for (char ch : key)
    out += ch == '-' ? '_' : static_cast<char>(std::toupper(ch));
  return out;
}

bool takes_value(const option& o) {
  return !o.spec.placeholder.empty();
}

/// The command line's options: `--config` and every option above. CLI11
/// reads neither the environment nor the file here (see `parse_config`).
cli::app_ptr make_app() {
  std::vector<cli::option_spec> specs{
    {"config", "FILE", "read options from FILE (also PARLOR_CONFIG)"}};
  for (auto& o : options())
    specs.push_back(o.spec);
  return cli::make_app(
    "parlor-node",
    "usage: parlor-node [--key=value ...]\n\n"
    "Every option can also be set as PARLOR_<KEY> in the environment\n"
    "(e.g. PARLOR_HTTP_PORT=4001) or as 'key = value' in --config=FILE.\n"
    "Flags win over the environment, the environment over the file.\n",
    "", specs);
}

/// Applies the `key = value` lines of config file `path` (`#` comments,
/// values optionally in double quotes); returns an error line or empty.
std::string apply_file(node_config& c, const std::string& path,
                       const std::string& content) {
  std::istringstream in{content};
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    line = trim(line);
    if (line.empty() || line[0] == '#')
      continue;
    auto where = path + ":" + std::to_string(line_no);
    auto eq = line.find('=');
    if (eq == std::string::npos)
      return "expected 'key = value' at " + where;
    auto key = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    if (auto err = apply(c, key, value, where); !err.empty())
      return err;
  }
  return {};
}

} // namespace

// CLI11 parses the command line and writes --help. The environment and the
// file stay here: CLI11 applies a config file before the environment (the
// file would win), reads the process environment itself, skips empty and
// overridden variables, and names neither a variable nor a file line in its
// errors. The node's rule is flags > env > file, with every value checked
// wherever it comes from, and its file format is `key = value` lines.
parse_result parse_config(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env,
                          const file_reader& read_file) {
  parse_result res;
  auto app = make_app();
  auto parsed = cli::parse(*app, args);
  if (!parsed) {
    res.error = parsed.error;
    return res;
  }
  // --config decides which file to read; the last one given counts.
  std::optional<std::string> config_file;
  if (auto given = cli::results(*app, "config"); !given.empty()) {
    if (given.back().empty()) {
      res.error = "--config needs a file: --config=FILE";
      return res;
    }
    config_file = given.back();
  } else if (auto i = env.find("PARLOR_CONFIG");
             i != env.end() && !i->second.empty()) {
    config_file = i->second;
  }
  // 1. The config file.
  if (config_file) {
    auto content = read_file(*config_file);
    if (!content) {
      res.error = "cannot read config file '" + *config_file + "'";
      return res;
    }
    if (res.error = apply_file(res.config, *config_file, *content);
        !res.error.empty())
      return res;
  }
  // 2. The environment.
  for (auto& o : options()) {
    if (!takes_value(o))
      continue;
    if (auto i = env.find(env_name(o.spec.key)); i != env.end())
      if (res.error = apply(res.config, o.spec.key, i->second, i->first);
          !res.error.empty())
        return res;
  }
  // 3. The command line.
  res.error = cli::apply(*app, [&](const std::string& key,
                                   const std::string& value) {
    return key == "config" ? std::string{}
                           : apply(res.config, key, value, "--" + key);
  });
  if (!res.error.empty())
    return res;
  auto& c = res.config;
  int tls_files = !c.cluster_tls_cert.empty() + !c.cluster_tls_key.empty()
                  + !c.cluster_tls_ca.empty();
  if (tls_files != 0 && tls_files != 3)
    res.error = "--cluster-tls-cert, --cluster-tls-key and --cluster-tls-ca "
                "go together: give all three or none";
  return res;
}

std::string help_text() {
  return cli::help_text(*make_app());
}

} // namespace parlor::node
