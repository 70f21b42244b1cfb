#include "join_budget.hpp"

#include <catch2/catch.hpp>

using namespace parlor::gateway;
using namespace std::chrono_literals;

TEST_CASE("more than 20 not_found joins within a minute refuse joins for the "
          "rest of that minute",
          "[gateway]") {
  auto t0 = join_budget::clock::time_point{} + 1h;
  join_budget b;
  for (int i = 0; i < 20; ++i) {
    REQUIRE(b.allows(t0 + i * 1s));
    b.note_not_found(t0 + i * 1s);
  }
  CHECK(b.allows(t0 + 20s)); // 20 answered: still allowed
  b.note_not_found(t0 + 20s); // the 21st
  CHECK_FALSE(b.allows(t0 + 21s));
  CHECK_FALSE(b.allows(t0 + 59s));
  // The minute that began with the first not_found is over.
  CHECK(b.allows(t0 + 60s));
  b.note_not_found(t0 + 61s);
  CHECK(b.allows(t0 + 62s)); // a fresh minute with one
}

TEST_CASE("not_found joins spread over minutes never exhaust the budget",
          "[gateway]") {
  auto t0 = join_budget::clock::time_point{} + 1h;
  join_budget b;
  for (int i = 0; i < 1000; ++i) {
    auto t = t0 + i * 3s; // 20 a minute
    REQUIRE(b.allows(t));
    b.note_not_found(t);
  }
}
