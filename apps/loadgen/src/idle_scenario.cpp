#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "client.hpp"
#include "phoenix.hpp"
#include "run_base.hpp"
#include "scenario.hpp"

#include <boost/asio/io_context.hpp>

#include <cmath>
#include <cstdlib>

namespace parlor::loadgen {

using nlohmann::json;
namespace asio = boost::asio;

namespace {

/// A node's resident memory and connection count, from its /metrics.
struct node_memory {
  uint64_t rss = 0;
  uint64_t connections = 0;
  bool ok = false;
};

/// Reads a sample from Prometheus text: the value of a line `name VALUE`.
std::optional<double> metric(const std::string& text, const std::string& name) {
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos)
    return std::nullopt;
  return std::strtod(text.c_str() + at + name.size() + 2, nullptr);
}

std::vector<node_memory> read_memory(const options& o) {
  std::vector<node_memory> out;
  for (auto& u : o.urls) {
    node_memory m;
    try {
      auto text = "\n" + http_get(u.host, u.port, "/metrics");
      auto rss = metric(text, "process_resident_memory_bytes");
      auto conns = metric(text, "parlor_connections");
      if (rss && conns) {
        m.rss = static_cast<uint64_t>(*rss);
        m.connections = static_cast<uint64_t>(*conns);
        m.ok = true;
      }
    } catch (const std::exception&) {
      // Not a Parlor node (the echo floor): no memory figures.
    }
    out.push_back(m);
  }
  return out;
}

} // namespace

report run_idle(const options& o, asio::io_context& ioc) {
  run_base run{o, ioc};
  auto before = read_memory(o);
  histogram join_latency;
  uint64_t joined = 0, settled = 0, dropped = 0;
  std::vector<uint64_t> joined_on(o.urls.size(), 0);
  bool holding = false;
  run.progress = [&] {
    return "joined " + std::to_string(joined) + "/" + std::to_string(o.players)
           + "  failed " + std::to_string(run.failure_count());
  };
  run.start_ticks();
  auto t_connect = clock_type::now();
  clock_type::time_point t_connected{};
  auto start_hold = [&] {
    if (holding)
      return;
    holding = true;
    t_connected = clock_type::now();
    run.begin_measuring();
    run.at_measure_end([&] { ioc.stop(); });
  };
  auto settle = [&] {
    if (++settled == o.players)
      start_hold();
  };
  ramp_up(
    run, o.players,
    [&](uint32_t i) {
      auto t0 = clock_type::now();
      auto joined_here = std::make_shared<bool>(false);
      std::weak_ptr<connection> weak;
      auto c = run.open(
        i, "idle" + std::to_string(i),
        {[&, i, t0, joined_here](const std::string& err) {
           if (!err.empty()) {
             run.fail(err);
             return settle();
           }
           // Joined below, once the handshake is done.
           auto& conn = run.conns[i];
           conn->send(phx::frame("1", "1", "lobby", "phx_join"));
           (void) t0;
         },
         [&, i, t0, joined_here](std::string_view text) {
           if (*joined_here)
             return;
           auto r = phx::parse_reply(text);
           if (!r || r->ref != "1")
             return;
           *joined_here = true;
           if (r->ok) {
             ++joined;
             ++joined_on[i % o.urls.size()];
             join_latency.record(us_since(t0));
           } else {
             run.fail("lobby join: " + r->reason());
           }
           settle();
         },
         [&, joined_here](const std::string& why) {
           if (*joined_here) {
             ++dropped;
             run.fail("dropped: " + why);
           } else {
             *joined_here = true;
             run.fail("closed before joining: " + why);
             settle();
           }
         }});
      (void) c;
    },
    [] {});
  // Bounded: connecting may take at most players/ramp + a grace period.
  auto setup_limit = std::chrono::duration<double>(
                       static_cast<double>(o.players) / o.ramp)
                     + setup_grace;
  after(ioc,
        std::chrono::duration_cast<std::chrono::microseconds>(setup_limit),
        [&] {
          if (!holding) {
            run.fail("not settled before the setup deadline");
            start_hold();
          }
        });
  ioc.run();
  ioc.restart();
  auto after_mem = read_memory(o);
  auto connect_s = std::chrono::duration<double>(t_connected - t_connect)
                     .count();
  uint64_t beats = 0;
  for (auto& c : run.conns)
    beats += c->heartbeats;
  run.close_all();
  report r{run};
  r.set("players", o.players);
  r.set("joined", joined);
  r.set("dropped", dropped);
  r.set("connect_s", connect_s);
  r.set("connect_rate", connect_s > 0 ? joined / connect_s : 0.0);
  r.set("heartbeats", beats);
  json nodes = json::array();
  for (std::size_t i = 0; i < o.urls.size(); ++i) {
    json n{{"url", "ws://" + o.urls[i].host + ":" + o.urls[i].port},
           {"joined", joined_on[i]}};
    if (before[i].ok && after_mem[i].ok) {
      n["rss_before"] = before[i].rss;
      n["rss_after"] = after_mem[i].rss;
      n["connections_after"] = after_mem[i].connections;
      auto added = after_mem[i].connections > before[i].connections
                     ? after_mem[i].connections - before[i].connections
                     : 0;
      if (added > 0)
        n["rss_per_connection"] = std::round(
          (static_cast<double>(after_mem[i].rss)
           - static_cast<double>(before[i].rss))
          / static_cast<double>(added));
    }
    nodes.push_back(n);
  }
  r.set("nodes", nodes);
  r.latency("connect_join", join_latency);
  r.primary("connect_join");
  return r;
}

} // namespace parlor::loadgen
