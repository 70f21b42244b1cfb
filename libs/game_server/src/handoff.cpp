// Drain and handoff: a node going away hands each game to its backup,
// which already holds the game's final snapshot.
#include "supervisor_state.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

namespace parlor::game_server {

caf::result<uint64_t> drain_all(supervisor_ptr self) {
  auto& st = self->state;
  st.draining = true;
  struct handoff {
    std::string code;
    game_server_actor game;
    std::string target;
    peer_endpoint_actor endpoint;
  };
  std::vector<handoff> handoffs;
  st.games.for_each_running([&](const std::string& code, auto& g) {
    if (auto endpoint = endpoint_of(st, g.backup))
      handoffs.push_back(handoff{code, g.actor, g.backup, endpoint});
  });
  if (handoffs.empty())
    return uint64_t{0};
  auto rp = self->make_response_promise<uint64_t>();
  auto pending = std::make_shared<std::size_t>(handoffs.size());
  auto handed = std::make_shared<uint64_t>(0);
  auto done = [=](bool ok) mutable {
    if (ok)
      ++*handed;
    if (--*pending == 0)
      rp.deliver(*handed);
  };
  for (auto& h : handoffs) {
    // Freeze the game (its backup then holds its final snapshot), then ask
    // the backup to take it over; the new owner registers a newer
    // incarnation, which stops this one (superseded) everywhere.
    // The game copies its final snapshot to its backup first (bounded by
    // the store's timeout), and names the node it copied to.
    self->request(h.game, self->state.env->store_timeout + registry_timeout,
                  drain_atom_v)
      .then(
        [=](std::string& copied_to) mutable {
          if (copied_to != h.target) {
            // The backup changed under the drain: not this round.
            self->send(h.game, resume_atom_v);
            return done(false);
          }
          self
            ->request(h.endpoint, registry_timeout,
                      adopt_msg{self->state.env->host.name, h.code})
            .then([=](caf::ok_atom) mutable { done(true); },
                  [=](caf::error& err) mutable {
                    spdlog::error("drain: {} did not take game {}: {}",
                                  h.target, h.code,
                                  self->system().render(err));
                    // It stays here and playable.
                    self->send(h.game, resume_atom_v);
                    done(false);
                  });
        },
        [=](caf::error&) mutable {
          // No answer in time (or no copy): the game must not stay frozen.
          // A resume after a late freeze still unfreezes it (it comes
          // after the drain in the game's mailbox).
          self->send(h.game, resume_atom_v);
          done(false);
        });
  }
  return rp;
}

caf::result<caf::ok_atom> adopt_one(supervisor_ptr self,
                                    const adopt_msg& msg) {
  auto rp = self->make_response_promise<caf::ok_atom>();
  auto owner = msg.owner;
  auto code = msg.code;
  self
    ->request(self->state.env->store, 10s, store::adopt_atom_v, owner, code)
    .then(
      [=](store::saved_games& saved) mutable {
        if (start_saved(self, saved) == 0) {
          rp.deliver(caf::error{errc::storage_failed});
          return;
        }
        spdlog::info("handoff: took over game {} from {}", code, owner);
        rp.deliver(caf::ok_atom_v);
      },
      [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

} // namespace parlor::game_server
