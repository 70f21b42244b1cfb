#include "frame_budget.hpp"

#include <catch2/catch.hpp>

using namespace parlor::gateway;
using namespace std::chrono_literals;
using verdict = frame_budget::verdict;

namespace {

/// Takes `n` frames at `t`; returns how many were accepted.
int take_n(frame_budget& b, frame_budget::clock::time_point t, int n,
           verdict* last = nullptr) {
  int accepted = 0;
  for (int i = 0; i < n; ++i) {
    auto v = b.take(t);
    accepted += v == verdict::accept;
    if (last)
      *last = v;
  }
  return accepted;
}

} // namespace

TEST_CASE("a frame budget allows a burst of twice its rate, then its rate",
          "[gateway]") {
  auto t0 = frame_budget::clock::time_point{} + 1h;
  frame_budget b{50, t0};
  CHECK(take_n(b, t0, 150) == 100); // the burst
  // A second later, 50 more; half a second, 25.
  CHECK(take_n(b, t0 + 1s, 80) == 50);
  CHECK(take_n(b, t0 + 1500ms, 80) == 25);
  // Quiet for long: the bucket is full again, never fuller.
  CHECK(take_n(b, t0 + 1h, 300) == 100);
}

TEST_CASE("a steady client at the rate is never refused", "[gateway]") {
  auto t0 = frame_budget::clock::time_point{} + 1h;
  frame_budget b{50, t0};
  for (int i = 1; i <= 50 * 30; ++i) // 30 s at 50/s
    REQUIRE(b.take(t0 + i * 20ms) == verdict::accept);
}

TEST_CASE("rate 0 accepts everything", "[gateway]") {
  auto t0 = frame_budget::clock::time_point{} + 1h;
  frame_budget b{0, t0};
  CHECK(take_n(b, t0, 100000) == 100000);
}

TEST_CASE("a socket flooding for 10 s is to be closed, one that pauses is not",
          "[gateway]") {
  auto t0 = frame_budget::clock::time_point{} + 1h;
  SECTION("200 frames a second without pause: refused, then closed at 10 s") {
    frame_budget b{50, t0};
    int first_refused = -1;
    int closed_at = -1;
    for (int ms = 0; ms < 13'000 && closed_at < 0; ms += 5) {
      auto v = b.take(t0 + std::chrono::milliseconds{ms});
      if (v == verdict::refuse && first_refused < 0)
        first_refused = ms;
      if (v == verdict::close)
        closed_at = ms;
    }
    // The burst lasts 100 / (200 - 50) s; the flood 10 s from there.
    CHECK(first_refused >= 660);
    CHECK(first_refused <= 670);
    CHECK(closed_at >= first_refused + 10'000);
    CHECK(closed_at <= first_refused + 10'100);
  }
  SECTION("bursts over the rate with pauses of over a second stay open") {
    frame_budget b{50, t0};
    for (int round = 0; round < 20; ++round) {
      auto t = t0 + round * 2500ms;
      verdict last = verdict::accept;
      take_n(b, t, 150, &last); // over the burst: some refused
      REQUIRE(last == verdict::refuse);
    }
  }
  SECTION("a client just over the rate for 10 s is closed") {
    frame_budget b{50, t0};
    verdict last = verdict::accept;
    int ms = 0;
    for (; ms <= 30'000 && last != verdict::close; ms += 16) // 62.5/s
      last = b.take(t0 + std::chrono::milliseconds{ms});
    CHECK(last == verdict::close);
    CHECK(ms > 10'000);
  }
}
