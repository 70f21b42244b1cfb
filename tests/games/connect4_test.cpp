#include "parlor/games/connect4.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <set>

using namespace parlor::games;
using nlohmann::json;

namespace {

json column(int c) {
  return {{"column", c}};
}

std::string reason(connect4& g, std::size_t seat, int c, int64_t now = 0) {
  return g.apply(seat, column(c), now).reason;
}

/// An independent four-in-a-row check: every window of four on the board.
std::set<std::size_t> brute_winners(const connect4::board_type& b) {
  std::set<std::size_t> found;
  const int rows = connect4::rows;
  const int cols = connect4::columns;
  const int dirs[4][2] = {{0, 1}, {1, 0}, {1, 1}, {1, -1}};
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      for (auto& d : dirs) {
        auto first = b[r][c];
        if (!first)
          continue;
        bool four = true;
        for (int k = 1; k < 4 && four; ++k) {
          int rr = r + k * d[0];
          int cc = c + k * d[1];
          four = rr >= 0 && rr < rows && cc >= 0 && cc < cols
                 && b[rr][cc] == first;
        }
        if (four)
          found.insert(*first);
      }
  return found;
}

/// Plays `columns` alternately from R; requires every move accepted.
connect4 play(std::initializer_list<int> columns) {
  connect4 g;
  std::size_t seat = 0;
  for (int c : columns) {
    REQUIRE(reason(g, seat, c).empty());
    seat = 1 - seat;
  }
  return g;
}

} // namespace

TEST_CASE("connect4: many random games end exactly when an independent "
          "check sees four in a row, or the board is full",
          "[games]") {
  std::mt19937 gen{20261207};
  int wins[2] = {0, 0};
  int draws = 0;
  for (int game = 0; game < 3000; ++game) {
    connect4 g;
    connect4 restored;
    std::size_t discs = 0;
    while (!g.finished()) {
      REQUIRE(g.acting().size() == 1);
      auto seat = g.acting().front();
      REQUIRE(seat == discs % 2); // R, Y, R, …
      // The listed moves are exactly the columns with room, and only the
      // seat on turn has any.
      std::set<int> listed;
      auto moves = g.legal_moves(seat);
      REQUIRE(moves);
      for (auto& m : *moves)
        listed.insert(m["column"].get<int>());
      REQUIRE(g.legal_moves(1 - seat)->empty());
      std::set<int> open;
      for (int c = 0; c < 7; ++c) {
        auto probe = g;
        REQUIRE(reason(probe, 1 - seat, c) == "not_your_turn");
        if (g.board()[0][c]) {
          REQUIRE(reason(probe, seat, c) == "column_full");
          REQUIRE(probe.board() == g.board());
        } else {
          open.insert(c);
        }
      }
      REQUIRE(listed == open);
      std::vector<int> choices(open.begin(), open.end());
      auto c = choices[gen() % choices.size()];
      // The disc lands on the lowest free row.
      int row = 5;
      while (g.board()[row][c])
        --row;
      REQUIRE(reason(g, seat, c).empty());
      ++discs;
      REQUIRE(g.board()[row][c] == seat);
      auto seen = brute_winners(g.board());
      REQUIRE(seen.size() <= 1);
      REQUIRE(g.finished() == (!seen.empty() || discs == 42));
      if (!seen.empty())
        REQUIRE(g.winner() == std::optional<std::size_t>{seat});
      // Every position survives a snapshot.
      REQUIRE(restored.load(g.save()));
      REQUIRE(restored.board() == g.board());
      REQUIRE(restored.acting() == g.acting());
      REQUIRE(restored.finished() == g.finished());
      REQUIRE(restored.winner() == g.winner());
    }
    REQUIRE(g.acting().empty());
    if (auto w = g.winner())
      ++wins[*w];
    else
      ++draws;
  }
  // Random play: both seats win sometimes; R moves first and wins more.
  CHECK(wins[0] > wins[1]);
  CHECK(wins[1] > 0);
  INFO("draws: " << draws);
  CHECK(wins[0] + wins[1] + draws == 3000);
}

TEST_CASE("connect4: four across, down and both diagonals win", "[games]") {
  CHECK(play({0, 0, 1, 1, 2, 2, 3}).winner() == std::optional<std::size_t>{0});
  CHECK(play({0, 1, 0, 1, 0, 1, 0}).winner() == std::optional<std::size_t>{0});
  // Rising diagonal for R: (5,0) (4,1) (3,2) (2,3).
  CHECK(play({0, 1, 1, 2, 2, 3, 2, 3, 3, 6, 3}).winner()
        == std::optional<std::size_t>{0});
  // A diagonal falling to the right, for Y.
  auto g = play({5, 1, 5, 6, 6, 1, 2, 4, 3, 3, 2, 0, 1, 1, 5, 2});
  CHECK(g.winner() == std::optional<std::size_t>{1});
  CHECK(brute_winners(g.board()) == std::set<std::size_t>{1});
}

TEST_CASE("connect4: a full column is refused, and a full board is a draw",
          "[games]") {
  auto g = play({0, 0, 0, 0, 0, 0});
  CHECK(reason(g, 0, 0) == "column_full");
  // Fills the board rows RRYYRRY / YYRRYYR alternately: never four in a row.
  const int order[] = {2, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2,
                       2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 6, 4, 4, 4,
                       4, 4, 4, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6};
  connect4 full;
  std::size_t seat = 0;
  for (int c : order) {
    REQUIRE_FALSE(full.finished());
    REQUIRE(reason(full, seat, c).empty());
    seat = 1 - seat;
  }
  CHECK(full.finished());
  CHECK_FALSE(full.winner());
  CHECK(full.acting().empty());
  CHECK(brute_winners(full.board()).empty());
}

TEST_CASE("connect4: malformed moves are not well-formed", "[games]") {
  connect4 g;
  for (auto bad : {json(), json{{"column", -1}}, json{{"column", 7}},
                   json{{"column", "3"}}, json{{"col", 3}}, json(3)})
    CHECK_FALSE(g.well_formed(bad));
  CHECK(g.well_formed(column(6)));
}

TEST_CASE("connect4: the seat whose turn clock runs out loses", "[games]") {
  connect4 g;
  g.begin(setup{2, json{{"turn_seconds", 10}}, 1, 0});
  CHECK(g.deadline() == std::optional<int64_t>{10'000});
  REQUIRE(reason(g, 0, 3, 4'000).empty());
  CHECK(g.deadline() == std::optional<int64_t>{14'000});
  g.time_out(14'000);
  CHECK(g.winner() == std::optional<std::size_t>{0}); // Y ran out
  connect4 h;
  REQUIRE(h.load(g.save()));
  CHECK(h.finished());
  CHECK(h.winner() == std::optional<std::size_t>{0});
}

TEST_CASE("connect4: load refuses positions no game reaches", "[games]") {
  auto board = [](std::vector<std::pair<int, const char*>> discs) {
    json rows = json::array();
    for (int r = 0; r < 6; ++r)
      rows.push_back(json::array({nullptr, nullptr, nullptr, nullptr, nullptr,
                                  nullptr, nullptr}));
    for (auto [at, who] : discs)
      rows[at / 7][at % 7] = who;
    return json{{"board", rows}};
  };
  connect4 g;
  CHECK(g.load(board({{35, "R"}})));
  CHECK_FALSE(g.load(board({{28, "R"}})));              // floating
  CHECK_FALSE(g.load(board({{35, "Y"}})));              // Y first
  CHECK_FALSE(g.load(board({{35, "R"}, {36, "R"}})));   // R two ahead
  CHECK_FALSE(g.load(board({{35, "Q"}})));
  CHECK_FALSE(g.load(json{{"board", json::array()}}));
  // R has four and Y is on turn: fine. R has four and R is on turn: no.
  CHECK(g.load(board({{35, "R"}, {36, "R"}, {37, "R"}, {38, "R"},
                      {28, "Y"}, {29, "Y"}, {30, "Y"}})));
  CHECK(g.winner() == std::optional<std::size_t>{0});
  CHECK_FALSE(g.load(board({{35, "R"}, {36, "R"}, {37, "R"}, {38, "R"},
                            {28, "Y"}, {29, "Y"}, {30, "Y"}, {31, "Y"}})));
}
