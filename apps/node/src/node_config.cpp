#include "parlor/node/node_config.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <sstream>

namespace parlor::node {

namespace {

using setter = std::function<std::string(node_config&, const std::string&)>;

std::string trim(std::string s) {
  auto ws = " \t\r\n";
  s.erase(s.find_last_not_of(ws) + 1);
  s.erase(0, s.find_first_not_of(ws));
  return s;
}

template <class T>
std::optional<T> to_uint(const std::string& s, T max) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size() || v > max)
    return std::nullopt;
  return static_cast<T>(v);
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
    auto n = to_uint<uint64_t>(v, max);
    if (!n || *n < min)
      return "must be a whole number from " + std::to_string(min) + " to "
             + std::to_string(max);
    c.*field = static_cast<T>(*n);
    return {};
  };
}

setter flag(bool node_config::*field) {
  return [=](node_config& c, const std::string& v) -> std::string {
    if (v.empty() || v == "true" || v == "1" || v == "yes")
      c.*field = true;
    else if (v == "false" || v == "0" || v == "no")
      c.*field = false;
    else
      return "must be true or false";
    return {};
  };
}

struct option {
  const char* key;
  const char* help;
  setter set;
};

const std::vector<option>& options() {
  static const std::vector<option> opts = {
    {"name", "node name, unique in the cluster (default: host name + cluster port)",
     text(&node_config::name)},
    {"region", "free-form region tag, e.g. fra or iad (default: local)",
     text(&node_config::region)},
    {"http-host", "address the HTTP/WebSocket listener binds (default: 0.0.0.0)",
     text(&node_config::http_host)},
    {"http-port", "HTTP/WebSocket port, 0 picks a free one (default: 4000)",
     number(&node_config::http_port, 0, 65535)},
    {"cluster-host", "address the cluster listener binds and advertises (default: 127.0.0.1)",
     text(&node_config::cluster_host)},
    {"cluster-port", "cluster (node-to-node) port (default: 4370)",
     number(&node_config::cluster_port, 0, 65535)},
    {"seeds", "cluster ports of nodes to join, H:P,H:P (default: none)",
     [](node_config& c, const std::string& v) -> std::string {
       c.seeds.clear();
       std::istringstream in{v};
       std::string item;
       while (std::getline(in, item, ',')) {
         item = trim(item);
         if (item.empty())
           continue;
         auto ep = parse_endpoint(item);
         if (!ep)
           return "'" + item + "' is not host:port";
         c.seeds.push_back(*ep);
       }
       return {};
     }},
    {"dns",
     "DNS name whose A/AAAA records are nodes to join, NAME or NAME:PORT; "
     "polled (default: none; PORT defaults to --cluster-port)",
     [](node_config& c, const std::string& v) -> std::string {
       auto name = v;
       uint16_t port = 0;
       if (auto colon = v.rfind(':'); colon != std::string::npos) {
         auto n = to_uint<uint16_t>(v.substr(colon + 1), 65535);
         if (!n || *n == 0)
           return "'" + v + "' is not NAME or NAME:PORT";
         name = v.substr(0, colon);
         port = *n;
       }
       if (name.empty() || name.find_first_of(" \t/:[]") != std::string::npos)
         return "'" + v + "' is not NAME or NAME:PORT";
       c.dns = name;
       c.dns_port = port;
       return {};
     }},
    {"dns-interval-ms", "how often --dns is resolved (default: 5000)",
     number(&node_config::dns_interval_ms, 100, 3'600'000)},
    {"data-dir", "where the node keeps its SQLite database (default: ./data)",
     text(&node_config::data_dir)},
    {"cluster-secret",
     "shared secret of the cluster (default: read from ~/.parlor/cluster-secret, "
     "created if missing)",
     [](node_config& c, const std::string& v) -> std::string {
       if (v.empty())
         return "must not be empty";
       c.cluster_secret = v;
       return {};
     }},
    {"web-root", "directory of the built web client (default: <binary dir>/../web)",
     text(&node_config::web_root)},
    {"log-level", "trace, debug, info, warn, error or off (default: info)",
     [](node_config& c, const std::string& v) -> std::string {
       static const char* levels[] = {"trace", "debug", "info",
                                      "warn",  "error", "off"};
       if (std::find(std::begin(levels), std::end(levels), v)
           == std::end(levels))
         return "must be one of trace, debug, info, warn, error, off";
       c.log_level = v;
       return {};
     }},
    {"max-frame-bytes", "largest WebSocket frame accepted (default: 65536)",
     number(&node_config::max_frame_bytes, 256, 16 * 1024 * 1024)},
    {"idle-timeout-ms",
     "close sockets silent for this long; clients beat every 30 s (default: 60000)",
     number(&node_config::idle_timeout_ms, 1000, 3'600'000)},
    {"finished-ttl-s",
     "seconds a finished game stays joinable (default: 1800)",
     number(&node_config::finished_ttl_s, 1, 30 * 24 * 3600)},
    {"idle-game-ttl-s",
     "seconds a game stays with nobody connected before it is removed, "
     "0 = never (default: 1800)",
     number(&node_config::idle_game_ttl_s, 0, 30 * 24 * 3600)},
    {"threads", "actor worker threads; 0 = none: actors, timers and the store "
     "share the HTTP/WebSocket io thread (default: 0)",
     number(&node_config::threads, 0, 256)},
    {"help", "print this help and exit", flag(&node_config::help)},
    {"version", "print the version and exit", flag(&node_config::version)},
  };
  return opts;
}

const option* find_option(const std::string& key) {
  for (auto& o : options())
    if (key == o.key)
      return &o;
  return nullptr;
}

/// Applies `key=value` from `src`; returns an error line or empty.
std::string apply(node_config& c, const std::string& key,
                  const std::string& value, const std::string& where) {
  auto* o = find_option(key);
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

} // namespace

std::optional<endpoint> parse_endpoint(const std::string& text) {
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size()
        || text[close + 1] != ':')
      return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos)
      return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto p = to_uint<uint16_t>(port, 65535);
  if (host.empty() || !p || *p == 0)
    return std::nullopt;
  return endpoint{host, *p};
}

parse_result parse_config(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env,
                          const file_reader& read_file) {
  parse_result res;
  // Split flags first: --config decides which file to read.
  std::vector<std::pair<std::string, std::string>> flags;
  std::optional<std::string> config_file;
  for (auto& arg : args) {
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      res.error = "unexpected argument '" + arg + "' (options are --key=value)";
      return res;
    }
    auto eq = arg.find('=');
    auto key = arg.substr(2, eq == std::string::npos ? std::string::npos
                                                     : eq - 2);
    auto value = eq == std::string::npos ? std::string{} : arg.substr(eq + 1);
    if (key == "config") {
      if (value.empty()) {
        res.error = "--config needs a file: --config=FILE";
        return res;
      }
      config_file = value;
      continue;
    }
    if (!find_option(key)) {
      res.error = "unknown option '--" + key + "'; see --help";
      return res;
    }
    if (eq == std::string::npos && key != "help" && key != "version") {
      res.error = "option --" + key + " needs a value: --" + key + "=VALUE";
      return res;
    }
    flags.emplace_back(key, value);
  }
  if (!config_file)
    if (auto i = env.find("PARLOR_CONFIG"); i != env.end() && !i->second.empty())
      config_file = i->second;
  // 1. The config file.
  if (config_file) {
    auto content = read_file(*config_file);
    if (!content) {
      res.error = "cannot read config file '" + *config_file + "'";
      return res;
    }
    std::istringstream in{*content};
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      line = trim(line);
      if (line.empty() || line[0] == '#')
        continue;
      auto where = *config_file + ":" + std::to_string(line_no);
      auto eq = line.find('=');
      if (eq == std::string::npos) {
        res.error = "expected 'key = value' at " + where;
        return res;
      }
      auto key = trim(line.substr(0, eq));
      auto value = trim(line.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      if (auto err = apply(res.config, key, value, where); !err.empty()) {
        res.error = err;
        return res;
      }
    }
  }
  // 2. The environment.
  for (auto& o : options()) {
    if (std::string{o.key} == "help" || std::string{o.key} == "version")
      continue;
    if (auto i = env.find(env_name(o.key)); i != env.end())
      if (auto err = apply(res.config, o.key, i->second, i->first);
          !err.empty()) {
        res.error = err;
        return res;
      }
  }
  // 3. The command line.
  for (auto& [key, value] : flags)
    if (auto err = apply(res.config, key, value, "--" + key); !err.empty()) {
      res.error = err;
      return res;
    }
  return res;
}

std::string help_text() {
  std::string out = "usage: parlor-node [--key=value ...]\n\n"
                    "Every option can also be set as PARLOR_<KEY> in the "
                    "environment\n(e.g. PARLOR_HTTP_PORT=4001) or as "
                    "'key = value' in --config=FILE.\nFlags win over the "
                    "environment, the environment over the file.\n\n";
  out += "  --config=FILE\n      read options from FILE (also PARLOR_CONFIG)\n";
  for (auto& o : options()) {
    out += "  --";
    out += o.key;
    if (std::string{o.key} != "help" && std::string{o.key} != "version")
      out += "=VALUE";
    out += "\n      ";
    out += o.help;
    out += '\n';
  }
  return out;
}

} // namespace parlor::node
