#include "parlor/games/match.hpp"

#include "parlor/games/catalog.hpp"

#include "parlor/core/constant_time.hpp"
#include "parlor/core/json_text.hpp"

#include <algorithm>

namespace parlor::games {

match::match(std::string code, std::unique_ptr<rules> r)
  : code_(std::move(code)), rules_(std::move(r)),
    seated_(rules_->info().max_seats()) {
  // nop
}

match::match(const match& other)
  : code_(other.code_), invite_(other.invite_), options_(other.options_),
    seed_(other.seed_), rules_(other.rules_->clone()),
    seated_(other.seated_), started_(other.started_),
    version_(other.version_) {
  // nop
}

std::unique_ptr<match> match::create(std::string_view kind, std::string code,
                                     const player& creator, match_setup how) {
  auto r = make_rules(kind);
  if (!r)
    return nullptr;
  std::unique_ptr<match> m{new match(std::move(code), std::move(r))};
  m->invite_ = std::move(how.invite);
  m->options_ = how.options.is_object() ? std::move(how.options)
                                        : nlohmann::json::object();
  m->seed_ = how.seed;
  m->seated_.front() = creator;
  if (m->seated_.size() == 1)
    m->begin(how.now_ms);
  return m;
}

void match::begin(int64_t now_ms) {
  started_ = true;
  rules_->begin(setup{seated_.size(), options_, seed_, now_ms});
}

join_result match::join(const player& p, std::string_view invite,
                        int64_t now_ms) {
  if (auto seat = seat_of(p.id))
    return {seat_name(*seat), false};
  if (invite_only() && !core::constant_time_equal(invite, invite_))
    return {std::nullopt, false};
  for (std::size_t i = 0; i < seated_.size(); ++i) {
    if (!seated_[i]) {
      seated_[i] = p;
      if (i + 1 == seated_.size())
        begin(now_ms);
      ++version_;
      return {seat_name(i), true};
    }
  }
  return {std::nullopt, false};
}

refusal match::move(std::string_view player_id, const nlohmann::json& move,
                    int64_t now_ms) {
  if (!rules_->well_formed(move))
    return {errc::bad_move, {}};
  auto seat = seat_of(player_id);
  if (!seat)
    return {errc::not_a_player, {}};
  if (rules_->finished())
    return {errc::game_over, {}};
  if (!started_)
    return {errc::waiting_for_players, {}};
  auto acting = rules_->acting();
  if (std::find(acting.begin(), acting.end(), *seat) == acting.end())
    return {errc::not_your_turn, {}};
  if (auto v = rules_->apply(*seat, move, now_ms); !v.accepted())
    return {errc::rule, std::move(v.reason)};
  ++version_;
  return {};
}

std::optional<int64_t> match::deadline() const {
  if (!started_ || rules_->finished())
    return std::nullopt;
  return rules_->deadline();
}

bool match::time_out(int64_t now_ms) {
  auto due = deadline();
  if (!due || now_ms < *due)
    return false;
  rules_->time_out(now_ms);
  ++version_;
  return true;
}

std::vector<std::size_t> match::acting() const {
  if (!started_)
    return {};
  return rules_->acting();
}

std::optional<std::size_t> match::seat_of(std::string_view player_id) const {
  for (std::size_t i = 0; i < seated_.size(); ++i)
    if (seated_[i] && seated_[i]->id == player_id)
      return i;
  return std::nullopt;
}

const std::string& match::seat_name(std::size_t seat) const {
  return rules_->info().seats.at(seat);
}

status match::status() const {
  if (rules_->finished())
    return status::finished;
  return started_ ? status::playing : status::waiting;
}

std::unique_ptr<match> match::restore(const nlohmann::json& data) {
  if (!data.is_object())
    return nullptr;
  auto str = [&](const char* key) -> const std::string* {
    auto i = data.find(key);
    return i != data.end() && i->is_string() ? i->get_ptr<const std::string*>()
                                             : nullptr;
  };
  auto code = str("code");
  auto kind = str("game");
  if (!code || !kind)
    return nullptr;
  auto r = make_rules(*kind);
  if (!r)
    return nullptr;
  auto version = data.find("version");
  auto started = data.find("started");
  auto seats = data.find("seats");
  auto saved_rules = data.find("rules");
  if (version == data.end() || !version->is_number_unsigned()
      || started == data.end() || !started->is_boolean()
      || seats == data.end() || !seats->is_array()
      || seats->size() != r->info().max_seats() || saved_rules == data.end()
      || !r->load(*saved_rules))
    return nullptr;
  // Only what create, join and move can reach: a snapshot that no game
  // gets to (found by fuzz_snapshot_load) would leave a game that never
  // starts, or a player whose second seat never gets a turn.
  bool is_started = started->get<bool>();
  if (version->get<uint64_t>() == 0
      || (!is_started && r->save() != make_rules(*kind)->save()))
    return nullptr;
  std::unique_ptr<match> m{new match(*code, std::move(r))};
  if (auto i = data.find("invite"); i != data.end()) {
    if (!i->is_string() || i->get_ref<const std::string&>().empty())
      return nullptr;
    m->invite_ = i->get<std::string>();
  }
  // Older snapshots have neither: no options, seed 0.
  if (auto i = data.find("options"); i != data.end()) {
    std::string error;
    auto checked = validate_options(m->rules_->info(), *i, error);
    if (!error.empty())
      return nullptr;
    m->options_ = std::move(checked);
  }
  if (auto i = data.find("seed"); i != data.end()) {
    if (!i->is_number_unsigned())
      return nullptr;
    m->seed_ = i->get<uint64_t>();
  }
  std::size_t filled = 0;
  for (std::size_t i = 0; i < seats->size(); ++i) {
    auto& s = (*seats)[i];
    if (s.is_null())
      continue;
    if (!s.is_object() || !s.contains("id") || !s["id"].is_string()
        || !s.contains("name") || !s["name"].is_string())
      return nullptr;
    // Seats fill in order, and a player takes one at most.
    auto& id = s["id"].get_ref<const std::string&>();
    if (i != filled++ || m->seat_of(id))
      return nullptr;
    m->seated_[i] = player{id, s["name"].get<std::string>()};
  }
  // The creator holds the first seat; the game starts with the last.
  if (filled == 0 || is_started != (filled == m->seated_.size()))
    return nullptr;
  m->started_ = is_started;
  m->version_ = version->get<uint64_t>();
  return m;
}

namespace {

using core::append_json_string;

void append_player(std::string& out, const std::optional<player>& p) {
  if (!p) {
    out += "null";
    return;
  }
  out += R"({"id":)";
  append_json_string(out, p->id);
  out += R"(,"name":)";
  append_json_string(out, p->name);
  out += '}';
}

} // namespace

// Keys in the order nlohmann::json (a std::map) dumps them: sorted.
std::string match::state_text(std::string_view host_json) const {
  std::string out;
  out.reserve(320);
  auto st = status();
  auto acting_now = acting();
  out += R"({"acting":[)";
  for (std::size_t k = 0; k < acting_now.size(); ++k) {
    if (k > 0)
      out += ',';
    append_json_string(out, seat_name(acting_now[k]));
  }
  out += R"(],"code":)";
  append_json_string(out, code_);
  out += R"(,"deadline":)";
  if (auto due = deadline())
    out += std::to_string(*due);
  else
    out += "null";
  out += R"(,"game":)";
  append_json_string(out, kind());
  if (!host_json.empty()) {
    out += R"(,"host":)";
    out += host_json;
  }
  out += R"(,"players":{)";
  std::vector<std::size_t> order(seated_.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return seat_name(a) < seat_name(b);
  });
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (k > 0)
      out += ',';
    append_json_string(out, seat_name(order[k]));
    out += ':';
    append_player(out, seated_[order[k]]);
  }
  out += R"(},"round":1,"seats":[)";
  for (std::size_t i = 0; i < seated_.size(); ++i) {
    if (i > 0)
      out += ',';
    append_json_string(out, seat_name(i));
  }
  out += R"(],"status":)";
  append_json_string(out, to_string(st));
  // §4's one seat on turn: the acting seat of a turn-based game.
  out += R"(,"turn":)";
  bool one_turn = st == status::playing && acting_now.size() == 1
                  && !rules_->info().simultaneous;
  core::append_json_string_or_null(
    out, one_turn ? &seat_name(acting_now.front()) : nullptr);
  out += R"(,"version":)";
  out += std::to_string(version_);
  out += R"(,"view":)";
  out += core::dump_json(rules_->view());
  out += R"(,"winner":)";
  std::optional<std::string> winner;
  if (rules_->finished()) {
    auto w = rules_->winner();
    winner = w ? seat_name(*w) : std::string{"draw"};
  }
  core::append_json_string_or_null(out, winner ? &*winner : nullptr);
  out += '}';
  return out;
}

std::string match::save_text() const {
  std::string out;
  out.reserve(256);
  out += R"({"code":)";
  append_json_string(out, code_);
  out += R"(,"game":)";
  append_json_string(out, kind());
  if (!invite_.empty()) {
    out += R"(,"invite":)";
    append_json_string(out, invite_);
  }
  if (!options_.empty()) {
    out += R"(,"options":)";
    out += core::dump_json(options_);
  }
  out += R"(,"rules":)";
  out += core::dump_json(rules_->save());
  out += R"(,"seats":[)";
  for (std::size_t i = 0; i < seated_.size(); ++i) {
    if (i > 0)
      out += ',';
    append_player(out, seated_[i]);
  }
  out += R"(],"seed":)";
  out += std::to_string(seed_);
  out += R"(,"started":)";
  out += started_ ? "true" : "false";
  out += R"(,"version":)";
  out += std::to_string(version_);
  out += '}';
  return out;
}

} // namespace parlor::games
