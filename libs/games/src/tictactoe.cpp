#include "parlor/games/tictactoe.hpp"

#include <nlohmann/json.hpp>

namespace parlor::games {

namespace {

constexpr std::array<std::array<std::size_t, 3>, 8> lines = {{
  {0, 1, 2}, {3, 4, 5}, {6, 7, 8}, // rows
  {0, 3, 6}, {1, 4, 7}, {2, 5, 8}, // columns
  {0, 4, 8}, {2, 4, 6},            // diagonals
}};

const std::vector<std::string> seat_names = {"X", "O"};

} // namespace

std::string_view tictactoe::kind() const {
  return kind_name;
}

const std::vector<std::string>& tictactoe::seats() const {
  return seat_names;
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

errc tictactoe::apply(std::size_t seat, const nlohmann::json& move) {
  if (!well_formed(move))
    return errc::bad_move;
  if (finished_)
    return errc::game_over;
  if (seat != next_)
    return errc::not_your_turn;
  auto cell = move["cell"].get<std::size_t>();
  if (board_[cell])
    return errc::cell_taken;
  board_[cell] = seat;
  next_ = 1 - next_;
  settle();
  return errc::none;
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

bool tictactoe::finished() const {
  return finished_;
}

std::optional<std::size_t> tictactoe::turn() const {
  if (finished_)
    return std::nullopt;
  return next_;
}

std::optional<std::string> tictactoe::winner() const {
  if (!finished_)
    return std::nullopt;
  if (winning_seat_)
    return seat_names[*winning_seat_];
  return "draw";
}

nlohmann::json tictactoe::view() const {
  auto board = nlohmann::json::array();
  for (auto& c : board_)
    board.push_back(c ? nlohmann::json(seat_names[*c]) : nlohmann::json());
  return {{"board", std::move(board)}};
}

nlohmann::json tictactoe::save() const {
  return view();
}

// `{"board":["X",null,"O",...]}`: the bytes `view().dump()` writes.
void tictactoe::append_view(std::string& out) const {
  out += R"({"board":[)";
  for (std::size_t i = 0; i < board_.size(); ++i) {
    if (i > 0)
      out += ',';
    if (board_[i]) {
      out += '"';
      out += seat_names[*board_[i]];
      out += '"';
    } else {
      out += "null";
    }
  }
  out += "]}";
}

void tictactoe::append_save(std::string& out) const {
  append_view(out);
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
  board_ = board;
  next_ = xs == os ? 0 : 1;
  settle();
  return true;
}

std::unique_ptr<rules> tictactoe::clone() const {
  return std::make_unique<tictactoe>(*this);
}

} // namespace parlor::games
