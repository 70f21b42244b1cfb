#include "parlor/registry/registry_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>

#include <unordered_map>

namespace parlor::registry {

namespace {

struct registry_state {
  std::unordered_map<std::string, caf::actor> games;
  static inline const char* name = "parlor.registry";
};

using self_ptr = caf::stateful_actor<registry_state>*;

void put(self_ptr self, const std::string& code, const caf::actor& game) {
  self->monitor(game);
  self->state.games[code] = game;
}

caf::behavior registry_impl(self_ptr self) {
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& games = self->state.games;
    for (auto i = games.begin(); i != games.end();)
      i = i->second.address() == dm.source ? games.erase(i) : std::next(i);
  });
  return {
    [=](register_atom, const std::string& code, const caf::actor& game) {
      auto i = self->state.games.find(code);
      if (i != self->state.games.end() && i->second != game)
        return false;
      put(self, code, game);
      return true;
    },
    [=](replace_atom, const std::string& code, const caf::actor& game) {
      put(self, code, game);
    },
    [=](lookup_atom, const std::string& code) -> caf::result<caf::actor> {
      auto i = self->state.games.find(code);
      if (i == self->state.games.end())
        return caf::error{errc::not_found};
      return i->second;
    },
    [=](unregister_atom, const std::string& code, const caf::actor& game) {
      auto i = self->state.games.find(code);
      if (i != self->state.games.end() && i->second == game)
        self->state.games.erase(i);
    },
    [=](count_atom) {
      return static_cast<uint64_t>(self->state.games.size());
    },
  };
}

} // namespace

caf::actor spawn_registry(caf::actor_system& sys) {
  return sys.spawn(registry_impl);
}

} // namespace parlor::registry
