#include "parlor/pubsub/pubsub_actor.hpp"

#include "parlor/pubsub/topic_table.hpp"
#include "parlor/cluster/fwd.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <map>

namespace parlor::pubsub {

namespace {

struct pubsub_state {
  topic_table<caf::actor> table;
  /// One PubSub per peer node, by node name.
  std::map<std::string, caf::actor> peers;
  static inline const char* name = "parlor.pubsub";
};

void deliver(caf::stateful_actor<pubsub_state>* self, const std::string& topic,
             const frame_ptr& frame) {
  self->state.table.for_each(topic, [&](const caf::actor& who) {
    self->send(who, frame_atom_v, topic, frame);
  });
}

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
      deliver(self, topic, frame);
      // One message per peer node, whatever its number of subscribers.
      for (auto& [name, peer] : self->state.peers)
        self->send(peer, forward_atom_v, topic, *frame);
    },
    [=](forward_atom, const std::string& topic, std::string& frame) {
      if (self->state.table.count(topic) == 0)
        return;
      deliver(self, topic,
              std::make_shared<const std::string>(std::move(frame)));
    },
    [=](cluster::peer_up_atom, const std::string& node, const caf::actor& peer) {
      self->state.peers[node] = peer;
    },
    [=](cluster::peer_down_atom, const std::string& node) {
      self->state.peers.erase(node);
    },
  };
}

} // namespace

caf::actor spawn_pubsub(caf::actor_system& sys) {
  return sys.spawn(pubsub_impl);
}

} // namespace parlor::pubsub
