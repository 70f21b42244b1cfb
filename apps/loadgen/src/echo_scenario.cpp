#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "pacer.hpp"
#include "run_base.hpp"
#include "scenario.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <deque>

namespace parlor::loadgen {

namespace asio = boost::asio;

report run_echo(const options& o, asio::io_context& ioc) {
  run_base run{o, ioc};
  // The size of a move frame, so that the floor moves the same bytes.
  const std::string message = R"(["3","7","game:ABCD","move",{"cell":4}])";
  histogram rtt;
  uint64_t echoed = 0, unsent = 0;
  uint32_t opened = 0, settled = 0;
  bool stopping = false;
  std::vector<clock_type::time_point> sent_at(o.players);
  std::vector<char> busy(o.players, 0);
  std::deque<uint32_t> idle;
  run.progress = [&] {
    char buf[128];
    std::snprintf(buf, sizeof(buf), "open %u  echoed %llu  p50 %.3f ms  p99 %.3f ms",
                  opened, static_cast<unsigned long long>(echoed),
                  rtt.percentile(50) / 1000.0, rtt.percentile(99) / 1000.0);
    return std::string{buf};
  };
  run.start_ticks();
  auto send = [&](uint32_t k) {
    busy[k] = 1;
    sent_at[k] = clock_type::now();
    run.conns[k]->send(message);
  };
  auto start = [&] {
    run.begin_measuring();
    for (uint32_t k = 0; k < o.players; ++k)
      if (run.conns[k]->is_open()) {
        if (o.rate == 0)
          send(k);
        else
          idle.push_back(k);
      }
    if (o.rate > 0)
      pace(ioc, o.rate, [&] { return !stopping; },
           [&] {
             if (idle.empty()) {
               ++unsent;
               return;
             }
             auto k = idle.front();
             idle.pop_front();
             send(k);
           });
    run.stop_after_measuring(stopping);
  };
  auto settle = [&] {
    if (++settled == o.players)
      start();
  };
  ramp_up(
    run, o.players,
    [&](uint32_t k) {
      run.open(k, "e" + std::to_string(k),
               run.floor_handlers(
                 opened, settle,
                 [&, k](std::string_view) {
                   if (!busy[k])
                     return;
                   busy[k] = 0;
                   if (stopping)
                     return;
                   rtt.record(us_since(sent_at[k]));
                   ++echoed;
                   if (o.rate == 0)
                     send(k);
                   else
                     idle.push_back(k);
                 }));
    },
    [] {});
  setup_deadline(run, o.players, start);
  run.run_to_end();
  report r{run};
  r.set("players", o.players);
  r.set("open", opened);
  r.set("mode", o.rate > 0 ? "open" : "closed");
  r.set("rate", o.rate);
  r.set("messages", echoed);
  r.set("messages_per_s", run.measured_seconds() > 0
                            ? echoed / run.measured_seconds()
                            : 0.0);
  r.set("unsent", unsent);
  r.latency("rtt", rtt);
  r.primary("rtt");
  return r;
}

} // namespace parlor::loadgen
