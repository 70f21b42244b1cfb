#pragma once

#include "parlor/games/alternating.hpp"

#include <array>

namespace parlor::games {

/// Connect Four: seats R and Y, R moves first; a move is `{"column": 0..6}`
/// and drops a disc to the lowest free row of that column; its own reason
/// is `column_full`. Four in a row (across, down or diagonal) wins; a full
/// board without one is a draw. With a turn clock, the seat whose time runs
/// out loses. `docs/games/connect4.md`.
class connect4 final : public alternating {
public:
  static constexpr std::size_t columns = 7;
  static constexpr std::size_t rows = 6;
  /// `board[row][column]`, row 0 at the top: empty or the seat (0 = R).
  using board_type
    = std::array<std::array<std::optional<std::size_t>, columns>, rows>;

  static constexpr std::string_view kind_name = "connect4";
  static const kind_info& describe();

  const kind_info& info() const override;
  bool well_formed(const nlohmann::json& move) const override;
  nlohmann::json view() const override;
  std::optional<std::vector<nlohmann::json>>
  legal_moves(std::size_t seat) const override;
  std::unique_ptr<rules> clone() const override;

  const board_type& board() const noexcept {
    return board_;
  }

private:
  landed place(std::size_t seat, const nlohmann::json& move,
               std::string& reason) override;
  std::optional<position> load_board(const nlohmann::json& data) override;

  /// Whether the disc at (`row`, `column`) is part of four in a row.
  bool wins_at(const board_type& b, std::size_t row,
               std::size_t column) const;

  board_type board_{};
  std::size_t discs_ = 0;
};

} // namespace parlor::games
