#include "parlor/registry/registry_actor.hpp"

#include "parlor/core/clock.hpp"
#include "parlor/registry/replica.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <memory>
#include <utility>
#include <vector>
#include <map>
#include <set>

namespace parlor::registry {

namespace {

using namespace std::chrono_literals;

/// How long a claim waits for a peer before counting it as accepted (a peer
/// that does not answer is being declared down by membership).
constexpr auto claim_timeout = 2s;

/// How often tombstones are swept; one lives between one and two periods,
/// far longer than any message between two members is in flight.
constexpr auto prune_period = 60s;

struct registry_state {
  std::string self_name;
  replica<caf::actor> crdt;
  stamp clock;
  std::map<std::string, registry_actor> peers;
  /// Local games by address, for their down messages.
  std::map<caf::actor_addr, std::set<std::string>> local;
  /// Claims sent to each peer and not answered yet: (answered, count it).
  /// A peer declared down counts as accepting at once instead of after
  /// `claim_timeout`.
  std::map<std::string,
           std::vector<std::pair<std::shared_ptr<bool>, std::function<void()>>>>
    waiting;
  /// Tombstones seen at the previous sweep.
  std::set<std::pair<std::string, std::string>> old_tombstones;
  static inline const char* name = "parlor.registry";
};

using self_ptr = registry_actor::stateful_pointer<registry_state>;

void broadcast(self_ptr self, const sync_msg& msg) {
  for (auto& [name, peer] : self->state.peers)
    self->send(peer, msg);
}

sync_msg sync_message(const std::string& code, const std::string& owner,
                      const record<caf::actor>& r) {
  return {code, owner, r.game, r.incarnation, r.version.epoch, r.version.seq,
          r.live};
}

void watch(self_ptr self, const std::string& code, const caf::actor& game) {
  auto& codes = self->state.local[game.address()];
  if (codes.empty())
    self->monitor(game);
  codes.insert(code);
}

void unwatch(self_ptr self, const std::string& code, const caf::actor& game) {
  auto i = self->state.local.find(game.address());
  if (i == self->state.local.end())
    return;
  i->second.erase(code);
  if (i->second.empty()) {
    self->demonitor(game);
    self->state.local.erase(i);
  }
}

/// Writes this node's record for `code` and, unless `tell_peers` is false,
/// sends it to every peer.
record<caf::actor> write(self_ptr self, const std::string& code,
                         const caf::actor& game, uint64_t incarnation,
                         bool live, bool tell_peers = true) {
  auto& st = self->state;
  ++st.clock.seq;
  record<caf::actor> r{game, incarnation, st.clock, live};
  if (auto old = st.crdt.find(code, st.self_name); old && old->live)
    unwatch(self, code, old->game);
  st.crdt.merge(code, st.self_name, r);
  if (live)
    watch(self, code, game);
  if (tell_peers)
    broadcast(self, sync_message(code, st.self_name, r));
  return r;
}

/// After a merge: if our own live record for `code` lost to another
/// node's, our game is stopped (its players get phx_error and rejoin the
/// winner) and our record becomes a tombstone.
void reconcile(self_ptr self, const std::string& code) {
  auto& st = self->state;
  auto mine = st.crdt.find(code, st.self_name);
  if (!mine || !mine->live)
    return;
  auto win = st.crdt.winner(code);
  if (!win || win->owner == st.self_name)
    return;
  auto loser = mine->game;
  spdlog::warn("registry: game {} is also owned by {} (incarnation {}), "
               "which wins; stopping ours",
               code, win->owner, win->rec.incarnation);
  write(self, code, loser, mine->incarnation, false);
  self->send_exit(loser, caf::error{errc::superseded});
}

/// Whether `game` may take `code` here: nobody holds it, or `game` does.
bool free_for(self_ptr self, const std::string& code, const caf::actor& game) {
  auto win = self->state.crdt.winner(code);
  return !win || win->rec.game == game;
}

void prune(self_ptr self) {
  auto& st = self->state;
  st.crdt.prune([&](const std::string& code, const std::string& owner) {
    return st.old_tombstones.count({code, owner}) > 0;
  });
  st.old_tombstones.clear();
  for (auto& [code, owners] : st.crdt.data())
    for (auto& [owner, r] : owners)
      if (!r.live)
        st.old_tombstones.emplace(code, owner);
  self->delayed_send(self, prune_period, prune_atom_v);
}

/// Claims `code` for a local `game` on every replica.
caf::result<bool> claim(self_ptr self, const std::string& code,
                        const caf::actor& game, uint64_t incarnation) {
  if (!free_for(self, code, game))
    return false;
  // Peers learn of the record through the claim itself, which they may
  // refuse; a sync would make them take it unasked.
  auto r = write(self, code, game, incarnation, true, false);
  if (self->state.peers.empty())
    return true;
  // Every live peer must accept the claim before it counts: then a
  // join on any node right after `create` finds the game.
  auto rp = self->make_response_promise<bool>();
  auto pending = std::make_shared<std::size_t>(self->state.peers.size());
  auto refused = std::make_shared<bool>(false);
  auto done = [=]() mutable {
    if (--*pending > 0)
      return;
    if (!*refused) {
      rp.deliver(true);
      return;
    }
    auto mine = self->state.crdt.find(code, self->state.self_name);
    if (mine && mine->live && mine->game == game)
      write(self, code, game, incarnation, false);
    rp.deliver(false);
  };
  for (auto& [name, peer] : self->state.peers) {
    auto answered = std::make_shared<bool>(false);
    auto& waiting = self->state.waiting[name];
    std::erase_if(waiting, [](auto& w) { return *w.first; });
    waiting.emplace_back(answered, done);
    self
      ->request(peer, claim_timeout,
                claim_msg{code, self->state.self_name, game, r.incarnation,
                          r.version.epoch, r.version.seq})
      .then(
        [=](bool accepted) mutable {
          if (std::exchange(*answered, true))
            return;
          if (!accepted)
            *refused = true;
          done();
        },
        [=](caf::error&) mutable {
          if (!std::exchange(*answered, true))
            done();
        });
  }
  return rp;
}

registry_actor::behavior_type
registry_impl(self_ptr self, std::string self_name, uint64_t start_epoch) {
  self->state.self_name = std::move(self_name);
  self->state.clock.epoch = start_epoch;
  self->delayed_send(self, prune_period, prune_atom_v);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    auto i = st.local.find(dm.source);
    if (i == st.local.end())
      return;
    auto codes = std::move(i->second);
    st.local.erase(i);
    for (auto& code : codes)
      if (auto r = st.crdt.find(code, st.self_name); r && r->live) {
        ++st.clock.seq;
        record<caf::actor> dead{r->game, r->incarnation, st.clock, false};
        st.crdt.merge(code, st.self_name, dead);
        broadcast(self, sync_message(code, st.self_name, dead));
      }
  });
  return {
    [=](register_msg& msg) {
      return claim(self, msg.code, msg.game, msg.incarnation);
    },
    [=](replace_msg& msg) {
      auto incarnation = msg.incarnation;
      if (incarnation == 0) {
        auto mine = self->state.crdt.find(msg.code, self->state.self_name);
        incarnation = mine ? mine->incarnation : 1;
      }
      write(self, msg.code, msg.game, incarnation, true);
      reconcile(self, msg.code);
    },
    [=](lookup_atom, const std::string& code) -> caf::result<caf::actor> {
      auto win = self->state.crdt.winner(code);
      if (!win)
        return caf::error{errc::not_found};
      return win->rec.game;
    },
    [=](unregister_msg& msg) {
      auto mine = self->state.crdt.find(msg.code, self->state.self_name);
      if (mine && mine->live && mine->game == msg.game)
        write(self, msg.code, msg.game, mine->incarnation, false);
    },
    [=](count_atom) {
      return static_cast<uint64_t>(self->state.crdt.live_codes());
    },
    [=](prune_atom) { prune(self); },
    // -- from peer replicas ---------------------------------------------------
    [=](claim_msg& msg) {
      if (!free_for(self, msg.code, msg.game))
        return false;
      self->state.crdt.merge(msg.code, msg.owner,
                             record<caf::actor>{msg.game, msg.incarnation,
                                                stamp{msg.epoch, msg.seq},
                                                true});
      return true;
    },
    [=](sync_msg& msg) {
      if (msg.owner == self->state.self_name)
        return; // only we write our records
      self->state.crdt.merge(msg.code, msg.owner,
                             record<caf::actor>{msg.game, msg.incarnation,
                                                stamp{msg.epoch, msg.seq},
                                                msg.live});
      reconcile(self, msg.code);
    },
    // -- membership -------------------------------------------------------------
    [=](cluster::member_up_msg& up) {
      auto peer = up.services.get<registry_actor>(service_name);
      if (!peer)
        return;
      auto& st = self->state;
      st.peers[up.who.name] = peer;
      // The new peer gets every record we own; with every member doing the
      // same, it ends up with the full state.
      for (auto& [code, owners] : st.crdt.data())
        if (auto i = owners.find(st.self_name); i != owners.end())
          self->send(peer, sync_message(code, st.self_name, i->second));
    },
    [=](cluster::member_down_msg& down) {
      auto& node = down.name;
      self->state.peers.erase(node);
      if (auto i = self->state.waiting.find(node);
          i != self->state.waiting.end()) {
        auto waiting = std::move(i->second);
        self->state.waiting.erase(i);
        for (auto& [answered, count] : waiting)
          if (!std::exchange(*answered, true))
            count();
      }
      // Entries of a dead node go at once (restoring its games elsewhere
      // registers them anew).
      self->state.crdt.forget(node);
    },
    [=](cluster::member_status_msg&) {
      // A draining peer still holds its games until they move.
    },
  };
}

} // namespace

registry_actor spawn_registry(caf::actor_system& sys, std::string self_name,
                              uint64_t epoch) {
  if (epoch == 0)
    epoch = static_cast<uint64_t>(core::unix_ms());
  return sys.spawn(registry_impl, std::move(self_name), epoch);
}

} // namespace parlor::registry
