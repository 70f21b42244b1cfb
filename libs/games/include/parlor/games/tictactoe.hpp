#pragma once

#include "parlor/games/rules.hpp"

#include <array>

namespace parlor::games {

/// Tic-tac-toe: seats X and O, X moves first, a move is `{"cell": 0..8}`
/// (row-major).
class tictactoe final : public rules {
public:
  /// A cell: empty, or the seat index (0 = X, 1 = O) that took it.
  using board_type = std::array<std::optional<std::size_t>, 9>;

  static constexpr std::string_view kind_name = "tictactoe";

  std::string_view kind() const override;
  const std::vector<std::string>& seats() const override;
  bool well_formed(const nlohmann::json& move) const override;
  errc apply(std::size_t seat, const nlohmann::json& move) override;
  bool finished() const override;
  std::optional<std::size_t> turn() const override;
  std::optional<std::string> winner() const override;
  nlohmann::json view() const override;
  nlohmann::json save() const override;
  void append_view(std::string& out) const override;
  void append_save(std::string& out) const override;
  bool load(const nlohmann::json& data) override;
  std::unique_ptr<rules> clone() const override;

  /// The board, for tests.
  const board_type& board() const noexcept {
    return board_;
  }

private:
  /// Recomputes `winner_` and `finished_` from the board.
  void settle();

  board_type board_{};
  std::size_t next_ = 0;
  bool finished_ = false;
  std::optional<std::size_t> winning_seat_;
};

} // namespace parlor::games
