#include "parlor/game_server/supervisor_actor.hpp"

#include "parlor/games/catalog.hpp"
#include "parlor/games/match.hpp"
#include "parlor/registry/codes.hpp"
#include "parlor/registry/fwd.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <deque>
#include <map>

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
  caf::actor registry;
  std::map<std::string, caf::actor> games;
  std::map<caf::actor_addr, std::string> codes;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>>
    restarts;
  bool shutting_down = false;
  static inline const char* name = "parlor.supervisor";
};

using self_ptr = caf::stateful_actor<supervisor_state>*;

caf::actor start(self_ptr self, std::shared_ptr<const games::match> m) {
  auto code = m->code();
  auto game = spawn_game_server(self->system(), self->state.env, std::move(m));
  self->monitor(game);
  self->state.codes[game.address()] = code;
  self->state.games[code] = game;
  if (auto& gauges = self->state.env->metrics)
    gauges->games.add(1);
  return game;
}

void forget(self_ptr self, const std::string& code) {
  auto i = self->state.games.find(code);
  if (i == self->state.games.end())
    return;
  self->demonitor(i->second);
  self->state.codes.erase(i->second.address());
  self->state.games.erase(i);
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
  auto game = start(self, m);
  auto& st = self->state;
  self->request(st.registry, registry_timeout, registry::register_atom_v, code,
                game)
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
                  self->send(self->state.registry, registry::unregister_atom_v,
                             code, game);
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
        auto game = start(self, std::shared_ptr<const games::match>{std::move(m)});
        self->send(self->state.registry, registry::replace_atom_v, code, game);
        spdlog::warn("game {}: restarted from its snapshot", code);
      },
      [=](caf::error& err) {
        spdlog::error("game {}: cannot load snapshot ({}), not restarting",
                      code, self->system().render(err));
      });
}

caf::behavior supervisor_impl(self_ptr self,
                              std::shared_ptr<const game_env> env,
                              caf::actor registry) {
  self->state.env = std::move(env);
  self->state.registry = std::move(registry);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto i = self->state.codes.find(dm.source);
    if (i == self->state.codes.end())
      return;
    auto code = i->second;
    self->state.codes.erase(i);
    self->state.games.erase(code);
    if (auto& gauges = self->state.env->metrics)
      gauges->games.add(-1);
    if (self->state.shutting_down || dm.reason == caf::exit_reason::normal
        || dm.reason == caf::exit_reason::user_shutdown) {
      self->state.restarts.erase(code);
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
      if (self->state.shutting_down)
        return caf::error{errc::shutting_down};
      if (!games::make_rules(kind))
        return caf::error{errc::unknown_game};
      auto rp = self->make_response_promise<std::string>();
      auto creator = std::make_shared<const games::player>(
        games::player{std::move(player_id), std::move(name)});
      try_create(self, rp, std::move(creator), std::move(kind), 0);
      return rp;
    },
    [=](restore_atom) -> caf::result<uint64_t> {
      auto rp = self->make_response_promise<uint64_t>();
      self
        ->request(self->state.env->store, 30s, load_atom_v)
        .then(
          [=](const std::vector<std::string>& saved) mutable {
            uint64_t restored = 0;
            for (auto& data : saved) {
              auto m = games::match::restore(
                nlohmann::json::parse(data, nullptr, false));
              if (!m) {
                spdlog::error("store: skipped an unreadable game snapshot");
                continue;
              }
              if (self->state.games.count(m->code()) > 0)
                continue;
              auto code = m->code();
              auto game = start(self,
                                std::shared_ptr<const games::match>{std::move(m)});
              self->send(self->state.registry, registry::replace_atom_v, code,
                         game);
              ++restored;
            }
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
    [=](stats_atom) {
      return static_cast<uint64_t>(self->state.games.size());
    },
  };
}

} // namespace

caf::actor spawn_supervisor(caf::actor_system& sys,
                            std::shared_ptr<const game_env> env,
                            caf::actor registry) {
  return sys.spawn(supervisor_impl, std::move(env), std::move(registry));
}

} // namespace parlor::game_server
