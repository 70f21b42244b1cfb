#include "parlor/games/tictactoe.hpp"

namespace parlor::games {

namespace {

constexpr std::array<std::array<std::size_t, 3>, 8> lines = {{
  {0, 1, 2}, {3, 4, 5}, {6, 7, 8}, // rows
  {0, 3, 6}, {1, 4, 7}, {2, 5, 8}, // columns
  {0, 4, 8}, {2, 4, 6},            // diagonals
}};

} // namespace

const kind_info& tictactoe::describe() {
  static const kind_info info{std::string{kind_name}, "Tic-tac-toe",
                              {"X", "O"}, 2, false, false, {}};
  return info;
}

const kind_info& tictactoe::info() const {
  return describe();
}

bool tictactoe::well_formed(const nlohmann::json& move) const {
  if (!move.is_object())
    return false;
  auto i = move.find("cell");
  if (i == move.end() || !i->is_number_integer())
    return false;
  auto cell = i->get<int64_t>();
  return cell >= 0 && cell < 9;
}

alternating::landed tictactoe::place(std::size_t seat,
                                     const nlohmann::json& move,
                                     std::string& reason) {
  auto cell = move["cell"].get<std::size_t>();
  if (board_[cell]) {
    reason = "cell_taken";
    return landed::refused;
  }
  board_[cell] = seat;
  if (line())
    return landed::won;
  for (auto& c : board_)
    if (!c)
      return landed::played;
  return landed::filled;
}

std::optional<std::size_t> tictactoe::line() const {
  for (auto& l : lines) {
    auto a = board_[l[0]];
    if (a && a == board_[l[1]] && a == board_[l[2]])
      return a;
  }
  return std::nullopt;
}

nlohmann::json tictactoe::view() const {
  auto& names = describe().seats;
  auto board = nlohmann::json::array();
  for (auto& c : board_)
    board.push_back(c ? nlohmann::json(names[*c]) : nlohmann::json());
  return {{"board", std::move(board)}};
}

std::optional<std::vector<nlohmann::json>>
tictactoe::legal_moves(std::size_t seat) const {
  std::vector<nlohmann::json> moves;
  if (!finished() && seat == on_turn())
    for (std::size_t i = 0; i < board_.size(); ++i)
      if (!board_[i])
        moves.push_back({{"cell", i}});
  return moves;
}

std::optional<alternating::position>
tictactoe::load_board(const nlohmann::json& data) {
  auto cells = data.find("board");
  if (cells == data.end() || !cells->is_array() || cells->size() != 9)
    return std::nullopt;
  board_type board{};
  position pos;
  for (std::size_t i = 0; i < 9; ++i) {
    auto& c = (*cells)[i];
    if (c.is_null())
      continue;
    if (c != "X" && c != "O")
      return std::nullopt;
    board[i] = c == "X" ? 0 : 1;
    ++pos.counts[*board[i]];
  }
  // At most one seat has a line: the game ends with the first.
  int with_line = 0;
  for (std::size_t seat = 0; seat < 2; ++seat)
    for (auto& l : lines)
      if (board[l[0]] == seat && board[l[1]] == seat && board[l[2]] == seat) {
        ++with_line;
        pos.line = seat;
        break;
      }
  if (with_line > 1)
    return std::nullopt;
  board_ = board;
  pos.full = pos.counts[0] + pos.counts[1] == 9;
  return pos;
}

std::unique_ptr<rules> tictactoe::clone() const {
  return std::make_unique<tictactoe>(*this);
}

} // namespace parlor::games
