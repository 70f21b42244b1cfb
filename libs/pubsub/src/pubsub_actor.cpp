#include "parlor/pubsub/pubsub_actor.hpp"

#include "parlor/pubsub/topic_table.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

namespace parlor::pubsub {

namespace {

struct pubsub_state {
  topic_table<caf::actor> table;
  static inline const char* name = "parlor.pubsub";
};

caf::behavior pubsub_impl(caf::stateful_actor<pubsub_state>* self) {
  self->set_down_handler([=](caf::down_msg& dm) {
    // A subscriber terminated: forget all its subscriptions.
    if (auto who = caf::actor_cast<caf::actor>(dm.source))
      self->state.table.remove(who);
  });
  return {
    [=](subscribe_atom, const std::string& topic, const caf::actor& who) {
      if (!self->state.table.known(who))
        self->monitor(who);
      self->state.table.subscribe(topic, who);
    },
    [=](unsubscribe_atom, const std::string& topic, const caf::actor& who) {
      self->state.table.unsubscribe(topic, who);
      if (!self->state.table.known(who))
        self->demonitor(who);
    },
    [=](publish_atom, const std::string& topic, const frame_ptr& frame) {
      self->state.table.for_each(topic, [&](const caf::actor& who) {
        self->send(who, frame_atom_v, frame);
      });
    },
  };
}

} // namespace

caf::actor spawn_pubsub(caf::actor_system& sys) {
  return sys.spawn(pubsub_impl);
}

} // namespace parlor::pubsub
