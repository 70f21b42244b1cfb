#include "create_quota.hpp"

#include <catch2/catch.hpp>

using parlor::gateway::create_quota;
using namespace std::chrono_literals;

TEST_CASE("a player creates a burst of games, then one per refill",
          "[gateway]") {
  create_quota q{6}; // 6 a minute: one every 10 s, bursts of 6
  auto t = create_quota::clock::time_point{} + 1h;
  for (int i = 0; i < 6; ++i)
    CHECK(q.take("alice", t));
  CHECK_FALSE(q.take("alice", t));
  CHECK_FALSE(q.take("alice", t + 9s));
  // Other players are not affected.
  CHECK(q.take("bob", t));
  CHECK(q.take("alice", t + 10s));
  CHECK_FALSE(q.take("alice", t + 11s));
  // A long pause refills the burst, not more.
  for (int i = 0; i < 6; ++i)
    CHECK(q.take("alice", t + 10min + std::chrono::seconds{i}));
  CHECK_FALSE(q.take("alice", t + 10min + 6s));
}

TEST_CASE("no limit with a rate of 0, and idle players are forgotten",
          "[gateway]") {
  create_quota off{0};
  auto t = create_quota::clock::time_point{} + 1h;
  for (int i = 0; i < 10'000; ++i)
    REQUIRE(off.take("alice", t));
  CHECK(off.tracked() == 0);
  create_quota q{60};
  for (int i = 0; i < 4096; ++i)
    q.take("p" + std::to_string(i), t);
  CHECK(q.tracked() == 4096);
  // A minute later they are all full again: the sweep drops them.
  q.take("late", t + 61s);
  CHECK(q.tracked() == 1);
}
