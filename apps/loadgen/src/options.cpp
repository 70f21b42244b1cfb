#include "options.hpp"

#include "parlor/cli/command_line.hpp"
#include "parlor/core/host_port.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace parlor::loadgen {

namespace {

/// AF_INET or AF_INET6 for an IP address literal; none for anything else
/// (a host name).
std::optional<int> address_family(const std::string& text) {
  unsigned char addr[sizeof(in6_addr)];
  if (::inet_pton(AF_INET, text.c_str(), addr) == 1)
    return AF_INET;
  if (::inet_pton(AF_INET6, text.c_str(), addr) == 1)
    return AF_INET6;
  return std::nullopt;
}

} // namespace

std::optional<ws_url> parse_ws_url(const std::string& text) {
  if (text.rfind("ws://", 0) != 0)
    return std::nullopt;
  auto rest = text.substr(5);
  auto slash = rest.find('/');
  auto hp = core::parse_host_port(rest.substr(0, slash), 80);
  if (!hp)
    return std::nullopt;
  return ws_url{hp->host, std::to_string(hp->port),
                slash == std::string::npos ? "/" : rest.substr(slash)};
}

namespace {

struct scenario_info {
  scenario id;
  const char* name;
  const char* help;
};

const scenario_info scenarios[] = {
  {scenario::idle, "idle",
   "open --players WebSockets (round robin over the --url nodes), join\n"
   "`lobby`, hold them --duration seconds with heartbeats; reports the\n"
   "connect rate, failures and the nodes' resident memory per player"},
  {scenario::games, "games",
   "--games concurrent 2-player tic-tac-toe games (X on one node, O on\n"
   "the next --url), each playing legal moves; closed loop, or open loop\n"
   "at --rate moves/s in total, evenly spaced; latency of move->reply\n"
   "and move->opponent sees the state"},
  {scenario::fanout, "fanout",
   "one game watched by --spectators (round robin over the nodes);\n"
   "latency from a move to the last spectator seeing it (--rate moves/s,\n"
   "default 5)"},
  {scenario::echo, "echo",
   "--players connections to a WebSocket echo server (bench/floor),\n"
   "sending move-sized frames, closed loop or --rate messages/s: the\n"
   "floor every other latency is compared to"},
  {scenario::echo_fanout, "echo-fanout",
   "--spectators connections to the echo server plus one that sends a\n"
   "state-sized frame the server sends to all (--rate per second,\n"
   "default 5, each after the previous reached everyone): the floor\n"
   "of fanout"},
};

using option = cli::option<options>;
using setter = decltype(option::set);

std::string must_be(const std::string& key, const std::string& what,
                    const std::string& value) {
  return "--" + key + " must be " + what + ", not '" + value + "'";
}

setter count(uint32_t options::*field, const char* key, uint64_t max,
             const char* what) {
  return [=](options& o, const std::string& v) -> std::string {
    auto n = cli::to_uint(v, 1, max);
    if (!n)
      return must_be(key, what, v);
    o.*field = static_cast<uint32_t>(*n);
    return {};
  };
}

setter seconds(double options::*field, const char* key) {
  return [=](options& o, const std::string& v) -> std::string {
    auto n = cli::to_double(v, 0.1, 3600);
    if (!n)
      return must_be(key, "seconds from 0.1 to 3600", v);
    o.*field = *n;
    return {};
  };
}

setter flag(bool options::*field, const char* key) {
  return [=](options& o, const std::string& v) -> std::string {
    auto b = cli::to_bool(v);
    if (!b)
      return must_be(key, "true or false", v);
    o.*field = *b;
    return {};
  };
}

const std::vector<option>& option_table() {
  static const std::vector<option> table = {
    {{"url", "ws://H:P/PATH", "a node (repeat for several)"},
     [](options& o, const std::string& v) -> std::string {
       auto u = parse_ws_url(v);
       if (!u)
         return must_be("url", "ws://HOST:PORT/PATH", v);
       o.urls.push_back(*u);
       return {};
     }},
    {{"players", "N", "idle, echo: connections (default 100)"},
     count(&options::players, "players", 1'000'000,
           "a number from 1 to 1000000")},
    {{"games", "G", "games: concurrent games (default 10)"},
     count(&options::games, "games", 500'000, "a number from 1 to 500000")},
    {{"spectators", "S", "fanout, echo-fanout: spectators (default 100)"},
     count(&options::spectators, "spectators", 1'000'000,
           "a number from 1 to 1000000")},
    {{"rate", "R", "total moves (echo: messages) per second; 0 = closed loop"},
     [](options& o, const std::string& v) -> std::string {
       // 0.01/s (a send every 100 s) is a round floor; it keeps the pacer's
       // seconds-to-clock conversion far from overflowing.
       auto r = cli::to_double(v, 0, 10'000'000);
       if (!r || (*r > 0 && *r < 0.01))
         return must_be("rate",
                        "a rate per second from 0.01 to 10000000 (0 = "
                        "closed loop)",
                        v);
       o.rate = *r;
       return {};
     }},
    {{"duration", "SECONDS", "how long to measure (required, at most 3600)"},
     seconds(&options::duration_s, "duration")},
    {{"ramp", "N",
      "new connections per second while connecting (default 2000)"},
     count(&options::ramp, "ramp", 1'000'000,
           "connections per second, at least 1")},
    {{"source", "A[,B...]",
      "local addresses to connect from, round robin (e.g.\n"
      "127.0.0.2,127.0.0.3: more source ports on loopback).\n"
      "Default: the kernel picks, except towards loopback\n"
      "nodes with more than 4,000 connections each, which\n"
      "come from 127.0.0.2, 127.0.0.3, ... (4,000 each; per\n"
      "process: give several processes against one node\n"
      "their own --source)"},
     [](options& o, const std::string& v) -> std::string {
       std::size_t start = 0;
       while (start <= v.size()) {
         auto comma = v.find(',', start);
         auto item = v.substr(start, comma - start);
         if (item.empty() || !address_family(item))
           return must_be("source", "a list of local IP addresses", v);
         o.sources.push_back(item);
         if (comma == std::string::npos)
           break;
         start = comma + 1;
       }
       return {};
     }},
    {{"heartbeat-s", "S",
      "Phoenix heartbeat interval (default 30, as the JS client)"},
     seconds(&options::heartbeat_s, "heartbeat-s")},
    {{"json", "", "print the result as one JSON object on the last line"},
     flag(&options::json, "json")},
    {{"help", "", "print this help"}, flag(&options::help, "help")},
  };
  return table;
}

cli::app_ptr make_app() {
  std::string text =
    "usage: parlor-loadgen SCENARIO --url=ws://HOST:PORT/socket/websocket\n"
    "                      [--url=... for more nodes] --duration=SECONDS "
    "[options]\n\nScenarios:\n";
  for (auto& s : scenarios) {
    std::string name = s.name;
    text += "  " + name;
    // Names up to 7 characters share their first line with the help.
    text += name.size() <= 7 ? std::string(9 - name.size(), ' ')
                             : "\n           ";
    for (char ch : std::string{s.help})
      text += ch == '\n' ? std::string{"\n           "} : std::string{ch};
    text += '\n';
  }
  return cli::make_app(
    "parlor-loadgen", text,
    "Latencies are in microseconds. One process opens at most as many\n"
    "connections as its open-file limit allows (20,000 on the reference "
    "machine):\nrun several processes for more, each with its own share of "
    "--players.\n",
    cli::specs_of(option_table()));
}

} // namespace

const char* to_string(scenario s) {
  for (auto& info : scenarios)
    if (info.id == s)
      return info.name;
  return "?";
}

std::string usage_text() {
  return cli::help_text(*make_app());
}

parse_result parse_options(const std::vector<std::string>& args) {
  parse_result r;
  auto& o = r.opts;
  auto app = make_app();
  auto parsed = cli::parse(*app, args, 1);
  if (!parsed) {
    r.error = parsed.error;
    return r;
  }
  r.error = cli::apply(*app, [&](const std::string& key,
                                 const std::string& value) {
    return cli::find(option_table(), key)->set(o, value);
  });
  if (!r.error.empty() || o.help)
    return r;
  auto fail = [&](std::string e) {
    r.error = std::move(e);
    return r;
  };
  if (parsed.positionals.empty())
    return fail("no scenario given (idle, games, fanout, echo or "
                "echo-fanout)");
  auto& name = parsed.positionals.front();
  auto known = std::find_if(std::begin(scenarios), std::end(scenarios),
                            [&](auto& s) { return name == s.name; });
  if (known == std::end(scenarios))
    return fail("unknown scenario '" + name
                + "' (idle, games, fanout, echo or echo-fanout)");
  o.scenario = known->id;
  if (o.urls.empty())
    return fail("--url is required (ws://HOST:PORT/socket/websocket)");
  if (o.duration_s == 0)
    return fail("--duration is required (seconds)");
  // A socket binds to its source and connects to its node in one family.
  for (auto& src : o.sources)
    for (auto& u : o.urls)
      if (auto family = address_family(u.host);
          family && family != address_family(src))
        return fail("--source=" + src + " and --url host " + u.host
                    + " are not of the same IP version");
  return r;
}

uint64_t connections_needed(const options& o) {
  switch (o.scenario) {
    case scenario::idle:
    case scenario::echo:
      return o.players;
    case scenario::games:
      return uint64_t{o.games} * 2;
    case scenario::fanout:
      return uint64_t{o.spectators} + 2;
    case scenario::echo_fanout:
      return uint64_t{o.spectators} + 1;
  }
  return 0;
}

void choose_sources(options& o) {
  if (!o.sources.empty() || o.urls.empty())
    return;
  for (auto& u : o.urls) {
    in_addr addr{};
    if (::inet_pton(AF_INET, u.host.c_str(), &addr) != 1
        || (ntohl(addr.s_addr) >> 24) != 127)
      return; // not (all) loopback: other machines, other limits
  }
  // At most this many go to one node: an even share (of the spectators, in
  // a fanout, whose two players both join the first node).
  auto players_on_first = o.scenario == scenario::fanout ? 2 : 0;
  auto per_node =
    (connections_needed(o) - players_on_first + o.urls.size() - 1)
      / o.urls.size()
    + players_on_first;
  if (per_node <= connections_per_source)
    return;
  auto count = (per_node + connections_per_source - 1) / connections_per_source;
  // At most 251 (1,000,002 connections): 127.0.0.2 to 127.0.0.252.
  for (uint64_t i = 0; i < count; ++i)
    o.sources.push_back("127.0.0." + std::to_string(2 + i));
  o.automatic_sources = true;
}

} // namespace parlor::loadgen
