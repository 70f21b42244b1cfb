#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "run_base.hpp"
#include "scenario.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdio>

namespace parlor::loadgen {

namespace asio = boost::asio;

report run_echo_fanout(const options& o, asio::io_context& ioc) {
  run_base run{o, ioc};
  auto rate = o.rate > 0 ? o.rate : 5.0;
  // Connection 0 sends; all o.spectators + 1 receive (the echo server sends
  // a '*' frame to every connection). Padded to the size of a state frame.
  const uint32_t total = o.spectators + 1;
  const std::size_t frame_bytes = 160;
  histogram each, last;
  uint64_t seq = 0, received = 0, incomplete = 0, sent_count = 0;
  uint32_t opened = 0, settled = 0;
  bool open_round = false, stopping = false;
  clock_type::time_point sent_at{}, last_arrival{};
  run.progress = [&] {
    char buf[128];
    std::snprintf(buf, sizeof(buf),
                  "open %u  broadcasts %llu  last p50 %.2f ms  p99 %.2f ms",
                  opened, static_cast<unsigned long long>(last.count()),
                  last.percentile(50) / 1000.0, last.percentile(99) / 1000.0);
    return std::string{buf};
  };
  run.start_ticks();
  auto finish_round = [&] {
    open_round = false;
    if (received < opened)
      ++incomplete;
    if (received > 0)
      last.record(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(last_arrival
                                                              - sent_at)
          .count()));
  };
  auto start = [&] {
    run.begin_measuring();
    every(ioc, tick_for(rate),
          [&] {
            if (stopping)
              return false;
            if (open_round) {
              if (clock_type::now() - sent_at < step_timeout)
                return true;
              finish_round();
            }
            if (!run.conns[0]->is_open())
              return true;
            std::string text = "*" + std::to_string(++seq) + " ";
            text.resize(frame_bytes, '.');
            received = 0;
            open_round = true;
            ++sent_count;
            sent_at = clock_type::now();
            run.conns[0]->send(text);
            return true;
          });
    run.stop_after_measuring(stopping);
  };
  auto settle = [&] {
    if (++settled == total)
      start();
  };
  ramp_up(
    run, total,
    [&](uint32_t k) {
      run.open(k, "f" + std::to_string(k),
               run.floor_handlers(
                 opened, settle,
                 [&](std::string_view text) {
                   if (!open_round || text.empty() || text.front() != '*')
                     return;
                   auto number = text.substr(1, text.find(' ') - 1);
                   if (number != std::to_string(seq))
                     return;
                   last_arrival = clock_type::now();
                   each.record(us_since(sent_at));
                   if (++received == opened)
                     finish_round();
                 }));
    },
    [] {});
  setup_deadline(run, total, start);
  run.run_to_end();
  report r{run};
  r.set("spectators", o.spectators);
  r.set("open", opened);
  r.set("broadcasts", last.count());
  r.set("sent", sent_count);
  r.set("incomplete", incomplete);
  r.set("rate", rate);
  r.latency("broadcast_last", last).latency("broadcast_each", each);
  r.primary("broadcast_last");
  return r;
}

} // namespace parlor::loadgen
