#include "parlor/gateway/gateway_actor.hpp"

#include "gateway_channels.hpp"
#include "gateway_state.hpp"

#include "parlor/auth/token.hpp"

#include <caf/actor_system.hpp>

#include <spdlog/spdlog.h>

namespace parlor::gateway {

namespace {

using namespace detail;

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
