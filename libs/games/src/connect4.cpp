#include "parlor/games/connect4.hpp"

namespace parlor::games {

const kind_info& connect4::describe() {
  static const kind_info info{std::string{kind_name}, "Connect Four",
                              {"R", "Y"}, 2, false, false, {}};
  return info;
}

const kind_info& connect4::info() const {
  return describe();
}

bool connect4::well_formed(const nlohmann::json& move) const {
  if (!move.is_object())
    return false;
  auto i = move.find("column");
  if (i == move.end() || !i->is_number_integer())
    return false;
  auto c = i->get<int64_t>();
  return c >= 0 && c < static_cast<int64_t>(columns);
}

alternating::landed connect4::place(std::size_t seat,
                                    const nlohmann::json& move,
                                    std::string& reason) {
  auto column = move["column"].get<std::size_t>();
  if (board_[0][column]) {
    reason = "column_full";
    return landed::refused;
  }
  auto row = rows - 1;
  while (board_[row][column])
    --row;
  board_[row][column] = seat;
  ++discs_;
  if (wins_at(board_, row, column))
    return landed::won;
  return discs_ == rows * columns ? landed::filled : landed::played;
}

bool connect4::wins_at(const board_type& b, std::size_t row,
                       std::size_t column) const {
  auto seat = b[row][column];
  // Across, down, and the two diagonals: count both ways from the disc.
  constexpr std::array<std::array<int, 2>, 4> directions
    = {{{0, 1}, {1, 0}, {1, 1}, {1, -1}}};
  auto same = [&](int r, int c) {
    return r >= 0 && r < static_cast<int>(rows) && c >= 0
           && c < static_cast<int>(columns) && b[r][c] == seat;
  };
  for (auto [dr, dc] : directions) {
    int n = 1;
    for (int k = 1; same(int(row) + k * dr, int(column) + k * dc); ++k)
      ++n;
    for (int k = 1; same(int(row) - k * dr, int(column) - k * dc); ++k)
      ++n;
    if (n >= 4)
      return true;
  }
  return false;
}

nlohmann::json connect4::view() const {
  auto& names = describe().seats;
  auto board = nlohmann::json::array();
  for (auto& row : board_) {
    auto cells = nlohmann::json::array();
    for (auto& c : row)
      cells.push_back(c ? nlohmann::json(names[*c]) : nlohmann::json());
    board.push_back(std::move(cells));
  }
  return {{"board", std::move(board)}};
}

std::optional<std::vector<nlohmann::json>>
connect4::legal_moves(std::size_t seat) const {
  std::vector<nlohmann::json> moves;
  if (!finished() && seat == on_turn())
    for (std::size_t c = 0; c < columns; ++c)
      if (!board_[0][c])
        moves.push_back({{"column", c}});
  return moves;
}

std::optional<alternating::position>
connect4::load_board(const nlohmann::json& data) {
  auto b = data.find("board");
  if (b == data.end() || !b->is_array() || b->size() != rows)
    return std::nullopt;
  board_type board{};
  position pos;
  for (std::size_t r = 0; r < rows; ++r) {
    auto& row = (*b)[r];
    if (!row.is_array() || row.size() != columns)
      return std::nullopt;
    for (std::size_t c = 0; c < columns; ++c) {
      auto& cell = row[c];
      if (cell.is_null())
        continue;
      if (cell != "R" && cell != "Y")
        return std::nullopt;
      board[r][c] = cell == "R" ? 0 : 1;
      ++pos.counts[*board[r][c]];
    }
  }
  // Discs rest on the bottom or on another disc.
  for (std::size_t c = 0; c < columns; ++c)
    for (std::size_t r = 0; r + 1 < rows; ++r)
      if (board[r][c] && !board[r + 1][c])
        return std::nullopt;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < columns; ++c)
      if (board[r][c] && wins_at(board, r, c)) {
        if (pos.line && *pos.line != *board[r][c])
          return std::nullopt; // both have four: no game gets there
        pos.line = board[r][c];
      }
  board_ = board;
  discs_ = pos.counts[0] + pos.counts[1];
  pos.full = discs_ == rows * columns;
  return pos;
}

std::unique_ptr<rules> connect4::clone() const {
  return std::make_unique<connect4>(*this);
}

} // namespace parlor::games
