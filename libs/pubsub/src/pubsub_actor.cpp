#include "parlor/pubsub/pubsub_actor.hpp"

#include "parlor/pubsub/topic_table.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <map>

namespace parlor::pubsub {

namespace {

struct pubsub_state {
  topic_table<subscriber_actor> table;
  /// One PubSub per peer node, by node name.
  std::map<std::string, pubsub_actor> peers;
  static inline const char* name = "parlor.pubsub";
};

using self_ptr = pubsub_actor::stateful_pointer<pubsub_state>;

void deliver(self_ptr self, const std::string& topic, const frame_ptr& frame) {
  self->state.table.for_each(topic, [&](const subscriber_actor& who) {
    self->send(who, frame_atom_v, topic, frame);
  });
}

pubsub_actor::behavior_type pubsub_impl(self_ptr self) {
  self->set_down_handler([=](caf::down_msg& dm) {
    // A subscriber terminated: forget all its subscriptions.
    if (auto who = caf::actor_cast<subscriber_actor>(dm.source))
      self->state.table.remove(who);
  });
  return {
    [=](subscribe_atom, const std::string& topic,
        const subscriber_actor& who) {
      if (!self->state.table.known(who))
        self->monitor(who);
      self->state.table.subscribe(topic, who);
    },
    [=](unsubscribe_atom, const std::string& topic,
        const subscriber_actor& who) {
      self->state.table.unsubscribe(topic, who);
      if (!self->state.table.known(who))
        self->demonitor(who.address());
    },
    [=](publish_atom, const std::string& topic, const frame_ptr& frame) {
      deliver(self, topic, frame);
      // One message per peer node, whatever its number of subscribers.
      for (auto& [name, peer] : self->state.peers)
        self->send(peer, forward_msg{topic, *frame});
    },
    [=](forward_msg& msg) {
      if (self->state.table.count(msg.topic) == 0)
        return;
      deliver(self, msg.topic,
              std::make_shared<const std::string>(std::move(msg.frame)));
    },
    [=](cluster::member_up_msg& up) {
      if (auto peer = up.services.get<pubsub_actor>(service_name))
        self->state.peers[up.who.name] = peer;
    },
    [=](cluster::member_down_msg& down) {
      self->state.peers.erase(down.name);
    },
    [=](cluster::member_status_msg&) {
      // A draining peer still gets broadcasts: its sockets stay open.
    },
  };
}

} // namespace

pubsub_actor spawn_pubsub(caf::actor_system& sys) {
  return sys.spawn(pubsub_impl);
}

} // namespace parlor::pubsub
