#pragma once

// What every scenario shares: the options, the io_context, connection
// bookkeeping, heartbeats, the progress line and the measuring clock.

#include "client.hpp"
#include "options.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace parlor::loadgen {

/// How long a move (or broadcast) may take before it counts as lost.
inline constexpr std::chrono::seconds step_timeout{10};

/// How long connecting may take beyond `connections / ramp` seconds.
inline constexpr std::chrono::seconds setup_grace{30};

/// How long the answers still in flight get once the measurement ends.
inline constexpr std::chrono::seconds drain_grace{2};

/// The interval of a timer that ticks `rate` times a second (at least
/// 1 µs: a zero interval would spin).
std::chrono::microseconds tick_for(double rate);

/// The state every scenario's run starts from. Single-threaded: everything
/// runs on `ioc`'s one thread.
struct run_base {
  const options& o;
  boost::asio::io_context& ioc;
  std::vector<std::shared_ptr<connection>> conns;
  std::map<std::string, uint64_t> failures;
  source_picker sources{o};
  clock_type::time_point started = clock_type::now();
  clock_type::time_point measure_from{};
  clock_type::time_point measure_until{};
  bool measuring = false;
  bool done = false;
  /// The progress line's text (empty function: no progress line).
  std::function<std::string()> progress;

  run_base(const options& opts, boost::asio::io_context& io)
    : o(opts), ioc(io) {
    // nop
  }

  /// Counts one failure of kind `what`.
  void fail(const std::string& what) {
    ++failures[what];
  }

  /// Failures of all kinds.
  uint64_t failure_count() const;

  /// Opens a connection to node `url_index` as player `name`.
  std::shared_ptr<connection> open(std::size_t url_index,
                                   const std::string& name,
                                   connection::handlers h);

  /// Handlers of a connection to the echo floor: it counts in `opened`
  /// once open, or as a failure, and calls `settled` either way; frames go
  /// to `message`; a lost connection counts as a failure.
  connection::handlers
  floor_handlers(uint32_t& opened, std::function<void()> settled,
                 std::function<void(std::string_view)> message);

  /// Heartbeats and the progress line, once a second until `done`.
  void start_ticks();

  /// Ends the run: no more ticks, every connection dropped.
  void close_all();

  /// Runs `ioc` until the scenario stops it, then `close_all`.
  void run_to_end();

  /// The length of the measurement.
  double measured_seconds() const;

  /// Starts the measurement: `o.duration_s` from now.
  void begin_measuring();

  /// Calls `fn` when the measurement ends (set by `begin_measuring`).
  void at_measure_end(std::function<void()> fn);

  /// When the measurement ends, sets `stopping` (no more sends) and stops
  /// `ioc` once the answers still in flight had `drain_grace`.
  void stop_after_measuring(bool& stopping);
};

/// Opens `count` connections at `o.ramp` per second; `make(i)` opens the
/// i-th. Calls `all_started` once every one was started.
void ramp_up(run_base& run, uint32_t count, std::function<void(uint32_t)> make,
             std::function<void()> all_started);

/// Starts measuring anyway (and says so) if the `count` connections have
/// not all settled by their ramp time plus the setup grace.
void setup_deadline(run_base& run, uint32_t count,
                    std::function<void()> start);

} // namespace parlor::loadgen
