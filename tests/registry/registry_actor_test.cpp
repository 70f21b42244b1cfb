#include "parlor/registry/registry_actor.hpp"

#include "parlor/cluster/fwd.hpp"
#include "parlor/registry/codes.hpp"

#include "actor_fixture.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <optional>

using namespace parlor;

namespace {

caf::behavior dummy_game(caf::event_based_actor*) {
  return {[](int x) { return x; }};
}

} // namespace

TEST_CASE_METHOD(test::actor_fixture, "a code is held by one game at a time",
                 "[registry][actor]") {
  auto reg = registry::spawn_registry(sys, "n1");
  auto g1 = sys.spawn(dummy_game);
  auto g2 = sys.spawn(dummy_game);
  std::string code = "ABCD";
  CHECK(ask<bool>(reg, registry::register_atom_v, code, g1));
  CHECK(ask<bool>(reg, registry::register_atom_v, code, g1)); // idempotent
  CHECK_FALSE(ask<bool>(reg, registry::register_atom_v, code, g2));
  CHECK(ask<caf::actor>(reg, registry::lookup_atom_v, code) == g1);
  auto err = ask_error<caf::actor>(reg, registry::lookup_atom_v,
                                   std::string{"NONE"});
  CHECK(err == registry::errc::not_found);
  CHECK(ask<uint64_t>(reg, registry::count_atom_v) == 1);
  for (auto& a : {reg, g1, g2})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(test::actor_fixture,
                 "replace moves a code, unregister only drops its own entry",
                 "[registry][actor]") {
  auto reg = registry::spawn_registry(sys, "n1");
  auto g1 = sys.spawn(dummy_game);
  auto g2 = sys.spawn(dummy_game);
  std::string code = "WXYZ";
  CHECK(ask<bool>(reg, registry::register_atom_v, code, g1));
  self->send(reg, registry::replace_atom_v, code, g2);
  CHECK(ask<caf::actor>(reg, registry::lookup_atom_v, code) == g2);
  self->send(reg, registry::unregister_atom_v, code, g1); // stale: ignored
  CHECK(ask<caf::actor>(reg, registry::lookup_atom_v, code) == g2);
  self->send(reg, registry::unregister_atom_v, code, g2);
  CHECK(ask_error<caf::actor>(reg, registry::lookup_atom_v, code)
        == registry::errc::not_found);
  for (auto& a : {reg, g1, g2})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(test::actor_fixture, "a game that stops loses its code",
                 "[registry][actor]") {
  auto reg = registry::spawn_registry(sys, "n1");
  auto g = sys.spawn(dummy_game);
  std::string code = "QQQQ";
  CHECK(ask<bool>(reg, registry::register_atom_v, code, g));
  caf::anon_send_exit(g, caf::exit_reason::kill);
  // The down message races with our lookup: poll briefly.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    self->request(reg, std::chrono::seconds{1}, registry::lookup_atom_v, code)
      .receive([](caf::actor&) {},
               [&](caf::error& e) { gone = e == registry::errc::not_found; });
    if (!gone)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  CHECK(gone);
  caf::anon_send_exit(reg, caf::exit_reason::user_shutdown);
}

namespace {

struct two_replicas : test::actor_fixture {
  caf::actor a = registry::spawn_registry(sys, "a");
  caf::actor b = registry::spawn_registry(sys, "b");

  two_replicas() {
    caf::anon_send(a, cluster::peer_up_atom_v, std::string{"b"}, b);
    caf::anon_send(b, cluster::peer_up_atom_v, std::string{"a"}, a);
  }

  ~two_replicas() {
    for (auto& r : {a, b})
      caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
  }

  bool known(const caf::actor& reg, const std::string& code,
             const caf::actor& expected) {
    bool found = false;
    self->request(reg, std::chrono::seconds{1}, registry::lookup_atom_v, code)
      .receive([&](caf::actor& x) { found = x == expected; },
               [](caf::error&) {});
    return found;
  }
};

} // namespace

TEST_CASE_METHOD(two_replicas,
                 "a registered code is known to every peer before register "
                 "returns",
                 "[registry][actor]") {
  auto g = sys.spawn(dummy_game);
  for (int i = 0; i < 50; ++i) {
    auto code = registry::code_from_number(static_cast<uint32_t>(i));
    REQUIRE(ask<bool>(a, registry::register_atom_v, code, g));
    // No waiting: the claim round made b learn it already.
    CHECK(known(b, code, g));
  }
  caf::anon_send_exit(g, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(two_replicas, "a code held on a peer cannot be claimed",
                 "[registry][actor]") {
  auto g1 = sys.spawn(dummy_game);
  auto g2 = sys.spawn(dummy_game);
  std::string code = "ABCD";
  REQUIRE(ask<bool>(a, registry::register_atom_v, code, g1));
  CHECK_FALSE(ask<bool>(b, registry::register_atom_v, code, g2));
  CHECK(known(a, code, g1));
  CHECK(known(b, code, g1));
  for (auto& g : {g1, g2})
    caf::anon_send_exit(g, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(two_replicas, "a dead peer's games vanish everywhere",
                 "[registry][actor]") {
  auto g = sys.spawn(dummy_game);
  std::string code = "WXYZ";
  REQUIRE(ask<bool>(a, registry::register_atom_v, code, g));
  REQUIRE(known(b, code, g));
  caf::anon_send(b, cluster::peer_down_atom_v, std::string{"a"});
  CHECK(ask_error<caf::actor>(b, registry::lookup_atom_v, code)
        == registry::errc::not_found);
  CHECK(known(a, code, g));
  caf::anon_send_exit(g, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(test::actor_fixture,
                 "after a partition heals the smaller node name keeps a "
                 "clashing code",
                 "[registry][actor]") {
  // Two replicas that did not know each other registered the same code.
  auto a = registry::spawn_registry(sys, "a");
  auto b = registry::spawn_registry(sys, "b");
  auto ga = sys.spawn(dummy_game);
  auto gb = sys.spawn(dummy_game);
  std::string code = "CLSH";
  REQUIRE(ask<bool>(a, registry::register_atom_v, code, ga));
  REQUIRE(ask<bool>(b, registry::register_atom_v, code, gb));
  self->monitor(gb);
  caf::anon_send(a, cluster::peer_up_atom_v, std::string{"b"}, b);
  caf::anon_send(b, cluster::peer_up_atom_v, std::string{"a"}, a);
  // b's game loses and is stopped; both replicas point at a's game.
  bool stopped = false;
  self->receive([&](caf::down_msg& dm) { stopped = dm.source == gb; },
                caf::after(std::chrono::seconds{2}) >> [] {});
  CHECK(stopped);
  CHECK(ask<caf::actor>(a, registry::lookup_atom_v, code) == ga);
  CHECK(ask<caf::actor>(b, registry::lookup_atom_v, code) == ga);
  for (auto& x : {a, b, ga})
    caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
}

namespace {

struct silent_state {
  std::vector<caf::response_promise> held; // kept, never delivered
};

/// The replica of a frozen node: takes claims, tells `observer`, never
/// answers.
caf::behavior silent_peer(caf::stateful_actor<silent_state>* self,
                          caf::actor observer) {
  return {
    [=](registry::claim_atom, const std::string& code, const std::string&,
        const caf::actor&, uint64_t, uint64_t, uint64_t) -> caf::result<bool> {
      self->send(observer, code);
      auto rp = self->make_response_promise<bool>();
      self->state.held.push_back(rp);
      return rp;
    },
    [](registry::sync_atom, const std::string&, const std::string&,
       const caf::actor&, uint64_t, uint64_t, uint64_t, bool) {},
  };
}

} // namespace

TEST_CASE_METHOD(test::actor_fixture,
                 "a claim waiting on a peer that is declared down completes "
                 "at once",
                 "[registry][actor]") {
  auto a = registry::spawn_registry(sys, "a");
  caf::scoped_actor observer{sys};
  auto silent = sys.spawn(silent_peer, caf::actor{observer});
  caf::anon_send(a, cluster::peer_up_atom_v, std::string{"b"}, silent);
  auto g = sys.spawn(dummy_game);
  std::string code = "WAIT";
  caf::scoped_actor client{sys};
  client->send(a, registry::register_atom_v, code, g);
  std::string claimed;
  observer->receive([&](std::string& c) { claimed = c; },
                    caf::after(std::chrono::seconds{2}) >> [] {});
  REQUIRE(claimed == code);
  // Membership declares b down: the claim must not wait for its timeout.
  auto down_at = std::chrono::steady_clock::now();
  caf::anon_send(a, cluster::peer_down_atom_v, std::string{"b"});
  std::optional<bool> result;
  client->receive([&](bool ok) { result = ok; },
                  caf::after(std::chrono::seconds{5}) >> [] {});
  auto took = std::chrono::steady_clock::now() - down_at;
  REQUIRE(result.has_value());
  CHECK(*result);
  CHECK(took < std::chrono::milliseconds{1500}); // the claim timeout is 2 s
  CHECK(ask<caf::actor>(a, registry::lookup_atom_v, code) == g);
  for (auto& x : {a, g, silent})
    caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
}
