#include "parlor/games/match.hpp"

#include "parlor/games/catalog.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <set>

using namespace parlor::games;
using nlohmann::json;

namespace {

const player alice{"a1", "Alice"};
const player bob{"b2", "Bob"};
const player carol{"c3", "Carol"};

json cell(int c) {
  return {{"cell", c}};
}

/// STATE as the contract describes it, built as a json tree from the
/// match's public accessors: the reference the server's one encoder,
/// `state_text`, is checked against.
json reference_state(const match& m) {
  json players = json::object();
  json seats = json::array();
  for (std::size_t i = 0; i < m.seats().size(); ++i) {
    auto& p = m.seats()[i];
    players[m.seat_name(i)] = p ? json{{"id", p->id}, {"name", p->name}}
                                : json();
    seats.push_back(m.seat_name(i));
  }
  json acting = json::array();
  for (auto a : m.acting())
    acting.push_back(m.seat_name(a));
  json turn;
  if (m.status() == status::playing && acting.size() == 1)
    turn = acting[0];
  json winner;
  if (m.game_rules().finished()) {
    auto w = m.game_rules().winner();
    winner = w ? json(m.seat_name(*w)) : json("draw");
  }
  json deadline;
  if (auto d = m.deadline())
    deadline = *d;
  return {{"code", m.code()},       {"game", std::string{m.kind()}},
          {"version", m.version()}, {"status", std::string{to_string(m.status())}},
          {"players", players},     {"turn", turn},
          {"winner", winner},       {"view", m.game_rules().view()},
          {"acting", acting},       {"deadline", deadline},
          {"round", 1},             {"seats", seats}};
}

/// The snapshot, built the same way, for `save_text`.
json reference_save(const match& m) {
  json seats = json::array();
  for (auto& p : m.seats())
    seats.push_back(p ? json{{"id", p->id}, {"name", p->name}} : json());
  json out{{"code", m.code()},       {"game", std::string{m.kind()}},
           {"version", m.version()}, {"started", m.started()},
           {"seats", seats},         {"rules", m.game_rules().save()},
           {"seed", 0}};
  return out;
}

/// What a client reads: the parsed STATE.
json state(const match& m) {
  return json::parse(m.state_text());
}

/// What the store keeps: the parsed snapshot.
json saved(const match& m) {
  return json::parse(m.save_text());
}

std::unique_ptr<match> started() {
  auto m = match::create("tictactoe", "ABCD", alice);
  REQUIRE(m);
  REQUIRE(m->join(bob).changed);
  return m;
}

} // namespace

TEST_CASE("the catalog knows its games and nothing else", "[games]") {
  CHECK(make_rules("tictactoe"));
  CHECK(make_rules("connect4"));
  CHECK_FALSE(make_rules("chess"));
  CHECK_FALSE(make_rules(""));
  CHECK(kinds() == std::vector<std::string_view>{"connect4", "tictactoe"});
  CHECK_FALSE(match::create("chess", "ABCD", alice));
  auto list = catalog_json()["games"];
  REQUIRE(list.size() == 2);
  CHECK(list[0]["game"] == "connect4");
  CHECK(list[0]["seats"] == json::array({"R", "Y"}));
  CHECK(list[0]["min_seats"] == 2);
  CHECK(list[0]["max_seats"] == 2);
  CHECK(list[0]["hidden"] == false);
  CHECK(list[0]["options"]["turn_seconds"]["max"] == 86400);
  CHECK(list[1]["name"] == "Tic-tac-toe");
}

TEST_CASE("create options: turn_seconds for every game, unknown keys and "
          "bad values refused",
          "[games]") {
  auto& info = *describe("tictactoe");
  std::string error;
  auto ok = validate_options(info, json{{"turn_seconds", 60}}, error);
  CHECK(error.empty());
  CHECK(ok == json{{"turn_seconds", 60}});
  CHECK(validate_options(info, json(), error) == json{{"turn_seconds", 0}});
  CHECK(error.empty());
  for (auto [bad, needle] :
       {std::pair{json{{"turn_seconds", -1}}, "0 to 86400"},
        std::pair{json{{"turn_seconds", 86401}}, "0 to 86400"},
        std::pair{json{{"turn_seconds", "60"}}, "integer"},
        std::pair{json{{"turn_seconds", 1.5}}, "integer"},
        std::pair{json{{"colour", "red"}}, "unknown option \"colour\""},
        std::pair{json::array(), "object"}}) {
    INFO(bad.dump());
    validate_options(info, bad, error);
    CHECK_THAT(error, Catch::Contains(needle));
  }
}

TEST_CASE("a clocked game: the deadline is in STATE, a timeout is an "
          "accepted change, a restore keeps it",
          "[games]") {
  match_setup how;
  how.options = json{{"turn_seconds", 20}};
  auto m = match::create("connect4", "CLCK", alice, how);
  CHECK(state(*m)["deadline"].is_null()); // not before the game begins
  REQUIRE(m->join(bob, {}, 1'000).changed);
  CHECK(state(*m)["deadline"] == 21'000);
  CHECK(state(*m)["acting"] == json::array({"R"}));
  CHECK_FALSE(m->time_out(20'999));
  REQUIRE(m->move("a1", json{{"column", 3}}, 2'000).code == errc::none);
  CHECK(state(*m)["deadline"] == 22'000);
  auto r = match::restore(saved(*m));
  REQUIRE(r);
  CHECK(r->deadline() == std::optional<int64_t>{22'000});
  auto v = r->version();
  REQUIRE(r->time_out(30'000)); // a deadline that passed while down
  CHECK(r->version() == v + 1);
  CHECK(state(*r)["winner"] == "R"); // Y ran out of time
  CHECK(state(*r)["status"] == "finished");
  CHECK(state(*r)["deadline"].is_null());
  CHECK(state(*r)["acting"] == json::array());
  CHECK_FALSE(r->time_out(40'000));
}

TEST_CASE("a new game seats its creator as X at version 1", "[games]") {
  auto m = match::create("tictactoe", "ABCD", alice);
  REQUIRE(m);
  CHECK(m->version() == 1);
  CHECK(m->status() == status::waiting);
  auto s = state(*m);
  CHECK(s["code"] == "ABCD");
  CHECK(s["game"] == "tictactoe");
  CHECK(s["version"] == 1);
  CHECK(s["status"] == "waiting");
  CHECK(s["players"]["X"] == json{{"id", "a1"}, {"name", "Alice"}});
  CHECK(s["players"]["O"].is_null());
  CHECK(s["turn"].is_null());
  CHECK(s["winner"].is_null());
  CHECK(s["view"]["board"].size() == 9);
  CHECK_FALSE(s.contains("host"));
}

TEST_CASE("the second player takes O and starts the game", "[games]") {
  auto m = match::create("tictactoe", "ABCD", alice);
  auto r = m->join(bob);
  CHECK(r.seat == "O");
  CHECK(r.changed);
  CHECK(m->version() == 2);
  CHECK(m->status() == status::playing);
  CHECK(state(*m)["turn"] == "X");
}

TEST_CASE("later players watch, and rejoins keep their seat", "[games]") {
  auto m = started();
  auto r = m->join(carol);
  CHECK_FALSE(r.seat);
  CHECK_FALSE(r.changed);
  auto again = m->join(player{"a1", "Alice on phone"});
  CHECK(again.seat == "X");
  CHECK_FALSE(again.changed);
  CHECK(m->join(bob).seat == "O");
  CHECK(m->version() == 2);
}

TEST_CASE("the creator rejoining an open game fills no seat", "[games]") {
  auto m = match::create("tictactoe", "ABCD", alice);
  auto r = m->join(alice);
  CHECK(r.seat == "X");
  CHECK_FALSE(r.changed);
  CHECK(m->status() == status::waiting);
  CHECK(m->version() == 1);
}

TEST_CASE("move refusals come in the contract's order", "[games]") {
  auto waiting = match::create("tictactoe", "ABCD", alice);
  // bad_move beats everything, even a stranger in a waiting game.
  CHECK(waiting->move("stranger", json{{"cell", 12}}).code == errc::bad_move);
  CHECK(waiting->move("stranger", cell(0)).code == errc::not_a_player);
  CHECK(waiting->move("a1", cell(0)).code == errc::waiting_for_players);
  CHECK(waiting->version() == 1);

  auto m = started();
  CHECK(m->move("b2", cell(0)).code == errc::not_your_turn);
  CHECK(m->move("c3", cell(0)).code == errc::not_a_player);
  REQUIRE(m->move("a1", cell(4)).code == errc::none);
  CHECK(m->version() == 3);
  // not_your_turn comes before cell_taken.
  CHECK(m->move("a1", cell(4)).code == errc::not_your_turn);
  CHECK(m->move("b2", cell(4)).reason() == "cell_taken");
  CHECK(m->version() == 3);
  for (int c : {0, 1, 3, 2}) // O 0, X 1, O 3, X 2
    REQUIRE(m->move(state(*m)["turn"] == "X" ? "a1" : "b2", cell(c)).code
            == errc::none);
  REQUIRE(m->move("b2", cell(6)).code == errc::none); // O: 0 3 6 wins
  CHECK(m->status() == status::finished);
  CHECK(state(*m)["winner"] == "O");
  CHECK(state(*m)["turn"].is_null());
  auto v = m->version();
  // game_over beats not_a_player's successors but not not_a_player itself.
  CHECK(m->move("c3", cell(8)).code == errc::not_a_player);
  CHECK(m->move("a1", cell(8)).code == errc::game_over);
  CHECK(m->move("b2", cell(4)).code == errc::game_over);
  CHECK(m->move("a1", json("x")).code == errc::bad_move);
  CHECK(m->version() == v);
}

TEST_CASE("every accepted change bumps the version by one", "[games]") {
  auto m = started();
  uint64_t v = m->version();
  for (int c : {0, 3, 1, 4, 2}) {
    auto who = state(*m)["turn"] == "X" ? "a1" : "b2";
    REQUIRE(m->move(who, cell(c)).code == errc::none);
    CHECK(m->version() == ++v);
    CHECK(state(*m)["version"] == v);
  }
  CHECK(state(*m)["winner"] == "X");
  CHECK(state(*m)["status"] == "finished");
}

TEST_CASE("a copy is independent of its original", "[games]") {
  auto m = started();
  match copy{*m};
  REQUIRE(copy.move("a1", cell(0)).code == errc::none);
  CHECK(m->version() == 2);
  CHECK(state(*m)["view"]["board"][0].is_null());
  CHECK(state(copy)["view"]["board"][0] == "X");
}

TEST_CASE("save and restore keep everything", "[games]") {
  auto m = started();
  REQUIRE(m->move("a1", cell(4)).code == errc::none);
  auto r = match::restore(saved(*m));
  REQUIRE(r);
  CHECK(state(*r) == state(*m));
  CHECK(r->seat_of("b2") == std::optional<std::size_t>{1});
  CHECK(r->move("b2", cell(0)).code == errc::none);
  auto waiting = match::create("tictactoe", "WXYZ", alice);
  auto w = match::restore(saved(*waiting));
  REQUIRE(w);
  CHECK(w->status() == status::waiting);
  CHECK(w->join(bob).seat == "O");
}

TEST_CASE("an invite game seats only joins with its secret, STATE never shows "
          "it, save and restore keep it (contract §9)",
          "[games]") {
  const std::string secret = "9f3c0a7be21d44c6a8e5b0f1";
  auto m = match::create("tictactoe", "ABCD", alice, {secret});
  REQUIRE(m);
  CHECK(m->invite_only());
  CHECK_FALSE(match::create("tictactoe", "ABCD", alice)->invite_only());
  // Without it, with a wrong one, a prefix or a longer one: a spectator, and
  // nothing changes.
  for (std::string_view wrong :
       {std::string_view{}, std::string_view{"x"},
        std::string_view{secret}.substr(0, secret.size() - 1),
        std::string_view{"9f3c0a7be21d44c6a8e5b0f2"}}) {
    auto r = m->join(bob, wrong);
    CHECK_FALSE(r.seat);
    CHECK_FALSE(r.changed);
  }
  CHECK(m->join(bob, secret + "0").seat == std::nullopt);
  CHECK(m->version() == 1);
  // The creator rejoins without it; the invited friend takes O with it.
  CHECK(m->join(alice).seat == "X");
  auto friend_join = m->join(bob, secret);
  CHECK(friend_join.seat == "O");
  CHECK(friend_join.changed);
  CHECK(m->join(bob).seat == "O"); // a rejoin needs no secret
  CHECK_FALSE(m->join(carol, secret).seat); // full
  CHECK(m->state_text().find(secret) == std::string::npos);
  CHECK(saved(*m)["invite"] == secret);
  auto r = match::restore(saved(*m));
  REQUIRE(r);
  CHECK(r->invite_only());
  CHECK(r->save_text() == m->save_text());
  // A restored waiting invite game still wants the secret.
  auto waiting = match::restore(saved(*match::create("tictactoe", "WXYZ", alice, {secret})));
  REQUIRE(waiting);
  CHECK_FALSE(waiting->join(bob).seat);
  CHECK(waiting->join(bob, secret).seat == "O");
  // An open game's snapshot has no invite key; a bad one is refused.
  CHECK_FALSE(saved(*started()).contains("invite"));
  auto bad = saved(*m);
  bad["invite"] = "";
  CHECK_FALSE(match::restore(bad));
  bad["invite"] = 7;
  CHECK_FALSE(match::restore(bad));
}

TEST_CASE("restore refuses corrupt snapshots", "[games]") {
  auto good = saved(*started());
  CHECK_FALSE(match::restore(json()));
  CHECK_FALSE(match::restore(json::array()));
  for (auto key : {"code", "game", "version", "started", "seats", "rules"}) {
    auto bad = good;
    bad.erase(key);
    INFO(key);
    CHECK_FALSE(match::restore(bad));
  }
  auto bad = good;
  bad["game"] = "chess";
  CHECK_FALSE(match::restore(bad));
  bad = good;
  bad["seats"] = json::array({nullptr});
  CHECK_FALSE(match::restore(bad));
  bad = good;
  bad["seats"][0] = json{{"id", 5}};
  CHECK_FALSE(match::restore(bad));
  bad = good;
  bad["version"] = -3;
  CHECK_FALSE(match::restore(bad));
  bad = good;
  bad["rules"]["board"][0] = "Q";
  CHECK_FALSE(match::restore(bad));
}

TEST_CASE("restore refuses snapshots no game can reach", "[games]") {
  // Found by fuzz_snapshot_load; each was restored as a game that could
  // not be played to its end.
  auto waiting = saved(*match::create("tictactoe", "ABCD", alice));
  auto playing = saved(*started());
  CHECK(match::restore(waiting));
  CHECK(match::restore(playing));
  auto bad = playing;
  bad["version"] = 0;
  CHECK_FALSE(match::restore(bad));
  bad = playing;
  bad["seats"][1] = bad["seats"][0]; // one player in both seats
  CHECK_FALSE(match::restore(bad));
  bad = playing;
  bad["started"] = false; // every seat filled, yet never started
  CHECK_FALSE(match::restore(bad));
  bad = waiting;
  bad["started"] = true; // started with a seat empty
  CHECK_FALSE(match::restore(bad));
  bad = waiting;
  bad["seats"] = json::array({nullptr, json{{"id", "b2"}, {"name", "Bob"}}});
  CHECK_FALSE(match::restore(bad)); // the creator's seat empty
  bad = waiting;
  bad["rules"]["board"][4] = "X"; // a move before the game began
  CHECK_FALSE(match::restore(bad));
}

namespace {

/// The server's texts must be the reference trees' dumps, byte for byte.
void check_texts(const match& m) {
  auto dump = [](const json& x) {
    return x.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  CHECK(m.state_text() == dump(reference_state(m)));
  auto with_host = reference_state(m);
  with_host["host"] = {{"node", "n1"}, {"region", "eu"}};
  CHECK(m.state_text(R"({"node":"n1","region":"eu"})") == dump(with_host));
  CHECK(m.save_text() == dump(reference_save(m)));
}

} // namespace

TEST_CASE("state and snapshot texts are the json dumps in every position",
          "[games]") {
  auto m = match::create("tictactoe", "WXYZ", alice);
  check_texts(*m); // waiting for O
  REQUIRE(m->join(bob).changed);
  std::set<std::string> seen;
  // Depth-first over every game, each distinct position checked once.
  std::function<void(const match&, bool)> walk = [&](const match& at,
                                                     bool x_to_move) {
    if (!seen.insert(at.save_text()).second)
      return;
    check_texts(at);
    if (at.status() == status::finished)
      return;
    for (int c = 0; c < 9; ++c) {
      match next{at};
      if (next.move(x_to_move ? alice.id : bob.id, cell(c)).code == errc::none)
        walk(next, !x_to_move);
    }
  };
  walk(*m, true);
  CHECK(seen.size() == 5478); // every reachable tic-tac-toe position
}

TEST_CASE("state and snapshot texts escape names as the json does",
          "[games]") {
  for (std::string name :
       {std::string{"Zoë \"the\" \\ best"}, std::string{"tab\there\n"},
        std::string{"\x01\x1f\x7f"}, std::string{"日本語 😀"},
        std::string{"bad \xff\xfe utf-8 \xc3"}, std::string{}}) {
    auto m = match::create("tictactoe", "AB\"D", player{"id\\1", name});
    REQUIRE(m);
    check_texts(*m);
    REQUIRE(m->join(player{name, name}).changed);
    check_texts(*m);
  }
}
