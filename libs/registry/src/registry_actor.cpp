#include "parlor/registry/registry_actor.hpp"

#include "parlor/cluster/fwd.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <map>
#include <unordered_map>

namespace parlor::registry {

namespace {

using namespace std::chrono_literals;

/// How long a claim waits for a peer before counting it as accepted (a peer
/// that does not answer is being declared down by membership).
constexpr auto claim_timeout = 2s;

struct entry {
  caf::actor game;
  std::string owner;
};

struct registry_state {
  std::string self_name;
  std::unordered_map<std::string, entry> games;
  std::map<std::string, caf::actor> peers;
  static inline const char* name = "parlor.registry";
};

using self_ptr = caf::stateful_actor<registry_state>*;

bool is_local(self_ptr self, const entry& e) {
  return e.owner == self->state.self_name;
}

void put_local(self_ptr self, const std::string& code, const caf::actor& game) {
  self->monitor(game);
  self->state.games[code] = entry{game, self->state.self_name};
}

void broadcast(self_ptr self, const caf::message& msg) {
  for (auto& [name, peer] : self->state.peers)
    self->send(peer, msg);
}

/// Applies an entry a peer owns; resolves a clash with a local entry.
void apply_sync(self_ptr self, const std::string& code, const caf::actor& game,
                const std::string& owner) {
  auto& games = self->state.games;
  auto i = games.find(code);
  if (i == games.end() || i->second.owner == owner
      || i->second.game == game) {
    games[code] = entry{game, owner};
    return;
  }
  // Two owners: the smaller node name wins, on every replica alike.
  if (i->second.owner < owner)
    return;
  if (is_local(self, i->second)) {
    // Our game lost: stop it; its players get phx_error and rejoin the
    // winner through the lookup below.
    self->demonitor(i->second.game);
    self->send_exit(i->second.game, caf::exit_reason::user_shutdown);
  }
  i->second = entry{game, owner};
}

caf::behavior registry_impl(self_ptr self, std::string self_name) {
  self->state.self_name = std::move(self_name);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& games = self->state.games;
    for (auto i = games.begin(); i != games.end();) {
      if (is_local(self, i->second) && i->second.game.address() == dm.source) {
        broadcast(self, caf::make_message(drop_atom_v, i->first,
                                          i->second.game));
        i = games.erase(i);
      } else {
        ++i;
      }
    }
  });
  return {
    [=](register_atom, const std::string& code,
        const caf::actor& game) -> caf::result<bool> {
      auto i = self->state.games.find(code);
      if (i != self->state.games.end() && i->second.game != game)
        return false;
      put_local(self, code, game);
      if (self->state.peers.empty())
        return true;
      // Every live peer must accept the claim before it counts.
      auto rp = self->make_response_promise<bool>();
      auto pending = std::make_shared<std::size_t>(self->state.peers.size());
      auto refused = std::make_shared<bool>(false);
      auto done = [=]() mutable {
        if (--*pending > 0)
          return;
        if (*refused) {
          auto j = self->state.games.find(code);
          if (j != self->state.games.end() && j->second.game == game) {
            self->demonitor(game);
            self->state.games.erase(j);
          }
          broadcast(self, caf::make_message(drop_atom_v, code, game));
          rp.deliver(false);
        } else {
          rp.deliver(true);
        }
      };
      for (auto& [name, peer] : self->state.peers)
        self
          ->request(peer, claim_timeout, claim_atom_v, code, game,
                    self->state.self_name)
          .then(
            [=](bool accepted) mutable {
              if (!accepted)
                *refused = true;
              done();
            },
            [=](caf::error&) mutable { done(); });
      return rp;
    },
    [=](replace_atom, const std::string& code, const caf::actor& game) {
      put_local(self, code, game);
      broadcast(self, caf::make_message(sync_atom_v, code, game,
                                        self->state.self_name));
    },
    [=](lookup_atom, const std::string& code) -> caf::result<caf::actor> {
      auto i = self->state.games.find(code);
      if (i == self->state.games.end())
        return caf::error{errc::not_found};
      return i->second.game;
    },
    [=](unregister_atom, const std::string& code, const caf::actor& game) {
      auto i = self->state.games.find(code);
      if (i != self->state.games.end() && i->second.game == game) {
        self->state.games.erase(i);
        broadcast(self, caf::make_message(drop_atom_v, code, game));
      }
    },
    [=](count_atom) {
      return static_cast<uint64_t>(self->state.games.size());
    },
    // -- from peer replicas ---------------------------------------------------
    [=](claim_atom, const std::string& code, const caf::actor& game,
        const std::string& owner) {
      auto i = self->state.games.find(code);
      if (i != self->state.games.end() && i->second.game != game)
        return false;
      self->state.games[code] = entry{game, owner};
      return true;
    },
    [=](sync_atom, const std::string& code, const caf::actor& game,
        const std::string& owner) { apply_sync(self, code, game, owner); },
    [=](drop_atom, const std::string& code, const caf::actor& game) {
      auto i = self->state.games.find(code);
      if (i != self->state.games.end() && i->second.game == game
          && !is_local(self, i->second))
        self->state.games.erase(i);
    },
    [=](cluster::peer_up_atom, const std::string& node,
        const caf::actor& peer) {
      self->state.peers[node] = peer;
      // The new peer gets the full local state.
      for (auto& [code, e] : self->state.games)
        if (is_local(self, e))
          self->send(peer, sync_atom_v, code, e.game, e.owner);
    },
    [=](cluster::peer_down_atom, const std::string& node) {
      self->state.peers.erase(node);
      auto& games = self->state.games;
      for (auto i = games.begin(); i != games.end();)
        i = i->second.owner == node ? games.erase(i) : std::next(i);
    },
  };
}

} // namespace

caf::actor spawn_registry(caf::actor_system& sys, std::string self_name) {
  return sys.spawn(registry_impl, std::move(self_name));
}

} // namespace parlor::registry
