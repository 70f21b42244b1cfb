#include "parlor/games/alternating.hpp"

namespace parlor::games {

void alternating::begin(const setup& s) {
  clock_.seconds = s.options.value("turn_seconds", int64_t{0});
  clock_.restart(s.now_ms);
}

verdict alternating::apply(std::size_t seat, const nlohmann::json& move,
                           int64_t now_ms) {
  if (finished_ || seat != next_)
    return verdict::refuse("not_your_turn");
  std::string reason;
  auto result = place(seat, move, reason);
  if (result == landed::refused)
    return verdict::refuse(std::move(reason));
  next_ = 1 - next_;
  if (result == landed::won)
    winning_seat_ = seat;
  finished_ = result != landed::played;
  if (finished_)
    clock_.stop();
  else
    clock_.restart(now_ms);
  return verdict::ok();
}

std::vector<std::size_t> alternating::acting() const {
  if (finished_)
    return {};
  return {next_};
}

bool alternating::finished() const {
  return finished_;
}

std::optional<std::size_t> alternating::winner() const {
  return finished_ ? winning_seat_ : std::nullopt;
}

std::optional<int64_t> alternating::deadline() const {
  return clock_.ends_ms;
}

void alternating::time_out(int64_t) {
  if (finished_)
    return;
  // The seat on turn loses.
  timed_out_ = next_;
  winning_seat_ = 1 - next_;
  finished_ = true;
  clock_.stop();
}

nlohmann::json alternating::save() const {
  auto data = view();
  if (auto c = clock_.save(); !c.is_null())
    data["clock"] = std::move(c);
  if (timed_out_)
    data["timed_out"] = *timed_out_;
  return data;
}

bool alternating::load(const nlohmann::json& data) {
  if (!data.is_object())
    return false;
  // Read into a copy first, so that a refused snapshot changes nothing.
  auto copy = clone();
  auto& next = static_cast<alternating&>(*copy);
  auto pos = next.load_board(data);
  // Seat 0 moves first: it has as many as seat 1 or one more.
  if (!pos
      || (pos->counts[0] != pos->counts[1]
          && pos->counts[0] != pos->counts[1] + 1))
    return false;
  next.next_ = pos->counts[0] == pos->counts[1] ? 0 : 1;
  // The winner made the last move: the other seat is on turn.
  if (pos->line && next.next_ == *pos->line)
    return false;
  next.winning_seat_ = pos->line;
  next.finished_ = pos->line || pos->full;
  next.timed_out_.reset();
  if (!next.clock_.load(data.value("clock", nlohmann::json())))
    return false;
  if (auto t = data.find("timed_out"); t != data.end()) {
    // Only the seat on turn times out, and only in an open position.
    if (next.finished_ || !t->is_number_unsigned()
        || t->get<uint64_t>() != next.next_)
      return false;
    next.time_out(0);
  }
  if (next.finished_)
    next.clock_.stop();
  // All checked on the copy: now this game reads the same board.
  if (!load_board(data))
    return false;
  next_ = next.next_;
  finished_ = next.finished_;
  winning_seat_ = next.winning_seat_;
  timed_out_ = next.timed_out_;
  clock_ = next.clock_;
  return true;
}

} // namespace parlor::games
