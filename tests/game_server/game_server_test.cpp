#include "parlor/game_server/supervisor_actor.hpp"

#include "parlor/cluster/fwd.hpp"

#include "parlor/game_server/placement.hpp"
#include "parlor/game_server/store_actor.hpp"
#include "parlor/pubsub/pubsub_actor.hpp"
#include "parlor/registry/registry_actor.hpp"
#include "parlor/store/store.hpp"

#include "actor_fixture.hpp"

#include <caf/send.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <thread>
#include <linux/capability.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace parlor;
using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct node_fixture : test::actor_fixture {
  fs::path dir = fs::temp_directory_path()
                 / ("parlor-gs-" + std::to_string(::getpid()) + "-"
                    + std::to_string(std::rand()));
  std::shared_ptr<game_server::game_env> env;
  registry::registry_actor registry;
  caf::actor supervisor;

  node_fixture() {
    start(std::chrono::minutes{30});
  }

  void start(std::chrono::milliseconds ttl,
             std::chrono::milliseconds idle_ttl = std::chrono::minutes{30}) {
    env = std::make_shared<game_server::game_env>();
    env->idle_ttl = idle_ttl;
    env->host = {"n1", "fra", "127.0.0.1:4000"};
    env->store = game_server::spawn_store(sys, dir);
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

  std::string create(const std::string& player = "a1") {
    return ask<std::string>(supervisor, game_server::create_atom_v,
                            std::string{"tictactoe"}, player,
                            std::string{"Alice"});
  }

  caf::actor lookup(const std::string& code) {
    return ask<caf::actor>(registry, registry::lookup_atom_v, code);
  }

  std::pair<std::string, json> join(const caf::actor& game,
                                    const std::string& id,
                                    const std::string& name) {
    std::pair<std::string, json> out;
    self->request(game, 5s, game_server::join_atom_v, id, name)
      .receive(
        [&](std::string& seat, std::string& state) {
          out = {seat, json::parse(state)};
        },
        [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  uint64_t move(const caf::actor& game, const std::string& id, int cell) {
    return ask<uint64_t>(game, game_server::move_atom_v, id,
                         json{{"cell", cell}}.dump());
  }

  caf::error refused(const caf::actor& game, const std::string& id,
                     const std::string& payload) {
    return ask_error<uint64_t>(game, game_server::move_atom_v, id, payload);
  }

  /// The game registered as `code`, or a null handle.
  caf::actor registered(const std::string& code) {
    caf::actor found;
    self->request(registry, 1s, registry::lookup_atom_v, code)
      .receive([&](caf::actor& g) { found = std::move(g); },
               [](caf::error&) {});
    return found;
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

namespace {

/// Threads of this process under Linux's idle scheduling policy.
int idle_threads() {
  int n = 0;
  for (auto& task : fs::directory_iterator{"/proc/self/task"})
    if (sched_getscheduler(std::stoi(task.path().filename().string()))
        == SCHED_IDLE)
      ++n;
  return n;
}

} // namespace

TEST_CASE_METHOD(node_fixture,
                 "the store's checkpoints run on a thread at idle priority",
                 "[game_server][actor]") {
  // The checkpointer sets its policy when it starts, on its own thread.
  for (int i = 0; i < 200 && idle_threads() == 0; ++i)
    std::this_thread::sleep_for(10ms);
  CHECK(idle_threads() == 1);
  // Durable writes do not wait for it.
  auto code = create();
  CHECK(stored(code).version == 1);
}

namespace {

/// Runs `idle_priority_reversible` in a child process without CAP_SYS_NICE
/// and with RLIMIT_NICE at `nice_limit`: 1 if reversible, 0 if not, 3 if
/// the child could not set itself up that way.
int reversible_without_cap(rlim_t nice_limit) {
  auto pid = ::fork();
  if (pid == 0) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct caps[2]{};
    if (::syscall(SYS_capget, &header, caps) != 0)
      ::_exit(3);
    caps[CAP_SYS_NICE / 32].effective &= ~(1u << (CAP_SYS_NICE % 32));
    if (::syscall(SYS_capset, &header, caps) != 0)
      ::_exit(3);
    rlimit limit{};
    ::getrlimit(RLIMIT_NICE, &limit);
    limit.rlim_cur = nice_limit;
    if (limit.rlim_max < nice_limit)
      limit.rlim_max = nice_limit;
    if (::setrlimit(RLIMIT_NICE, &limit) != 0)
      ::_exit(3);
    ::_exit(game_server::idle_priority_reversible() ? 1 : 0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

TEST_CASE("a thread may go back from idle priority only with the right to "
          "raise its priority", "[game_server]") {
  CHECK(reversible_without_cap(0) == 0);
  // Raising RLIMIT_NICE's hard limit needs privileges: root here and in CI.
  auto with_limit = reversible_without_cap(20);
  if (with_limit == 3)
    WARN("cannot raise RLIMIT_NICE here: the permitted case is not checked");
  else
    CHECK(with_limit == 1);
}

TEST_CASE_METHOD(node_fixture, "an unknown game type is refused",
                 "[game_server][actor]") {
  auto err = ask_error<std::string>(supervisor, game_server::create_atom_v,
                                    std::string{"chess"}, std::string{"a1"},
                                    std::string{"Alice"});
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
  CHECK(refused(game, "b2", R"({"cell":0})") == games::errc::cell_taken);
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
  caf::actor restarted;
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
        ->request(game, 5s, game_server::join_atom_v,
                  std::string{who == &alice ? "a1" : "b2"},
                  std::string{"P"})
        .receive([](std::string&, std::string&) {},
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
  caf::actor store;
  caf::actor keeper;

  backup_node(caf::actor_system& sys, fs::path d) : dir(std::move(d)) {
    store = game_server::spawn_store(sys, dir);
    keeper = game_server::spawn_backup_keeper(sys, store, caf::actor{});
  }

  ~backup_node() {
    for (auto& a : {keeper, store})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
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

void member_up(caf::actor& supervisor, const std::string& name,
               const caf::actor& keeper) {
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
  caf::actor supervisor;
  caf::actor keeper;

  peer_node(caf::actor_system& sys, const game_server::game_env& base,
            fs::path d)
    : dir(std::move(d)) {
    env = std::make_shared<game_server::game_env>(base);
    env->host = {"n0", "sin", "127.0.0.1:4002"};
    env->store = game_server::spawn_store(sys, dir);
    registry = registry::spawn_registry(sys, "n0");
    supervisor = game_server::spawn_supervisor(sys, env, registry);
    keeper = game_server::spawn_backup_keeper(sys, env->store, supervisor);
  }

  void lose() {
    for (auto& a : {supervisor, caf::actor_cast<caf::actor>(registry), keeper,
                    env->store})
      caf::anon_send_exit(a, caf::exit_reason::kill);
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
  auto keeper = game_server::spawn_backup_keeper(sys, env->store, supervisor);
  member_up(n0.supervisor, "n1", keeper);
  auto code = ask<std::string>(n0.supervisor, game_server::create_atom_v,
                               std::string{"tictactoe"}, std::string{"a1"},
                               std::string{"Alice"});
  auto their_game = ask<caf::actor>(n0.registry, registry::lookup_atom_v,
                                    code);
  join(their_game, "b2", "Bob");
  CHECK(move(their_game, "a1", 8) == 3);
  n0.lose();
  // A crash takes the node's GameServers down with it.
  caf::anon_send_exit(their_game, caf::exit_reason::kill);
  caf::anon_send(supervisor, cluster::member_down_msg{"n0"});
  caf::actor game;
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
  CHECK(lookup(code) == caf::actor{elsewhere});
}

TEST_CASE_METHOD(node_fixture,
                 "draining hands every game to its backup and places new "
                 "games on a peer",
                 "[game_server][actor]") {
  peer_node n0{sys, *env, dir.string() + "-n0"};
  auto other = n0.supervisor;
  auto keeper1 = game_server::spawn_backup_keeper(sys, env->store, supervisor);
  member_up(other, "n1", keeper1);
  member_up(supervisor, "n0", n0.keeper);
  auto code = ask<std::string>(other, game_server::create_atom_v,
                               std::string{"tictactoe"}, std::string{"a1"},
                               std::string{"Alice"});
  auto old_game = ask<caf::actor>(n0.registry, registry::lookup_atom_v, code);
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
  auto placed = ask<std::string>(other, game_server::create_atom_v,
                                 std::string{"tictactoe"}, std::string{"c3"},
                                 std::string{"Carol"});
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
    self->request(game, 1s, game_server::move_atom_v, std::string{"a1"},
                  std::string{R"({"cell":0})"})
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

TEST_CASE_METHOD(test::actor_fixture,
                 "the store commits queued writes together, answers each, "
                 "and reads see every earlier write",
                 "[store][actor]") {
  auto dir = fs::temp_directory_path()
             / ("parlor-store-actor-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto st = game_server::spawn_store(sys, dir);
  // 300 writes in flight at once (three games, and copies for a peer),
  // then a read: it is answered after them and sees the last versions.
  std::vector<caf::response_handle<caf::blocking_actor,
                                   caf::message, true>> writes;
  const char* codes[] = {"AAAA", "BBBB", "CCCC"};
  for (uint64_t v = 1; v <= 100; ++v)
    for (auto* code : codes)
      writes.push_back(self->request(
        st, caf::infinite, game_server::save_atom_v, std::string{code},
        std::string{"tictactoe"}, v, false,
        R"({"v":)" + std::to_string(v) + "}", uint64_t{1}));
  auto copy = self->request(st, caf::infinite, game_server::replicate_atom_v,
                            std::string{"n2"}, std::string{"DDDD"},
                            std::string{"tictactoe"}, uint64_t{9}, uint64_t{1},
                            false, std::string{R"({"v":9})"});
  auto read = self->request(st, caf::infinite, game_server::load_atom_v,
                            std::string{"BBBB"});
  int ok = 0;
  for (auto& w : writes)
    w.receive([&](caf::ok_atom) { ++ok; },
              [&](caf::error& e) { FAIL(sys.render(e)); });
  CHECK(ok == 300);
  copy.receive([&](caf::ok_atom) { ++ok; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
  read.receive([&](std::string& data) { CHECK(data == R"({"v":100})"); },
               [&](caf::error& e) { FAIL(sys.render(e)); });
  CHECK(ok == 301);
  {
    store::store db{dir};
    for (auto* code : codes)
      CHECK(db.load(code).version == 100);
    CHECK(db.load_replicas("n2").size() == 1);
  }
  caf::anon_send_exit(st, caf::exit_reason::user_shutdown);
  std::error_code ec;
  fs::remove_all(dir, ec);
}
