#include "gateway_state.hpp"

#include "parlor/games/errc.hpp"
#include "parlor/registry/codes.hpp"

#include <caf/sec.hpp>

namespace parlor::gateway::detail {

void send_text(self_ptr self, std::string text) {
  if (auto s = self->state.sink.lock()) {
    self->state.env->metrics->messages_out.add();
    s->send(std::make_shared<const std::string>(std::move(text)));
  }
}

std::string reason_of(const caf::error& err) {
  auto cat = err.category();
  if (cat == caf::atom("game")) {
    // The game's own reason travels as the error's context.
    auto code = static_cast<games::errc>(err.code());
    if (code == games::errc::rule && err.context().match_elements<std::string>())
      return err.context().get_as<std::string>(0);
    return std::string{games::to_string(code)};
  }
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

bool settle(self_ptr self, uint64_t id) {
  return self->state.pending.erase(id) > 0;
}

void follow(self_ptr self, const game_server::game_server_actor& game) {
  self->send(self->state.env->watch, follow_atom_v, game);
}

void unfollow(self_ptr self, const game_server::game_server_actor& game) {
  self->send(self->state.env->watch, unfollow_atom_v, game.address());
}

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

bool same_channel(self_ptr self, const std::string& topic,
                  const opt_ref& join_ref) {
  auto i = self->state.channels.find(topic);
  return i != self->state.channels.end() && i->second.join_ref == join_ref;
}

} // namespace parlor::gateway::detail
