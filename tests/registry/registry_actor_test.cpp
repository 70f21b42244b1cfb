#include "parlor/registry/registry_actor.hpp"

#include "actor_fixture.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

using namespace parlor;

namespace {

caf::behavior dummy_game(caf::event_based_actor*) {
  return {[](int x) { return x; }};
}

} // namespace

TEST_CASE_METHOD(test::actor_fixture, "a code is held by one game at a time",
                 "[registry][actor]") {
  auto reg = registry::spawn_registry(sys);
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
  auto reg = registry::spawn_registry(sys);
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
  auto reg = registry::spawn_registry(sys);
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
