#pragma once

#include "parlor/games/alternating.hpp"

#include <array>

namespace parlor::games {

/// Tic-tac-toe: seats X and O, X moves first, a move is `{"cell": 0..8}`
/// (row-major); its own reason is `cell_taken`. With a turn clock, the seat
/// whose time runs out loses. `docs/games/tictactoe.md`.
class tictactoe final : public alternating {
public:
  /// A cell: empty, or the seat index (0 = X, 1 = O) that took it.
  using board_type = std::array<std::optional<std::size_t>, 9>;

  static constexpr std::string_view kind_name = "tictactoe";
  static const kind_info& describe();

  const kind_info& info() const override;
  bool well_formed(const nlohmann::json& move) const override;
  nlohmann::json view() const override;
  std::optional<std::vector<nlohmann::json>>
  legal_moves(std::size_t seat) const override;
  std::unique_ptr<rules> clone() const override;

  /// The board, for tests.
  const board_type& board() const noexcept {
    return board_;
  }

private:
  landed place(std::size_t seat, const nlohmann::json& move,
               std::string& reason) override;
  std::optional<position> load_board(const nlohmann::json& data) override;

  /// The seat with three in a row, if any.
  std::optional<std::size_t> line() const;

  board_type board_{};
};

} // namespace parlor::games
