#pragma once

// The scenarios, one file each: a scenario drives the nodes of `o.urls` on
// `ioc` (its one thread) until its measurement ends, then returns its
// report. `run_base` holds what they share, `report` builds every result.

#include "options.hpp"
#include "report.hpp"

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace parlor::loadgen {

/// Runs one scenario to its end.
using scenario_fn = report (*)(const options& o, boost::asio::io_context& ioc);

/// `idle`: players join `lobby` and are held (idle_scenario.cpp).
report run_idle(const options& o, boost::asio::io_context& ioc);

/// `games`: concurrent tic-tac-toe games (games_scenario.cpp).
report run_games(const options& o, boost::asio::io_context& ioc);

/// `fanout`: one game, many spectators (fanout_scenario.cpp).
report run_fanout(const options& o, boost::asio::io_context& ioc);

/// `echo`: round trips to the echo floor (echo_scenario.cpp).
report run_echo(const options& o, boost::asio::io_context& ioc);

/// `echo-fanout`: the echo floor's broadcast (echo_fanout_scenario.cpp).
report run_echo_fanout(const options& o, boost::asio::io_context& ioc);

/// The function that runs scenario `s`.
inline scenario_fn scenario_for(scenario s) {
  switch (s) {
    case scenario::idle:
      return run_idle;
    case scenario::games:
      return run_games;
    case scenario::fanout:
      return run_fanout;
    case scenario::echo:
      return run_echo;
    case scenario::echo_fanout:
      return run_echo_fanout;
  }
  return run_idle;
}

} // namespace parlor::loadgen
