#pragma once

#include "parlor/games/errc.hpp"
#include "parlor/games/rules.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parlor::games {

/// A player as the games see them.
struct player {
  std::string id;
  std::string name;
};

/// The outcome of `match::join`.
struct join_result {
  /// The player's seat name, or none for a spectator.
  std::optional<std::string> seat;
  /// Whether the join changed the match (it filled a seat).
  bool changed = false;
};

/// Why `match::move` refused a move: a generic reason, or the game's own.
struct refusal {
  errc code = errc::none;
  /// With `errc::rule`: the game's reason, e.g. `"cell_taken"`.
  std::string rule;

  explicit operator bool() const noexcept {
    return code != errc::none;
  }

  /// The wire reason.
  std::string_view reason() const {
    return code == errc::rule ? std::string_view{rule} : to_string(code);
  }
};

/// How a game is made (the options checked by `validate_options`).
struct match_setup {
  /// Seats by invitation when not empty: only a join that presents it takes
  /// a free seat (contract §9).
  std::string invite;
  nlohmann::json options = nlohmann::json::object();
  /// The seed of the game's randomness.
  uint64_t seed = 0;
  /// Unix ms (a game of one seat begins at once).
  int64_t now_ms = 0;
};

/// One game: its rules plus seating and a version that grows by one with
/// every accepted change. Pure and deterministic like the rules it wraps.
class match {
public:
  /// Starts a game of `kind` with `creator` in the first seat, at version 1.
  /// Returns null for an unknown kind.
  static std::unique_ptr<match> create(std::string_view kind, std::string code,
                                       const player& creator,
                                       match_setup how = {});

  /// Restores a match from the parsed `save_text`; null when `data` is not
  /// valid.
  static std::unique_ptr<match> restore(const nlohmann::json& data);

  match(const match& other);
  match& operator=(const match& other) = delete;

  /// Seats `p` in the next free seat unless already seated or the game is
  /// full, or it seats by invitation and `invite` is not its secret (then
  /// `p` watches). A rejoin gets the same seat back.
  /// The game begins (`rules::begin`, at `now_ms`) when the last seat fills.
  join_result join(const player& p, std::string_view invite = {},
                   int64_t now_ms = 0);

  /// Whether free seats go only to joins with the invite secret.
  bool invite_only() const noexcept {
    return !invite_.empty();
  }

  /// Plays `move` for the player `player_id` at `now_ms`. Returns the
  /// reason and changes nothing if the move is refused. Checks run in the
  /// contract's order: `bad_move`, `not_a_player`, `game_over`,
  /// `waiting_for_players`, `not_your_turn` (not in `acting`), then the
  /// game's own.
  [[nodiscard]] refusal move(std::string_view player_id,
                             const nlohmann::json& move, int64_t now_ms = 0);

  /// When the current turn or round runs out (Unix ms), while playing.
  std::optional<int64_t> deadline() const;

  /// Applies the game's timeout rule if `deadline()` has passed at
  /// `now_ms`: an accepted change (the version grows). False if not due.
  bool time_out(int64_t now_ms);

  /// The seats that may act now (none while waiting or once finished).
  std::vector<std::size_t> acting() const;

  /// The seat held by `player_id`, if any.
  std::optional<std::size_t> seat_of(std::string_view player_id) const;

  /// Returns the seat's name, e.g. `"X"`.
  const std::string& seat_name(std::size_t seat) const;

  games::status status() const;

  const std::string& code() const noexcept {
    return code_;
  }

  std::string_view kind() const {
    return rules_->info().kind;
  }

  uint64_t version() const noexcept {
    return version_;
  }

  const rules& game_rules() const noexcept {
    return *rules_;
  }

  /// The seats in order, empty ones as none.
  const std::vector<std::optional<player>>& seats() const noexcept {
    return seated_;
  }

  /// Whether every seat was filled once (the game began).
  bool started() const noexcept {
    return started_;
  }

  /// STATE as in the contract (`docs/protocol.md`), JSON with its keys
  /// sorted, with `host_json` (an encoded JSON value, e.g.
  /// `{"node":"a","region":"eu"}`) under `host` unless empty. The one
  /// encoder of STATE: written straight into a string, as the server does
  /// for every change.
  std::string state_text(std::string_view host_json = {}) const;

  /// Everything `restore` needs, as JSON text written the same way.
  std::string save_text() const;

private:
  match(std::string code, std::unique_ptr<rules> r);

  /// Every seat is taken: the rules begin.
  void begin(int64_t now_ms);

  std::string code_;
  /// The invite secret; empty: open seating. Saved, never in STATE.
  std::string invite_;
  /// The create options (checked, with defaults) and the seed, kept until
  /// the game begins (and saved: a restored game begins the same way).
  nlohmann::json options_ = nlohmann::json::object();
  uint64_t seed_ = 0;
  std::unique_ptr<rules> rules_;
  std::vector<std::optional<player>> seated_;
  bool started_ = false;
  uint64_t version_ = 1;
};

} // namespace parlor::games
