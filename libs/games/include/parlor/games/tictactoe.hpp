#pragma once

#include "parlor/games/rules.hpp"

#include <array>

namespace parlor::games {

/// Tic-tac-toe: seats X and O, X moves first, a move is `{"cell": 0..8}`
/// (row-major); its own reason is `cell_taken`. With a turn clock, the seat
/// whose time runs out loses. `docs/games/tictactoe.md`.
class tictactoe final : public rules {
public:
  /// A cell: empty, or the seat index (0 = X, 1 = O) that took it.
  using board_type = std::array<std::optional<std::size_t>, 9>;

  static constexpr std::string_view kind_name = "tictactoe";
  static const kind_info& describe();

  const kind_info& info() const override;
  void begin(const setup& s) override;
  bool well_formed(const nlohmann::json& move) const override;
  verdict apply(std::size_t seat, const nlohmann::json& move,
                int64_t now_ms) override;
  std::vector<std::size_t> acting() const override;
  bool finished() const override;
  std::optional<std::size_t> winner() const override;
  nlohmann::json view() const override;
  std::optional<std::vector<nlohmann::json>>
  legal_moves(std::size_t seat) const override;
  std::optional<int64_t> deadline() const override;
  void time_out(int64_t now_ms) override;
  nlohmann::json save() const override;
  bool load(const nlohmann::json& data) override;
  std::unique_ptr<rules> clone() const override;

  /// The board, for tests.
  const board_type& board() const noexcept {
    return board_;
  }

private:
  /// Recomputes `winning_seat_` and `finished_` from the board.
  void settle();

  board_type board_{};
  std::size_t next_ = 0;
  bool finished_ = false;
  std::optional<std::size_t> winning_seat_;
  /// Set when the game ended by a timeout (the board alone can't say).
  std::optional<std::size_t> timed_out_;
  turn_clock clock_;
};

} // namespace parlor::games
