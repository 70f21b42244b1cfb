#include "parlor/games/tictactoe.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <set>
#include <string>

using namespace parlor::games;
using nlohmann::json;

namespace {

json cell(int c) {
  return {{"cell", c}};
}

/// The reason `g` gives for `seat` playing `c` (empty: accepted).
std::string reason(tictactoe& g, std::size_t seat, int c, int64_t now = 0) {
  return g.apply(seat, cell(c), now).reason;
}

/// The one seat on turn, or none.
std::optional<std::size_t> turn(const tictactoe& g) {
  auto a = g.acting();
  REQUIRE(a.size() <= 1);
  return a.empty() ? std::nullopt : std::optional<std::size_t>{a.front()};
}

/// Plays `cells` alternately from X; requires every move to be accepted.
tictactoe play(std::initializer_list<int> cells) {
  tictactoe g;
  std::size_t seat = 0;
  for (int c : cells) {
    REQUIRE(reason(g, seat, c).empty());
    seat = 1 - seat;
  }
  return g;
}

/// Independent winner check for the exhaustive walk.
std::optional<std::size_t> brute_winner(const tictactoe::board_type& b) {
  for (std::size_t s = 0; s < 2; ++s) {
    auto has = [&](std::size_t i) { return b[i] && *b[i] == s; };
    for (std::size_t r = 0; r < 3; ++r)
      if ((has(3 * r) && has(3 * r + 1) && has(3 * r + 2))
          || (has(r) && has(r + 3) && has(r + 6)))
        return s;
    if ((has(0) && has(4) && has(8)) || (has(2) && has(4) && has(6)))
      return s;
  }
  return std::nullopt;
}

struct tally {
  uint64_t games = 0;
  uint64_t x_wins = 0;
  uint64_t o_wins = 0;
  uint64_t draws = 0;
  uint64_t refusals_checked = 0;
};

void walk(const tictactoe& g, tally& t) {
  if (g.finished()) {
    ++t.games;
    auto w = g.winner();
    auto expected = brute_winner(g.board());
    REQUIRE(w == expected);
    if (w == std::optional<std::size_t>{0}) {
      ++t.x_wins;
    } else if (w == std::optional<std::size_t>{1}) {
      ++t.o_wins;
    } else {
      ++t.draws;
      for (auto& c : g.board())
        REQUIRE(c.has_value());
    }
    REQUIRE(g.acting().empty());
    REQUIRE(g.legal_moves(0)->empty());
    REQUIRE(g.legal_moves(1)->empty());
    return;
  }
  REQUIRE_FALSE(g.winner());
  auto on_turn = turn(g);
  REQUIRE(on_turn.has_value());
  // The listed moves are exactly the accepted ones.
  std::set<int> listed;
  auto moves = g.legal_moves(*on_turn);
  REQUIRE(moves);
  for (auto& m : *moves)
    listed.insert(m["cell"].get<int>());
  REQUIRE(g.legal_moves(1 - *on_turn)->empty());
  std::set<int> accepted;
  for (int c = 0; c < 9; ++c) {
    auto next = g;
    // The other seat may never move.
    REQUIRE(reason(next, 1 - *on_turn, c) == "not_your_turn");
    if (g.board()[static_cast<std::size_t>(c)]) {
      REQUIRE(reason(next, *on_turn, c) == "cell_taken");
      REQUIRE(next.board() == g.board());
      ++t.refusals_checked;
      continue;
    }
    REQUIRE(reason(next, *on_turn, c).empty());
    accepted.insert(c);
    REQUIRE(next.board()[static_cast<std::size_t>(c)] == *on_turn);
    walk(next, t);
  }
  REQUIRE(listed == accepted);
}

} // namespace

TEST_CASE("every possible tic-tac-toe game ends as the rules say",
          "[games]") {
  tally t;
  walk(tictactoe{}, t);
  // The well-known counts of complete tic-tac-toe games.
  CHECK(t.games == 255168);
  CHECK(t.x_wins == 131184);
  CHECK(t.o_wins == 77904);
  CHECK(t.draws == 46080);
  CHECK(t.refusals_checked > 0);
}

TEST_CASE("each of the eight lines wins for X and for O", "[games]") {
  const std::array<std::array<int, 3>, 8> lines = {{
    {0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {0, 3, 6},
    {1, 4, 7}, {2, 5, 8}, {0, 4, 8}, {2, 4, 6},
  }};
  for (auto& line : lines) {
    // Filler cells for the loser, never on `line` and never completing one.
    std::vector<int> others;
    for (int c = 0; c < 9; ++c)
      if (std::find(line.begin(), line.end(), c) == line.end())
        others.push_back(c);
    for (std::size_t winner = 0; winner < 2; ++winner) {
      // Try filler pairs until the loser does not win first.
      bool checked = false;
      for (std::size_t a = 0; a < others.size() && !checked; ++a)
        for (std::size_t b = 0; b < others.size() && !checked; ++b)
          for (std::size_t d = 0; d < others.size() && !checked; ++d) {
            if (a == b || a == d || b == d)
              continue;
            tictactoe g;
            std::vector<int> loser = {others[a], others[b], others[d]};
            std::size_t seat = 0;
            std::size_t wi = 0;
            std::size_t li = 0;
            bool ok = true;
            while (!g.finished() && ok) {
              int c = seat == winner ? line[wi++] : loser[li++];
              ok = reason(g, seat, c).empty();
              seat = 1 - seat;
            }
            if (ok && g.winner() == std::optional<std::size_t>{winner}
                && wi == 3) {
              checked = true;
              CHECK(g.view()["board"][line[0]] == (winner == 0 ? "X" : "O"));
            }
          }
      CHECK(checked);
    }
  }
}

TEST_CASE("a full board without a line is a draw", "[games]") {
  auto g = play({0, 1, 2, 4, 3, 5, 7, 6, 8});
  CHECK(g.finished());
  CHECK_FALSE(g.winner());
  CHECK(g.acting().empty());
}

TEST_CASE("a win on the last cell is a win, not a draw", "[games]") {
  // X: 0 2 4 5 8 (diagonal 0-4-8 completed by the ninth move).
  auto g = play({0, 1, 2, 3, 4, 6, 5, 7, 8});
  CHECK(g.winner() == std::optional<std::size_t>{0});
}

TEST_CASE("malformed moves are not well-formed", "[games]") {
  tictactoe g;
  for (auto bad : {json(), json::array(), json{{"cell", -1}},
                   json{{"cell", 9}}, json{{"cell", "4"}}, json{{"cell", 1.5}},
                   json{{"cel", 4}}, json(4), json::object()}) {
    INFO(bad.dump());
    CHECK_FALSE(g.well_formed(bad));
  }
  CHECK(g.well_formed(json{{"cell", 0}, {"extra", true}}));
  for (auto& c : g.board())
    CHECK_FALSE(c);
}

TEST_CASE("a refused move leaves the state untouched", "[games]") {
  auto g = play({4});
  auto before = g.save();
  CHECK(reason(g, 0, 0) == "not_your_turn");
  CHECK(reason(g, 1, 4) == "cell_taken");
  CHECK(g.save() == before);
  CHECK(turn(g) == std::optional<std::size_t>{1});
}

TEST_CASE("save and load round-trip every position", "[games]") {
  auto g = play({4, 0, 8, 2});
  tictactoe h;
  REQUIRE(h.load(g.save()));
  CHECK(h.board() == g.board());
  CHECK(turn(h) == turn(g));
  auto won = play({0, 3, 1, 4, 2});
  tictactoe w;
  REQUIRE(w.load(won.save()));
  CHECK(w.winner() == std::optional<std::size_t>{0});
  // A snapshot from before clocks: the board alone.
  tictactoe old;
  REQUIRE(old.load(json::parse(R"({"board":["X",null,null,null,"O",null,null,null,null]})")));
  CHECK(turn(old) == std::optional<std::size_t>{0});
  CHECK_FALSE(old.deadline());
}

TEST_CASE("with a turn clock, every move restarts it and the seat whose "
          "time runs out loses",
          "[games]") {
  tictactoe g;
  g.begin(setup{2, json{{"turn_seconds", 30}}, 7, 1'000});
  CHECK(g.deadline() == std::optional<int64_t>{31'000});
  REQUIRE(reason(g, 0, 4, 5'000).empty());
  CHECK(g.deadline() == std::optional<int64_t>{35'000});
  // Saved and restored, the deadline stays where it was (absolute).
  tictactoe restored;
  REQUIRE(restored.load(g.save()));
  CHECK(restored.deadline() == std::optional<int64_t>{35'000});
  restored.time_out(35'000);
  CHECK(restored.finished());
  CHECK(restored.winner() == std::optional<std::size_t>{0}); // O ran out
  CHECK_FALSE(restored.deadline());
  tictactoe again;
  REQUIRE(again.load(restored.save()));
  CHECK(again.finished());
  CHECK(again.winner() == std::optional<std::size_t>{0});
  // Without a clock there is no deadline, and a finished game has none.
  tictactoe plain;
  plain.begin(setup{2, json{{"turn_seconds", 0}}, 7, 1'000});
  CHECK_FALSE(plain.deadline());
  auto done = play({0, 3, 1, 4, 2});
  CHECK_FALSE(done.deadline());
}

TEST_CASE("load refuses impossible or malformed boards", "[games]") {
  tictactoe g;
  auto b = [](std::vector<json> cells) { return json{{"board", cells}}; };
  json n;
  CHECK_FALSE(g.load(json()));
  CHECK_FALSE(g.load(json{{"board", 5}}));
  CHECK_FALSE(g.load(b({n, n, n})));
  CHECK_FALSE(g.load(b({"X", "X", n, n, n, n, n, n, n}))); // X two ahead
  CHECK_FALSE(g.load(b({"O", n, n, n, n, n, n, n, n})));   // O first
  CHECK_FALSE(g.load(b({"Z", n, n, n, n, n, n, n, n})));
  // A timeout only of the seat on turn, only in an open position.
  auto open = b({"X", n, n, n, n, n, n, n, n});
  open["timed_out"] = 0;
  CHECK_FALSE(g.load(open));
  open["clock"] = json{{"seconds", -5}, {"ends_ms", 1}};
  open.erase("timed_out");
  CHECK_FALSE(g.load(open));
  for (auto& c : g.board())
    CHECK_FALSE(c);
}
