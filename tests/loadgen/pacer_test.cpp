#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "pacer.hpp"

#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

using parlor::loadgen::pace;
using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

double ms_between(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

/// Runs a pacer at `rate` until it made `n` calls (`during(k)` runs in call
/// k) and the io_context ran out of work: the pacer leaves none behind.
/// Returns when each call happened, in ms after the start.
std::vector<double> paced(double rate, std::size_t n,
                          std::function<void(std::size_t)> during = {}) {
  boost::asio::io_context ioc{1};
  std::vector<double> at;
  auto start = clock_type::now();
  pace(
    ioc, rate, [&] { return at.size() < n; },
    [&] {
      at.push_back(ms_between(start, clock_type::now()));
      if (during)
        during(at.size() - 1);
    });
  ioc.run();
  return at;
}

} // namespace

TEST_CASE("pace calls on schedule, never early, and stops when told",
          "[loadgen]") {
  auto at = paced(1000.0, 50);
  REQUIRE(at.size() == 50);
  for (std::size_t k = 0; k < at.size(); ++k) {
    INFO("call " << k);
    // Due k ms after the start (which is a little after the test's).
    CHECK(at[k] >= static_cast<double>(k) - 0.001);
  }
}

TEST_CASE("pace makes up at once for calls a late timer missed",
          "[loadgen]") {
  // 200 a second: one every 5 ms. Call 10 holds the thread for 200 ms,
  // 40 intervals; the calls due meanwhile follow at once, not 5 ms apart.
  auto at = paced(200.0, 60, [](std::size_t k) {
    if (k == 10)
      std::this_thread::sleep_for(milliseconds{200});
  });
  REQUIRE(at.size() == 60);
  // Calls 11 to 49 were all due by the end of the sleep (at 50 intervals
  // from the start, 250 ms), and spaced out they would take 195 ms.
  CHECK(at[49] - at[11] < 100);
  // Then the schedule goes on, never early: call 59 is due at 295 ms.
  for (std::size_t k = 50; k < at.size(); ++k) {
    INFO("call " << k);
    CHECK(at[k] >= 5.0 * static_cast<double>(k) - 0.001);
  }
}

TEST_CASE("pace spaces calls out evenly, not in bunches per tick",
          "[loadgen]") {
  // 5,000 a second: one every 0.2 ms. Sent in bunches on a 1 ms tick,
  // four of five gaps would be about zero; evenly spaced, the typical gap
  // is the interval (late timers on a busy machine make a few bursts).
  auto at = paced(5000.0, 500);
  REQUIRE(at.size() == 500);
  std::vector<double> gaps;
  for (std::size_t k = 1; k < at.size(); ++k)
    gaps.push_back(at[k] - at[k - 1]);
  std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
  CHECK(gaps[gaps.size() / 2] > 0.1);
}
