#pragma once

#include "parlor/games/errc.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parlor::games {

/// The rules of one kind of game together with the state of one game of it.
///
/// Implementations are pure and deterministic: no I/O, no clock, no threads.
/// Seating is not their business (see `match`); they see seats as indexes
/// into `seats()` and are started once every seat is taken.
class rules {
public:
  virtual ~rules() = default;

  /// The registered type name, e.g. `"tictactoe"`.
  virtual std::string_view kind() const = 0;

  /// Seat names in the order they are filled, e.g. `{"X", "O"}`.
  virtual const std::vector<std::string>& seats() const = 0;

  /// Returns whether `move` has the shape of a move of this game at all.
  virtual bool well_formed(const nlohmann::json& move) const = 0;

  /// Plays a well-formed `move` for `seat` in a running game. Leaves the
  /// state untouched and returns the reason if the move is illegal.
  [[nodiscard]] virtual errc apply(std::size_t seat,
                                   const nlohmann::json& move) = 0;

  /// Returns whether the game has ended.
  virtual bool finished() const = 0;

  /// The seat whose turn it is, or none once finished.
  virtual std::optional<std::size_t> turn() const = 0;

  /// The winning seat's name or `"draw"` once finished, else none.
  virtual std::optional<std::string> winner() const = 0;

  /// The public view of the game, sent to every player as STATE's `view`.
  virtual nlohmann::json view() const = 0;

  /// Serializes the full state (for snapshots).
  virtual nlohmann::json save() const = 0;

  /// Appends `view()` as compact JSON text to `out`, exactly as
  /// `view().dump(-1, ' ', false, error_handler_t::replace)` writes it (keys
  /// sorted; invalid UTF-8 replaced by U+FFFD, where a plain `dump()` would
  /// throw). The server calls this for every STATE; the default dumps
  /// `view()`. A game may write its text directly to skip building a json
  /// tree on every move; tictactoe's tests show how to check that both
  /// agree in every position.
  virtual void append_view(std::string& out) const;

  /// Appends `save()` as compact JSON text, written as `append_view` writes
  /// the view.
  /// Called for every snapshot; the default dumps `save()`.
  virtual void append_save(std::string& out) const;

  /// Restores a state written by `save`. Returns false and leaves the state
  /// untouched when `data` is not a valid state.
  [[nodiscard]] virtual bool load(const nlohmann::json& data) = 0;

  /// Returns a deep copy.
  virtual std::unique_ptr<rules> clone() const = 0;
};

} // namespace parlor::games
