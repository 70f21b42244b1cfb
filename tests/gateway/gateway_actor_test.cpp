#include "parlor/gateway/gateway_actor.hpp"
#include "parlor/gateway/game_watch.hpp"
#include "parlor/gateway/socket_fanout.hpp"

#include "parlor/store/store_actor.hpp"
#include "parlor/game_server/supervisor_actor.hpp"
#include "parlor/pubsub/pubsub_actor.hpp"
#include "parlor/registry/registry_actor.hpp"

#include "actor_fixture.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <unistd.h>

using namespace parlor;
using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// Stands in for a WebSocket: records what the gateway writes.
class fake_sink : public gateway::socket_sink {
public:
  void send(gateway::shared_frame frame) override {
    std::lock_guard<std::mutex> guard{mtx_};
    frames_.push_back(json::parse(*frame));
    cv_.notify_all();
  }

  void close(uint16_t code, std::string reason) override {
    std::lock_guard<std::mutex> guard{mtx_};
    close_code = code;
    close_reason = std::move(reason);
    cv_.notify_all();
  }

  /// The next frame, or null JSON after a timeout.
  json next(std::chrono::milliseconds timeout = 3s) {
    std::unique_lock<std::mutex> guard{mtx_};
    if (!cv_.wait_for(guard, timeout, [&] { return !frames_.empty(); }))
      return json();
    auto f = std::move(frames_.front());
    frames_.pop_front();
    return f;
  }

  /// The next frame that is not a `state` broadcast.
  json next_reply() {
    for (;;) {
      auto f = next();
      if (f.is_null() || f[3] != "state")
        return f;
    }
  }

  bool wait_closed(std::chrono::milliseconds timeout = 3s) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, timeout, [&] { return close_code != 0; });
  }

  uint16_t close_code = 0;
  std::string close_reason;

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<json> frames_;
};

struct gateway_fixture : test::actor_fixture {
  fs::path dir = fs::temp_directory_path()
                 / ("parlor-gw-" + std::to_string(::getpid()) + "-"
                    + std::to_string(std::rand()));
  std::shared_ptr<gateway::gateway_env> env
    = std::make_shared<gateway::gateway_env>();
  std::vector<caf::actor> actors;

  gateway_fixture() {
    env->metrics = std::make_shared<metrics::node_metrics>();
    auto genv = std::make_shared<game_server::game_env>();
    genv->host = {"n1", "fra", "127.0.0.1:4000"};
    genv->store = store::spawn_store(sys, dir);
    genv->pubsub = pubsub::spawn_pubsub(sys);
    env->node = genv->host;
    env->registry = registry::spawn_registry(sys, "n1");
    env->supervisor = game_server::spawn_supervisor(sys, genv, env->registry);
    env->fanout
      = gateway::spawn_socket_fanout(sys, genv->pubsub, env->metrics);
    env->watch = gateway::spawn_game_watch(sys);
    env->signer = std::make_shared<auth::token_signer>("secret");
    env->limits.max_channels = 5;
    actors = {caf::actor_cast<caf::actor>(env->supervisor),
              caf::actor_cast<caf::actor>(env->registry),
              caf::actor_cast<caf::actor>(genv->pubsub),
              caf::actor_cast<caf::actor>(env->watch),
              caf::actor_cast<caf::actor>(env->fanout),
              caf::actor_cast<caf::actor>(genv->store)};
  }

  ~gateway_fixture() {
    for (auto& a : actors)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  struct client {
    std::shared_ptr<fake_sink> sink;
    /// Dynamically typed, to compare with the senders stand-ins report.
    caf::actor gw;
    int ref = 0;

    /// Sends a frame and returns its ref.
    std::string push(const std::optional<std::string>& join_ref,
                     const std::string& topic, const std::string& event,
                     json payload = json::object()) {
      auto r = std::to_string(++ref);
      json f = json::array(
        {join_ref ? json(*join_ref) : json(), r, topic, event, payload});
      caf::anon_send(gw, gateway::inbound_atom_v, f.dump());
      return r;
    }

    json call(const std::optional<std::string>& join_ref,
              const std::string& topic, const std::string& event,
              json payload = json::object()) {
      auto r = push(join_ref, topic, event, std::move(payload));
      auto reply = sink->next_reply();
      REQUIRE(reply.is_array());
      CHECK(reply[1] == r);
      CHECK(reply[3] == "phx_reply");
      return reply[4];
    }
  };

  client connect(std::string name,
                 std::optional<std::string> token = std::nullopt) {
    client c;
    c.sink = std::make_shared<fake_sink>();
    c.gw = caf::actor_cast<caf::actor>(gateway::spawn_gateway(
      sys, env, c.sink, std::move(name), std::move(token)));
    actors.push_back(c.gw);
    return c;
  }

  std::string create_game(client& c) {
    c.call("1", "lobby", "phx_join");
    auto r = c.call("1", "lobby", "create", {{"game", "tictactoe"}});
    REQUIRE(r["status"] == "ok");
    return r["response"]["code"];
  }
};

} // namespace

TEST_CASE_METHOD(gateway_fixture, "heartbeats are answered",
                 "[gateway][actor]") {
  auto c = connect("alice");
  auto r = c.call(std::nullopt, "phoenix", "heartbeat");
  CHECK(r == json{{"status", "ok"}, {"response", json::object()}});
}

TEST_CASE_METHOD(gateway_fixture,
                 "the lobby hands out a player with a token that sticks",
                 "[gateway][actor]") {
  auto c = connect("alice");
  auto r = c.call("1", "lobby", "phx_join");
  REQUIRE(r["status"] == "ok");
  auto player = r["response"]["player"];
  CHECK(player["name"] == "alice");
  CHECK(r["response"]["node"] == "n1");
  CHECK(r["response"]["region"] == "fra");
  auto again = connect("alice again", player["token"].get<std::string>());
  auto r2 = again.call("1", "lobby", "phx_join");
  CHECK(r2["response"]["player"]["id"] == player["id"]);
  CHECK(r2["response"]["player"]["name"] == "alice again");
  auto forged = connect("mallory", "v1.YWJj.AAAA");
  auto r3 = forged.call("1", "lobby", "phx_join");
  CHECK(r3["response"]["player"]["id"] != player["id"]);
}

TEST_CASE_METHOD(gateway_fixture, "a full game through two gateways",
                 "[gateway][actor]") {
  auto a = connect("alice");
  auto b = connect("bob");
  auto code = create_game(a);
  auto topic = "game:" + code;
  auto ja = a.call("2", topic, "phx_join");
  REQUIRE(ja["status"] == "ok");
  CHECK(ja["response"]["seat"] == "X");
  CHECK(ja["response"]["state"]["status"] == "waiting");
  auto jb = b.call("2", topic, "phx_join");
  CHECK(jb["response"]["seat"] == "O");
  CHECK(jb["response"]["state"]["version"] == 2);
  // Alice sees the join as a broadcast.
  auto bc = a.sink->next();
  CHECK(bc[0].is_null());
  CHECK(bc[1].is_null());
  CHECK(bc[3] == "state");
  CHECK(bc[4]["version"] == 2);
  auto m = a.call("2", topic, "move", {{"cell", 4}});
  CHECK(m == json{{"status", "ok"}, {"response", {{"version", 3}}}});
  auto bad = b.call("2", topic, "move", {{"cell", 4}});
  CHECK(bad == json{{"status", "error"},
                    {"response", {{"reason", "cell_taken"}}}});
  auto turn = a.call("2", topic, "move", {{"cell", 0}});
  CHECK(turn["response"]["reason"] == "not_your_turn");
  auto malformed = b.call("2", topic, "move", {{"cell", "x"}});
  CHECK(malformed["response"]["reason"] == "bad_move");
}

TEST_CASE_METHOD(gateway_fixture, "unknown topics and codes are refused",
                 "[gateway][actor]") {
  auto c = connect("alice");
  CHECK(c.call("1", "foo:bar", "phx_join")["response"]["reason"]
        == "unmatched topic");
  CHECK(c.call("1", "game:ZZZZ", "phx_join")["response"]["reason"]
        == "not_found");
  CHECK(c.call("1", "game:abc", "phx_join")["response"]["reason"]
        == "not_found");
  CHECK(c.call("1", "game:ZZZZ", "move", {{"cell", 1}})["response"]["reason"]
        == "unmatched topic");
  c.call("1", "lobby", "phx_join");
  CHECK(c.call("1", "lobby", "create", {{"game", "chess"}})["response"]
                ["reason"]
        == "unknown_game");
  CHECK(c.call("1", "lobby", "create")["response"]["reason"]
        == "unknown_game");
  CHECK(c.call("1", "lobby", "dance")["response"]["reason"]
        == "unknown event");
}

TEST_CASE_METHOD(gateway_fixture, "a second join replaces the first",
                 "[gateway][actor]") {
  auto c = connect("alice");
  c.call("1", "lobby", "phx_join");
  auto r = c.push("7", "lobby", "phx_join");
  auto close = c.sink->next();
  CHECK(close == json::array({"1", nullptr, "lobby", "phx_close",
                              json::object()}));
  auto reply = c.sink->next();
  CHECK(reply[0] == "7");
  CHECK(reply[1] == r);
  CHECK(reply[4]["status"] == "ok");
  // A frame for the replaced join is stale and dropped; the new one works.
  c.push("1", "lobby", "create", {{"game", "tictactoe"}});
  auto fresh = c.call("7", "lobby", "create", {{"game", "tictactoe"}});
  CHECK(fresh["status"] == "ok");
  CHECK(c.sink->next(300ms).is_null());
}

TEST_CASE_METHOD(gateway_fixture, "leaving a topic stops its broadcasts",
                 "[gateway][actor]") {
  auto a = connect("alice");
  auto b = connect("bob");
  auto code = create_game(a);
  auto topic = "game:" + code;
  a.call("2", topic, "phx_join");
  CHECK(a.call("2", topic, "phx_leave")["status"] == "ok");
  b.call("2", topic, "phx_join");
  CHECK(a.sink->next(300ms).is_null());
  CHECK(a.call("2", topic, "move", {{"cell", 0}})["response"]["reason"]
        == "unmatched topic");
}

TEST_CASE_METHOD(gateway_fixture, "too many channels are refused",
                 "[gateway][actor]") {
  auto c = connect("alice");
  c.call("1", "lobby", "phx_join");
  std::vector<std::string> codes;
  for (int i = 0; i < 4; ++i)
    codes.push_back(c.call("1", "lobby", "create",
                           {{"game", "tictactoe"}})["response"]["code"]);
  for (auto& code : codes)
    REQUIRE(c.call("2", "game:" + code, "phx_join")["status"] == "ok");
  auto extra = c.call("1", "lobby", "create", {{"game", "tictactoe"}});
  auto r = c.call("3", "game:" + extra["response"]["code"].get<std::string>(),
                  "phx_join");
  CHECK(r == json{{"status", "error"},
                  {"response", {{"reason", "too many channels joined"}}}});
}

TEST_CASE_METHOD(gateway_fixture, "bad frames get errors or a close",
                 "[gateway][actor]") {
  auto c = connect("alice");
  caf::anon_send(c.gw, gateway::inbound_atom_v,
                 std::string{R"([null,"5",7,"phx_join",{}])"});
  auto r = c.sink->next();
  CHECK(r[1] == "5");
  CHECK(r[4]["status"] == "error");
  CHECK(r[4]["response"]["reason"] == "bad_frame");
  // No usable ref: nothing to answer, nothing closed.
  caf::anon_send(c.gw, gateway::inbound_atom_v,
                 std::string{R"([null,{},"lobby","phx_join",{}])"});
  CHECK(c.sink->next(200ms).is_null());
  CHECK(c.sink->close_code == 0);
  caf::anon_send(c.gw, gateway::inbound_atom_v, std::string{"{oops"});
  REQUIRE(c.sink->wait_closed());
  CHECK(c.sink->close_code == 1007);
  CHECK(env->metrics->bad_frames.value() == 3);
}

TEST_CASE_METHOD(gateway_fixture, "a silent socket is closed with 1001",
                 "[gateway][actor]") {
  env->limits.idle_timeout = 200ms;
  auto c = connect("alice");
  REQUIRE(c.sink->wait_closed(3s));
  CHECK(c.sink->close_code == 1001);
  CHECK(c.sink->close_reason == "heartbeat timeout");
}

TEST_CASE_METHOD(gateway_fixture,
                 "a crashed game sends phx_error and the rejoin finds it again",
                 "[gateway][actor]") {
  auto a = connect("alice");
  auto code = create_game(a);
  auto topic = "game:" + code;
  a.call("2", topic, "phx_join");
  caf::actor game;
  self->request(env->registry, 2s, registry::lookup_atom_v, code)
    .receive([&](caf::actor& x) { game = x; }, [](caf::error&) {});
  REQUIRE(game);
  caf::anon_send_exit(game, caf::exit_reason::kill);
  auto err = a.sink->next();
  CHECK(err == json::array({"2", nullptr, topic, "phx_error", json::object()}));
  // The client rejoins (with a new join_ref) and gets its seat back.
  json r;
  for (int i = 0; i < 50; ++i) {
    r = a.call("3", topic, "phx_join");
    if (r["status"] == "ok")
      break;
    std::this_thread::sleep_for(20ms);
  }
  CHECK(r["status"] == "ok");
  CHECK(r["response"]["seat"] == "X");
}

namespace {

struct hole_state {
  std::vector<caf::response_promise> held; // kept, never delivered
};

/// A GameServer whose node went silent: it takes requests and never
/// answers, except joins when `answer_join`.
caf::behavior black_hole(caf::stateful_actor<hole_state>* self,
                         bool answer_join) {
  return {
    [=](game_server::join_msg&) -> caf::result<game_server::joined_msg> {
      if (answer_join)
        return game_server::joined_msg{"X", R"({"version":1})"};
      auto rp = self->make_response_promise<game_server::joined_msg>();
      self->state.held.push_back(rp);
      return rp;
    },
    [=](game_server::move_msg&) -> caf::result<uint64_t> {
      auto rp = self->make_response_promise<uint64_t>();
      self->state.held.push_back(rp);
      return rp;
    },
  };
}

} // namespace

TEST_CASE_METHOD(gateway_fixture,
                 "requests to a GameServer that goes down fail at once, not "
                 "at their timeout",
                 "[gateway][actor]") {
  env->limits.request_timeout = 30s;
  auto c = connect("alice");
  SECTION("a join in flight") {
    auto hole = sys.spawn(black_hole, false);
    REQUIRE(ask<bool>(env->registry, registry::register_msg{"HOLE", hole}));
    auto ref = c.push("2", "game:HOLE", "phx_join");
    std::this_thread::sleep_for(100ms); // the join reaches the hole
    auto killed = std::chrono::steady_clock::now();
    caf::anon_send_exit(hole, caf::exit_reason::kill);
    auto r = c.sink->next(5s);
    auto took = std::chrono::steady_clock::now() - killed;
    REQUIRE(r.is_array());
    CHECK(r[1] == ref);
    CHECK(r[4] == json{{"status", "error"},
                       {"response", {{"reason", "unavailable"}}}});
    CHECK(took < 3s); // far below the 30 s request timeout
  }
  SECTION("a move in flight, then phx_error") {
    auto hole = sys.spawn(black_hole, true);
    REQUIRE(ask<bool>(env->registry, registry::register_msg{"HOLE", hole}));
    auto j = c.call("2", "game:HOLE", "phx_join");
    REQUIRE(j["status"] == "ok");
    auto ref = c.push("2", "game:HOLE", "move", {{"cell", 4}});
    std::this_thread::sleep_for(100ms);
    auto killed = std::chrono::steady_clock::now();
    caf::anon_send_exit(hole, caf::exit_reason::kill);
    auto r = c.sink->next(5s);
    auto took = std::chrono::steady_clock::now() - killed;
    REQUIRE(r.is_array());
    CHECK(r[1] == ref);
    CHECK(r[4]["response"]["reason"] == "unavailable");
    CHECK(took < 3s);
    auto e = c.sink->next(5s);
    CHECK(e == json::array({"2", nullptr, "game:HOLE", "phx_error",
                            json::object()}));
  }
}

TEST_CASE_METHOD(gateway_fixture,
                 "a move the GameServer never answers times out",
                 "[gateway][actor]") {
  env->limits.request_timeout = 300ms;
  auto c = connect("alice");
  auto hole = sys.spawn(black_hole, true);
  REQUIRE(ask<bool>(env->registry, registry::register_msg{"HOLE", hole}));
  REQUIRE(c.call("2", "game:HOLE", "phx_join")["status"] == "ok");
  auto sent = std::chrono::steady_clock::now();
  auto ref = c.push("2", "game:HOLE", "move", {{"cell", 4}});
  auto r = c.sink->next(5s);
  auto took = std::chrono::steady_clock::now() - sent;
  REQUIRE(r.is_array());
  CHECK(r[1] == ref);
  CHECK(r[4] == json{{"status", "error"},
                     {"response", {{"reason", "timeout"}}}});
  // Swept once a second: after the timeout, before the second sweep past it.
  CHECK(took >= 300ms);
  CHECK(took < 2500ms);
  // The socket works on.
  CHECK(c.call("3", "phoenix", "heartbeat")["status"] == "ok");
  caf::anon_send_exit(hole, caf::exit_reason::kill);
}

namespace {

/// A local service that takes every message and never answers.
caf::behavior silent(caf::event_based_actor* self) {
  self->set_default_handler(caf::skip);
  return {[](int) {}};
}

/// What a GameServer stand-in reports it was told (see `report_sender`).
using joined_atom = caf::atom_constant<caf::atom("joined")>;

/// In a GameServer stand-in `g`: tells `observer` what `g` was just told
/// (`atom`) and by whom.
template <class Atom>
void report_sender(caf::event_based_actor* g, const caf::actor& observer,
                   Atom atom) {
  g->send(observer, atom, caf::actor_cast<caf::actor>(g->current_sender()));
}

} // namespace

TEST_CASE_METHOD(gateway_fixture,
                 "joins and creates a local service never answers time out, "
                 "the socket works on",
                 "[gateway][actor]") {
  env->limits.request_timeout = 300ms;
  auto hole = sys.spawn(silent);
  actors.push_back(hole);
  auto expect_timeout = [](client& c, const std::string& ref) {
    auto sent = std::chrono::steady_clock::now();
    auto r = c.sink->next(5s);
    auto took = std::chrono::steady_clock::now() - sent;
    REQUIRE(r.is_array());
    CHECK(r[1] == ref);
    CHECK(r[3] == "phx_reply");
    CHECK(r[4] == json{{"status", "error"},
                       {"response", {{"reason", "timeout"}}}});
    // Swept once a second: after the timeout, before a second sweep past it.
    CHECK(took >= 250ms);
    CHECK(took < 2500ms);
    CHECK(c.call("9", "phoenix", "heartbeat")["status"] == "ok");
  };
  SECTION("the registry, asked where the game is") {
    env->registry = caf::actor_cast<registry::registry_actor>(hole);
    auto c = connect("alice");
    expect_timeout(c, c.push("2", "game:ABCD", "phx_join"));
  }
  SECTION("the fan-out, asked to subscribe") {
    env->fanout = caf::actor_cast<gateway::socket_fanout_actor>(hole);
    auto c = connect("alice");
    expect_timeout(c, c.push("2", "game:ABCD", "phx_join"));
  }
  SECTION("the supervisor, asked to create a game") {
    env->supervisor = caf::actor_cast<game_server::supervisor_actor>(hole);
    auto c = connect("alice");
    c.call("1", "lobby", "phx_join");
    expect_timeout(c, c.push("1", "lobby", "create", {{"game", "tictactoe"}}));
  }
}

TEST_CASE_METHOD(gateway_fixture,
                 "a join the GameServer never answers times out, and the "
                 "game hears leave after it",
                 "[gateway][actor]") {
  // An answer after the timeout would seat the player in a channel the
  // socket no longer has; the leave that follows the join undoes it.
  env->limits.request_timeout = 300ms;
  caf::scoped_actor observer{sys};
  auto seen = caf::actor{observer};
  auto game = sys.spawn([seen](caf::event_based_actor* g) -> caf::behavior {
    g->set_default_handler(caf::skip); // the join waits, unanswered
    return {
      [=](game_server::leave_atom) {
        report_sender(g, seen, game_server::leave_atom_v);
      },
    };
  });
  actors.push_back(game);
  REQUIRE(ask<bool>(env->registry, registry::register_msg{"MUTE", game}));
  auto c = connect("alice");
  auto ref = c.push("2", "game:MUTE", "phx_join");
  auto r = c.sink->next(5s);
  REQUIRE(r.is_array());
  CHECK(r[1] == ref);
  CHECK(r[4] == json{{"status", "error"},
                     {"response", {{"reason", "timeout"}}}});
  bool left = false;
  observer->receive(
    [&](game_server::leave_atom, const caf::actor& who) { left = who == c.gw; },
    caf::after(3s) >> [] {});
  CHECK(left);
}

TEST_CASE_METHOD(gateway_fixture,
                 "the game hears when a channel leaves or its socket closes",
                 "[gateway][actor]") {
  caf::scoped_actor observer{sys};
  auto seen = caf::actor{observer};
  // A GameServer stand-in that reports joins and leaves by sender.
  auto game = sys.spawn([seen](caf::event_based_actor* g) -> caf::behavior {
    return {
      [=](game_server::join_msg&) -> caf::result<game_server::joined_msg> {
        report_sender(g, seen, joined_atom::value);
        return game_server::joined_msg{"", R"({"version":1})"};
      },
      [=](game_server::leave_atom) {
        report_sender(g, seen, game_server::leave_atom_v);
      },
    };
  });
  REQUIRE(ask<bool>(env->registry, registry::register_msg{"SEEN", game}));
  auto expect = [&](auto atom, const caf::actor& from) {
    bool ok = false;
    observer->receive(
      [&](decltype(atom), const caf::actor& who) { ok = who == from; },
      caf::after(3s) >> [] {});
    return ok;
  };
  auto a = connect("alice");
  REQUIRE(a.call("2", "game:SEEN", "phx_join")["status"] == "ok");
  CHECK(expect(joined_atom::value, a.gw));
  CHECK(a.call("2", "game:SEEN", "phx_leave")["status"] == "ok");
  CHECK(expect(game_server::leave_atom_v, a.gw));
  // Joined again, then the socket goes away.
  REQUIRE(a.call("3", "game:SEEN", "phx_join")["status"] == "ok");
  CHECK(expect(joined_atom::value, a.gw));
  caf::anon_send(a.gw, gateway::closed_atom_v);
  CHECK(expect(game_server::leave_atom_v, a.gw));
  caf::anon_send_exit(game, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(gateway_fixture,
                 "a join answered after a newer join replaced it does not "
                 "take back the newer one's presence",
                 "[gateway][actor]") {
  // The game keeps one presence per gateway: a `leave` for the replaced
  // join, sent after the newer join reached the game, would remove it.
  caf::scoped_actor observer{sys};
  auto seen = caf::actor{observer};
  using join_promise = caf::typed_response_promise<game_server::joined_msg>;
  auto held = std::make_shared<std::optional<join_promise>>();
  auto game = sys.spawn([seen, held](caf::event_based_actor* g)
                          -> caf::behavior {
    return {
      [=](game_server::join_msg&) -> caf::result<game_server::joined_msg> {
        report_sender(g, seen, joined_atom::value);
        if (!*held) { // the first join waits for `ok_atom`
          *held = g->make_response_promise<game_server::joined_msg>();
          return **held;
        }
        return game_server::joined_msg{"", R"({"version":1})"};
      },
      [=](caf::ok_atom) {
        (*held)->deliver(game_server::joined_msg{"", R"({"version":1})"});
      },
      [=](game_server::leave_atom) {
        report_sender(g, seen, game_server::leave_atom_v);
      },
    };
  });
  actors.push_back(game);
  REQUIRE(ask<bool>(env->registry, registry::register_msg{"LATE", game}));
  auto joined = [&] {
    bool ok = false;
    observer->receive(
      [&](joined_atom, const caf::actor&) { ok = true; },
      caf::after(3s) >> [] {});
    return ok;
  };
  auto a = connect("alice");
  a.push("2", "game:LATE", "phx_join");
  REQUIRE(joined()); // the first join reached the game and waits
  auto ref = a.push("3", "game:LATE", "phx_join"); // replaces the first
  auto closed = a.sink->next(5s);
  REQUIRE(closed.is_array());
  CHECK(closed[0] == "2");
  CHECK(closed[3] == "phx_close");
  auto r = a.sink->next_reply();
  REQUIRE(r.is_array());
  CHECK(r[1] == ref);
  REQUIRE(r[4]["status"] == "ok");
  REQUIRE(joined());
  caf::anon_send(game, caf::ok_atom_v); // the first join's late answer
  bool left = false;
  observer->receive(
    [&](game_server::leave_atom, const caf::actor&) { left = true; },
    caf::after(500ms) >> [] {});
  CHECK_FALSE(left);
  // The newer channel works on, and leaving it is heard.
  CHECK(a.call("3", "phoenix", "heartbeat")["status"] == "ok");
  CHECK(a.call("3", "game:LATE", "phx_leave")["status"] == "ok");
  observer->receive(
    [&](game_server::leave_atom, const caf::actor& who) { left = who == a.gw; },
    caf::after(3s) >> [] {});
  CHECK(left);
}
