#pragma once

#include "parlor/games/rules.hpp"

namespace parlor::games {

/// What two-seat games that take turns share (tic-tac-toe, Connect Four):
/// seat 0 moves first, then they alternate; a move wins or fills the board;
/// the turn clock restarts with every move, and the seat on turn loses when
/// it runs out. A game supplies its board: how a move lands on it, how it
/// looks, and how a saved one is read back.
class alternating : public rules {
public:
  void begin(const setup& s) override;
  verdict apply(std::size_t seat, const nlohmann::json& move,
                int64_t now_ms) final;
  std::vector<std::size_t> acting() const final;
  bool finished() const final;
  std::optional<std::size_t> winner() const final;
  std::optional<int64_t> deadline() const final;
  void time_out(int64_t now_ms) final;
  /// `view()` plus the clock and a timeout (absent when there are none,
  /// as snapshots from before clocks were written).
  nlohmann::json save() const final;
  bool load(const nlohmann::json& data) final;

  /// The seat on turn (meaningless once finished).
  std::size_t on_turn() const noexcept {
    return next_;
  }

protected:
  /// What a move did to the board.
  enum class landed : uint8_t { refused, played, won, filled };

  /// Puts a well-formed move of the seat on turn on the board, or refuses
  /// it with the game's own reason (then nothing changes).
  virtual landed place(std::size_t seat, const nlohmann::json& move,
                       std::string& reason)
    = 0;

  /// A saved board, read back.
  struct position {
    /// Marks or discs per seat.
    std::size_t counts[2] = {0, 0};
    /// A seat that has a line (at most one may).
    std::optional<std::size_t> line;
    bool full = false;
  };

  /// Reads the board of `data` (`view()`'s form) into this game; none when
  /// it is malformed or no game reaches it (a disc in the air, two winners).
  virtual std::optional<position> load_board(const nlohmann::json& data) = 0;

private:
  std::size_t next_ = 0;
  bool finished_ = false;
  std::optional<std::size_t> winning_seat_;
  /// Set when the game ended by a timeout (the board alone can't say).
  std::optional<std::size_t> timed_out_;
  turn_clock clock_;
};

} // namespace parlor::games
