#include "parlor/games/tictactoe.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <functional>
#include <set>
#include <string>

using namespace parlor::games;
using nlohmann::json;

namespace {

json cell(int c) {
  return {{"cell", c}};
}

/// Plays `cells` alternately from X; requires every move to be accepted.
tictactoe play(std::initializer_list<int> cells) {
  tictactoe g;
  std::size_t seat = 0;
  for (int c : cells) {
    REQUIRE(g.apply(seat, cell(c)) == errc::none);
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
    REQUIRE(w.has_value());
    auto expected = brute_winner(g.board());
    if (*w == "X") {
      ++t.x_wins;
      REQUIRE(expected == std::optional<std::size_t>{0});
    } else if (*w == "O") {
      ++t.o_wins;
      REQUIRE(expected == std::optional<std::size_t>{1});
    } else {
      REQUIRE(*w == "draw");
      ++t.draws;
      REQUIRE_FALSE(expected);
      for (auto& c : g.board())
        REQUIRE(c.has_value());
    }
    REQUIRE_FALSE(g.turn());
    // Nothing can be played after the end.
    auto copy = g;
    for (int c = 0; c < 9; ++c) {
      REQUIRE(copy.apply(0, cell(c)) == errc::game_over);
      REQUIRE(copy.apply(1, cell(c)) == errc::game_over);
    }
    return;
  }
  REQUIRE_FALSE(g.winner());
  auto turn = g.turn();
  REQUIRE(turn.has_value());
  for (int c = 0; c < 9; ++c) {
    auto next = g;
    // The other seat may never move.
    REQUIRE(next.apply(1 - *turn, cell(c)) == errc::not_your_turn);
    if (g.board()[static_cast<std::size_t>(c)]) {
      REQUIRE(next.apply(*turn, cell(c)) == errc::cell_taken);
      REQUIRE(next.board() == g.board());
      ++t.refusals_checked;
      continue;
    }
    REQUIRE(next.apply(*turn, cell(c)) == errc::none);
    REQUIRE(next.board()[static_cast<std::size_t>(c)] == *turn);
    walk(next, t);
  }
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
              ok = g.apply(seat, cell(c)) == errc::none;
              seat = 1 - seat;
            }
            if (ok && g.winner() == (winner == 0 ? "X" : "O") && wi == 3) {
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
  CHECK(g.winner() == "draw");
  CHECK_FALSE(g.turn());
}

TEST_CASE("a win on the last cell is a win, not a draw", "[games]") {
  // X: 0 2 4 5 8 (diagonal 0-4-8 completed by the ninth move).
  auto g = play({0, 1, 2, 3, 4, 6, 5, 7, 8});
  CHECK(g.winner() == "X");
}

TEST_CASE("malformed moves are refused as bad_move", "[games]") {
  tictactoe g;
  for (auto bad : {json(), json::array(), json{{"cell", -1}},
                   json{{"cell", 9}}, json{{"cell", "4"}}, json{{"cell", 1.5}},
                   json{{"cel", 4}}, json(4), json::object()}) {
    INFO(bad.dump());
    CHECK_FALSE(g.well_formed(bad));
    CHECK(g.apply(0, bad) == errc::bad_move);
  }
  CHECK(g.well_formed(json{{"cell", 0}, {"extra", true}}));
  for (auto& c : g.board())
    CHECK_FALSE(c);
}

TEST_CASE("a refused move leaves the state untouched", "[games]") {
  auto g = play({4});
  auto before = g.save();
  CHECK(g.apply(0, cell(0)) == errc::not_your_turn);
  CHECK(g.apply(1, cell(4)) == errc::cell_taken);
  CHECK(g.save() == before);
  CHECK(g.turn() == std::optional<std::size_t>{1});
}

TEST_CASE("save and load round-trip every position", "[games]") {
  auto g = play({4, 0, 8, 2});
  tictactoe h;
  REQUIRE(h.load(g.save()));
  CHECK(h.board() == g.board());
  CHECK(h.turn() == g.turn());
  auto won = play({0, 3, 1, 4, 2});
  tictactoe w;
  REQUIRE(w.load(won.save()));
  CHECK(w.winner() == "X");
}

TEST_CASE("the text view and snapshot are the json dumps in every position",
          "[games]") {
  std::set<std::string> seen;
  std::function<void(const tictactoe&)> visit = [&](const tictactoe& g) {
    auto expected = g.view().dump();
    if (!seen.insert(expected).second)
      return;
    std::string view = "prefix";
    g.append_view(view);
    REQUIRE(view == "prefix" + expected); // appends, keeps what was there
    std::string save;
    g.append_save(save);
    REQUIRE(save == g.save().dump());
    if (g.finished())
      return;
    for (int c = 0; c < 9; ++c) {
      auto next = g;
      if (next.apply(*g.turn(), cell(c)) == errc::none)
        visit(next);
    }
  };
  visit(tictactoe{});
  CHECK(seen.size() == 5478); // every reachable position
}

namespace {

/// A game that keeps the default text hooks, with a string that is not
/// valid UTF-8 in its view.
class plain_game final : public rules {
public:
  std::string_view kind() const override {
    return "plain";
  }
  const std::vector<std::string>& seats() const override {
    static const std::vector<std::string> names{"A"};
    return names;
  }
  bool well_formed(const json&) const override {
    return true;
  }
  errc apply(std::size_t, const json&) override {
    return errc::none;
  }
  bool finished() const override {
    return false;
  }
  std::optional<std::size_t> turn() const override {
    return 0;
  }
  std::optional<std::string> winner() const override {
    return std::nullopt;
  }
  json view() const override {
    return {{"z", 1}, {"a", "bad \xff"}};
  }
  json save() const override {
    return {{"turns", json::array({1, 2})}};
  }
  bool load(const json&) override {
    return true;
  }
  std::unique_ptr<rules> clone() const override {
    return std::make_unique<plain_game>(*this);
  }
};

} // namespace

TEST_CASE("games without text hooks are written as their json dumps",
          "[games]") {
  plain_game g;
  std::string view;
  g.append_view(view);
  CHECK(view == "{\"a\":\"bad \xef\xbf\xbd\",\"z\":1}"); // U+FFFD
  std::string save = "[";
  g.append_save(save);
  CHECK(save == R"([{"turns":[1,2]})");
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
  for (auto& c : g.board())
    CHECK_FALSE(c);
}
