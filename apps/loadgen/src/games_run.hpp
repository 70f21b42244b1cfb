#pragma once

// Two-player tic-tac-toe games played through the nodes: the machinery the
// `games` and `fanout` scenarios share.

#include "histogram.hpp"
#include "phoenix.hpp"
#include "run_base.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parlor::loadgen {

/// One game in play and the move it has in flight.
struct game_slot {
  std::shared_ptr<connection> x, o;
  std::string topic;
  std::string join_x, join_o; // join refs of the game topic
  int step = 0;               // moves played in this game
  uint64_t version = 0;
  bool lobby_x = false, lobby_o = false;
  bool ready = false;         // may send the next move
  bool dead = false;
  // The move in flight.
  bool in_flight = false;
  std::string move_ref;
  uint64_t expected = 0;
  bool acked = false, seen = false;
  clock_type::time_point sent{};
  std::function<void(std::string_view)> on_x, on_o;
};

/// A run of `slots` games: X creates each game, X then O join it, and they
/// play a draw, nine moves, before the slot starts a new game.
struct games_run : run_base {
  std::vector<game_slot> slots;
  histogram ack, opponent;
  uint64_t moves = 0, games_played = 0, errors = 0, timeouts = 0, unsent = 0;
  uint32_t ready_slots = 0;
  std::deque<std::size_t> ready_queue;
  bool stopping = false;
  /// Replaces the scheduling of the next move when a new game is ready
  /// (fan-out paces its moves itself).
  std::function<void(std::size_t)> ready_hook;

  using run_base::run_base;

  /// The player whose turn it is in `s`.
  std::shared_ptr<connection>& mover(game_slot& s);

  /// Ends game slot `i` for good, counting `why` as a failure.
  void kill_slot(std::size_t i, const std::string& why);

  /// Starts a new game in slot `i`: X creates it, X then O join.
  void new_game(std::size_t i);

  /// The player X or O of game `g`: it joins `lobby` once connected, then
  /// hands every frame to `in_game`.
  connection::handlers player(std::size_t g, bool is_x,
                              std::function<void(std::string_view)> in_game);

  /// The reply to `ref` in `text` if it is one and ok; an error reply ends
  /// game slot `i` with `what`.
  std::optional<phx::reply> reply_to(std::size_t i, std::string_view text,
                                     const std::string& ref,
                                     const char* what);

  /// X's `create` answered: X joins the game.
  void created(std::size_t i, const std::string& ref, std::string_view text);

  /// X is in: O joins.
  void x_joined(std::size_t i, std::string_view text);

  /// Both seated: the game is ready for its first move.
  void o_joined(std::size_t i, std::string_view text);

  /// Slot `i` may move: measuring starts once every slot is ready; then
  /// its move goes out at once (closed loop) or joins the ready queue.
  void became_ready(std::size_t i);

  /// Sends slot `i`'s next move, if it is ready.
  void send_move(std::size_t i);

  /// A frame for X (`from_x`) or O of slot `i`: the move's reply to the
  /// mover, its state broadcast to the opponent.
  void on_message(std::size_t i, bool from_x, std::string_view text);

  /// Starts the measurement with every ready slot.
  void start_measuring();

  /// Open loop: sends moves at `o.rate` per second in total, evenly spaced.
  void pace();

  /// Moves that never completed count as timeouts; their game restarts.
  void watchdog();
};

} // namespace parlor::loadgen
