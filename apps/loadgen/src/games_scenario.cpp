#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "games_run.hpp"
#include "scenario.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdio>

namespace parlor::loadgen {

namespace asio = boost::asio;

report run_games(const options& o, asio::io_context& ioc) {
  games_run run{o, ioc};
  run.slots.resize(o.games);
  run.progress = [&] {
    char buf[160];
    std::snprintf(buf, sizeof(buf),
                  "games %u  moves %llu  ack p50 %.2f ms  opp p99 %.2f ms  "
                  "failed %llu",
                  run.ready_slots, static_cast<unsigned long long>(run.moves),
                  run.ack.percentile(50) / 1000.0,
                  run.opponent.percentile(99) / 1000.0,
                  static_cast<unsigned long long>(run.failure_count()));
    return std::string{buf};
  };
  run.start_ticks();
  run.watchdog();
  // Connections: X of game g on node g, O on node g + 1 (several nodes: O
  // plays through another node than the one hosting the game).
  ramp_up(
    run, o.games * 2,
    [&](uint32_t k) {
      auto g = k / 2;
      bool is_x = k % 2 == 0;
      auto& slot = run.slots[g];
      auto name = std::string{is_x ? "x" : "o"} + std::to_string(g);
      auto in_game = [&run, g, is_x](std::string_view text) {
        run.on_message(g, is_x, text);
      };
      (is_x ? slot.x : slot.o)
        = run.open(g + (is_x ? 0 : 1), name, run.player(g, is_x, in_game));
    },
    [] {});
  auto setup_limit = std::chrono::duration<double>(2.0 * o.games / o.ramp)
                     + setup_grace;
  after(ioc,
        std::chrono::duration_cast<std::chrono::microseconds>(setup_limit),
        [&] {
          if (!run.measuring) {
            run.fail("games not ready before the setup deadline");
            run.start_measuring();
          }
        });
  run.run_to_end();
  report r{run};
  r.set("games", o.games);
  r.set("games_ready", run.ready_slots);
  r.set("mode", o.rate > 0 ? "open" : "closed");
  r.set("rate", o.rate);
  r.set("moves", run.moves);
  r.set("games_played", run.games_played);
  r.set("moves_per_s", run.measured_seconds() > 0
                         ? run.moves / run.measured_seconds()
                         : 0.0);
  r.set("errors", run.errors);
  r.set("timeouts", run.timeouts);
  r.set("unsent", run.unsent);
  r.latency("move_reply", run.ack).latency("move_opponent", run.opponent);
  r.primary("move_reply");
  return r;
}

} // namespace parlor::loadgen
