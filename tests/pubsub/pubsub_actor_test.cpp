#include "parlor/pubsub/pubsub_actor.hpp"


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

/// A scoped actor (or any dynamically typed stand-in) as a subscriber.
template <class Handle>
pubsub::subscriber_actor subscriber(const Handle& h) {
  return caf::actor_cast<pubsub::subscriber_actor>(caf::actor{h});
}

/// Tells PubSub `to` that peer `name` is up with PubSub `peer`.
void peer_up(const pubsub::pubsub_actor& to, const std::string& name,
             const pubsub::pubsub_actor& peer) {
  cluster::member_up_msg up;
  up.who.name = name;
  up.services.put(pubsub::service_name, peer);
  caf::anon_send(to, std::move(up));
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
             subscriber(a));
  self->send(ps, pubsub::subscribe_atom_v, std::string{"game:ABCD"},
             subscriber(b));
  self->send(ps, pubsub::subscribe_atom_v, std::string{"game:WXYZ"},
             subscriber(other));
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
  self->send(ps, pubsub::subscribe_atom_v, std::string{"t"}, subscriber(a));
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
  self->send(ps, pubsub::subscribe_atom_v, std::string{"t"}, subscriber(a));
  self->send(ps, pubsub::unsubscribe_atom_v, std::string{"t"}, subscriber(a));
  self->send(ps, pubsub::publish_atom_v, std::string{"t"},
             std::make_shared<const std::string>("x"));
  CHECK_FALSE(next_frame(a));
  // A subscriber that dies is forgotten (monitored); publishing still works.
  auto short_lived = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](pubsub::frame_atom, const std::string&,
               const pubsub::frame_ptr&) {}};
  });
  self->send(ps, pubsub::subscribe_atom_v, std::string{"t"}, subscriber(short_lived));
  self->send(ps, pubsub::subscribe_atom_v, std::string{"t"}, subscriber(a));
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
  peer_up(a, "b", b);
  peer_up(b, "a", a);
  caf::scoped_actor on_a{sys};
  caf::scoped_actor on_b{sys};
  self->send(a, pubsub::subscribe_atom_v, std::string{"t"}, subscriber(on_a));
  self->send(b, pubsub::subscribe_atom_v, std::string{"t"}, subscriber(on_b));
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
  caf::anon_send(a, cluster::member_down_msg{"b"});
  self->send(a, pubsub::publish_atom_v, std::string{"t"},
             std::make_shared<const std::string>("after"));
  CHECK(next_frame(on_a));
  CHECK_FALSE(next_frame(on_b));
  stop(a, b);
}
