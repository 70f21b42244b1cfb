#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parlor::games {

/// One create option a kind of game accepts (listed by `GET /api/games`,
/// checked by `validate_options`).
struct option_spec {
  enum class type : uint8_t { integer, boolean, choice };
  std::string key;
  type kind = type::integer;
  /// `integer`: the allowed range.
  int64_t min = 0;
  int64_t max = 0;
  /// `choice`: the allowed strings.
  std::vector<std::string> choices;
  /// Used when the option is absent.
  nlohmann::json default_value;
  /// One line for people.
  std::string help;
};

/// What a kind of game says about itself.
struct kind_info {
  /// The registered name, e.g. `"connect4"`.
  std::string kind;
  /// For people, e.g. `"Connect Four"`.
  std::string name;
  /// Every seat's name, in the order seats fill: `max_seats` of them.
  std::vector<std::string> seats;
  /// The game can start with this many seated (at most `seats.size()`).
  std::size_t min_seats = 0;
  /// Each seat holds something the others must not see (`private_view`).
  bool hidden = false;
  /// Every seated player acts at once (in rounds), not one after another.
  bool simultaneous = false;
  /// The game's own create options (`turn_seconds` is everyone's, added
  /// by the platform).
  std::vector<option_spec> options;

  std::size_t max_seats() const noexcept {
    return seats.size();
  }
};

/// How a game begins.
struct setup {
  /// Seats in play: `min_seats` to `max_seats`, the first ones of `seats`.
  std::size_t seats = 0;
  /// The create options, checked and completed with their defaults.
  nlohmann::json options = nlohmann::json::object();
  /// The seed of all the game's randomness (keep the generator's state in
  /// `save`, so that a restored game goes on exactly as it would have).
  uint64_t seed = 0;
  /// Unix milliseconds.
  int64_t now_ms = 0;
};

/// A game's answer to a move: accepted, or its own reason (snake_case, the
/// wire reason, listed in `docs/games/KIND.md`).
struct verdict {
  std::string reason;

  bool accepted() const noexcept {
    return reason.empty();
  }

  static verdict ok() {
    return {};
  }

  static verdict refuse(std::string why) {
    return {std::move(why)};
  }
};

/// The rules of one kind of game together with the state of one game of it.
///
/// Pure and deterministic: no I/O, no clock of its own (the time comes in
/// with each call), no threads, randomness only from the seed. Seating,
/// versions and the generic refusals are not its business (see `match`):
/// it sees seats as indexes `0 .. setup.seats - 1` and is called only with
/// well-formed moves of seats in `acting()` of a game that has begun and
/// not finished.
class rules {
public:
  virtual ~rules() = default;

  virtual const kind_info& info() const = 0;

  /// Begins the game; called once, before anything but `load`.
  virtual void begin(const setup& s) = 0;

  /// Whether `move` has the shape of a move of this game at all.
  virtual bool well_formed(const nlohmann::json& move) const = 0;

  /// Plays a well-formed `move` of `seat` (one of `acting()`) at `now_ms`.
  /// Leaves the state untouched and returns the reason if it is refused.
  [[nodiscard]] virtual verdict apply(std::size_t seat,
                                      const nlohmann::json& move,
                                      int64_t now_ms)
    = 0;

  /// The seats that may act now, ascending; empty once finished.
  virtual std::vector<std::size_t> acting() const = 0;

  virtual bool finished() const = 0;

  /// Once finished: the winning seat, or none for a draw.
  virtual std::optional<std::size_t> winner() const = 0;

  /// What everyone sees (STATE's `view`); never what `private_view` hides.
  virtual nlohmann::json view() const = 0;

  /// What `seat` alone sees (STATE's `private`); null in games without
  /// hidden information.
  virtual nlohmann::json private_view(std::size_t seat) const;

  /// Every legal move of `seat` now, each a payload `apply` accepts, where
  /// the game can list them; none where it cannot.
  virtual std::optional<std::vector<nlohmann::json>>
  legal_moves(std::size_t seat) const;

  /// When the current turn or round runs out (Unix ms), or none.
  virtual std::optional<int64_t> deadline() const;

  /// Applies the game's timeout rule; called once `now_ms` has reached
  /// `deadline()`, as an accepted change.
  virtual void time_out(int64_t now_ms);

  /// The full state (for snapshots), JSON only.
  virtual nlohmann::json save() const = 0;

  /// Restores a state written by `save`. Returns false and leaves the state
  /// untouched when `data` is not a state this game can reach.
  [[nodiscard]] virtual bool load(const nlohmann::json& data) = 0;

  virtual std::unique_ptr<rules> clone() const = 0;
};

/// A small, fast generator whose whole state is one number (SplitMix64):
/// games keep `state` in their snapshot.
struct rng {
  uint64_t state = 0;

  uint64_t next() noexcept {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  /// Uniform in `0 .. n - 1` (`n` > 0), without modulo bias.
  uint64_t below(uint64_t n) noexcept {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
      x = next();
    } while (x >= limit);
    return x % n;
  }
};

/// A turn clock for turn-based games: `turn_seconds` (0: none) from the
/// options, the running deadline, and their snapshot form.
struct turn_clock {
  int64_t seconds = 0;
  std::optional<int64_t> ends_ms;

  /// A new turn begins at `now_ms`.
  void restart(int64_t now_ms) {
    if (seconds > 0)
      ends_ms = now_ms + seconds * 1000;
  }

  void stop() {
    ends_ms.reset();
  }

  nlohmann::json save() const;
  /// Reads what `save` wrote; an absent clock (`null`, older snapshots) is
  /// none. False when malformed.
  bool load(const nlohmann::json& data);
};

/// Every game's `turn_seconds` option (0-86400, 0 = no clock).
const option_spec& turn_seconds_option();

/// Checks `options` (a JSON object or null) against `info`'s options and
/// the platform's `turn_seconds` (0-86400); returns them completed with
/// defaults, or sets `error` to what is wrong (unknown keys included).
nlohmann::json validate_options(const kind_info& info,
                                const nlohmann::json& options,
                                std::string& error);

} // namespace parlor::games
