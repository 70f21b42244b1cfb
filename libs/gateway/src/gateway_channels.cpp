#include "gateway_channels.hpp"

#include "create_quota.hpp"

#include "parlor/auth/token.hpp"
#include "parlor/core/json_text.hpp"
#include "parlor/games/catalog.hpp"
#include "parlor/protocol/payloads.hpp"
#include "parlor/registry/codes.hpp"

#include <spdlog/spdlog.h>

namespace parlor::gateway::detail {

namespace {

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
    if (reason == "not_found")
      self->state.joins.note_not_found(clock_type::now());
    if (!same_channel(self, f.topic, f.join_ref))
      return;
    drop_channel(self, f.topic);
    reply_error(self, f, reason);
  };
}

/// The invite secret a `phx_join` presents (contract §9), if any: a string
/// of sensible length under `invite`.
std::string invite_of(const protocol::frame& f) {
  constexpr std::size_t max_invite = 128;
  auto payload = protocol::payload_json(f);
  auto i = payload.find("invite");
  if (i == payload.end() || !i->is_string()
      || i->get_ref<const std::string&>().size() > max_invite)
    return {};
  return i->get<std::string>();
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
                                          self->state.player_name,
                                          invite_of(f)})
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
              auto response = protocol::join_response(
                seat.empty() ? std::nullopt : std::optional{seat}, state);
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

} // namespace

void handle_join(self_ptr self, protocol::frame& f) {
  auto& st = self->state;
  std::optional<std::string> code;
  if (f.topic != "lobby") {
    if (f.topic.rfind("game:", 0) != 0)
      return reply_error(self, f, "unmatched topic");
    code = f.topic.substr(5);
    if (!st.joins.allows(clock_type::now()))
      return reply_error(self, f, "rate_limited");
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
  if (!registry::is_code(*code)) {
    st.joins.note_not_found(clock_type::now());
    return reply_error(self, f, "not_found");
  }
  join_game(self, f, *code);
}

namespace {

/// How a `create` asks to seat (contract §9): `"seating"` at the top of the
/// payload or among its `options`; none when the value is not one of
/// `"open"` and `"invite"`.
std::optional<bool> invite_seating(const json& payload) {
  const json* seating = nullptr;
  if (auto i = payload.find("seating"); i != payload.end())
    seating = &*i;
  if (auto o = payload.find("options"); o != payload.end() && o->is_object())
    if (auto i = o->find("seating"); i != o->end())
      seating = &*i;
  if (!seating)
    return false;
  if (*seating == "invite")
    return true;
  if (*seating == "open")
    return false;
  return std::nullopt;
}

} // namespace

void handle_create(self_ptr self, const protocol::frame& f) {
  auto payload = protocol::payload_json(f);
  auto i = payload.find("game");
  if (i == payload.end() || !i->is_string())
    return reply_error(self, f, "unknown_game");
  auto kind = games::describe(i->get_ref<const std::string&>());
  if (!kind)
    return reply_error(self, f, "unknown_game");
  auto bad_options = [&](std::string detail) {
    reply(self, f, false, {{"reason", "bad_options"}, {"detail", detail}});
  };
  auto invite = invite_seating(payload);
  if (!invite)
    return bad_options(R"(seating must be "open" or "invite")");
  // The game's options: `seating` is the platform's (above), the rest the
  // game's and `turn_seconds`, checked here so that no game is made with
  // options it does not know.
  auto given = json::object();
  if (auto o = payload.find("options"); o != payload.end()) {
    if (!o->is_object())
      return bad_options("options must be an object");
    given = *o;
    given.erase("seating");
  }
  std::string problem;
  auto options = games::validate_options(*kind, given, problem);
  if (!problem.empty())
    return bad_options(problem);
  // A refused create (above) costs no budget.
  if (auto& quota = self->state.env->creates;
      quota && !quota->take(self->state.player_id, clock_type::now()))
    return reply_error(self, f, "rate_limited");
  // At least 64 random bits, URL-safe: 96 as 24 hex digits.
  auto secret = *invite ? auth::random_hex(12) : std::string{};
  auto& st = self->state;
  auto to = std::make_shared<const reply_to>(f);
  auto fail = [=](std::string_view reason) { reply_error(self, *to, reason); };
  auto id = track(self, caf::actor{}, fail);
  self
    ->request(st.env->supervisor, caf::infinite,
              game_server::create_msg{kind->kind, st.player_id,
                                      st.player_name, secret,
                                      core::dump_json(options)})
    .then(
      [=](std::string& code) {
        if (!settle(self, id))
          return;
        self->state.env->metrics->games_created.add();
        json response{{"code", code}};
        if (!secret.empty())
          response["invite"] = secret;
        reply(self, *to, true, response);
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
                          protocol::move_response(version)));
      },
      settle_failed(self, id, fail));
}

} // namespace parlor::gateway::detail

namespace parlor::gateway {

std::shared_ptr<create_quota> make_create_quota(uint32_t per_minute) {
  return std::make_shared<create_quota>(per_minute);
}

} // namespace parlor::gateway
