#include "parlor/game_server/supervisor_actor.hpp"

#include "parlor/cluster/messages.hpp"
#include "parlor/core/clock.hpp"
#include "parlor/game_server/placement.hpp"
#include "parlor/game_server/store_actor.hpp"
#include "parlor/games/catalog.hpp"
#include "parlor/games/match.hpp"
#include "parlor/registry/codes.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <deque>
#include <map>
#include <set>

namespace parlor::game_server {

namespace {

using namespace std::chrono_literals;

/// At most this many restarts of one game within `restart_window`.
constexpr std::size_t max_restarts = 3;
constexpr auto restart_window = 10s;
constexpr auto registry_timeout = 2s;
constexpr int max_code_attempts = 64;

struct supervisor_state {
  std::shared_ptr<const game_env> env;
  registry::registry_actor registry;
  std::map<std::string, caf::actor> games;
  std::map<caf::actor_addr, std::string> codes;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>>
    restarts;
  /// Ownership generation of each local game, kept across crash restarts.
  std::map<std::string, uint64_t> incarnations;
  /// Live peers and their store actors (candidates for backups).
  std::map<std::string, caf::actor> peer_stores;
  /// Peers that are draining: they take no new games nor copies.
  std::set<std::string> draining_peers;
  /// The backup node currently assigned to each local game.
  std::map<std::string, std::string> backup_of;
  bool shutting_down = false;
  /// Draining: new games go to peers, live ones are handed over.
  bool draining = false;
  static inline const char* name = "parlor.supervisor";
};

using self_ptr = caf::stateful_actor<supervisor_state>*;

/// The peers that may take games and copies: those not draining, or all of
/// them when every one is draining (a copy there beats no copy).
std::vector<std::string> candidates(const supervisor_state& st) {
  std::vector<std::string> names;
  for (auto& [name, store] : st.peer_stores)
    if (st.draining_peers.count(name) == 0)
      names.push_back(name);
  if (names.empty())
    for (auto& [name, store] : st.peer_stores)
      names.push_back(name);
  return names;
}

/// Names the backup of a local game among `names` (the candidates), again
/// when membership changed.
void assign_backup(self_ptr self, const std::string& code,
                   const std::vector<std::string>& names, bool force = false) {
  auto& st = self->state;
  auto game = st.games.find(code);
  if (game == st.games.end())
    return;
  auto chosen = choose_backup(code, names).value_or(std::string{});
  auto& current = st.backup_of[code];
  if (!force && chosen == current)
    return;
  current = chosen;
  auto store = chosen.empty() ? caf::actor{} : st.peer_stores[chosen];
  self->send(game->second, backup_atom_v, chosen, store);
}

caf::actor start(self_ptr self, std::shared_ptr<const games::match> m,
                 uint64_t incarnation) {
  auto code = m->code();
  auto game = spawn_game_server(self->system(), self->state.env, std::move(m),
                                incarnation);
  self->monitor(game);
  self->state.codes[game.address()] = code;
  self->state.games[code] = game;
  self->state.incarnations[code] = incarnation;
  if (auto& gauges = self->state.env->metrics)
    gauges->games.add(1);
  assign_backup(self, code, candidates(self->state), true);
  return game;
}

void forget(self_ptr self, const std::string& code) {
  auto i = self->state.games.find(code);
  if (i == self->state.games.end())
    return;
  self->demonitor(i->second);
  self->state.codes.erase(i->second.address());
  self->state.games.erase(i);
  self->state.incarnations.erase(code);
  self->state.backup_of.erase(code);
  if (auto& gauges = self->state.env->metrics)
    gauges->games.add(-1);
}

void try_create(self_ptr self, caf::response_promise rp,
                std::shared_ptr<const games::player> creator,
                std::string kind, int attempt) {
  auto code = registry::random_code();
  if (self->state.games.count(code) > 0) {
    if (attempt < max_code_attempts)
      try_create(self, rp, creator, std::move(kind), attempt + 1);
    else
      rp.deliver(caf::error{errc::no_free_code});
    return;
  }
  std::shared_ptr<const games::match> m
    = games::match::create(kind, code, *creator);
  auto game = start(self, m, 1);
  auto& st = self->state;
  self->request(st.registry, registry_timeout,
                registry::register_msg{code, game, 1})
    .then(
      [=](bool claimed) mutable {
        if (!claimed) {
          forget(self, code);
          self->send_exit(game, caf::exit_reason::user_shutdown);
          if (attempt < max_code_attempts)
            try_create(self, rp, creator, kind, attempt + 1);
          else
            rp.deliver(caf::error{errc::no_free_code});
          return;
        }
        // Durable before `create` returns.
        self->request(game, self->state.env->store_timeout * 2, persist_atom_v)
          .then([=](caf::ok_atom) mutable { rp.deliver(code); },
                [=](caf::error& err) mutable {
                  forget(self, code);
                  self->send(self->state.registry,
                             registry::unregister_msg{code, game});
                  self->send_exit(game, caf::exit_reason::user_shutdown);
                  rp.deliver(std::move(err));
                });
      },
      [=](caf::error& err) mutable {
        forget(self, code);
        self->send_exit(game, caf::exit_reason::user_shutdown);
        rp.deliver(std::move(err));
      });
}

/// Whether `code` may be restarted once more now.
bool restart_budget(self_ptr self, const std::string& code) {
  auto now = std::chrono::steady_clock::now();
  auto& times = self->state.restarts[code];
  while (!times.empty() && now - times.front() > restart_window)
    times.pop_front();
  if (times.size() >= max_restarts)
    return false;
  times.push_back(now);
  return true;
}

void restart(self_ptr self, const std::string& code) {
  if (!restart_budget(self, code)) {
    spdlog::error("game {}: crashed {} times within {} s, not restarting",
                  code, max_restarts,
                  std::chrono::duration_cast<std::chrono::seconds>(
                    restart_window)
                    .count());
    return;
  }
  self
    ->request(self->state.env->store, self->state.env->store_timeout,
              load_atom_v, code)
    .then(
      [=](const std::string& data) {
        auto m = games::match::restore(
          nlohmann::json::parse(data, nullptr, false));
        if (!m) {
          spdlog::error("game {}: no usable snapshot, not restarting", code);
          return;
        }
        auto incarnation = self->state.incarnations.count(code) > 0
                             ? self->state.incarnations[code]
                             : uint64_t{1};
        auto game = start(self, std::shared_ptr<const games::match>{std::move(m)},
                          incarnation);
        self->send(self->state.registry,
                   registry::replace_msg{code, game, incarnation});
        spdlog::warn("game {}: restarted from its snapshot", code);
      },
      [=](caf::error& err) {
        spdlog::error("game {}: cannot load snapshot ({}), not restarting",
                      code, self->system().render(err));
      });
}

/// Finished games written before this (Unix ms) are past their ttl.
int64_t finished_cutoff(self_ptr self) {
  return core::unix_ms() - self->state.env->finished_ttl.count();
}

/// How often finished games past their ttl are deleted from the store.
constexpr auto reap_period = 60s;

/// Starts saved games (restored at start, or adopted on failover) and
/// registers them at their incarnation. Returns how many were started.
uint64_t start_saved(self_ptr self, const std::vector<std::string>& saved,
                     const std::vector<uint64_t>& incarnations) {
  uint64_t started = 0;
  for (std::size_t i = 0; i < saved.size(); ++i) {
    auto m = games::match::restore(nlohmann::json::parse(saved[i], nullptr,
                                                         false));
    if (!m) {
      spdlog::error("store: skipped an unreadable game snapshot");
      continue;
    }
    if (self->state.games.count(m->code()) > 0)
      continue;
    auto code = m->code();
    auto incarnation = i < incarnations.size() ? incarnations[i] : 1;
    auto game = start(self, std::shared_ptr<const games::match>{std::move(m)},
                      incarnation);
    self->send(self->state.registry,
               registry::replace_msg{code, game, incarnation});
    ++started;
  }
  return started;
}

void reassign_backups(self_ptr self) {
  auto names = candidates(self->state);
  for (auto& [code, game] : self->state.games)
    assign_backup(self, code, names);
}

caf::behavior supervisor_impl(self_ptr self,
                              std::shared_ptr<const game_env> env,
                              registry::registry_actor registry) {
  self->state.env = std::move(env);
  self->state.registry = std::move(registry);
  self->delayed_send(self, reap_period, expire_atom_v);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    auto i = st.codes.find(dm.source);
    if (i == st.codes.end())
      return;
    auto code = i->second;
    st.codes.erase(i);
    st.games.erase(code);
    if (auto& gauges = st.env->metrics)
      gauges->games.add(-1);
    auto superseded = dm.reason == registry::errc::superseded;
    auto abandoned = dm.reason == errc::abandoned;
    if (superseded || abandoned) {
      // Another node's game holds the code now, or nobody played it for too
      // long: our snapshot and its backup copy are obsolete.
      auto incarnation = st.incarnations[code];
      self->send(st.env->store, forget_atom_v, code, incarnation);
      if (auto b = st.peer_stores.find(st.backup_of[code]);
          b != st.peer_stores.end())
        self->send(b->second, unreplicate_atom_v, code, st.env->host.name,
                   incarnation);
      if (superseded)
        spdlog::warn("game {}: superseded by another node's game; local copy "
                     "dropped",
                     code);
    }
    if (st.shutting_down || dm.reason == caf::exit_reason::normal
        || dm.reason == caf::exit_reason::user_shutdown || superseded
        || abandoned) {
      st.restarts.erase(code);
      st.incarnations.erase(code);
      st.backup_of.erase(code);
      return;
    }
    spdlog::error("game {}: GameServer crashed ({})", code,
                  self->system().render(dm.reason));
    restart(self, code);
  });
  self->set_exit_handler([=](caf::exit_msg& msg) {
    self->state.shutting_down = true;
    for (auto& [code, game] : self->state.games)
      self->send_exit(game, caf::exit_reason::user_shutdown);
    self->quit(msg.reason);
  });
  return {
    [=](create_atom, std::string& kind, std::string& player_id,
        std::string& name) -> caf::result<std::string> {
      auto& st = self->state;
      if (st.shutting_down)
        return caf::error{errc::shutting_down};
      if (!games::make_rules(kind))
        return caf::error{errc::unknown_game};
      if (st.draining) {
        // Placed on a peer instead (the same choice for the same player).
        auto target = choose_backup(player_id, candidates(st));
        if (!target)
          return caf::error{errc::shutting_down};
        auto rp = self->make_response_promise<std::string>();
        self
          ->request(st.peer_stores[*target], registry_timeout * 2,
                    create_atom_v, std::move(kind), std::move(player_id),
                    std::move(name))
          .then([=](std::string& code) mutable { rp.deliver(std::move(code)); },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      }
      auto rp = self->make_response_promise<std::string>();
      auto creator = std::make_shared<const games::player>(
        games::player{std::move(player_id), std::move(name)});
      try_create(self, rp, std::move(creator), std::move(kind), 0);
      return rp;
    },
    [=](restore_atom) -> caf::result<uint64_t> {
      auto rp = self->make_response_promise<uint64_t>();
      self
        ->request(self->state.env->store, 30s, load_atom_v,
                  finished_cutoff(self))
        .then(
          [=](const std::vector<std::string>& saved,
              const std::vector<uint64_t>& incarnations) mutable {
            auto restored = start_saved(self, saved, incarnations);
            // The registry handles our messages in order: once it answers,
            // every game above is registered.
            self
              ->request(self->state.registry, registry_timeout,
                        registry::count_atom_v)
              .then([=](uint64_t) mutable { rp.deliver(restored); },
                    [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
          },
          [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    // -- membership (from the cluster agent) --------------------------------
    [=](cluster::member_up_msg& up) {
      auto endpoint = up.services.get<caf::actor>(peer_endpoint_service);
      if (!endpoint)
        return;
      self->state.peer_stores[up.who.name] = endpoint;
      reassign_backups(self);
    },
    [=](cluster::member_status_msg& msg) {
      auto& st = self->state;
      if (msg.status == "draining")
        st.draining_peers.insert(msg.name);
      else
        st.draining_peers.erase(msg.name);
      reassign_backups(self);
    },
    [=](cluster::member_down_msg& down) {
      auto name = down.name;
      auto& st = self->state;
      st.peer_stores.erase(name);
      st.draining_peers.erase(name);
      reassign_backups(self);
      if (st.shutting_down)
        return;
      // Failover: the games this node keeps copies of for the lost node
      // become ours, one incarnation later.
      self->request(st.env->store, 30s, adopt_atom_v, name,
                    finished_cutoff(self))
        .then(
          [=](const std::vector<std::string>& saved,
              const std::vector<uint64_t>& incarnations) {
            auto n = start_saved(self, saved, incarnations);
            if (n > 0)
              spdlog::warn("failover: took over {} game(s) of lost node {}",
                           n, name);
          },
          [=](caf::error& err) {
            spdlog::error("failover: cannot adopt the games of {}: {}", name,
                          self->system().render(err));
          });
    },
    // -- drain and handoff ---------------------------------------------------
    [=](drain_atom) -> caf::result<uint64_t> {
      auto& st = self->state;
      st.draining = true;
      std::vector<std::pair<std::string, caf::actor>> handoffs;
      for (auto& [code, game] : st.games)
        if (auto b = st.peer_stores.find(st.backup_of[code]);
            b != st.peer_stores.end())
          handoffs.emplace_back(code, game);
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
      for (auto& [code, game] : handoffs) {
        // Freeze the game (its backup then holds its final snapshot), then
        // ask the backup to take it over; the new owner registers a newer
        // incarnation, which stops this one (superseded) everywhere.
        auto keeper = st.peer_stores[st.backup_of[code]];
        auto target = st.backup_of[code];
        self->request(game, registry_timeout, drain_atom_v)
          .then(
            [=](caf::ok_atom) mutable {
              self
                ->request(keeper, registry_timeout, adopt_atom_v,
                          self->state.env->host.name, code)
                .then([=](caf::ok_atom) mutable { done(true); },
                      [=](caf::error& err) mutable {
                        spdlog::error("drain: {} did not take game {}: {}",
                                      target, code,
                                      self->system().render(err));
                        // It stays here and playable.
                        self->send(game, resume_atom_v);
                        done(false);
                      });
            },
            [=](caf::error&) mutable { done(false); });
      }
      return rp;
    },
    [=](resume_atom) {
      // Takes new games again; handed-over games stay where they are.
      self->state.draining = false;
      return caf::ok_atom_v;
    },
    [=](adopt_atom, const std::string& owner,
        const std::string& code) -> caf::result<caf::ok_atom> {
      auto rp = self->make_response_promise<caf::ok_atom>();
      self->request(self->state.env->store, 10s, adopt_atom_v, owner, code)
        .then(
          [=](const std::vector<std::string>& saved,
              const std::vector<uint64_t>& incarnations) mutable {
            if (start_saved(self, saved, incarnations) == 0) {
              rp.deliver(caf::error{errc::storage_failed});
              return;
            }
            spdlog::info("handoff: took over game {} from {}", code, owner);
            rp.deliver(caf::ok_atom_v);
          },
          [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](expire_atom) {
      self->send(self->state.env->store, expire_atom_v, finished_cutoff(self));
      self->delayed_send(self, reap_period, expire_atom_v);
    },
    [=](stats_atom) {
      return static_cast<uint64_t>(self->state.games.size());
    },
  };
}

} // namespace

caf::actor spawn_supervisor(caf::actor_system& sys,
                            std::shared_ptr<const game_env> env,
                            registry::registry_actor registry) {
  return sys.spawn(supervisor_impl, std::move(env), std::move(registry));
}

} // namespace parlor::game_server
