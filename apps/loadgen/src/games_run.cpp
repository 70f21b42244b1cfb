#include "games_run.hpp"

#include "pacer.hpp"

namespace parlor::loadgen {

using namespace std::chrono_literals;

namespace {

// Tic-tac-toe cells played in order: a draw, so every game has nine moves.
constexpr int draw_moves[9] = {0, 1, 2, 4, 3, 5, 7, 6, 8};

} // namespace

std::shared_ptr<connection>& games_run::mover(game_slot& s) {
  return s.step % 2 == 0 ? s.x : s.o;
}

void games_run::kill_slot(std::size_t i, const std::string& why) {
  auto& s = slots[i];
  if (s.dead)
    return;
  s.dead = true;
  fail(why);
}

void games_run::new_game(std::size_t i) {
  auto& s = slots[i];
  s.step = 0;
  s.ready = false;
  s.in_flight = false;
  if (!s.topic.empty()) {
    s.x->send(phx::frame(s.join_x, s.x->next_ref(), s.topic, "phx_leave"));
    s.o->send(phx::frame(s.join_o, s.o->next_ref(), s.topic, "phx_leave"));
  }
  auto ref = s.x->next_ref();
  s.x->send(phx::frame("1", ref, "lobby", "create",
                       R"({"game":"tictactoe"})"));
  s.on_x = [this, i, ref](std::string_view text) { created(i, ref, text); };
}

connection::handlers
games_run::player(std::size_t g, bool is_x,
                  std::function<void(std::string_view)> in_game) {
  return {[this, g, is_x](const std::string& err) {
            if (!err.empty())
              return kill_slot(g, err);
            auto& s = slots[g];
            (is_x ? s.x : s.o)->send(
              phx::frame("1", "1", "lobby", "phx_join"));
          },
          [this, g, is_x, in_game](std::string_view text) {
            auto& s = slots[g];
            bool& lobby = is_x ? s.lobby_x : s.lobby_o;
            if (lobby)
              return in_game(text);
            auto r = reply_to(g, text, "1", "lobby join");
            if (!r)
              return;
            lobby = true;
            if (s.lobby_x && s.lobby_o)
              new_game(g);
          },
          [this, g](const std::string& why) {
            kill_slot(g, "connection lost: " + why);
          }};
}

std::optional<phx::reply> games_run::reply_to(std::size_t i,
                                              std::string_view text,
                                              const std::string& ref,
                                              const char* what) {
  auto r = phx::parse_reply(text);
  if (!r || r->ref != ref)
    return std::nullopt;
  if (!r->ok) {
    kill_slot(i, std::string{what} + ": " + r->reason());
    return std::nullopt;
  }
  return r;
}

void games_run::created(std::size_t i, const std::string& ref,
                        std::string_view text) {
  auto r = reply_to(i, text, ref, "create");
  if (!r)
    return;
  auto& s = slots[i];
  s.topic = "game:" + r->response.value("code", "");
  s.join_x = s.x->next_ref();
  s.x->send(phx::frame(s.join_x, s.join_x, s.topic, "phx_join"));
  s.on_x = [this, i](std::string_view t) { x_joined(i, t); };
}

void games_run::x_joined(std::size_t i, std::string_view text) {
  auto& s = slots[i];
  if (!reply_to(i, text, s.join_x, "join"))
    return;
  s.join_o = s.o->next_ref();
  s.o->send(phx::frame(s.join_o, s.join_o, s.topic, "phx_join"));
  s.on_x = nullptr;
  s.on_o = [this, i](std::string_view t) { o_joined(i, t); };
}

void games_run::o_joined(std::size_t i, std::string_view text) {
  auto& s = slots[i];
  auto r = reply_to(i, text, s.join_o, "join");
  if (!r)
    return;
  s.version = r->response["state"].value("version", uint64_t{0});
  s.on_o = nullptr;
  ++games_played;
  if (ready_hook) {
    s.ready = true;
    return ready_hook(i);
  }
  became_ready(i);
}

void games_run::became_ready(std::size_t i) {
  auto& s = slots[i];
  s.ready = true;
  if (!measuring) {
    if (++ready_slots == slots.size())
      start_measuring();
    return;
  }
  if (stopping)
    return;
  if (o.rate == 0)
    send_move(i);
  else
    ready_queue.push_back(i);
}

void games_run::send_move(std::size_t i) {
  auto& s = slots[i];
  if (s.dead || !s.ready)
    return;
  s.ready = false;
  s.in_flight = true;
  s.acked = s.seen = false;
  s.expected = s.version + 1;
  auto& m = mover(s);
  s.move_ref = m->next_ref();
  s.sent = clock_type::now();
  m->send(phx::frame(s.step % 2 == 0 ? s.join_x : s.join_o, s.move_ref,
                     s.topic, "move",
                     "{\"cell\":" + std::to_string(draw_moves[s.step])
                       + "}"));
}

void games_run::on_message(std::size_t i, bool from_x,
                           std::string_view text) {
  auto& s = slots[i];
  auto& handler = from_x ? s.on_x : s.on_o;
  if (handler) {
    auto h = handler; // may replace itself
    h(text);
    return;
  }
  if (!s.in_flight)
    return;
  bool is_mover = (s.step % 2 == 0) == from_x;
  if (is_mover) {
    auto r = phx::parse_reply(text);
    if (!r || r->ref != s.move_ref)
      return;
    if (!r->ok) {
      ++errors;
      fail("move: " + r->reason());
      s.in_flight = false;
      return new_game(i);
    }
    s.acked = true;
    ack.record(us_since(s.sent));
    s.version = r->response.value("version", s.expected);
  } else {
    auto v = phx::state_version(text);
    if (!v || *v != s.expected)
      return;
    s.seen = true;
    opponent.record(us_since(s.sent));
  }
  if (!(s.acked && s.seen))
    return;
  s.in_flight = false;
  ++moves;
  if (++s.step == 9)
    return new_game(i);
  became_ready(i);
}

void games_run::start_measuring() {
  begin_measuring();
  ack = histogram{};
  opponent = histogram{};
  moves = 0;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].dead || !slots[i].ready)
      continue;
    if (o.rate == 0)
      send_move(i);
    else
      ready_queue.push_back(i);
  }
  if (o.rate > 0)
    pace();
  stop_after_measuring(stopping);
}

void games_run::pace() {
  parlor::loadgen::pace(
    ioc, o.rate, [this] { return !stopping; },
    [this] {
      if (ready_queue.empty()) {
        ++unsent; // every game is busy: the rate is not reachable
        return;
      }
      auto i = ready_queue.front();
      ready_queue.pop_front();
      send_move(i);
    });
}

void games_run::watchdog() {
  every(ioc, 1s, [this] {
    if (stopping)
      return false;
    auto now = clock_type::now();
    for (std::size_t i = 0; i < slots.size(); ++i) {
      auto& s = slots[i];
      if (!s.dead && s.in_flight && now - s.sent > step_timeout) {
        ++timeouts;
        fail("move timed out");
        s.in_flight = false;
        new_game(i);
      }
    }
    return true;
  });
}

} // namespace parlor::loadgen
