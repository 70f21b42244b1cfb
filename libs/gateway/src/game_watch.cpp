#include "parlor/gateway/game_watch.hpp"

#include "parlor/gateway/gateway_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <map>
#include <unordered_map>

namespace parlor::gateway {

namespace {

struct watched {
  game_server::game_server_actor game;
  /// Follow count by gateway.
  std::map<watch_follower, uint32_t> followers;
};

struct watch_state {
  std::unordered_map<caf::actor_addr, watched> games;
  static inline const char* name = "parlor.game_watch";
};

using self_ptr = game_watch_actor::stateful_pointer<watch_state>;

game_watch_actor::behavior_type watch_impl(self_ptr self) {
  self->set_down_handler([=](caf::down_msg& dm) {
    auto i = self->state.games.find(dm.source);
    if (i == self->state.games.end())
      return;
    for (auto& entry : i->second.followers)
      self->send(entry.first, game_down_atom_v, dm.source, dm.reason);
    self->state.games.erase(i);
  });
  return {
    [=](follow_atom, const game_server::game_server_actor& game) {
      auto who = caf::actor_cast<watch_follower>(self->current_sender());
      if (!game || !who)
        return;
      auto [i, added] = self->state.games.try_emplace(game.address());
      if (added) {
        i->second.game = game;
        // Answers at once with a down_msg if `game` is gone already.
        self->monitor(game);
      }
      ++i->second.followers[who];
    },
    [=](unfollow_atom, const caf::actor_addr& game) {
      auto who = caf::actor_cast<watch_follower>(self->current_sender());
      auto i = self->state.games.find(game);
      if (i == self->state.games.end())
        return;
      auto& followers = i->second.followers;
      auto j = followers.find(who);
      if (j == followers.end() || --j->second > 0)
        return;
      followers.erase(j);
      if (followers.empty()) {
        self->demonitor(i->second.game.address());
        self->state.games.erase(i);
      }
    },
  };
}

} // namespace

game_watch_actor spawn_game_watch(caf::actor_system& sys) {
  return sys.spawn(watch_impl);
}

} // namespace parlor::gateway
