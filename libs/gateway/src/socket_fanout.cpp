#include "parlor/gateway/socket_fanout.hpp"

#include "parlor/pubsub/pubsub_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <map>
#include <unordered_map>

namespace parlor::gateway {

namespace {

using sink_ref = std::weak_ptr<socket_sink>;

struct fanout_state {
  // Not an aggregate: CAF 0.17 constructs a state from the actor's `this`
  // when it can, and a typed handle as first member would claim it can.
  fanout_state() = default;
  pubsub::pubsub_actor pubsub;
  std::shared_ptr<metrics::node_metrics> metrics;
  /// Subscription count by socket, by topic.
  std::unordered_map<std::string,
                     std::map<sink_ref, uint32_t, std::owner_less<sink_ref>>>
    topics;
  /// Reused for every broadcast.
  std::vector<std::shared_ptr<socket_sink>> live;
  static inline const char* name = "parlor.socket_fanout";
};

using self_ptr = socket_fanout_actor::stateful_pointer<fanout_state>;

void forget_topic(self_ptr self, const std::string& topic) {
  self->state.topics.erase(topic);
  self->send(self->state.pubsub, pubsub::unsubscribe_atom_v, topic,
             caf::actor_cast<pubsub::subscriber_actor>(self));
}

socket_fanout_actor::behavior_type
fanout_impl(self_ptr self, pubsub::pubsub_actor pubsub_actor,
            std::shared_ptr<metrics::node_metrics> metrics) {
  self->state.pubsub = std::move(pubsub_actor);
  self->state.metrics = std::move(metrics);
  return {
    [=](pubsub::subscribe_atom, const std::string& topic, const sink_ref& s) {
      auto& st = self->state;
      auto [i, added] = st.topics.try_emplace(topic);
      if (added)
        self->send(st.pubsub, pubsub::subscribe_atom_v, topic,
                   caf::actor_cast<pubsub::subscriber_actor>(self));
      ++i->second[s];
      return caf::ok_atom_v;
    },
    [=](pubsub::unsubscribe_atom, const std::string& topic, const sink_ref& s) {
      auto i = self->state.topics.find(topic);
      if (i == self->state.topics.end())
        return;
      auto j = i->second.find(s);
      if (j == i->second.end() || --j->second > 0)
        return;
      i->second.erase(j);
      if (i->second.empty())
        forget_topic(self, topic);
    },
    [=](pubsub::frame_atom, const std::string& topic,
        const pubsub::frame_ptr& frame) {
      auto& st = self->state;
      auto i = st.topics.find(topic);
      if (i == st.topics.end())
        return;
      st.live.clear();
      auto& sinks = i->second;
      for (auto j = sinks.begin(); j != sinks.end();)
        if (auto s = j->first.lock()) {
          st.live.push_back(std::move(s));
          ++j;
        } else {
          j = sinks.erase(j); // the socket closed without unsubscribing
        }
      if (sinks.empty())
        forget_topic(self, topic);
      if (st.live.empty())
        return;
      st.metrics->messages_out.add(st.live.size());
      send_to_all(frame, st.live);
      st.live.clear();
    },
  };
}

} // namespace

socket_fanout_actor
spawn_socket_fanout(caf::actor_system& sys, pubsub::pubsub_actor pubsub,
                    std::shared_ptr<metrics::node_metrics> metrics) {
  return sys.spawn(fanout_impl, std::move(pubsub), std::move(metrics));
}

} // namespace parlor::gateway
