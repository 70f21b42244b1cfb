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

void tictactoe::begin(const setup& s) {
  clock_.seconds = s.options.value("turn_seconds", int64_t{0});
  clock_.restart(s.now_ms);
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

verdict tictactoe::apply(std::size_t seat, const nlohmann::json& move,
                         int64_t now_ms) {
  if (finished_ || seat != next_)
    return verdict::refuse("not_your_turn");
  auto cell = move["cell"].get<std::size_t>();
  if (board_[cell])
    return verdict::refuse("cell_taken");
  board_[cell] = seat;
  next_ = 1 - next_;
  settle();
  if (finished_)
    clock_.stop();
  else
    clock_.restart(now_ms);
  return verdict::ok();
}

void tictactoe::settle() {
  for (auto& l : lines) {
    auto a = board_[l[0]];
    if (a && a == board_[l[1]] && a == board_[l[2]]) {
      winning_seat_ = a;
      finished_ = true;
      return;
    }
  }
  winning_seat_.reset();
  finished_ = true;
  for (auto& c : board_)
    if (!c)
      finished_ = false;
}

std::vector<std::size_t> tictactoe::acting() const {
  if (finished_)
    return {};
  return {next_};
}

bool tictactoe::finished() const {
  return finished_;
}

std::optional<std::size_t> tictactoe::winner() const {
  return finished_ ? winning_seat_ : std::nullopt;
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
  if (!finished_ && seat == next_)
    for (std::size_t i = 0; i < board_.size(); ++i)
      if (!board_[i])
        moves.push_back({{"cell", i}});
  return moves;
}

std::optional<int64_t> tictactoe::deadline() const {
  return clock_.ends_ms;
}

void tictactoe::time_out(int64_t) {
  if (finished_)
    return;
  // The seat on turn loses.
  timed_out_ = next_;
  winning_seat_ = 1 - next_;
  finished_ = true;
  clock_.stop();
}

nlohmann::json tictactoe::save() const {
  auto data = view();
  // Older snapshots hold the board alone: a game without a clock that did
  // not time out is still written that way.
  if (auto c = clock_.save(); !c.is_null())
    data["clock"] = std::move(c);
  if (timed_out_)
    data["timed_out"] = *timed_out_;
  return data;
}

bool tictactoe::load(const nlohmann::json& data) {
  if (!data.is_object() || !data.contains("board"))
    return false;
  auto& cells = data["board"];
  if (!cells.is_array() || cells.size() != 9)
    return false;
  board_type board{};
  int xs = 0;
  int os = 0;
  for (std::size_t i = 0; i < 9; ++i) {
    auto& c = cells[i];
    if (c.is_null())
      continue;
    if (c == "X") {
      board[i] = 0;
      ++xs;
    } else if (c == "O") {
      board[i] = 1;
      ++os;
    } else {
      return false;
    }
  }
  // X moves first, so X has as many marks as O or one more.
  if (xs != os && xs != os + 1)
    return false;
  turn_clock clock;
  if (!clock.load(data.value("clock", nlohmann::json())))
    return false;
  std::optional<std::size_t> timed_out;
  if (auto t = data.find("timed_out"); t != data.end()) {
    auto seat = std::size_t(xs == os ? 0 : 1);
    // Only the seat on turn can time out, and only in an open position.
    if (!t->is_number_unsigned() || t->get<uint64_t>() != seat)
      return false;
    timed_out = seat;
  }
  tictactoe next;
  next.board_ = board;
  next.next_ = xs == os ? 0 : 1;
  next.settle();
  if (timed_out) {
    if (next.finished_)
      return false;
    next.time_out(0);
  }
  next.clock_ = clock;
  if (next.finished_)
    next.clock_.stop();
  *this = next;
  return true;
}

std::unique_ptr<rules> tictactoe::clone() const {
  return std::make_unique<tictactoe>(*this);
}

} // namespace parlor::games
