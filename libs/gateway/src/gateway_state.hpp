#pragma once

// A gateway actor's state and what its files share: replies, the tracking
// of unanswered requests, channels. Private to libs/gateway: the actor
// (gateway_actor.cpp), its channel handlers (gateway_channels.cpp) and these
// helpers (gateway_state.cpp).

#include "join_budget.hpp"

#include "parlor/gateway/game_watch.hpp"
#include "parlor/gateway/gateway_actor.hpp"
#include "parlor/protocol/frame.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parlor::gateway::detail {

using nlohmann::json;
using clock_type = std::chrono::steady_clock;
using opt_ref = std::optional<std::string>;

/// WebSocket close codes used here.
constexpr uint16_t close_going_away = 1001;
constexpr uint16_t close_bad_payload = 1007;

enum class channel_kind : uint8_t { lobby, game };

struct channel {
  channel_kind kind = channel_kind::lobby;
  opt_ref join_ref;
  /// The GameServer of a `game:CODE` channel, once joined.
  game_server::game_server_actor game;
  bool joined = false;
};

/// A request to a GameServer that has not been answered yet.
struct in_flight {
  caf::actor_addr game;
  clock_type::time_point started;
  /// Answers the client with an error reason: "unavailable" when the
  /// GameServer goes down first, "timeout" when it does not answer in time.
  std::function<void(std::string_view reason)> fail;
};

struct gateway_state {
  std::shared_ptr<const gateway_env> env;
  /// Every request this gateway sends. CAF 0.17 lets a request to an actor
  /// on a lost node wait for its whole timeout; those to a GameServer are
  /// failed as soon as it is reported down (its node's connection dropped,
  /// or it stopped). Requests go without a CAF timer: CAF keeps a request's
  /// timer after the answer and fires it for nothing at its deadline (one
  /// clock entry per move cost the clock thread dearly). A sweep once a
  /// second times them out here instead.
  std::map<uint64_t, in_flight> pending;
  uint64_t next_pending = 0;
  bool sweep_armed = false;
  std::weak_ptr<socket_sink> sink;
  std::string player_id;
  std::string player_name;
  std::map<std::string, channel> channels;
  clock_type::time_point last_seen;
  /// Failed game joins (guessed codes).
  join_budget joins;
  static inline const char* name = "parlor.gateway";
};

using self_ptr = gateway_actor::stateful_pointer<gateway_state>;

/// Queues `text` on the socket, if it is still there.
void send_text(self_ptr self, std::string text);

/// Where a reply goes: the refs and topic of the frame it answers (a
/// `protocol::frame` or a `reply_to`).
struct reply_to {
  opt_ref join_ref;
  opt_ref ref;
  std::string topic;

  explicit reply_to(const protocol::frame& f)
    : join_ref(f.join_ref), ref(f.ref), topic(f.topic) {
  }
};

template <class To>
void reply(self_ptr self, const To& to, bool ok, const json& response) {
  send_text(self, protocol::encode_reply(to.join_ref, to.ref, to.topic, ok,
                                         response));
}

template <class To>
void reply_error(self_ptr self, const To& to, std::string_view reason) {
  reply(self, to, false, protocol::reason(reason));
}

/// The wire reason for an error from an actor.
std::string reason_of(const caf::error& err);
/// How often unanswered requests are checked against the request timeout.
constexpr auto sweep_every = std::chrono::seconds{1};

/// Records a request to `game` (null for a local service); `fail` answers it
/// if `game` goes down first or it is still unanswered after the request
/// timeout. Returns the id for `settle`.
template <class Handle>
uint64_t track(self_ptr self, const Handle& game,
               std::function<void(std::string_view)> fail) {
  auto& st = self->state;
  auto id = ++st.next_pending;
  st.pending.emplace(id, in_flight{game.address(), clock_type::now(),
                                   std::move(fail)});
  if (!st.sweep_armed) {
    st.sweep_armed = true;
    self->delayed_send(self, sweep_every, sweep_atom_v);
  }
  return id;
}

/// Fails the requests in `pending` that `expired` selects, with `reason`.
template <class Predicate>
void fail_pending(self_ptr self, Predicate expired, std::string_view reason) {
  std::vector<std::function<void(std::string_view)>> failed;
  auto& pending = self->state.pending;
  for (auto i = pending.begin(); i != pending.end();)
    if (expired(i->second)) {
      failed.push_back(std::move(i->second.fail));
      i = pending.erase(i);
    } else {
      ++i;
    }
  for (auto& f : failed)
    f(reason);
}

/// Whether the request `id` is still unanswered; forgets it.
bool settle(self_ptr self, uint64_t id);

/// Asks the node's game watch to report `game` going down to this gateway.
void follow(self_ptr self, const game_server::game_server_actor& game);

void unfollow(self_ptr self, const game_server::game_server_actor& game);

/// Forgets a channel and its subscription.
void drop_channel(self_ptr self, const std::string& topic);

/// Whether a channel still is the one joined as `join_ref`.
bool same_channel(self_ptr self, const std::string& topic,
                  const opt_ref& join_ref);
/// The error handler of the tracked request `id`: `fail` unless the sweep
/// or a lost GameServer already answered.
template <class Fail>
auto settle_failed(self_ptr self, uint64_t id, Fail fail) {
  return [=](caf::error& err) {
    if (settle(self, id))
      fail(reason_of(err));
  };
}

} // namespace parlor::gateway::detail
