#include "parlor/game_server/supervisor_actor.hpp"

#include "parlor/game_server/placement.hpp"
#include "parlor/game_server/peer_endpoint_actor.hpp"
#include "parlor/store/store_actor.hpp"
#include "parlor/pubsub/pubsub_actor.hpp"
#include "parlor/registry/registry_actor.hpp"
#include "parlor/store/store.hpp"

#include "actor_fixture.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <unistd.h>

using namespace parlor;
using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// The registry holds plain handles; GameServers are typed.
game_server::game_server_actor game_of(const caf::actor& handle) {
  return caf::actor_cast<game_server::game_server_actor>(handle);
}

struct node_fixture : test::actor_fixture {
  fs::path dir = fs::temp_directory_path()
                 / ("parlor-gs-" + std::to_string(::getpid()) + "-"
                    + std::to_string(std::rand()));
  std::shared_ptr<game_server::game_env> env;
  registry::registry_actor registry;
  game_server::supervisor_actor supervisor;

  node_fixture() {
    start(std::chrono::minutes{30});
  }

  void start(std::chrono::milliseconds ttl,
             std::chrono::milliseconds idle_ttl = std::chrono::minutes{30}) {
    env = std::make_shared<game_server::game_env>();
    env->idle_ttl = idle_ttl;
    env->host = {"n1", "fra", "127.0.0.1:4000"};
    env->store = store::spawn_store(sys, dir);
    env->pubsub = pubsub::spawn_pubsub(sys);
    env->metrics = std::make_shared<metrics::node_metrics>();
    env->finished_ttl = ttl;
    registry = registry::spawn_registry(sys, "n1");
    supervisor = game_server::spawn_supervisor(sys, env, registry);
  }

  void stop() {
    actor_fixture::stop(supervisor, registry, env->pubsub, env->store);
  }

  ~node_fixture() {
    stop();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  std::string create(const std::string& player = "a1",
                     const std::string& invite = {}) {
    return ask<std::string>(supervisor,
                            game_server::create_msg{"tictactoe", player,
                                                    "Alice", invite});
  }

  game_server::game_server_actor lookup(const std::string& code) {
    return game_of(ask<caf::actor>(registry, registry::lookup_atom_v, code));
  }

  /// A new game in play on this node: Alice (a1) is X, Bob (b2) is O.
  std::pair<std::string, game_server::game_server_actor> started() {
    auto code = create();
    auto game = lookup(code);
    join(game, "b2", "Bob");
    return {code, game};
  }

  std::pair<std::string, json> join(const game_server::game_server_actor& game,
                                    const std::string& id,
                                    const std::string& name,
                                    const std::string& invite = {}) {
    auto joined = ask<game_server::joined_msg>(
      game, game_server::join_msg{id, name, invite});
    return {joined.seat, json::parse(joined.state)};
  }

  uint64_t move(const game_server::game_server_actor& game,
                const std::string& id, int cell) {
    return ask<uint64_t>(game, game_server::move_msg{
                                 id, json{{"cell", cell}}.dump()});
  }

  caf::error refused(const game_server::game_server_actor& game,
                     const std::string& id, const std::string& payload) {
    return ask_error<uint64_t>(game, game_server::move_msg{id, payload});
  }

  /// The game registered as `code`, or a null handle.
  game_server::game_server_actor registered(const std::string& code) {
    caf::actor found;
    self->request(registry, 1s, registry::lookup_atom_v, code)
      .receive([&](caf::actor& g) { found = std::move(g); },
               [](caf::error&) {});
    return game_of(found);
  }

  /// Waits until the registry no longer knows `code`; whether it did.
  bool unregistered(const std::string& code) {
    return test::eventually([&] { return !registered(code); });
  }

  /// Reads the stored snapshot through a second connection.
  store::snapshot stored(const std::string& code) {
    store::store db{dir};
    return db.load(code);
  }
};

} // namespace

TEST_CASE_METHOD(node_fixture, "a created game is registered and durable",
                 "[game_server][actor]") {
  auto code = create();
  CHECK(code.size() == 4);
  auto game = lookup(code);
  auto s = stored(code);
  CHECK(s.version == 1);
  CHECK(s.kind == "tictactoe");
  auto [seat, state] = join(game, "a1", "Alice");
  CHECK(seat == "X");
  CHECK(state["version"] == 1);
  CHECK(state["host"] == json{{"node", "n1"}, {"region", "fra"}});
  CHECK(env->metrics->games.value() == 1);
}

TEST_CASE_METHOD(node_fixture, "an unknown game type is refused",
                 "[game_server][actor]") {
  auto err = ask_error<std::string>(supervisor,
                                    game_server::create_msg{"chess", "a1", "Alice", ""});
  CHECK(err == game_server::errc::unknown_game);
}

TEST_CASE_METHOD(node_fixture,
                 "joins and moves are durable before the reply and broadcast",
                 "[game_server][actor]") {
  auto code = create();
  auto game = lookup(code);
  caf::scoped_actor listener{sys};
  self->send(env->pubsub, pubsub::subscribe_atom_v, "game:" + code,
             caf::actor_cast<pubsub::subscriber_actor>(caf::actor{listener}));
  // The subscription is in place once pubsub answered someone after it.
  auto [seat, state] = join(game, "b2", "Bob");
  CHECK(seat == "O");
  CHECK(state["version"] == 2);
  CHECK(state["status"] == "playing");
  CHECK(stored(code).version == 2);
  CHECK(move(game, "a1", 4) == 3);
  CHECK(stored(code).version == 3);
  // Broadcasts: the join (version 2) and the move (version 3), in order.
  std::vector<json> seen;
  for (int i = 0; i < 2; ++i)
    listener->receive(
      [&](pubsub::frame_atom, const std::string&,
          const pubsub::frame_ptr& f) {
        seen.push_back(json::parse(*f));
      },
      caf::after(2s) >> [] {});
  REQUIRE(seen.size() == 2);
  CHECK(seen[0][2] == "game:" + code);
  CHECK(seen[0][3] == "state");
  CHECK(seen[0][4]["version"] == 2);
  CHECK(seen[1][4]["version"] == 3);
  CHECK(seen[1][4]["view"]["board"][4] == "X");
  CHECK(seen[1][0].is_null());
  CHECK(seen[1][1].is_null());
}

TEST_CASE_METHOD(node_fixture,
                 "a turn clock runs out: the game applies its timeout rule "
                 "as a committed change, and a restored game keeps the "
                 "deadline",
                 "[game_server][actor]") {
  auto code = ask<std::string>(
    supervisor, game_server::create_msg{"connect4", "a1", "Alice", "",
                                        R"({"turn_seconds":1})"});
  auto game = lookup(code);
  auto [seat, joined] = join(game, "b2", "Bob");
  CHECK(seat == "Y");
  REQUIRE(joined["deadline"].is_number_integer());
  CHECK(joined["acting"] == json::array({"R"}));
  // R lets the clock run out: within a second (and a little), Y wins.
  json state;
  for (int i = 0; i < 40; ++i) {
    state = json::parse(ask<std::string>(game, game_server::state_atom_v));
    if (state["status"] == "finished")
      break;
    std::this_thread::sleep_for(50ms);
  }
  CHECK(state["status"] == "finished");
  CHECK(state["winner"] == "Y");
  CHECK(state["version"] == 3); // create, join, timeout
  CHECK(state["deadline"].is_null());
  // The timeout is in the database like a move.
  CHECK(json::parse(stored(code).data)["version"] == 3);
}

TEST_CASE_METHOD(node_fixture,
                 "a drained game copies its final snapshot to its backup "
                 "before the handoff, even when an earlier copy failed",
                 "[game_server][actor]") {
  auto [code, game] = started();
  move(game, "a1", 4); // version 3, with no backup yet
  // Without a backup there is nobody to hand the game to: it stays.
  CHECK(ask_error<std::string>(game, game_server::drain_atom_v)
        == game_server::errc::unconfirmed);
  move(game, "b2", 0); // still playable: version 4
  // A backup whose first copy fails (a node that just came back, say).
  auto copies = std::make_shared<std::vector<uint64_t>>();
  auto mx = std::make_shared<std::mutex>();
  auto standin = sys.spawn([=](caf::event_based_actor*) -> caf::behavior {
    return {
      [=](store::replicate_msg& m) -> caf::result<caf::ok_atom> {
        std::lock_guard guard{*mx};
        copies->push_back(m.game.version);
        if (copies->size() == 1)
          return caf::error{caf::sec::request_timeout};
        return caf::ok_atom_v;
      },
      [](store::unreplicate_msg&) {},
    };
  });
  caf::anon_send(game, game_server::backup_msg{
                         "n9", caf::actor_cast<game_server::peer_endpoint_actor>(
                                 standin)});
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard guard{*mx};
      if (!copies->empty())
        break;
    }
    std::this_thread::sleep_for(10ms);
  }
  // The drain answers only once the backup confirmed the final snapshot.
  CHECK(ask<std::string>(game, game_server::drain_atom_v) == "n9");
  {
    std::lock_guard guard{*mx};
    CHECK(*copies == std::vector<uint64_t>{4, 4});
  }
  // Frozen for the handoff: changes are refused.
  CHECK(refused(game, "a1", R"({"cell":8})") == game_server::errc::shutting_down);
  caf::anon_send_exit(standin, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(node_fixture, "refused moves change nothing",
                 "[game_server][actor]") {
  auto code = create();
  auto game = lookup(code);
  CHECK(refused(game, "a1", R"({"cell":0})") == games::errc::waiting_for_players);
  join(game, "b2", "Bob");
  CHECK(refused(game, "b2", R"({"cell":0})") == games::errc::not_your_turn);
  CHECK(refused(game, "zz", R"({"cell":0})") == games::errc::not_a_player);
  CHECK(refused(game, "a1", R"({"cell":"x"})") == games::errc::bad_move);
  CHECK(refused(game, "a1", "not json") == games::errc::bad_move);
  move(game, "a1", 0);
  // The game's own reason travels in the error's context.
  auto taken = refused(game, "b2", R"({"cell":0})");
  CHECK(taken == games::errc::rule);
  REQUIRE(taken.context().match_elements<std::string>());
  CHECK(taken.context().get_as<std::string>(0) == "cell_taken");
  auto state = json::parse(ask<std::string>(game, game_server::state_atom_v));
  CHECK(state["version"] == 3);
  CHECK(stored(code).version == 3);
}

TEST_CASE_METHOD(node_fixture,
                 "a crashed GameServer restarts from its last snapshot",
                 "[game_server][actor]") {
  auto code = create();
  auto game = lookup(code);
  join(game, "b2", "Bob");
  move(game, "a1", 4);
  caf::anon_send_exit(game, caf::exit_reason::kill);
  game_server::game_server_actor restarted;
  REQUIRE(test::eventually([&] {
    restarted = registered(code);
    return restarted && restarted != game;
  }));
  auto state = json::parse(ask<std::string>(restarted,
                                            game_server::state_atom_v));
  CHECK(state["version"] == 3);
  CHECK(state["view"]["board"][4] == "X");
  CHECK(move(restarted, "b2", 0) == 4);
}

TEST_CASE_METHOD(node_fixture, "unfinished games are restored at start",
                 "[game_server][actor]") {
  auto code = create();
  auto game = lookup(code);
  join(game, "b2", "Bob");
  move(game, "a1", 8);
  stop();
  // A second "node" on the same data directory.
  start(std::chrono::minutes{30});
  CHECK(ask<uint64_t>(supervisor, game_server::restore_atom_v) == 1);
  auto back = lookup(code);
  auto state = json::parse(ask<std::string>(back, game_server::state_atom_v));
  CHECK(state["version"] == 3);
  CHECK(state["players"]["O"]["name"] == "Bob");
  auto [seat, st] = join(back, "b2", "Bob");
  CHECK(seat == "O");
  CHECK(st["version"] == 3);
}

TEST_CASE_METHOD(node_fixture,
                 "an invite game seats only the secret's holder, also after a "
                 "restart of its node (contract §9)",
                 "[game_server][actor]") {
  const std::string secret = "0123456789abcdef01234567";
  auto code = create("a1", secret);
  auto game = lookup(code);
  auto [guess_seat, guess_state] = join(game, "m9", "Mallory", "ZZZZ");
  CHECK(guess_seat.empty());
  CHECK(guess_state["version"] == 1);
  CHECK(guess_state["players"]["O"].is_null());
  stop();
  start(std::chrono::minutes{30});
  CHECK(ask<uint64_t>(supervisor, game_server::restore_atom_v) == 1);
  auto back = lookup(code);
  CHECK(join(back, "m9", "Mallory").first.empty());
  auto [seat, st] = join(back, "b2", "Bob", secret);
  CHECK(seat == "O");
  CHECK(st["version"] == 2);
  CHECK(st.dump().find(secret) == std::string::npos);
}

TEST_CASE_METHOD(node_fixture, "a finished game expires after its ttl",
                 "[game_server][actor]") {
  stop();
  start(std::chrono::milliseconds{200});
  auto code = create();
  auto game = lookup(code);
  join(game, "b2", "Bob");
  for (auto [who, cell] : {std::pair{"a1", 0}, {"b2", 3}, {"a1", 1},
                           {"b2", 4}, {"a1", 2}})
    move(game, who, cell);
  auto state = json::parse(ask<std::string>(game, game_server::state_atom_v));
  CHECK(state["winner"] == "X");
  CHECK(state["status"] == "finished");
  CHECK(unregistered(code));
  CHECK(stored(code).finished);
}

TEST_CASE_METHOD(node_fixture,
                 "a game nobody is connected to for the idle ttl is removed "
                 "from memory, registry and store",
                 "[game_server][actor]") {
  stop();
  start(std::chrono::minutes{30}, 300ms);
  auto code = create();
  auto game = lookup(code);
  {
    // Two connections (gateways) join; one leaves, the other goes down.
    caf::scoped_actor alice{sys};
    caf::scoped_actor bob{sys};
    for (auto* who : {&alice, &bob})
      (*who)
        ->request(game, 5s,
                  game_server::join_msg{who == &alice ? "a1" : "b2", "P", ""})
        .receive([](game_server::joined_msg&) {},
                 [&](caf::error& e) { FAIL(sys.render(e)); });
    alice->send(game, game_server::leave_atom_v);
    // Bob is still there: well past the ttl, the game lives on.
    std::this_thread::sleep_for(700ms);
    CHECK(lookup(code) == game);
    CHECK(stored(code).version == 2);
  } // bob's actor is gone now
  self->monitor(game);
  bool abandoned = false;
  self->receive([&](caf::down_msg& dm) {
                  abandoned = dm.reason == game_server::errc::abandoned;
                },
                caf::after(3s) >> [] {});
  CHECK(abandoned);
  CHECK(unregistered(code));
  CHECK(test::eventually([&] { return stored(code).version == 0; }));
  CHECK(ask<uint64_t>(supervisor, game_server::stats_atom_v) == 0);
}

TEST_CASE_METHOD(node_fixture,
                 "a finished game nobody is connected to leaves memory but "
                 "keeps its snapshot for the results",
                 "[game_server][actor]") {
  stop();
  start(std::chrono::minutes{30}, 300ms);
  auto code = create();
  auto game = lookup(code);
  join(game, "b2", "Bob");
  for (auto [who, cell] : {std::pair{"a1", 0}, {"b2", 3}, {"a1", 1},
                           {"b2", 4}, {"a1", 2}})
    move(game, who, cell);
  // The fixture's scoped actor joined; it leaves.
  self->send(game, game_server::leave_atom_v);
  CHECK(unregistered(code));
  auto s = stored(code);
  CHECK(s.finished);
  CHECK(s.version == 7);
}

namespace {

/// A second node's store and the keeper peers reach it through.
struct backup_node {
  fs::path dir;
  store::store_actor store;
  game_server::peer_endpoint_actor keeper;

  backup_node(caf::actor_system& sys, fs::path d) : dir(std::move(d)) {
    store = store::spawn_store(sys, dir);
    keeper = game_server::spawn_peer_endpoint(sys, store, {});
  }

  ~backup_node() {
    test::actor_fixture::stop(keeper, store);
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  /// The copy of `code` kept for owner `n1`, read through a second
  /// connection (version 0: none).
  store::snapshot copy(const std::string& code) {
    store::store db{dir};
    for (auto& s : db.load_replicas("n1"))
      if (s.code == code)
        return s;
    return {};
  }
};

void member_up(const game_server::supervisor_actor& supervisor,
               const std::string& name,
               const game_server::peer_endpoint_actor& keeper) {
  cluster::member_up_msg up{{name, "iad", "127.0.0.1:4001", "127.0.0.1:4371",
                             1, "up"},
                            {}};
  up.services.put(game_server::peer_endpoint_service, keeper);
  caf::anon_send(supervisor, std::move(up));
}

/// A second node "n0" in the same actor system: its own store, registry,
/// supervisor and keeper. It plays games with the fixture's node ("n1") as
/// their backup; `lose()` kills it as a crash would.
struct peer_node {
  fs::path dir;
  std::shared_ptr<game_server::game_env> env;
  registry::registry_actor registry;
  game_server::supervisor_actor supervisor;
  game_server::peer_endpoint_actor keeper;

  peer_node(caf::actor_system& sys, const game_server::game_env& base,
            fs::path d)
    : dir(std::move(d)) {
    env = std::make_shared<game_server::game_env>(base);
    env->host = {"n0", "sin", "127.0.0.1:4002"};
    env->store = store::spawn_store(sys, dir);
    registry = registry::spawn_registry(sys, "n0");
    supervisor = game_server::spawn_supervisor(sys, env, registry);
    keeper = game_server::spawn_peer_endpoint(sys, env->store, supervisor);
  }

  void lose() {
    auto kill = [](const auto&... actors) {
      (caf::anon_send_exit(actors, caf::exit_reason::kill), ...);
    };
    kill(supervisor, registry, keeper, env->store);
  }

  ~peer_node() {
    test::actor_fixture::stop(supervisor, registry, keeper, env->store);
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

} // namespace

TEST_CASE_METHOD(node_fixture,
                 "with a peer, every change is in the backup's store before "
                 "the reply",
                 "[game_server][actor]") {
  backup_node n2{sys, dir.string() + "-n2"};
  member_up(supervisor, "n2", n2.keeper);
  auto code = create();
  // Created: the backup got the snapshot when it was named.
  CHECK(test::eventually([&] { return n2.copy(code).version == 1; }));
  auto game = lookup(code);
  // From now on no polling: the reply implies the copy.
  auto [seat, state] = join(game, "b2", "Bob");
  CHECK(n2.copy(code).version == 2);
  CHECK(move(game, "a1", 0) == 3);
  CHECK(n2.copy(code).version == 3);
  CHECK(move(game, "b2", 4) == 4);
  auto copy = n2.copy(code);
  CHECK(copy.version == 4);
  CHECK(copy.owner == "n1");
  CHECK(copy.incarnation == 1);
  CHECK(json::parse(copy.data)["version"] == 4);
  std::error_code ec;
  fs::remove_all(n2.dir, ec);
}

TEST_CASE_METHOD(node_fixture,
                 "failover: a lost peer's games kept here are taken over one "
                 "incarnation later",
                 "[game_server][actor]") {
  // Play a game on "n0" with this node as its backup.
  peer_node n0{sys, *env, dir.string() + "-n0"};
  auto keeper = game_server::spawn_peer_endpoint(sys, env->store, supervisor);
  member_up(n0.supervisor, "n1", keeper);
  auto code = ask<std::string>(n0.supervisor, game_server::create_msg{"tictactoe", "a1", "Alice", ""});
  auto their_game = game_of(ask<caf::actor>(n0.registry,
                                            registry::lookup_atom_v, code));
  join(their_game, "b2", "Bob");
  CHECK(move(their_game, "a1", 8) == 3);
  n0.lose();
  // A crash takes the node's GameServers down with it.
  caf::anon_send_exit(their_game, caf::exit_reason::kill);
  caf::anon_send(supervisor, cluster::member_down_msg{"n0"});
  game_server::game_server_actor game;
  REQUIRE(test::eventually([&] {
    game = registered(code);
    return static_cast<bool>(game);
  }));
  auto [seat, state] = join(game, "a1", "Alice");
  CHECK(seat == "X");
  CHECK(state["version"] == 3);
  CHECK(state["view"]["board"][8] == "X");
  CHECK(state["host"]["node"] == "n1");
  auto s = stored(code);
  CHECK(s.version == 3);
  CHECK(s.incarnation == 2);
  CHECK(move(game, "b2", 0) == 4); // it plays on
  caf::anon_send_exit(keeper, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(node_fixture,
                 "a node that loses most of the cluster at once was cut off: "
                 "it takes no game over and drops the stale copies",
                 "[game_server][actor]") {
  // "n0" plays a game with this node ("n1") as its backup; a third node
  // "n2" is up too.
  peer_node n0{sys, *env, dir.string() + "-n0"};
  backup_node n2{sys, dir.string() + "-n2"};
  auto keeper = game_server::spawn_peer_endpoint(sys, env->store, supervisor);
  member_up(n0.supervisor, "n1", keeper);
  member_up(supervisor, "n0", n0.keeper);
  member_up(supervisor, "n2", n2.keeper);
  auto play = [&] {
    auto code = ask<std::string>(n0.supervisor, game_server::create_msg{"tictactoe", "a1", "Alice", ""});
    auto game = game_of(ask<caf::actor>(n0.registry, registry::lookup_atom_v, code));
    join(game, "b2", "Bob");
    CHECK(move(game, "a1", 8) == 3);
    return std::pair{code, game};
  };
  auto [idle, idle_game] = play();
  auto [busy, busy_game] = play();
  auto copies = [&] {
    std::map<std::string, uint64_t> versions;
    store::store db{dir};
    for (auto& s : db.load_replicas("n0"))
      versions[s.code] = s.version;
    return versions;
  };
  REQUIRE(test::eventually([&] { return copies().size() == 2; }));
  // This node wakes from a freeze: both peers are gone at once, though they
  // live on (they declared it down and took its games over).
  caf::anon_send(supervisor, cluster::member_down_msg{"n0"});
  caf::anon_send(supervisor, cluster::member_down_msg{"n2"});
  // A copy written after the loss (the owner named this node again) is
  // fresh.
  CHECK(move(busy_game, "b2", 0) == 4);
  std::this_thread::sleep_for(1s); // past the failover grace (300 ms)
  // Adopted at a higher incarnation, a copy would supersede the live game
  // and its moves since: nothing is taken over, the stale copy goes.
  CHECK(!registered(idle));
  CHECK(!registered(busy));
  CHECK(stored(idle).version == 0);
  CHECK(copies() == std::map<std::string, uint64_t>{{busy, 4}});
  caf::anon_send_exit(keeper, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(node_fixture,
                 "a game superseded by a newer incarnation elsewhere stops "
                 "and drops its snapshot",
                 "[game_server][actor]") {
  auto code = create();
  auto game = lookup(code);
  self->monitor(game);
  REQUIRE(stored(code).version == 1);
  // Another node took the game over (incarnation 2) while this one was cut
  // off; its registry replica says so.
  caf::scoped_actor elsewhere{sys};
  caf::anon_send(registry, registry::sync_msg{code, "n0", caf::actor{elsewhere},
                                             2, 1, 1, true});
  bool stopped = false;
  self->receive([&](caf::down_msg& dm) {
                  stopped = dm.source == game
                            && dm.reason == registry::errc::superseded;
                },
                caf::after(2s) >> [] {});
  CHECK(stopped);
  CHECK(test::eventually([&] { return stored(code).version == 0; }));
  CHECK(lookup(code).address() == caf::actor{elsewhere}.address());
}

TEST_CASE_METHOD(node_fixture,
                 "draining hands every game to its backup and places new "
                 "games on a peer",
                 "[game_server][actor]") {
  peer_node n0{sys, *env, dir.string() + "-n0"};
  auto other = n0.supervisor;
  auto keeper1 = game_server::spawn_peer_endpoint(sys, env->store, supervisor);
  member_up(other, "n1", keeper1);
  member_up(supervisor, "n0", n0.keeper);
  auto code = ask<std::string>(other, game_server::create_msg{"tictactoe", "a1", "Alice", ""});
  auto old_game = game_of(ask<caf::actor>(n0.registry,
                                          registry::lookup_atom_v, code));
  join(old_game, "b2", "Bob");
  CHECK(move(old_game, "a1", 2) == 3);
  CHECK(ask<uint64_t>(other, game_server::drain_atom_v) == 1);
  // The old GameServer takes no more changes...
  CHECK(refused(old_game, "b2", R"({"cell":4})")
        == game_server::errc::shutting_down);
  // ...and n1 owns the game now, at the same version, one incarnation on.
  auto game = lookup(code);
  auto [seat, state] = join(game, "b2", "Bob");
  CHECK(seat == "O");
  CHECK(state["version"] == 3);
  CHECK(state["host"]["node"] == "n1");
  CHECK(stored(code).incarnation == 2);
  CHECK(move(game, "b2", 4) == 4);
  // A game created through the draining node is placed on n1.
  auto placed = ask<std::string>(other, game_server::create_msg{"tictactoe", "c3", "Carol", ""});
  auto [seat2, state2] = join(lookup(placed), "c3", "Carol");
  CHECK(seat2 == "X");
  CHECK(state2["host"]["node"] == "n1");
  caf::anon_send_exit(keeper1, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(node_fixture,
                 "a draining peer is no longer a backup: another one takes "
                 "the copies",
                 "[game_server][actor]") {
  backup_node n2{sys, dir.string() + "-n2"};
  backup_node n3{sys, dir.string() + "-n3"};
  member_up(supervisor, "n2", n2.keeper);
  member_up(supervisor, "n3", n3.keeper);
  auto code = create();
  auto first = game_server::choose_backup(code, {"n2", "n3"});
  REQUIRE(first);
  auto& chosen = *first == "n2" ? n2 : n3;
  auto& other = *first == "n2" ? n3 : n2;
  auto other_name = *first == "n2" ? std::string{"n3"} : std::string{"n2"};
  REQUIRE(test::eventually([&] { return chosen.copy(code).version == 1; }));
  CHECK(other.copy(code).version == 0);
  caf::anon_send(supervisor, cluster::member_status_msg{*first, "draining"});
  CHECK(test::eventually([&] { return other.copy(code).version == 1; }));
  CHECK(test::eventually([&] { return chosen.copy(code).version == 0; }));
  // Changes now reach the new backup before the reply.
  auto game = lookup(code);
  join(game, "b2", "Bob");
  CHECK(other.copy(code).version == 2);
  // Back up: it is a candidate again (the copy may move back).
  caf::anon_send(supervisor, cluster::member_status_msg{*first, "up"});
  CHECK(test::eventually([&] { return chosen.copy(code).version == 2; }));
  std::error_code ec;
  fs::remove_all(n2.dir, ec);
  fs::remove_all(n3.dir, ec);
}

TEST_CASE_METHOD(node_fixture,
                 "a game whose handoff fails stays playable, after resume "
                 "the node creates games again",
                 "[game_server][actor]") {
  // n2's keeper has no supervisor behind it: it keeps copies but cannot
  // take a game over.
  backup_node n2{sys, dir.string() + "-n2"};
  member_up(supervisor, "n2", n2.keeper);
  auto code = create();
  auto game = lookup(code);
  join(game, "b2", "Bob");
  CHECK(ask<uint64_t>(supervisor, game_server::drain_atom_v) == 0);
  // The refused handoff thawed it (the thaw is a message: poll for it).
  uint64_t version = 0;
  for (int i = 0; i < 100 && version == 0; ++i) {
    self->request(game, 1s, game_server::move_msg{"a1", R"({"cell":0})"})
      .receive([&](uint64_t v) { version = v; },
               [&](caf::error& e) {
                 CHECK(e == game_server::errc::shutting_down);
               });
    if (version == 0)
      std::this_thread::sleep_for(10ms);
  }
  CHECK(version == 3);
  CHECK(lookup(code) == game);
  ask<caf::ok_atom>(supervisor, game_server::resume_atom_v);
  auto fresh = create("c3");
  auto [seat, state] = join(lookup(fresh), "c3", "Carol");
  CHECK(seat == "X");
  CHECK(state["host"]["node"] == "n1");
  std::error_code ec;
  fs::remove_all(n2.dir, ec);
}


TEST_CASE_METHOD(node_fixture,
                 "a backup holding the game at a later incarnation refuses "
                 "the copy: the stale game acknowledges nothing and stops",
                 "[game_server][actor]") {
  // This node was frozen while n2, its backup, took the game over.
  backup_node n2{sys, dir.string() + "-n2"};
  member_up(supervisor, "n2", n2.keeper);
  auto [code, game] = started();
  REQUIRE(n2.copy(code).version == 2);
  {
    store::store theirs{n2.dir};
    auto taken = n2.copy(code);
    taken.incarnation = 2;
    taken.owner.clear();
    REQUIRE(theirs.save(taken));
  }
  auto err = refused(game, "a1", R"({"cell":0})");
  CHECK(err == game_server::errc::unconfirmed);
  // It stopped and dropped its snapshot; n2's game is untouched.
  CHECK(unregistered(code));
  CHECK(test::eventually([&] { return stored(code).version == 0; }));
  store::store theirs{n2.dir};
  auto live = theirs.load(code);
  CHECK(live.version == 2);
  CHECK(live.incarnation == 2);
}

TEST_CASE_METHOD(node_fixture,
                 "a change the backup did not confirm is neither shown nor "
                 "acknowledged, and takes effect once a new backup confirms it",
                 "[game_server][actor]") {
  backup_node n2{sys, dir.string() + "-n2"};
  backup_node n3{sys, dir.string() + "-n3"};
  member_up(supervisor, "n2", n2.keeper);
  auto [code, game] = started();
  REQUIRE(n2.copy(code).version == 2);
  // n2 is gone (its link broke) before membership says so.
  caf::anon_send_exit(n2.keeper, caf::exit_reason::kill);
  self->wait_for(n2.keeper);
  CHECK(refused(game, "a1", R"({"cell":0})") == game_server::errc::unconfirmed);
  // Held: nobody sees version 3, and no other change is taken meanwhile.
  auto [seat, state] = join(game, "c3", "Carol");
  CHECK(seat.empty());
  CHECK(state["version"] == 2);
  CHECK(refused(game, "b2", R"({"cell":4})") == game_server::errc::unconfirmed);
  // Membership catches up: n3 becomes the backup and confirms the change.
  caf::anon_send(supervisor, cluster::member_down_msg{"n2"});
  member_up(supervisor, "n3", n3.keeper);
  CHECK(test::eventually([&] { return n3.copy(code).version == 3; }));
  CHECK(test::eventually([&] { return join(game, "c3", "Carol").second["version"] == 3; }));
  CHECK(join(game, "c3", "Carol").second["view"]["board"][0] == "X");
  CHECK(move(game, "b2", 4) == 4);
  CHECK(n3.copy(code).version == 4);
}

TEST_CASE_METHOD(node_fixture,
                 "a handoff to a node still running a stale copy of the game "
                 "replaces that copy",
                 "[game_server][actor]") {
  // This node ran the game, was frozen, n0 took it over (incarnation 2) and
  // now hands it back while the old copy here has not stopped yet.
  auto [code, stale] = started();
  {
    store::store db{dir};
    auto copy = db.load(code);
    copy.incarnation = 2;
    copy.owner = "n0";
    REQUIRE(db.save_replica(copy));
  }
  ask<caf::ok_atom>(supervisor, game_server::adopt_msg{"n0", code});
  game_server::game_server_actor game;
  REQUIRE(test::eventually([&] {
    game = registered(code);
    return game && game != stale;
  }));
  self->wait_for(stale);
  auto [seat, state] = join(game, "a1", "Alice");
  CHECK(seat == "X");
  CHECK(state["version"] == 2);
  CHECK(move(game, "a1", 0) == 3);
  CHECK(stored(code).incarnation == 3);
}

TEST_CASE_METHOD(node_fixture,
                 "a node that loses every peer at once holds changes: alone "
                 "after a failover it plays on and cut off it waits for a backup",
                 "[game_server][actor]") {
  SECTION("cut off: both of its two peers lost at once") {
    backup_node n2{sys, dir.string() + "-n2"};
    backup_node n3{sys, dir.string() + "-n3"};
    backup_node n4{sys, dir.string() + "-n4"};
    member_up(supervisor, "n2", n2.keeper);
    member_up(supervisor, "n3", n3.keeper);
    auto [code, game] = started();
    caf::anon_send_exit(n2.keeper, caf::exit_reason::kill);
    caf::anon_send_exit(n3.keeper, caf::exit_reason::kill);
    self->wait_for(n2.keeper, n3.keeper);
    caf::anon_send(supervisor, cluster::member_down_msg{"n2"});
    caf::anon_send(supervisor, cluster::member_down_msg{"n3"});
    CHECK(refused(game, "a1", R"({"cell":0})") == game_server::errc::unconfirmed);
    CHECK(join(game, "c3", "Carol").second["version"] == 2);
    // Well past the failover decision: still held.
    std::this_thread::sleep_for(800ms);
    CHECK(join(game, "c3", "Carol").second["version"] == 2);
    CHECK(refused(game, "b2", R"({"cell":4})") == game_server::errc::unconfirmed);
    // A peer comes back: the held change goes to it and takes effect.
    member_up(supervisor, "n4", n4.keeper);
    CHECK(test::eventually([&] { return n4.copy(code).version == 3; }));
    CHECK(test::eventually([&] { return join(game, "c3", "Carol").second["version"] == 3; }));
  }
  SECTION("alone: its only peer lost") {
    backup_node n2{sys, dir.string() + "-n2"};
    member_up(supervisor, "n2", n2.keeper);
    auto [code, game] = started();
    caf::anon_send_exit(n2.keeper, caf::exit_reason::kill);
    self->wait_for(n2.keeper);
    caf::anon_send(supervisor, cluster::member_down_msg{"n2"});
    // Held at first; once failover decided that the peer is the one gone,
    // the change takes effect with the local copy alone, and play goes on.
    CHECK(refused(game, "a1", R"({"cell":0})") == game_server::errc::unconfirmed);
    CHECK(test::eventually([&] { return join(game, "c3", "Carol").second["version"] == 3; }));
    CHECK(move(game, "b2", 4) == 4);
  }
}
