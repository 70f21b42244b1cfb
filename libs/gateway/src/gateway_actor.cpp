#include "parlor/gateway/gateway_actor.hpp"

#include "parlor/core/json_text.hpp"
#include "parlor/games/errc.hpp"
#include "parlor/protocol/frame.hpp"
#include "parlor/registry/codes.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <functional>
#include <map>

namespace parlor::gateway {

namespace {

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
  static inline const char* name = "parlor.gateway";
};

using self_ptr = gateway_actor::stateful_pointer<gateway_state>;

void send_text(self_ptr self, std::string text) {
  if (auto s = self->state.sink.lock()) {
    self->state.env->metrics->messages_out.add();
    s->send(std::make_shared<const std::string>(std::move(text)));
  }
}

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
std::string reason_of(const caf::error& err) {
  auto cat = err.category();
  if (cat == caf::atom("game"))
    return std::string{games::to_string(static_cast<games::errc>(err.code()))};
  if (cat == caf::atom("registry")) {
    if (err == registry::errc::not_found)
      return "not_found";
    return "unavailable";
  }
  if (cat == caf::atom("gameserver")) {
    switch (static_cast<game_server::errc>(err.code())) {
      case game_server::errc::unknown_game:
        return "unknown_game";
      case game_server::errc::shutting_down:
        return "shutting_down";
      default:
        return "unavailable";
    }
  }
  if (err == caf::sec::request_timeout)
    return "timeout";
  return "unavailable";
}

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
bool settle(self_ptr self, uint64_t id) {
  return self->state.pending.erase(id) > 0;
}

/// Asks the node's game watch to report `game` going down to this gateway.
void follow(self_ptr self, const game_server::game_server_actor& game) {
  self->send(self->state.env->watch, follow_atom_v, game);
}

void unfollow(self_ptr self, const game_server::game_server_actor& game) {
  self->send(self->state.env->watch, unfollow_atom_v, game.address());
}

/// Forgets a channel and its subscription.
void drop_channel(self_ptr self, const std::string& topic) {
  auto i = self->state.channels.find(topic);
  if (i == self->state.channels.end())
    return;
  if (i->second.kind == channel_kind::game) {
    self->send(self->state.env->fanout, pubsub::unsubscribe_atom_v, topic,
               self->state.sink);
    if (i->second.game) {
      unfollow(self, i->second.game);
      // No longer connected to that game (see the game's idle reaper).
      self->send(i->second.game, game_server::leave_atom_v);
    }
  }
  self->state.channels.erase(i);
}

/// Whether a channel still is the one joined as `join_ref`.
bool same_channel(self_ptr self, const std::string& topic,
                  const opt_ref& join_ref) {
  auto i = self->state.channels.find(topic);
  return i != self->state.channels.end() && i->second.join_ref == join_ref;
}

/// Undoes the join to `game` of the channel (`topic`, `join_ref`), which
/// failed or was dropped before the game answered: stops following the
/// game and tells it `leave`, unless a newer join to the topic replaced
/// that channel. The game keeps one presence per gateway, so that `leave`
/// could arrive after the newer join and remove its presence.
void undo_join(self_ptr self, const game_server::game_server_actor& game,
               const std::string& topic,
               const opt_ref& join_ref) {
  unfollow(self, game);
  auto i = self->state.channels.find(topic);
  if (i == self->state.channels.end() || i->second.join_ref == join_ref)
    self->send(game, game_server::leave_atom_v);
}

void join_lobby(self_ptr self, const protocol::frame& f) {
  auto& st = self->state;
  auto& ch = st.channels[f.topic];
  ch.kind = channel_kind::lobby;
  ch.join_ref = f.join_ref;
  ch.joined = true;
  reply(self, f, true,
        {{"player", {{"id", st.player_id}, {"name", st.player_name},
                     {"token", st.env->signer->sign(st.player_id)}}},
         {"node", st.env->node.name},
         {"region", st.env->node.region}});
}

/// Answers a game join that failed for `reason`, unless replaced meanwhile.
auto join_failed(self_ptr self, const protocol::frame& f) {
  return [=](std::string_view reason) {
    if (!same_channel(self, f.topic, f.join_ref))
      return;
    drop_channel(self, f.topic);
    reply_error(self, f, reason);
  };
}

/// The error handler of the tracked request `id`: `fail` unless the sweep
/// or a lost GameServer already answered.
template <class Fail>
auto settle_failed(self_ptr self, uint64_t id, Fail fail) {
  return [=](caf::error& err) {
    if (settle(self, id))
      fail(reason_of(err));
  };
}

void lookup_and_join(self_ptr self, const protocol::frame& f,
                     const std::string& code) {
  auto fail = join_failed(self, f);
  auto lookup = track(self, caf::actor{}, fail);
  self
    ->request(self->state.env->registry, caf::infinite,
              registry::lookup_atom_v, code)
    .then(
      [=](caf::actor& handle) {
        // The registry holds plain handles (it lies below game_server).
        auto game = caf::actor_cast<game_server::game_server_actor>(handle);
        if (!settle(self, lookup) || !same_channel(self, f.topic, f.join_ref))
          return;
        // Followed from here: a GameServer lost mid-join answers at once.
        follow(self, game);
        // A join that fails or times out may still seat the player later:
        // the game hears `leave` after it (messages to it keep their order).
        auto undo = [=](std::string_view reason) {
          undo_join(self, game, f.topic, f.join_ref);
          fail(reason);
        };
        auto id = track(self, game, undo);
        self
          ->request(game, caf::infinite,
                    game_server::join_msg{self->state.player_id,
                                          self->state.player_name})
          .then(
            [=](game_server::joined_msg& joined) {
              auto& seat = joined.seat;
              auto& state = joined.state;
              if (!settle(self, id))
                return;
              if (!same_channel(self, f.topic, f.join_ref))
                return undo_join(self, game, f.topic, f.join_ref);
              auto& c = self->state.channels[f.topic];
              c.game = game;
              c.joined = true;
              std::string response = R"({"seat":)";
              core::append_json_string_or_null(response,
                                               seat.empty() ? nullptr : &seat);
              response += R"(,"state":)";
              response += state;
              response += '}';
              send_text(self, protocol::encode_raw_reply(
                                f.join_ref, f.ref, f.topic, true, response));
            },
            settle_failed(self, id, undo));
      },
      settle_failed(self, lookup, fail));
}

void join_game(self_ptr self, const protocol::frame& f,
               const std::string& code) {
  auto& st = self->state;
  auto& ch = st.channels[f.topic];
  ch.kind = channel_kind::game;
  ch.join_ref = f.join_ref;
  auto fail = join_failed(self, f);
  auto id = track(self, caf::actor{}, fail);
  // Subscribed before joining, so that no broadcast after the join is missed
  // (the fan-out answers once the PubSub has the subscription).
  self
    ->request(st.env->fanout, caf::infinite, pubsub::subscribe_atom_v,
              f.topic, st.sink)
    .then(
      [=](caf::ok_atom) {
        if (settle(self, id) && same_channel(self, f.topic, f.join_ref))
          lookup_and_join(self, f, code);
      },
      settle_failed(self, id, fail));
}

void handle_join(self_ptr self, protocol::frame& f) {
  auto& st = self->state;
  std::optional<std::string> code;
  if (f.topic != "lobby") {
    if (f.topic.rfind("game:", 0) != 0)
      return reply_error(self, f, "unmatched topic");
    code = f.topic.substr(5);
  }
  if (auto i = st.channels.find(f.topic); i != st.channels.end()) {
    // A second join replaces the first, as in Phoenix.
    auto old_ref = i->second.join_ref;
    drop_channel(self, f.topic);
    send_text(self, protocol::encode_push(old_ref, f.topic, "phx_close",
                                          json::object()));
  }
  if (st.channels.size() >= st.env->limits.max_channels)
    return reply_error(self, f, "too many channels joined");
  if (!code)
    return join_lobby(self, f);
  if (!registry::is_code(*code))
    return reply_error(self, f, "not_found");
  join_game(self, f, *code);
}

void handle_create(self_ptr self, const protocol::frame& f) {
  auto payload = protocol::payload_json(f);
  auto i = payload.find("game");
  if (i == payload.end() || !i->is_string())
    return reply_error(self, f, "unknown_game");
  auto& st = self->state;
  auto to = std::make_shared<const reply_to>(f);
  auto fail = [=](std::string_view reason) { reply_error(self, *to, reason); };
  auto id = track(self, caf::actor{}, fail);
  self
    ->request(st.env->supervisor, caf::infinite,
              game_server::create_msg{i->get<std::string>(), st.player_id,
                                      st.player_name})
    .then(
      [=](std::string& code) {
        if (!settle(self, id))
          return;
        self->state.env->metrics->games_created.add();
        reply(self, *to, true, {{"code", code}});
      },
      settle_failed(self, id, fail));
}

void handle_move(self_ptr self, protocol::frame& f, const channel& ch) {
  if (!ch.game)
    return reply_error(self, f, "not_joined");
  auto start = clock_type::now();
  auto& st = self->state;
  // The callbacks keep only where to answer, not the frame.
  auto to = std::make_shared<const reply_to>(f);
  auto fail = [=](std::string_view reason) {
    self->state.env->metrics->moves_rejected.add();
    reply_error(self, *to, reason);
  };
  auto id = track(self, ch.game, fail);
  // The frame is done with: its payload moves into the request.
  self
    ->request(ch.game, caf::infinite,
              game_server::move_msg{st.player_id, std::move(f.payload)})
    .then(
      [=](uint64_t version) {
        if (!settle(self, id))
          return;
        auto& m = *self->state.env->metrics;
        m.moves.add();
        m.move_latency.observe(
          std::chrono::duration_cast<std::chrono::microseconds>(
            clock_type::now() - start));
        send_text(self, protocol::encode_raw_reply(
                          to->join_ref, to->ref, to->topic, true,
                          R"({"version":)" + std::to_string(version) + "}"));
      },
      settle_failed(self, id, fail));
}

void handle_frame(self_ptr self, protocol::frame& f) {
  auto& st = self->state;
  if (f.topic == "phoenix") {
    if (f.event == "heartbeat")
      return reply(self, f, true, json::object());
    return reply_error(self, f, "unknown event");
  }
  if (f.event == "phx_join")
    return handle_join(self, f);
  auto i = st.channels.find(f.topic);
  if (i == st.channels.end())
    return reply_error(self, f, "unmatched topic");
  // A frame for an earlier incarnation of this channel: drop it, as Phoenix.
  if (f.join_ref && i->second.join_ref && *f.join_ref != *i->second.join_ref)
    return;
  if (f.event == "phx_leave") {
    drop_channel(self, f.topic);
    return reply(self, f, true, json::object());
  }
  if (i->second.kind == channel_kind::lobby && f.event == "create")
    return handle_create(self, f);
  if (i->second.kind == channel_kind::game && f.event == "move")
    return handle_move(self, f, i->second);
  reply_error(self, f, "unknown event");
}

void close_socket(self_ptr self, uint16_t code, std::string reason) {
  if (auto s = self->state.sink.lock())
    s->close(code, std::move(reason));
}

gateway_actor::behavior_type
gateway_impl(self_ptr self, std::shared_ptr<const gateway_env> env,
             std::weak_ptr<socket_sink> sink, std::string name,
             std::optional<std::string> token) {
  auto& st = self->state;
  st.env = std::move(env);
  st.sink = std::move(sink);
  st.player_name = std::move(name);
  if (token)
    if (auto id = st.env->signer->verify(*token))
      st.player_id = std::move(*id);
  if (st.player_id.empty())
    st.player_id = auth::random_player_id();
  st.last_seen = clock_type::now();
  st.env->metrics->connections.add(1);
  st.env->metrics->connections_total.add();
  self->attach_functor(
    [m = st.env->metrics] { m->connections.add(-1); });
  auto check_every = st.env->limits.idle_timeout / 4;
  self->delayed_send(self, check_every, idle_atom_v);
  return {
    [=](inbound_atom, const std::string& text) {
      auto& s = self->state;
      s.last_seen = clock_type::now();
      s.env->metrics->messages_in.add();
      auto decoded = protocol::decode(text);
      if (auto* err = std::get_if<protocol::decode_error>(&decoded)) {
        s.env->metrics->bad_frames.add();
        if (err->fatal())
          return close_socket(self, close_bad_payload,
                              std::string{protocol::to_string(err->code)});
        if (err->ref)
          send_text(self, protocol::encode_reply(
                            err->join_ref, err->ref, err->topic, false,
                            {{"reason", "bad_frame"},
                             {"detail", protocol::to_string(err->code)}}));
        return;
      }
      handle_frame(self, std::get<protocol::frame>(decoded));
    },
    [=](game_down_atom, const caf::actor_addr& game, const caf::error&) {
      // Unanswered requests to it fail now rather than at their timeout.
      fail_pending(
        self, [&](const in_flight& r) { return r.game == game; },
        "unavailable");
      // A GameServer stopped: tell its channels, as Phoenix does when a
      // channel process dies; the client rejoins and finds the restarted
      // game.
      std::vector<std::string> gone;
      for (auto& [topic, ch] : self->state.channels)
        if (ch.game && ch.game.address() == game)
          gone.push_back(topic);
      for (auto& topic : gone) {
        auto join_ref = self->state.channels[topic].join_ref;
        self->state.channels[topic].game = nullptr; // nothing to unfollow
        drop_channel(self, topic);
        send_text(self, protocol::encode_push(join_ref, topic, "phx_error",
                                              json::object()));
      }
    },
    [=](sweep_atom) {
      auto& s = self->state;
      auto cutoff = clock_type::now() - s.env->limits.request_timeout;
      fail_pending(
        self, [&](const in_flight& r) { return r.started <= cutoff; },
        "timeout");
      s.sweep_armed = !s.pending.empty();
      if (s.sweep_armed)
        self->delayed_send(self, sweep_every, sweep_atom_v);
    },
    [=](idle_atom) {
      auto& s = self->state;
      if (clock_type::now() - s.last_seen > s.env->limits.idle_timeout) {
        close_socket(self, close_going_away, "heartbeat timeout");
        return;
      }
      self->delayed_send(self, s.env->limits.idle_timeout / 4, idle_atom_v);
    },
    [=](closed_atom) {
      std::vector<std::string> topics;
      for (auto& kv : self->state.channels)
        topics.push_back(kv.first);
      for (auto& t : topics)
        drop_channel(self, t);
      self->quit();
    },
  };
}

} // namespace

gateway_actor spawn_gateway(caf::actor_system& sys,
                            std::shared_ptr<const gateway_env> env,
                            std::weak_ptr<socket_sink> sink, std::string name,
                            std::optional<std::string> token) {
  return sys.spawn(gateway_impl, std::move(env), std::move(sink),
                   std::move(name), std::move(token));
}

} // namespace parlor::gateway
