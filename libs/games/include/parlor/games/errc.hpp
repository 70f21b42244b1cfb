#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace parlor::games {

/// Why a move was refused: one of the generic reasons of contract §4 in
/// their order (the names are the wire reasons), or `rule`: the game's own
/// reason, a string that travels with it (in a `caf::error`, its context).
enum class errc : uint8_t {
  none = 0,
  bad_move,
  not_a_player,
  game_over,
  waiting_for_players,
  not_your_turn,
  rule,
};

/// Returns the wire reason of `x`, e.g. `"not_your_turn"` (`"rule"` for
/// `rule`, whose wire reason is the game's).
std::string_view to_string(errc x);

/// Parses a wire reason back into its code.
std::optional<errc> errc_from_string(std::string_view x);

/// The life cycle of a game.
enum class status : uint8_t { waiting, playing, finished };

/// Returns `"waiting"`, `"playing"` or `"finished"`.
std::string_view to_string(status x);

} // namespace parlor::games
