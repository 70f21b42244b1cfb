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

void connect4::begin(const setup& s) {
  clock_.seconds = s.options.value("turn_seconds", int64_t{0});
  clock_.restart(s.now_ms);
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

verdict connect4::apply(std::size_t seat, const nlohmann::json& move,
                        int64_t now_ms) {
  if (finished_ || seat != next_)
    return verdict::refuse("not_your_turn");
  auto column = move["column"].get<std::size_t>();
  if (board_[0][column])
    return verdict::refuse("column_full");
  auto row = rows - 1;
  while (board_[row][column])
    --row;
  board_[row][column] = seat;
  ++discs_;
  next_ = 1 - next_;
  if (wins_at(row, column)) {
    winning_seat_ = seat;
    finished_ = true;
  } else if (discs_ == rows * columns) {
    finished_ = true;
  }
  if (finished_)
    clock_.stop();
  else
    clock_.restart(now_ms);
  return verdict::ok();
}

bool connect4::wins_at(std::size_t row, std::size_t column) const {
  auto seat = board_[row][column];
  // Across, down, and the two diagonals: count both ways from the disc.
  constexpr std::array<std::array<int, 2>, 4> directions
    = {{{0, 1}, {1, 0}, {1, 1}, {1, -1}}};
  auto same = [&](int r, int c) {
    return r >= 0 && r < static_cast<int>(rows) && c >= 0
           && c < static_cast<int>(columns) && board_[r][c] == seat;
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

std::vector<std::size_t> connect4::acting() const {
  if (finished_)
    return {};
  return {next_};
}

bool connect4::finished() const {
  return finished_;
}

std::optional<std::size_t> connect4::winner() const {
  return finished_ ? winning_seat_ : std::nullopt;
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
  if (!finished_ && seat == next_)
    for (std::size_t c = 0; c < columns; ++c)
      if (!board_[0][c])
        moves.push_back({{"column", c}});
  return moves;
}

std::optional<int64_t> connect4::deadline() const {
  return clock_.ends_ms;
}

void connect4::time_out(int64_t) {
  if (finished_)
    return;
  timed_out_ = next_;
  winning_seat_ = 1 - next_;
  finished_ = true;
  clock_.stop();
}

nlohmann::json connect4::save() const {
  auto data = view();
  if (auto c = clock_.save(); !c.is_null())
    data["clock"] = std::move(c);
  if (timed_out_)
    data["timed_out"] = *timed_out_;
  return data;
}

bool connect4::load(const nlohmann::json& data) {
  if (!data.is_object() || !data.contains("board"))
    return false;
  auto& b = data["board"];
  if (!b.is_array() || b.size() != rows)
    return false;
  // Replayed column by column from the bottom: a position is reachable when
  // the discs alternate R, Y, … and the game did not end before its last
  // disc. Checking that exactly would need the order; what is checked is
  // what load can see: gravity, the counts, and at most one winner.
  board_type board{};
  std::size_t reds = 0;
  std::size_t yellows = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    auto& row = b[r];
    if (!row.is_array() || row.size() != columns)
      return false;
    for (std::size_t c = 0; c < columns; ++c) {
      auto& cell = row[c];
      if (cell.is_null())
        continue;
      if (cell == "R") {
        board[r][c] = 0;
        ++reds;
      } else if (cell == "Y") {
        board[r][c] = 1;
        ++yellows;
      } else {
        return false;
      }
    }
  }
  for (std::size_t c = 0; c < columns; ++c)
    for (std::size_t r = 0; r + 1 < rows; ++r)
      if (board[r][c] && !board[r + 1][c])
        return false; // a disc above a hole
  if (reds != yellows && reds != yellows + 1)
    return false;
  connect4 next;
  next.board_ = board;
  next.discs_ = reds + yellows;
  next.next_ = reds == yellows ? 0 : 1;
  std::optional<std::size_t> winner;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < columns; ++c)
      if (board[r][c] && next.wins_at(r, c)) {
        if (winner && *winner != *board[r][c])
          return false; // both have four: no game gets there
        winner = board[r][c];
      }
  // The winner made the last move: the other seat is on turn.
  if (winner && next.next_ == *winner)
    return false;
  next.winning_seat_ = winner;
  next.finished_ = winner || next.discs_ == rows * columns;
  if (!next.clock_.load(data.value("clock", nlohmann::json())))
    return false;
  if (auto t = data.find("timed_out"); t != data.end()) {
    if (next.finished_ || !t->is_number_unsigned()
        || t->get<uint64_t>() != next.next_)
      return false;
    next.time_out(0);
  }
  if (next.finished_)
    next.clock_.stop();
  *this = next;
  return true;
}

std::unique_ptr<rules> connect4::clone() const {
  return std::make_unique<connect4>(*this);
}

} // namespace parlor::games
