#include "parlor/registry/registry_actor.hpp"

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

/// Tells replica `to` that peer `name` is up with replica `peer` (a typed
/// replica or a dynamically typed stand-in).
template <class Handle>
void peer_up(const registry::registry_actor& to, const std::string& name,
             const Handle& peer) {
  cluster::member_up_msg up;
  up.who.name = name;
  up.services.put(registry::service_name, peer);
  caf::anon_send(to, std::move(up));
}

} // namespace

TEST_CASE_METHOD(test::actor_fixture, "a code is held by one game at a time",
                 "[registry][actor]") {
  auto reg = registry::spawn_registry(sys, "n1");
  auto g1 = sys.spawn(dummy_game);
  auto g2 = sys.spawn(dummy_game);
  std::string code = "ABCD";
  CHECK(ask<bool>(reg, registry::register_msg{code, g1}));
  CHECK(ask<bool>(reg, registry::register_msg{code, g1})); // idempotent
  CHECK_FALSE(ask<bool>(reg, registry::register_msg{code, g2}));
  CHECK(ask<caf::actor>(reg, registry::lookup_atom_v, code) == g1);
  auto err = ask_error<caf::actor>(reg, registry::lookup_atom_v,
                                   std::string{"NONE"});
  CHECK(err == registry::errc::not_found);
  CHECK(ask<uint64_t>(reg, registry::count_atom_v) == 1);
  stop(reg, g1, g2);
}

TEST_CASE_METHOD(test::actor_fixture,
                 "replace moves a code, unregister only drops its own entry",
                 "[registry][actor]") {
  auto reg = registry::spawn_registry(sys, "n1");
  auto g1 = sys.spawn(dummy_game);
  auto g2 = sys.spawn(dummy_game);
  std::string code = "WXYZ";
  CHECK(ask<bool>(reg, registry::register_msg{code, g1}));
  self->send(reg, registry::replace_msg{code, g2});
  CHECK(ask<caf::actor>(reg, registry::lookup_atom_v, code) == g2);
  self->send(reg, registry::unregister_msg{code, g1}); // stale: ignored
  CHECK(ask<caf::actor>(reg, registry::lookup_atom_v, code) == g2);
  self->send(reg, registry::unregister_msg{code, g2});
  CHECK(ask_error<caf::actor>(reg, registry::lookup_atom_v, code)
        == registry::errc::not_found);
  stop(reg, g1, g2);
}

TEST_CASE_METHOD(test::actor_fixture, "a game that stops loses its code",
                 "[registry][actor]") {
  auto reg = registry::spawn_registry(sys, "n1");
  auto g = sys.spawn(dummy_game);
  std::string code = "QQQQ";
  CHECK(ask<bool>(reg, registry::register_msg{code, g}));
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
  registry::registry_actor a = registry::spawn_registry(sys, "a");
  registry::registry_actor b = registry::spawn_registry(sys, "b");

  two_replicas() {
    peer_up(a, "b", b);
    peer_up(b, "a", a);
  }

  ~two_replicas() {
    stop(a, b);
  }

  bool known(const registry::registry_actor& reg, const std::string& code,
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
    REQUIRE(ask<bool>(a, registry::register_msg{code, g}));
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
  REQUIRE(ask<bool>(a, registry::register_msg{code, g1}));
  CHECK_FALSE(ask<bool>(b, registry::register_msg{code, g2}));
  CHECK(known(a, code, g1));
  CHECK(known(b, code, g1));
  stop(g1, g2);
}

TEST_CASE_METHOD(two_replicas, "a dead peer's games vanish everywhere",
                 "[registry][actor]") {
  auto g = sys.spawn(dummy_game);
  std::string code = "WXYZ";
  REQUIRE(ask<bool>(a, registry::register_msg{code, g}));
  REQUIRE(known(b, code, g));
  caf::anon_send(b, cluster::member_down_msg{"a"});
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
  REQUIRE(ask<bool>(a, registry::register_msg{code, ga}));
  REQUIRE(ask<bool>(b, registry::register_msg{code, gb}));
  self->monitor(gb);
  peer_up(a, "b", b);
  peer_up(b, "a", a);
  // b's game loses and is stopped; both replicas point at a's game.
  bool stopped = false;
  self->receive([&](caf::down_msg& dm) { stopped = dm.source == gb; },
                caf::after(std::chrono::seconds{2}) >> [] {});
  CHECK(stopped);
  CHECK(ask<caf::actor>(a, registry::lookup_atom_v, code) == ga);
  CHECK(ask<caf::actor>(b, registry::lookup_atom_v, code) == ga);
  stop(a, b, ga);
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
    [=](const registry::claim_msg& claim) -> caf::result<bool> {
      self->send(observer, claim.code);
      auto rp = self->make_response_promise<bool>();
      self->state.held.push_back(rp);
      return rp;
    },
    [](const registry::sync_msg&) {},
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
  peer_up(a, "b", silent);
  auto g = sys.spawn(dummy_game);
  std::string code = "WAIT";
  caf::scoped_actor client{sys};
  client->send(a, registry::register_msg{code, g});
  std::string claimed;
  observer->receive([&](std::string& c) { claimed = c; },
                    caf::after(std::chrono::seconds{2}) >> [] {});
  REQUIRE(claimed == code);
  // Membership declares b down: the claim must not wait for its timeout.
  auto down_at = std::chrono::steady_clock::now();
  caf::anon_send(a, cluster::member_down_msg{"b"});
  std::optional<bool> result;
  client->receive([&](bool ok) { result = ok; },
                  caf::after(std::chrono::seconds{5}) >> [] {});
  auto took = std::chrono::steady_clock::now() - down_at;
  REQUIRE(result.has_value());
  CHECK(*result);
  CHECK(took < std::chrono::milliseconds{1500}); // the claim timeout is 2 s
  CHECK(ask<caf::actor>(a, registry::lookup_atom_v, code) == g);
  stop(a, g, silent);
}
