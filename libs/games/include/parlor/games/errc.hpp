#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace parlor::games {

/// Why a move or join was refused. The names are the wire reasons.
enum class errc : uint8_t {
  none = 0,
  bad_move,
  not_a_player,
  game_over,
  waiting_for_players,
  not_your_turn,
  cell_taken,
};

/// Returns the wire reason of `x`, e.g. `"not_your_turn"`.
std::string_view to_string(errc x);

/// Parses a wire reason back into its code.
std::optional<errc> errc_from_string(std::string_view x);

/// The life cycle of a game.
enum class status : uint8_t { waiting, playing, finished };

/// Returns `"waiting"`, `"playing"` or `"finished"`.
std::string_view to_string(status x);

} // namespace parlor::games
