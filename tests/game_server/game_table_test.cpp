#include "parlor/game_server/game_table.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace parlor;
using game_server::game_table;

namespace {

/// Stands in for an actor handle: valid when `id` is not 0.
struct fake_handle {
  int id = 0;
  int address() const noexcept {
    return id;
  }
  explicit operator bool() const noexcept {
    return id != 0;
  }
};

} // namespace

TEST_CASE("a game is found by code and by its actor's address",
          "[game_server]") {
  game_table<fake_handle> t;
  t.start("ABCD", fake_handle{1}, 1);
  t.start("WXYZ", fake_handle{2}, 3);
  CHECK(t.running_count() == 2);
  REQUIRE(t.find("WXYZ"));
  CHECK(t.find("WXYZ")->incarnation == 3);
  CHECK(t.code_of(1) == "ABCD");
  CHECK(t.code_of(2) == "WXYZ");
  CHECK_FALSE(t.code_of(3));
  CHECK_FALSE(t.find("NONE"));
}

TEST_CASE("a crashed game keeps its entry until restarted or erased",
          "[game_server]") {
  game_table<fake_handle> t;
  t.start("ABCD", fake_handle{1}, 2).backup = "n2";
  t.detach("ABCD");
  CHECK_FALSE(t.running("ABCD"));
  CHECK(t.running_count() == 0);
  CHECK_FALSE(t.code_of(1));
  REQUIRE(t.find("ABCD"));
  // A restart keeps incarnation-independent facts: its backup.
  t.start("ABCD", fake_handle{7}, 2);
  CHECK(t.running("ABCD"));
  CHECK(t.code_of(7) == "ABCD");
  CHECK(t.find("ABCD")->backup == "n2");
  t.erase("ABCD");
  CHECK_FALSE(t.find("ABCD"));
  CHECK_FALSE(t.code_of(7));
  CHECK(t.running_count() == 0);
}

TEST_CASE("for_each_running skips games being restarted", "[game_server]") {
  game_table<fake_handle> t;
  t.start("AAAA", fake_handle{1}, 1);
  t.start("BBBB", fake_handle{2}, 1);
  t.detach("AAAA");
  std::vector<std::string> seen;
  t.for_each_running([&](const std::string& code, auto&) {
    seen.push_back(code);
  });
  CHECK(seen == std::vector<std::string>{"BBBB"});
}

TEST_CASE("at most max restarts within the window", "[game_server]") {
  using clock = std::chrono::steady_clock;
  std::deque<clock::time_point> restarts;
  auto t0 = clock::time_point{} + std::chrono::hours{1};
  auto window = std::chrono::seconds{10};
  CHECK(game_server::restart_allowed(restarts, t0, 3, window));
  CHECK(game_server::restart_allowed(restarts, t0 + std::chrono::seconds{1},
                                     3, window));
  CHECK(game_server::restart_allowed(restarts, t0 + std::chrono::seconds{2},
                                     3, window));
  CHECK_FALSE(game_server::restart_allowed(
    restarts, t0 + std::chrono::seconds{3}, 3, window));
  // The first one leaves the window: one more is allowed.
  CHECK(game_server::restart_allowed(restarts, t0 + std::chrono::seconds{11},
                                     3, window));
  CHECK(restarts.size() == 3);
}
