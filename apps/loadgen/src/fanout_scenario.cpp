#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "games_run.hpp"
#include "scenario.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdio>

namespace parlor::loadgen {

namespace asio = boost::asio;

report run_fanout(const options& o, asio::io_context& ioc) {
  games_run run{o, ioc};
  run.slots.resize(1);
  auto& s = run.slots[0];
  auto rate = o.rate > 0 ? o.rate : 5.0;
  std::vector<std::shared_ptr<connection>> spectators(o.spectators);
  std::vector<std::string> joined_as(o.spectators); // join ref of the topic
  uint32_t watching = 0, target = 0;
  uint64_t received = 0, incomplete = 0, rounds = 0;
  bool move_open = false, spectators_started = false, settled = false;
  clock_type::time_point last_arrival{}, round_started{};
  histogram each, last;
  run.progress = [&] {
    char buf[160];
    std::snprintf(buf, sizeof(buf),
                  "watching %u/%u  moves %llu  last p50 %.2f ms  p99 %.2f ms",
                  watching, o.spectators,
                  static_cast<unsigned long long>(last.count()),
                  last.percentile(50) / 1000.0, last.percentile(99) / 1000.0);
    return std::string{buf};
  };
  run.start_ticks();
  auto watch = [&](std::size_t k, const std::string& old_topic) {
    auto& c = spectators[k];
    if (!c || !c->is_open())
      return;
    if (!joined_as[k].empty())
      c->send(phx::frame(joined_as[k], c->next_ref(), old_topic, "phx_leave"));
    joined_as[k] = c->next_ref();
    c->send(phx::frame(joined_as[k], joined_as[k], s.topic, "phx_join"));
  };
  auto finish_move = [&] {
    move_open = false;
    if (received < watching)
      ++incomplete;
    if (received > 0)
      last.record(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(last_arrival
                                                              - s.sent)
          .count()));
  };
  auto spectator = [&](uint32_t k) -> connection::handlers {
    return {[&, k](const std::string& err) {
              if (!err.empty()) {
                run.fail(err);
                return;
              }
              watch(k, {});
            },
            [&, k](std::string_view text) {
              if (auto v = phx::state_version(text)) {
                if (move_open && *v == s.expected) {
                  ++received;
                  last_arrival = clock_type::now();
                  each.record(us_since(s.sent));
                  if (received == watching)
                    finish_move();
                }
                return;
              }
              auto r = phx::parse_reply(text);
              if (!r || r->ref != joined_as[k])
                return;
              if (r->ok)
                ++watching;
              else
                run.fail("spectator join: " + r->reason());
            },
            [&](const std::string& why) {
              run.fail("spectator lost: " + why);
            }};
  };
  // A new game is ready (X created it, both players joined): spectators
  // join it (the first time: they connect).
  std::string old_topic;
  run.ready_hook = [&](std::size_t) {
    ++rounds;
    round_started = clock_type::now();
    if (!spectators_started) {
      spectators_started = true;
      old_topic = s.topic;
      ramp_up(run, o.spectators,
              [&](uint32_t k) {
                spectators[k] = run.open(k, "s" + std::to_string(k),
                                         spectator(k));
              },
              [] {});
      return;
    }
    watching = 0;
    for (std::size_t k = 0; k < spectators.size(); ++k)
      watch(k, old_topic);
    old_topic = s.topic;
  };
  // The players: X and O on the first node.
  auto player = [&](bool is_x) {
    return run.player(0, is_x, [&, is_x](std::string_view text) {
      if (auto handler = is_x ? s.on_x : s.on_o)
        return handler(text);
      bool is_mover = (s.step % 2 == 0) == is_x;
      if (!is_mover || !s.in_flight)
        return;
      auto r = phx::parse_reply(text);
      if (!r || r->ref != s.move_ref)
        return;
      s.in_flight = false;
      if (!r->ok) {
        ++run.errors;
        run.fail("move: " + r->reason());
        return run.new_game(0);
      }
      run.ack.record(us_since(s.sent));
      s.version = r->response.value("version", s.expected);
      ++s.step;
    });
  };
  s.x = run.open(0, "fx", player(true));
  s.o = run.open(0, "fo", player(false));
  // Moves at `rate`, each once the previous one reached every spectator
  // (or timed out) and was acknowledged.
  every(ioc, tick_for(rate), [&] {
    if (run.stopping || s.dead)
      return !run.stopping;
    auto now = clock_type::now();
    if (move_open) {
      if (now - s.sent < step_timeout)
        return true;
      finish_move();
    }
    if (s.in_flight || !s.ready || s.on_x || s.on_o)
      return true;
    if (!settled) {
      // Measure once every spectator joined or failed (bounded).
      if (watching + run.failure_count() < o.spectators
          && now - round_started < setup_grace)
        return true;
      settled = true;
      target = watching;
      run.begin_measuring();
      run.stop_after_measuring(run.stopping);
    }
    if (watching < target && now - round_started < step_timeout)
      return true; // spectators still moving to the new game
    if (s.step == 9) {
      s.ready = false;
      run.new_game(0);
      return true;
    }
    received = 0;
    move_open = true;
    s.ready = true;
    run.send_move(0);
    s.ready = true; // the next move waits for this one, not for readiness
    ++run.moves;
    return true;
  });
  run.run_to_end();
  report r{run};
  r.set("spectators", o.spectators);
  r.set("watching", watching);
  r.set("moves", last.count());
  r.set("incomplete", incomplete);
  r.set("games_played", rounds);
  r.set("rate", rate);
  r.latency("move_last_spectator", last)
    .latency("move_each_spectator", each)
    .latency("move_reply", run.ack);
  r.primary("move_last_spectator");
  return r;
}

} // namespace parlor::loadgen
