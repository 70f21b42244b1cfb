#pragma once

#include "parlor/games/rules.hpp"

#include <array>

namespace parlor::games {

/// Connect Four: seats R and Y, R moves first; a move is `{"column": 0..6}`
/// and drops a disc to the lowest free row of that column; its own reason
/// is `column_full`. Four in a row (across, down or diagonal) wins; a full
/// board without one is a draw. With a turn clock, the seat whose time runs
/// out loses. `docs/games/connect4.md`.
class connect4 final : public rules {
public:
  static constexpr std::size_t columns = 7;
  static constexpr std::size_t rows = 6;
  /// `board[row][column]`, row 0 at the top: empty or the seat (0 = R).
  using board_type
    = std::array<std::array<std::optional<std::size_t>, columns>, rows>;

  static constexpr std::string_view kind_name = "connect4";
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

  const board_type& board() const noexcept {
    return board_;
  }

private:
  /// Whether the disc at (`row`, `column`) completes four in a row.
  bool wins_at(std::size_t row, std::size_t column) const;

  board_type board_{};
  std::size_t next_ = 0;
  std::size_t discs_ = 0;
  bool finished_ = false;
  std::optional<std::size_t> winning_seat_;
  std::optional<std::size_t> timed_out_;
  turn_clock clock_;
};

} // namespace parlor::games
