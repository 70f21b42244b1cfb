#include "parlor/game_server/game_server_actor.hpp"

#include "parlor/core/clock.hpp"
#include "parlor/core/json_text.hpp"
#include "parlor/games/match.hpp"
#include "parlor/protocol/frame.hpp"
#include "parlor/registry/fwd.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

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
  /// A change saved here that the backup did not confirm: not shown, not
  /// acknowledged, and no other change is taken until a backup confirms it
  /// (it then takes effect) or says the game was taken over (this copy
  /// stops). Acknowledging it with the local copy alone would let a node
  /// that was frozen or cut off, and whose games others took over, answer
  /// ok for a move that the surviving game never sees.
  std::unique_ptr<games::match> doubt;
  /// No backup, and the local copy alone does not do (see `backup_msg`).
  bool hold_changes = false;
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

void stop_stale(self_ptr self);

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
            if (err == store::errc::superseded)
              return stop_stale(self);
            spdlog::warn("game {}: copy to backup {} failed: {}", code,
                         backup_name, self->system().render(err));
          });
}

/// How long a change the backup did not confirm waits before it is sent
/// again (to the backup named by then).
constexpr auto recopy_delay = std::chrono::milliseconds{500};

/// Arms the game's clock for the current version's deadline, if it has one.
void arm_clock(self_ptr self, std::chrono::milliseconds at_least = {}) {
  auto& m = *self->state.match;
  auto due = m.deadline();
  if (!due)
    return;
  auto wait = std::max(std::chrono::milliseconds{*due - core::unix_ms()},
                       at_least);
  self->delayed_send(self, std::max(wait, std::chrono::milliseconds{0}),
                     clock_atom_v, m.version());
}

/// Makes `next` the current match and publishes it.
void publish(self_ptr self, std::unique_ptr<games::match> next) {
  auto& s = self->state;
  s.match = std::move(next);
  s.state_text = encode_state(s);
  auto frame = std::make_shared<const std::string>(
    protocol::encode_broadcast(s.topic, "state", s.state_text));
  self->send(s.env->pubsub, pubsub::publish_atom_v, s.topic, std::move(frame));
  if (s.match->status() == games::status::finished && !s.expiry_armed) {
    s.expiry_armed = true;
    self->delayed_send(self, s.env->finished_ttl, retire_atom_v);
  }
  arm_clock(self);
}

/// The backup holds this game at a later incarnation: another node took
/// it over while this one was frozen or cut off. This copy stops; the
/// supervisor drops its snapshot, the players rejoin the live game.
void stop_stale(self_ptr self) {
  spdlog::warn("game {}: taken over by another node (its backup holds a "
               "later incarnation): this copy stops",
               self->state.match->code());
  self->quit(caf::error{registry::errc::superseded});
}

/// The backup did not confirm `next`: hold it (see `doubt`) and try again.
void hold(self_ptr self, std::unique_ptr<games::match> next,
          const caf::error& err) {
  auto& s = self->state;
  spdlog::warn("game {}: backup {} did not confirm version {} ({}): not "
               "acknowledged, sent again in {} ms",
               s.match->code(),
               s.backup_name.empty() ? "(none: every peer was just lost)"
                                     : s.backup_name,
               next->version(),
               self->system().render(err), recopy_delay.count());
  s.doubt = std::move(next);
  self->delayed_send(self, recopy_delay, recopy_atom_v);
}

/// Makes `next` the current match once it is durable, here and on the
/// backup node, then publishes it and calls `done`. On a local storage
/// failure nothing changes and `fail` is called; when the backup does not
/// confirm, `fail` is called and the change is held (`hold`). `await`
/// keeps changes strictly ordered: the next request waits.
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
    publish(self, std::move(*shared_next));
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
        if (!s.backup && !s.hold_changes)
          return apply();
        if (!s.backup) {
          fail(caf::error{errc::unconfirmed});
          return hold(self, std::move(*shared_next),
                      caf::error{errc::unconfirmed});
        }
        // Durable on a second node before the ack. Should the backup not
        // confirm (it is being declared down, or this node was cut off),
        // the change is held and sent again, to the backup the supervisor
        // names by then.
        request_copy(self, version, finished, *data)
          .await([=](caf::ok_atom) mutable { apply(); },
                 [=](caf::error& err) mutable {
                   fail(caf::error{errc::unconfirmed});
                   if (err == store::errc::superseded)
                     return stop_stale(self);
                   hold(self, std::move(*shared_next), err);
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
  // Taken over from a copy (failover, handoff): the copy may hold a version
  // its old owner never showed (a change held for want of a backup's
  // confirmation, then handed on); subscribers who stayed on the topic see
  // it now. Clients keep the highest version, so a repeat does no harm.
  if (st.incarnation > 1)
    self->send(st.env->pubsub, pubsub::publish_atom_v, st.topic,
               std::make_shared<const std::string>(protocol::encode_broadcast(
                 st.topic, "state", st.state_text)));
  // Restarted, failed over or handed over: the deadline is absolute, and
  // one that passed while the game was down fires now.
  arm_clock(self);
  self->set_down_handler(
    [=](caf::down_msg& dm) { note_gone(self, dm.source); });
  return {
    [=](const join_msg& msg) -> caf::result<joined_msg> {
      note_present(self);
      auto next = std::make_unique<games::match>(*self->state.match);
      auto res = next->join(games::player{msg.player_id, msg.name},
                            msg.invite, core::unix_ms());
      auto seat = res.seat.value_or(std::string{});
      if (!res.changed)
        return joined_msg{std::move(seat), self->state.state_text};
      if (self->state.frozen)
        return caf::error{errc::shutting_down};
      if (self->state.doubt)
        return caf::error{errc::unconfirmed};
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
      if (self->state.doubt)
        return caf::error{errc::unconfirmed};
      auto move = nlohmann::json::parse(msg.move, nullptr, false);
      if (move.is_discarded())
        return caf::error{games::errc::bad_move};
      auto next = std::make_unique<games::match>(*self->state.match);
      if (auto no = next->move(msg.player_id, move, core::unix_ms())) {
        if (no.code == games::errc::rule)
          return caf::error{no.code, std::move(no.rule)};
        return caf::error{no.code};
      }
      auto version = next->version();
      auto rp = self->make_response_promise<uint64_t>();
      commit(
        self, std::move(next), [=]() mutable { rp.deliver(version); },
        [=](caf::error err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](state_atom) { return self->state.state_text; },
    [=](persist_atom) -> caf::result<caf::ok_atom> {
      if (self->state.doubt)
        return caf::error{errc::unconfirmed};
      auto rp = self->make_response_promise<caf::ok_atom>();
      auto copy = std::make_unique<games::match>(*self->state.match);
      commit(
        self, std::move(copy), [=]() mutable { rp.deliver(caf::ok_atom_v); },
        [=](caf::error err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](backup_msg& msg) {
      auto& s = self->state;
      s.hold_changes = msg.hold;
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
    [=](drain_atom) -> caf::result<std::string> {
      // Changes are awaited, so none is in flight while this runs. The
      // backup may still lack the last one, though: one just named (a node
      // that came back) gets its first copy asynchronously, and a node's
      // own stale copy from an earlier round would be adopted as it is. So
      // the final snapshot is copied once more, and the handoff waits.
      auto& s = self->state;
      if (!s.backup || s.doubt)
        return caf::error{errc::unconfirmed}; // stays here, playable
      s.frozen = true;
      auto rp = self->make_response_promise<std::string>();
      auto name = s.backup_name;
      request_copy(self, s.match->version(),
                   s.match->status() == games::status::finished,
                   s.match->save_text())
        .then([=](caf::ok_atom) mutable { rp.deliver(name); },
              [=](caf::error& err) mutable {
                self->state.frozen = false;
                if (err == store::errc::superseded)
                  stop_stale(self);
                rp.deliver(std::move(err));
              });
      return rp;
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
    [=](clock_atom, uint64_t version) {
      auto& s = self->state;
      if (version != s.match->version())
        return; // a move came first: its version armed its own timer
      // Not now (handing over, or a change is held): try again shortly.
      constexpr auto later = std::chrono::milliseconds{500};
      if (s.frozen || s.doubt)
        return arm_clock(self, later);
      auto next = std::make_unique<games::match>(*s.match);
      if (!next->time_out(core::unix_ms()))
        return arm_clock(self); // early (clocks differ): wait the rest
      commit(
        self, std::move(next), [] {},
        [=](caf::error) {
          // Not durable: the timeout did not happen. Try again.
          arm_clock(self, later);
        });
    },
    [=](recopy_atom) {
      auto& s = self->state;
      if (!s.doubt)
        return;
      if (!s.backup && s.hold_changes) {
        self->delayed_send(self, recopy_delay, recopy_atom_v);
        return;
      }
      if (!s.backup) {
        // No peer left to name: this node is alone, as a lone node is.
        spdlog::warn("game {}: no backup left; version {} kept with the "
                     "local copy alone",
                     s.match->code(), s.doubt->version());
        return publish(self, std::move(s.doubt));
      }
      request_copy(self, s.doubt->version(),
                   s.doubt->status() == games::status::finished,
                   s.doubt->save_text())
        .await(
          [=](caf::ok_atom) {
            auto& now = self->state;
            if (!now.doubt)
              return;
            spdlog::info("game {}: backup {} confirmed version {}",
                         now.match->code(), now.backup_name,
                         now.doubt->version());
            publish(self, std::move(now.doubt));
          },
          [=](caf::error& err) {
            if (err == store::errc::superseded)
              return stop_stale(self);
            self->delayed_send(self, recopy_delay, recopy_atom_v);
          });
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
