#include "parlor/gateway/game_watch.hpp"
#include "parlor/gateway/gateway_actor.hpp"

#include "actor_fixture.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <memory>

using namespace parlor;
using namespace std::chrono_literals;

namespace {

/// A gateway stand-in: follows and unfollows on command and counts the
/// `game_down` messages it gets for `game`.
struct follower {
  std::shared_ptr<std::atomic<int>> downs
    = std::make_shared<std::atomic<int>>(0);
  caf::actor actor;

  follower(caf::actor_system& sys, gateway::game_watch_actor watch,
           caf::actor stand_in) {
    auto n = downs;
    // The watch takes GameServers; any actor stands in for one here.
    auto game = caf::actor_cast<game_server::game_server_actor>(stand_in);
    actor = sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
      return {
        [=](gateway::follow_atom) {
          self->send(watch, gateway::follow_atom_v, game);
        },
        [=](gateway::unfollow_atom) {
          self->send(watch, gateway::unfollow_atom_v, game.address());
        },
        [=](gateway::game_down_atom, const caf::actor_addr& who,
            const caf::error&) {
          if (who == game.address())
            ++*n;
        },
      };
    });
  }

  ~follower() {
    caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  }

  void follow() {
    caf::anon_send(actor, gateway::follow_atom_v);
  }

  void unfollow() {
    caf::anon_send(actor, gateway::unfollow_atom_v);
  }
};

caf::actor idle_game(caf::actor_system& sys) {
  return sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](int) {}};
  });
}

} // namespace

TEST_CASE_METHOD(test::actor_fixture,
                 "the game watch tells every follower once a game goes down",
                 "[gateway][game_watch]") {
  auto watch = gateway::spawn_game_watch(sys);
  auto game = idle_game(sys);
  follower a{sys, watch, game};
  follower b{sys, watch, game};
  follower gone{sys, watch, game};
  a.follow();
  b.follow();
  b.follow(); // counted: one unfollow leaves b following
  b.unfollow();
  gone.follow();
  gone.unfollow();
  // The messages above are in the watch's mailbox before the exit.
  std::this_thread::sleep_for(50ms);
  caf::anon_send_exit(game, caf::exit_reason::user_shutdown);
  CHECK(test::eventually([&] { return *a.downs == 1 && *b.downs == 1; }));
  std::this_thread::sleep_for(50ms);
  CHECK(*a.downs == 1);
  CHECK(*b.downs == 1);
  CHECK(*gone.downs == 0);
  caf::anon_send_exit(watch, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(test::actor_fixture,
                 "following a game that is gone already reports it down",
                 "[gateway][game_watch]") {
  auto watch = gateway::spawn_game_watch(sys);
  auto game = idle_game(sys);
  caf::anon_send_exit(game, caf::exit_reason::kill);
  std::this_thread::sleep_for(50ms);
  follower late{sys, watch, game};
  late.follow();
  CHECK(test::eventually([&] { return *late.downs == 1; }));
  caf::anon_send_exit(watch, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(test::actor_fixture,
                 "the game watch follows thousands of gateways and lets them "
                 "all go",
                 "[gateway][game_watch]") {
  auto watch = gateway::spawn_game_watch(sys);
  auto game = idle_game(sys);
  std::vector<std::unique_ptr<follower>> many;
  for (int k = 0; k < 2000; ++k) {
    many.push_back(std::make_unique<follower>(sys, watch, game));
    many.back()->follow();
  }
  for (int k = 0; k < 2000; k += 2)
    many[k]->unfollow();
  std::this_thread::sleep_for(100ms);
  caf::anon_send_exit(game, caf::exit_reason::user_shutdown);
  auto told = [&] {
    int n = 0;
    for (auto& f : many)
      n += *f->downs;
    return n;
  };
  CHECK(test::eventually([&] { return told() == 1000; }));
  for (int k = 0; k < 2000; k += 2)
    CHECK(*many[k]->downs == 0);
  caf::anon_send_exit(watch, caf::exit_reason::user_shutdown);
}
