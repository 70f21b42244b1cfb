#include "parlor/games/errc.hpp"

#include <array>

namespace parlor::games {

namespace {

constexpr std::array<std::string_view, 7> errc_names = {
  "none",          "bad_move",      "not_a_player", "game_over",
  "waiting_for_players", "not_your_turn", "rule",
};

} // namespace

std::string_view to_string(errc x) {
  auto i = static_cast<std::size_t>(x);
  return i < errc_names.size() ? errc_names[i] : "unknown";
}

std::optional<errc> errc_from_string(std::string_view x) {
  for (std::size_t i = 0; i < errc_names.size(); ++i)
    if (errc_names[i] == x)
      return static_cast<errc>(i);
  return std::nullopt;
}

std::string_view to_string(status x) {
  switch (x) {
    case status::waiting:
      return "waiting";
    case status::playing:
      return "playing";
    case status::finished:
      return "finished";
  }
  return "unknown";
}

} // namespace parlor::games
