#include "options.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>

namespace parlor::loadgen {

namespace {

template <class T>
bool parse_number(const std::string& text, T& out, T lo, T hi) {
  if (text.empty())
    return false;
  if constexpr (std::is_floating_point_v<T>) {
    std::size_t used = 0;
    try {
      out = static_cast<T>(std::stod(text, &used));
    } catch (...) {
      return false;
    }
    if (used != text.size() || !std::isfinite(out))
      return false;
  } else {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(),
                                     out);
    if (ec != std::errc{} || end != text.data() + text.size())
      return false;
  }
  return out >= lo && out <= hi;
}

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
  auto hostport = rest.substr(0, slash);
  ws_url u;
  u.path = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = hostport.rfind(':');
  auto close = hostport.find(']');
  if (colon != std::string::npos
      && (close == std::string::npos || colon > close)) {
    u.host = hostport.substr(0, colon);
    u.port = hostport.substr(colon + 1);
  } else {
    u.host = hostport;
    u.port = "80";
  }
  if (u.host.size() > 2 && u.host.front() == '[' && u.host.back() == ']')
    u.host = u.host.substr(1, u.host.size() - 2);
  else if (u.host.find_first_of(":[]") != std::string::npos)
    return std::nullopt; // an IPv6 literal needs brackets
  uint32_t port = 0;
  if (u.host.empty() || !parse_number<uint32_t>(u.port, port, 1, 65535))
    return std::nullopt;
  return u;
}

const char* to_string(scenario s) {
  switch (s) {
    case scenario::idle:
      return "idle";
    case scenario::games:
      return "games";
    case scenario::fanout:
      return "fanout";
    case scenario::echo:
      return "echo";
    case scenario::echo_fanout:
      return "echo-fanout";
  }
  return "?";
}

const char* usage_text() {
  return R"(usage: parlor-loadgen SCENARIO --url=ws://HOST:PORT/socket/websocket
                      [--url=... for more nodes] --duration=SECONDS [options]

Scenarios:
  idle     open --players WebSockets (round robin over the --url nodes), join
           `lobby`, hold them --duration seconds with heartbeats; reports the
           connect rate, failures and the nodes' resident memory per player
  games    --games concurrent 2-player tic-tac-toe games (X on one node, O on
           the next --url), each playing legal moves; closed loop, or open loop
           at --rate moves/s in total, evenly spaced; latency of move->reply
           and move->opponent sees the state
  fanout   one game watched by --spectators (round robin over the nodes);
           latency from a move to the last spectator seeing it (--rate moves/s,
           default 5)
  echo     --players connections to a WebSocket echo server (bench/floor),
           sending move-sized frames, closed loop or --rate messages/s: the
           floor every other latency is compared to
  echo-fanout
           --spectators connections to the echo server plus one that sends a
           state-sized frame the server sends to all (--rate per second,
           default 5, each after the previous reached everyone): the floor
           of fanout

Options:
  --url=ws://H:P/PATH   a node (repeat for several)
  --players=N           idle, echo: connections (default 100)
  --games=G             games: concurrent games (default 10)
  --spectators=S        fanout, echo-fanout: spectators (default 100)
  --rate=R              total moves (echo: messages) per second; 0 = closed loop
  --duration=SECONDS    how long to measure (required, at most 3600)
  --ramp=N              new connections per second while connecting (default 2000)
  --source=A[,B...]     local addresses to connect from, round robin (e.g.
                        127.0.0.2,127.0.0.3: more source ports on loopback).
                        Default: the kernel picks, except towards loopback
                        nodes with more than 4,000 connections each, which
                        come from 127.0.0.2, 127.0.0.3, ... (4,000 each; per
                        process: give several processes against one node
                        their own --source)
  --heartbeat-s=S       Phoenix heartbeat interval (default 30, as the JS client)
  --json                print the result as one JSON object on the last line
  --help                print this help

Latencies are in microseconds. One process opens at most as many
connections as its open-file limit allows (20,000 on the reference machine):
run several processes for more, each with its own share of --players.
)";
}

parse_result parse_options(const std::vector<std::string>& args) {
  parse_result r;
  auto& o = r.opts;
  bool have_scenario = false;
  auto fail = [&](std::string e) {
    r.error = std::move(e);
    return r;
  };
  for (auto& a : args) {
    if (a.rfind("--", 0) != 0) {
      if (have_scenario)
        return fail("unexpected argument '" + a + "'");
      have_scenario = true;
      if (a == "idle")
        o.scenario = scenario::idle;
      else if (a == "games")
        o.scenario = scenario::games;
      else if (a == "fanout")
        o.scenario = scenario::fanout;
      else if (a == "echo")
        o.scenario = scenario::echo;
      else if (a == "echo-fanout")
        o.scenario = scenario::echo_fanout;
      else
        return fail("unknown scenario '" + a
                    + "' (idle, games, fanout, echo or echo-fanout)");
      continue;
    }
    auto eq = a.find('=');
    auto key = a.substr(2, eq == std::string::npos ? std::string::npos
                                                   : eq - 2);
    auto value = eq == std::string::npos ? std::string{} : a.substr(eq + 1);
    auto bad = [&](const char* what) {
      return fail("--" + key + " must be " + what + ", not '" + value + "'");
    };
    if (key == "help" && eq == std::string::npos) {
      o.help = true;
    } else if (key == "json" && eq == std::string::npos) {
      o.json = true;
    } else if (key == "url") {
      auto u = parse_ws_url(value);
      if (!u)
        return bad("ws://HOST:PORT/PATH");
      o.urls.push_back(*u);
    } else if (key == "source") {
      std::size_t start = 0;
      while (start <= value.size()) {
        auto comma = value.find(',', start);
        auto item = value.substr(start, comma - start);
        if (item.empty() || !address_family(item))
          return bad("a list of local IP addresses");
        o.sources.push_back(item);
        if (comma == std::string::npos)
          break;
        start = comma + 1;
      }
    } else if (key == "players") {
      if (!parse_number<uint32_t>(value, o.players, 1, 1'000'000))
        return bad("a number from 1 to 1000000");
    } else if (key == "games") {
      if (!parse_number<uint32_t>(value, o.games, 1, 500'000))
        return bad("a number from 1 to 500000");
    } else if (key == "spectators") {
      if (!parse_number<uint32_t>(value, o.spectators, 1, 1'000'000))
        return bad("a number from 1 to 1000000");
    } else if (key == "rate") {
      // 0.01/s (a send every 100 s) is a round floor; it keeps the pacer's
      // seconds-to-clock conversion far from overflowing.
      if (!parse_number<double>(value, o.rate, 0, 10'000'000)
          || (o.rate > 0 && o.rate < 0.01))
        return bad(
          "a rate per second from 0.01 to 10000000 (0 = closed loop)");
    } else if (key == "duration") {
      if (!parse_number<double>(value, o.duration_s, 0.1, 3600))
        return bad("seconds from 0.1 to 3600");
    } else if (key == "ramp") {
      if (!parse_number<uint32_t>(value, o.ramp, 1, 1'000'000))
        return bad("connections per second, at least 1");
    } else if (key == "heartbeat-s") {
      if (!parse_number<double>(value, o.heartbeat_s, 0.1, 3600))
        return bad("seconds from 0.1 to 3600");
    } else {
      return fail("unknown option '" + a + "'");
    }
  }
  if (o.help)
    return r;
  if (!have_scenario)
    return fail("no scenario given (idle, games, fanout, echo or "
                "echo-fanout)");
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
