#pragma once

// The properties every match must have, whether played or restored: the
// snapshot and move targets check them after each step.

#include "check.hpp"

#include "parlor/core/json_text.hpp"
#include "parlor/games/catalog.hpp"
#include "parlor/games/match.hpp"

#include <nlohmann/json.hpp>

#include <set>
#include <string>

namespace parlor::fuzz {

/// Checks that `m` is a state some game reaches by create, join and move:
/// version at least 1; the filled seats a prefix, the creator's first;
/// started exactly when every seat is filled; no player in two seats; and
/// no move played before the start.
inline void check_reachable(const games::match& m) {
  PARLOR_FUZZ_CHECK(m.version() >= 1);
  auto& seats = m.seats();
  PARLOR_FUZZ_CHECK(!seats.empty() && seats.front().has_value());
  std::size_t filled = 0;
  while (filled < seats.size() && seats[filled])
    ++filled;
  for (auto i = filled; i < seats.size(); ++i)
    PARLOR_FUZZ_CHECK(!seats[i]);
  PARLOR_FUZZ_CHECK(m.started() == (filled == seats.size()));
  std::set<std::string> ids;
  for (std::size_t i = 0; i < filled; ++i)
    PARLOR_FUZZ_CHECK(ids.insert(seats[i]->id).second);
  if (!m.started()) {
    auto fresh = games::make_rules(m.kind());
    PARLOR_FUZZ_CHECK(fresh && fresh->save() == m.game_rules().save());
  }
}

/// Checks that `m`'s texts are what the server relies on: STATE and the
/// snapshot are the JSON dumps of their trees (keys sorted), `acting` is
/// what the rules say, a copy writes the same, and
/// restoring the snapshot gives a match that writes the same again.
inline void check_texts(const games::match& m) {
  auto state = m.state_text();
  auto state_doc = nlohmann::json::parse(state, nullptr, false);
  PARLOR_FUZZ_CHECK(state_doc.is_object());
  PARLOR_FUZZ_CHECK(core::dump_json(state_doc) == state);

  auto save = m.save_text();
  auto save_doc = nlohmann::json::parse(save, nullptr, false);
  PARLOR_FUZZ_CHECK(save_doc.is_object());
  PARLOR_FUZZ_CHECK(core::dump_json(save_doc) == save);

  // STATE lists exactly the seats that may act, by name.
  auto acting = m.acting();
  PARLOR_FUZZ_CHECK(state_doc["acting"].size() == acting.size());
  for (std::size_t i = 0; i < acting.size(); ++i)
    PARLOR_FUZZ_CHECK(state_doc["acting"][i] == m.seat_name(acting[i]));

  games::match copy{m};
  PARLOR_FUZZ_CHECK(copy.save_text() == save);

  auto restored = games::match::restore(save_doc);
  PARLOR_FUZZ_CHECK(restored != nullptr);
  PARLOR_FUZZ_CHECK(restored->save_text() == save);
  PARLOR_FUZZ_CHECK(restored->state_text() == state);
}

} // namespace parlor::fuzz
