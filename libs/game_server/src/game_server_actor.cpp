#include "parlor/game_server/game_server_actor.hpp"

#include "parlor/core/json_text.hpp"
#include "parlor/games/match.hpp"
#include "parlor/protocol/frame.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <set>

namespace parlor::game_server {

namespace {

struct game_server_state {
  std::shared_ptr<const game_env> env;
  std::unique_ptr<games::match> match;
  std::string topic;
  /// STATE's `host` value, as JSON text.
  std::string host_json;
  /// STATE of `match`, encoded once per change.
  std::string state_text;
  bool expiry_armed = false;
  /// Ownership generation of this game (see registry).
  uint64_t incarnation = 1;
  /// The node keeping a copy of every acknowledged change, and its store.
  std::string backup_name;
  peer_endpoint_actor backup;
  /// Being handed to another node: no more changes here.
  bool frozen = false;
  /// The gateways connected to this game (each joined and has not left).
  std::set<caf::actor_addr> present;
  /// Counts vacancies: a check armed for an earlier one does nothing.
  uint64_t vacancy = 0;
  static inline const char* name = "parlor.game_server";
};

using self_ptr = game_server_actor::stateful_pointer<game_server_state>;

/// STATE's `host`, encoded once per game.
std::string encode_host(const core::node_info& host) {
  std::string out = R"({"node":)";
  core::append_json_string(out, host.name);
  out += R"(,"region":)";
  core::append_json_string(out, host.region);
  out += '}';
  return out;
}

std::string encode_state(const game_server_state& st) {
  return st.match->state_text(st.host_json);
}

/// Asks the backup to keep `data` as version `version` of this game.
auto request_copy(self_ptr self, uint64_t version, bool finished,
                  const std::string& data) {
  auto& st = self->state;
  return self->request(st.backup, st.env->store_timeout,
                       store::replicate_msg{st.env->host.name,
                                            {st.match->code(),
                                             std::string{st.match->kind()},
                                             version, finished, data,
                                             st.incarnation}});
}

/// Sends the current snapshot to the backup (asynchronously).
void push_snapshot(self_ptr self) {
  auto& st = self->state;
  if (!st.backup)
    return;
  auto code = st.match->code();
  auto backup_name = st.backup_name;
  request_copy(self, st.match->version(),
               st.match->status() == games::status::finished,
               st.match->save_text())
    .then([](caf::ok_atom) {},
          [=](caf::error& err) {
            spdlog::warn("game {}: copy to backup {} failed: {}", code,
                         backup_name, self->system().render(err));
          });
}

/// Makes `next` the current match once it is durable, here and on the
/// backup node, then publishes it and calls `done`. On a local storage
/// failure nothing changes and `fail` is called. `await` keeps changes
/// strictly ordered: the next request waits.
template <class Done, class Fail>
void commit(self_ptr self, std::unique_ptr<games::match> next, Done done,
            Fail fail) {
  auto& st = self->state;
  auto data = std::make_shared<const std::string>(next->save_text());
  auto finished = next->status() == games::status::finished;
  auto version = next->version();
  auto kind = std::string{st.match->kind()};
  auto shared_next = std::make_shared<std::unique_ptr<games::match>>(
    std::move(next));
  auto apply = [=]() mutable {
    auto& s = self->state;
    s.match = std::move(*shared_next);
    s.state_text = encode_state(s);
    auto frame = std::make_shared<const std::string>(
      protocol::encode_broadcast(s.topic, "state", s.state_text));
    self->send(s.env->pubsub, pubsub::publish_atom_v, s.topic,
               std::move(frame));
    if (s.match->status() == games::status::finished && !s.expiry_armed) {
      s.expiry_armed = true;
      self->delayed_send(self, s.env->finished_ttl, retire_atom_v);
    }
    done();
  };
  self
    // The local store always answers (an error if it fails or stops), so no
    // timer per move (CAF's clock thread is not cheap at thousands a second).
    ->request(st.env->store, caf::infinite,
              store::save_msg{st.match->code(), kind, version, finished,
                              *data, st.incarnation})
    .await(
      [=](caf::ok_atom) mutable {
        auto& s = self->state;
        if (!s.backup)
          return apply();
        // Durable on a second node before the ack. Should the backup fail
        // (it is being declared down), the change is still durable here and
        // the supervisor names a new backup, which gets the full snapshot.
        auto backup_name = s.backup_name;
        request_copy(self, version, finished, *data)
          .await([=](caf::ok_atom) mutable { apply(); },
                 [=](caf::error& err) mutable {
                   spdlog::warn("game {}: backup {} did not confirm version "
                                "{} ({}); acknowledged with the local copy",
                                self->state.match->code(), backup_name,
                                version, self->system().render(err));
                   apply();
                 });
      },
      [=](caf::error& err) mutable {
        spdlog::error("game {}: snapshot not saved ({}): change refused",
                      self->state.match->code(), self->system().render(err));
        fail(caf::error{errc::storage_failed});
      });
}

/// Nobody is connected: stop the game unless someone joins within the
/// idle ttl.
void arm_vacancy(self_ptr self) {
  auto& st = self->state;
  ++st.vacancy;
  if (st.env->idle_ttl.count() > 0)
    self->delayed_send(self, st.env->idle_ttl, vacant_atom_v, st.vacancy);
}

/// Counts the sender of the current message as connected.
void note_present(self_ptr self) {
  auto sender = self->current_sender();
  if (!sender)
    return;
  auto addr = caf::actor_cast<caf::actor_addr>(sender);
  if (self->state.present.insert(addr).second) {
    self->monitor(addr);
    ++self->state.vacancy; // cancels a pending check
  }
}

void note_gone(self_ptr self, const caf::actor_addr& who) {
  auto& st = self->state;
  if (st.present.erase(who) == 0)
    return;
  self->demonitor(who);
  if (st.present.empty())
    arm_vacancy(self);
}

game_server_actor::behavior_type
game_server_impl(self_ptr self, std::shared_ptr<const game_env> env,
                 std::shared_ptr<const games::match> m, uint64_t incarnation) {
  auto& st = self->state;
  st.env = std::move(env);
  st.incarnation = incarnation;
  st.match = std::make_unique<games::match>(*m);
  st.topic = "game:" + st.match->code();
  st.host_json = encode_host(st.env->host);
  st.state_text = encode_state(st);
  if (st.match->status() == games::status::finished) {
    st.expiry_armed = true;
    self->delayed_send(self, st.env->finished_ttl, retire_atom_v);
  }
  arm_vacancy(self);
  self->set_down_handler(
    [=](caf::down_msg& dm) { note_gone(self, dm.source); });
  return {
    [=](const join_msg& msg) -> caf::result<joined_msg> {
      note_present(self);
      auto next = std::make_unique<games::match>(*self->state.match);
      auto res = next->join(games::player{msg.player_id, msg.name},
                            msg.invite);
      auto seat = res.seat.value_or(std::string{});
      if (!res.changed)
        return joined_msg{std::move(seat), self->state.state_text};
      if (self->state.frozen)
        return caf::error{errc::shutting_down};
      auto rp = self->make_response_promise<joined_msg>();
      commit(
        self, std::move(next),
        [=]() mutable { rp.deliver(joined_msg{seat, self->state.state_text}); },
        [=](caf::error err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](const move_msg& msg) -> caf::result<uint64_t> {
      if (self->state.frozen)
        return caf::error{errc::shutting_down};
      auto move = nlohmann::json::parse(msg.move, nullptr, false);
      if (move.is_discarded())
        return caf::error{games::errc::bad_move};
      auto next = std::make_unique<games::match>(*self->state.match);
      if (auto ec = next->move(msg.player_id, move); ec != games::errc::none)
        return caf::error{ec};
      auto version = next->version();
      auto rp = self->make_response_promise<uint64_t>();
      commit(
        self, std::move(next), [=]() mutable { rp.deliver(version); },
        [=](caf::error err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](state_atom) { return self->state.state_text; },
    [=](persist_atom) -> caf::result<caf::ok_atom> {
      auto rp = self->make_response_promise<caf::ok_atom>();
      auto copy = std::make_unique<games::match>(*self->state.match);
      commit(
        self, std::move(copy), [=]() mutable { rp.deliver(caf::ok_atom_v); },
        [=](caf::error err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](backup_msg& msg) {
      auto& s = self->state;
      if (msg.node == s.backup_name && msg.endpoint == s.backup)
        return;
      if (s.backup)
        self->send(s.backup, store::unreplicate_msg{s.match->code(),
                                                    s.env->host.name,
                                                    s.incarnation});
      s.backup_name = std::move(msg.node);
      s.backup = std::move(msg.endpoint);
      push_snapshot(self);
    },
    [=](drain_atom) {
      // Changes are awaited, so none is in flight while this runs: the
      // backup holds the final snapshot.
      self->state.frozen = true;
      return caf::ok_atom_v;
    },
    [=](resume_atom) { self->state.frozen = false; },
    [=](leave_atom) {
      if (auto sender = self->current_sender())
        note_gone(self, caf::actor_cast<caf::actor_addr>(sender));
    },
    [=](vacant_atom, uint64_t vacancy) {
      auto& s = self->state;
      if (vacancy != s.vacancy || !s.present.empty())
        return;
      auto finished = s.match->status() == games::status::finished;
      spdlog::info("game {}: nobody connected for {} s: removed",
                   s.match->code(),
                   std::chrono::duration<double>(s.env->idle_ttl).count());
      if (finished)
        self->quit();
      else
        self->quit(caf::error{errc::abandoned});
    },
    [=](retire_atom) {
      spdlog::debug("game {}: finished and expired", self->state.match->code());
      self->quit();
    },
  };
}

} // namespace

game_server_actor spawn_game_server(caf::actor_system& sys,
                                    std::shared_ptr<const game_env> env,
                                    std::shared_ptr<const games::match> m,
                                    uint64_t incarnation) {
  return sys.spawn(game_server_impl, std::move(env), std::move(m),
                   incarnation);
}

} // namespace parlor::game_server
