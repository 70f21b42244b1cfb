#include "parlor/game_server/supervisor_actor.hpp"

#include "supervisor_state.hpp"

#include "parlor/core/clock.hpp"
#include "parlor/game_server/peer_endpoint_actor.hpp"
#include "parlor/game_server/placement.hpp"
#include "parlor/games/catalog.hpp"
#include "parlor/games/match.hpp"
#include "parlor/registry/codes.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/result.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

namespace parlor::game_server {

std::map<std::string, bool> peer_status(const supervisor_state& st) {
  std::map<std::string, bool> out;
  for (auto& [name, p] : st.peers)
    out.emplace(name, p.draining);
  return out;
}

peer_endpoint_actor endpoint_of(const supervisor_state& st,
                                const std::string& node) {
  auto i = st.peers.find(node);
  return i == st.peers.end() ? peer_endpoint_actor{} : i->second.endpoint;
}

namespace {

/// At most this many restarts of one game within `restart_window`.
constexpr std::size_t max_restarts = 3;
constexpr auto restart_window = 10s;
constexpr int max_code_attempts = 64;
/// How often finished games past their ttl are deleted from the store.
constexpr auto reap_period = 60s;

/// Names the backup of `code` (again when membership changed; `force`: even
/// if it did not change, e.g. for a new GameServer).
void assign_backup(supervisor_ptr self, const std::string& code,
                   const std::map<std::string, bool>& peers,
                   bool force = false) {
  auto& st = self->state;
  auto g = st.games.find(code);
  if (!g || !g->actor)
    return;
  auto chosen = backup_for(code, peers).value_or(std::string{});
  if (!force && chosen == g->backup)
    return;
  g->backup = chosen;
  self->send(g->actor, backup_msg{chosen, endpoint_of(st, chosen),
                                  chosen.empty() && st.isolated});
}

void reassign_backups(supervisor_ptr self, bool force = false) {
  auto peers = peer_status(self->state);
  std::vector<std::string> codes;
  self->state.games.for_each_running(
    [&](const std::string& code, auto&) { codes.push_back(code); });
  for (auto& code : codes)
    assign_backup(self, code, peers, force);
}

game_server_actor start(supervisor_ptr self,
                        std::shared_ptr<const games::match> m,
                        uint64_t incarnation) {
  auto code = m->code();
  auto game = spawn_game_server(self->system(), self->state.env, std::move(m),
                                incarnation);
  self->monitor(game);
  self->state.games.start(code, game, incarnation);
  if (auto& gauges = self->state.env->metrics)
    gauges->games.add(1);
  assign_backup(self, code, peer_status(self->state), true);
  return game;
}

/// Forgets a game that never became durable or registered.
void discard(supervisor_ptr self, const std::string& code,
             const game_server_actor& game) {
  self->demonitor(game.address());
  self->state.games.erase(code);
  if (auto& gauges = self->state.env->metrics)
    gauges->games.add(-1);
  self->send_exit(game, caf::exit_reason::user_shutdown);
}

void try_create(supervisor_ptr self, caf::typed_response_promise<std::string> rp,
                std::shared_ptr<const create_msg> req, int attempt) {
  auto retry = [=]() mutable {
    if (attempt < max_code_attempts)
      try_create(self, rp, req, attempt + 1);
    else
      rp.deliver(caf::error{errc::no_free_code});
  };
  auto code = registry::random_code();
  if (self->state.games.find(code))
    return retry();
  games::match_setup how;
  how.invite = req->invite;
  if (!req->options.empty())
    how.options = nlohmann::json::parse(req->options, nullptr, false);
  how.seed = self->state.seeds();
  how.now_ms = core::unix_ms();
  auto game = start(self,
                    games::match::create(req->kind, code,
                                         {req->player_id, req->name},
                                         std::move(how)),
                    1);
  self
    ->request(self->state.registry, registry_timeout,
              registry::register_msg{code, caf::actor_cast<caf::actor>(game),
                                     1})
    .then(
      [=](bool claimed) mutable {
        if (!claimed) {
          discard(self, code, game);
          return retry();
        }
        // Durable before `create` returns.
        self->request(game, self->state.env->store_timeout * 2, persist_atom_v)
          .then([=](caf::ok_atom) mutable { rp.deliver(code); },
                [=](caf::error& err) mutable {
                  self->send(self->state.registry,
                             registry::unregister_msg{
                               code, caf::actor_cast<caf::actor>(game)});
                  discard(self, code, game);
                  rp.deliver(std::move(err));
                });
      },
      [=](caf::error& err) mutable {
        discard(self, code, game);
        rp.deliver(std::move(err));
      });
}

caf::result<std::string> create(supervisor_ptr self, create_msg& msg) {
  auto& st = self->state;
  if (st.shutting_down)
    return caf::error{errc::shutting_down};
  if (!games::make_rules(msg.kind))
    return caf::error{errc::unknown_game};
  auto rp = self->make_response_promise<std::string>();
  if (st.draining) {
    // Placed on a peer instead (the same choice for the same player).
    auto target = backup_for(msg.player_id, peer_status(st));
    if (!target)
      return caf::error{errc::shutting_down};
    self->request(endpoint_of(st, *target), registry_timeout * 2, std::move(msg))
      .then([=](std::string& code) mutable { rp.deliver(std::move(code)); },
            [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
    return rp;
  }
  try_create(self, rp, std::make_shared<const create_msg>(std::move(msg)), 0);
  return rp;
}

/// Starts `code` again from its snapshot after its GameServer crashed.
void restart(supervisor_ptr self, const std::string& code) {
  auto g = self->state.games.find(code);
  if (!g)
    return;
  if (!restart_allowed(g->restarts, std::chrono::steady_clock::now(),
                       max_restarts, restart_window)) {
    spdlog::error("game {}: crashed {} times within {} s, not restarting",
                  code, max_restarts,
                  std::chrono::duration_cast<std::chrono::seconds>(
                    restart_window)
                    .count());
    self->state.games.erase(code);
    return;
  }
  self
    ->request(self->state.env->store, self->state.env->store_timeout,
              store::load_atom_v, code)
    .then(
      [=](const std::string& data) {
        auto m = games::match::restore(
          nlohmann::json::parse(data, nullptr, false));
        auto entry = self->state.games.find(code);
        if (!m || !entry) {
          spdlog::error("game {}: no usable snapshot, not restarting", code);
          self->state.games.erase(code);
          return;
        }
        auto incarnation = entry->incarnation;
        auto game = start(self, std::shared_ptr<const games::match>{std::move(m)},
                          incarnation);
        self->send(self->state.registry,
                   registry::replace_msg{code, caf::actor_cast<caf::actor>(game),
                                         incarnation});
        spdlog::warn("game {}: restarted from its snapshot", code);
      },
      [=](caf::error& err) {
        spdlog::error("game {}: cannot load snapshot ({}), not restarting",
                      code, self->system().render(err));
        self->state.games.erase(code);
      });
}

/// Finished games written before this (Unix ms) are past their ttl.
int64_t finished_cutoff(supervisor_ptr self) {
  return core::unix_ms() - self->state.env->finished_ttl.count();
}

/// A GameServer stopped: restart it if it crashed, clean up otherwise.
void on_game_down(supervisor_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto code = st.games.code_of(dm.source);
  if (!code)
    return;
  auto g = st.games.find(*code);
  st.games.detach(*code);
  if (auto& gauges = st.env->metrics)
    gauges->games.add(-1);
  auto superseded = dm.reason == registry::errc::superseded;
  auto abandoned = dm.reason == errc::abandoned;
  if (superseded || abandoned) {
    // Another node's game holds the code now, or nobody played it for too
    // long: our snapshot and its backup copy are obsolete.
    self->send(st.env->store, store::forget_msg{*code, g->incarnation});
    if (auto endpoint = endpoint_of(st, g->backup))
      self->send(endpoint, store::unreplicate_msg{*code, st.env->host.name,
                                                  g->incarnation});
    if (superseded)
      spdlog::warn("game {}: superseded by another node's game; local copy "
                   "dropped",
                   *code);
  }
  if (st.shutting_down || dm.reason == caf::exit_reason::normal
      || dm.reason == caf::exit_reason::user_shutdown || superseded
      || abandoned) {
    st.games.erase(*code);
    return;
  }
  spdlog::error("game {}: GameServer crashed ({})", *code,
                self->system().render(dm.reason));
  restart(self, *code);
}

/// A peer was lost: the games this node keeps copies of for it become ours,
/// one incarnation later (failover).
void fail_over(supervisor_ptr self, const std::string& lost) {
  self
    ->request(self->state.env->store, 30s, store::adopt_atom_v, lost,
              finished_cutoff(self))
    .then(
      [=](store::saved_games& saved) {
        if (auto n = start_saved(self, saved); n > 0)
          spdlog::warn("failover: took over {} game(s) of lost node {}", n,
                       lost);
      },
      [=](caf::error& err) {
        spdlog::error("failover: cannot adopt the games of {}: {}", lost,
                      self->system().render(err));
      });
}

/// A peer was lost: remember it with the others lost in the same burst; the
/// burst is decided on `failover_grace` after its first loss.
void note_loss(supervisor_ptr self, const std::string& name) {
  auto& b = self->state.losses;
  if (!b.open) {
    b = loss_burst{true, core::unix_ms(), {}, {}};
    for (auto& [peer, info] : self->state.peers)
      b.members.insert(peer);
    self->delayed_send(self, failover_grace, failover_atom_v);
  }
  b.members.insert(name);
  if (std::find(b.lost.begin(), b.lost.end(), name) == b.lost.end())
    b.lost.push_back(name);
}

/// Fails over the peers lost in the burst, unless this node lost more of
/// the cluster than it kept (itself included): then it is the one that was
/// cut off (frozen, or partitioned into a minority), the others have taken
/// its games and named other backups for theirs, and the copies it keeps
/// for them are stale. Adopting those would register older games at a
/// higher incarnation than the live ones and supersede them, losing every
/// change made since. They are dropped instead; the owners send fresh
/// copies when they name this node again. A tie (two nodes) fails over:
/// with one node left there is no majority to wait for.
void decide_failover(supervisor_ptr self) {
  auto b = std::move(self->state.losses);
  self->state.losses = loss_burst{};
  if (!b.open || self->state.shutting_down)
    return;
  auto cluster = b.members.size() + 1;
  auto kept = cluster - b.lost.size();
  if (kept >= b.lost.size()) {
    if (self->state.isolated && self->state.peers.empty()) {
      // The others are gone, not this node: it carries on alone.
      self->state.isolated = false;
      reassign_backups(self, true);
    }
    for (auto& lost : b.lost)
      fail_over(self, lost);
    return;
  }
  spdlog::warn("failover: lost {} of the {} other nodes at once: this node "
               "was cut off; not taking over their games, dropping the "
               "copies kept for them",
               b.lost.size(), cluster - 1);
  for (auto& lost : b.lost)
    self->send(self->state.env->store, store::drop_atom_v, lost, b.since_ms);
}

caf::result<uint64_t> restore(supervisor_ptr self) {
  auto rp = self->make_response_promise<uint64_t>();
  self
    ->request(self->state.env->store, 30s, store::load_atom_v,
              finished_cutoff(self))
    .then(
      [=](store::saved_games& saved) mutable {
        auto restored = start_saved(self, saved);
        // The registry handles our messages in order: once it answers,
        // every game above is registered.
        self->request(self->state.registry, registry_timeout, registry::count_atom_v)
          .then([=](uint64_t) mutable { rp.deliver(restored); },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
      },
      [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

supervisor_actor::behavior_type
supervisor_impl(supervisor_ptr self, std::shared_ptr<const game_env> env,
                registry::registry_actor registry) {
  self->state.env = std::move(env);
  self->state.registry = std::move(registry);
  self->delayed_send(self, reap_period, reap_atom_v);
  self->set_down_handler([=](caf::down_msg& dm) { on_game_down(self, dm); });
  self->set_exit_handler([=](caf::exit_msg& msg) {
    self->state.shutting_down = true;
    self->state.games.for_each_running([&](const std::string&, auto& g) {
      self->send_exit(g.actor, caf::exit_reason::user_shutdown);
    });
    self->quit(msg.reason);
  });
  return {
    [=](create_msg& msg) { return create(self, msg); },
    [=](restore_atom) { return restore(self); },
    [=](stats_atom) {
      return static_cast<uint64_t>(self->state.games.running_count());
    },
    // -- drain and handoff (handoff.cpp) ---------------------------------
    [=](drain_atom) { return drain_all(self); },
    [=](resume_atom) {
      // Takes new games again; handed-over games stay where they are.
      self->state.draining = false;
      return caf::ok_atom_v;
    },
    [=](const adopt_msg& msg) { return adopt_one(self, msg); },
    [=](reap_atom) {
      self->send(self->state.env->store, store::expire_atom_v,
                 finished_cutoff(self));
      self->delayed_send(self, reap_period, reap_atom_v);
    },
    // -- membership (from the cluster agent) ------------------------------
    [=](cluster::member_up_msg& up) {
      auto endpoint
        = up.services.get<peer_endpoint_actor>(peer_endpoint_service);
      if (!endpoint)
        return;
      self->state.peers[up.who.name] = peer_info{endpoint, false};
      self->state.isolated = false;
      reassign_backups(self);
    },
    [=](cluster::member_status_msg& msg) {
      auto i = self->state.peers.find(msg.name);
      if (i == self->state.peers.end())
        return;
      i->second.draining = msg.status == "draining";
      reassign_backups(self);
    },
    [=](cluster::member_down_msg& down) {
      note_loss(self, down.name);
      self->state.peers.erase(down.name);
      if (self->state.peers.empty())
        self->state.isolated = true;
      reassign_backups(self);
    },
    [=](failover_atom) { decide_failover(self); },
  };
}

} // namespace

uint64_t start_saved(supervisor_ptr self, const store::saved_games& saved) {
  uint64_t started = 0;
  for (std::size_t i = 0; i < saved.data.size(); ++i) {
    auto m = games::match::restore(
      nlohmann::json::parse(saved.data[i], nullptr, false));
    if (!m) {
      spdlog::error("store: skipped an unreadable game snapshot");
      continue;
    }
    auto code = m->code();
    auto incarnation = i < saved.incarnations.size() ? saved.incarnations[i]
                                                     : 1;
    if (auto g = self->state.games.find(code); g && g->actor) {
      if (g->incarnation >= incarnation)
        continue;
      // An older copy of ours still runs: it was taken over while this
      // node was frozen and has not heard yet. The saved game replaces it
      // (it is newer: it holds every change the old one had confirmed).
      spdlog::warn("game {}: incarnation {} replaces the stale {} still "
                   "running here",
                   code, incarnation, g->incarnation);
      auto stale = g->actor;
      self->demonitor(stale.address());
      self->state.games.detach(code);
      if (auto& gauges = self->state.env->metrics)
        gauges->games.add(-1);
      self->send_exit(stale, caf::exit_reason::kill);
    }
    auto game = start(self, std::shared_ptr<const games::match>{std::move(m)},
                      incarnation);
    self->send(self->state.registry,
               registry::replace_msg{code, caf::actor_cast<caf::actor>(game),
                                     incarnation});
    ++started;
  }
  return started;
}

supervisor_actor spawn_supervisor(caf::actor_system& sys,
                                  std::shared_ptr<const game_env> env,
                                  registry::registry_actor registry) {
  return sys.spawn(supervisor_impl, std::move(env), std::move(registry));
}

} // namespace parlor::game_server
