#include "parlor/pubsub/pubsub_actor.hpp"

#include "parlor/cluster/fwd.hpp"

#include <thread>

#include "actor_fixture.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

using namespace parlor;
using namespace std::chrono_literals;

namespace {

/// Receives one frame (or times out) through the scoped actor.
pubsub::frame_ptr next_frame(caf::scoped_actor& self) {
  pubsub::frame_ptr got;
  self->receive([&](pubsub::frame_atom, const std::string&,
                    const pubsub::frame_ptr& f) { got = f; },
                caf::after(1s) >> [] {});
  return got;
}

} // namespace

TEST_CASE_METHOD(test::actor_fixture,
                 "a broadcast hands the same frame to every subscriber",
                 "[pubsub][actor]") {
  auto ps = pubsub::spawn_pubsub(sys);
  caf::scoped_actor a{sys};
  caf::scoped_actor b{sys};
  caf::scoped_actor other{sys};
  self->send(ps, pubsub::subscribe_atom_v, std::string{"game:ABCD"},
             caf::actor{a});
  self->send(ps, pubsub::subscribe_atom_v, std::string{"game:ABCD"},
             caf::actor{b});
  self->send(ps, pubsub::subscribe_atom_v, std::string{"game:WXYZ"},
             caf::actor{other});
  auto frame = std::make_shared<const std::string>("[null,null,\"x\"]");
  self->send(ps, pubsub::publish_atom_v, std::string{"game:ABCD"}, frame);
  auto fa = next_frame(a);
  auto fb = next_frame(b);
  REQUIRE(fa);
  REQUIRE(fb);
  CHECK(fa.get() == frame.get()); // the very same buffer: encoded once
  CHECK(fb.get() == frame.get());
  CHECK_FALSE(next_frame(other));
  caf::anon_send_exit(ps, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(test::actor_fixture, "frames keep their publish order",
                 "[pubsub][actor]") {
  auto ps = pubsub::spawn_pubsub(sys);
  caf::scoped_actor a{sys};
  self->send(ps, pubsub::subscribe_atom_v, std::string{"t"}, caf::actor{a});
  for (int i = 0; i < 100; ++i)
    self->send(ps, pubsub::publish_atom_v, std::string{"t"},
               std::make_shared<const std::string>(std::to_string(i)));
  for (int i = 0; i < 100; ++i) {
    auto f = next_frame(a);
    REQUIRE(f);
    CHECK(*f == std::to_string(i));
  }
  caf::anon_send_exit(ps, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(test::actor_fixture,
                 "unsubscribed and terminated subscribers get nothing",
                 "[pubsub][actor]") {
  auto ps = pubsub::spawn_pubsub(sys);
  caf::scoped_actor a{sys};
  self->send(ps, pubsub::subscribe_atom_v, std::string{"t"}, caf::actor{a});
  self->send(ps, pubsub::unsubscribe_atom_v, std::string{"t"}, caf::actor{a});
  self->send(ps, pubsub::publish_atom_v, std::string{"t"},
             std::make_shared<const std::string>("x"));
  CHECK_FALSE(next_frame(a));
  // A subscriber that dies is forgotten (monitored); publishing still works.
  auto short_lived = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](pubsub::frame_atom, const std::string&,
               const pubsub::frame_ptr&) {}};
  });
  self->send(ps, pubsub::subscribe_atom_v, std::string{"t"}, short_lived);
  self->send(ps, pubsub::subscribe_atom_v, std::string{"t"}, caf::actor{a});
  caf::anon_send_exit(short_lived, caf::exit_reason::kill);
  self->send(ps, pubsub::publish_atom_v, std::string{"t"},
             std::make_shared<const std::string>("y"));
  auto f = next_frame(a);
  REQUIRE(f);
  CHECK(*f == "y");
  caf::anon_send_exit(ps, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(test::actor_fixture,
                 "a broadcast reaches subscribers of a peer node exactly once",
                 "[pubsub][actor]") {
  auto a = pubsub::spawn_pubsub(sys);
  auto b = pubsub::spawn_pubsub(sys);
  caf::anon_send(a, cluster::peer_up_atom_v, std::string{"b"}, b);
  caf::anon_send(b, cluster::peer_up_atom_v, std::string{"a"}, a);
  caf::scoped_actor on_a{sys};
  caf::scoped_actor on_b{sys};
  self->send(a, pubsub::subscribe_atom_v, std::string{"t"}, caf::actor{on_a});
  self->send(b, pubsub::subscribe_atom_v, std::string{"t"}, caf::actor{on_b});
  // Make sure both subscriptions are in place before publishing.
  self->send(a, pubsub::publish_atom_v, std::string{"warmup"},
             std::make_shared<const std::string>("w"));
  std::this_thread::sleep_for(std::chrono::milliseconds{50});
  self->send(a, pubsub::publish_atom_v, std::string{"t"},
             std::make_shared<const std::string>("hello"));
  auto fa = next_frame(on_a);
  auto fb = next_frame(on_b);
  REQUIRE(fa);
  REQUIRE(fb);
  CHECK(*fa == "hello");
  CHECK(*fb == "hello");
  CHECK_FALSE(next_frame(on_b)); // once, not twice
  caf::anon_send(a, cluster::peer_down_atom_v, std::string{"b"});
  self->send(a, pubsub::publish_atom_v, std::string{"t"},
             std::make_shared<const std::string>("after"));
  CHECK(next_frame(on_a));
  CHECK_FALSE(next_frame(on_b));
  for (auto& x : {a, b})
    caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
}
