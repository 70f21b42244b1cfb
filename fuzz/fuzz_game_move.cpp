// Fuzzes every registered game's moves through `match::move`, as a
// GameServer applies them (the move's JSON text parsed, then the copy of
// the match changed and kept only if the move was accepted).
//
// Input: the first byte says how many seats to fill (the rest wait); then
// one move per line, its first byte choosing the player (a seated one or a
// stranger) and the rest its JSON. Every kind in the catalog plays the
// same input, so a new game is covered once it is registered.
//
// Checks after each move: a refused move leaves the match unchanged, with
// the refusal the contract's order names first; an accepted one was the
// mover's turn, bumps the version by one and changes the snapshot; the
// original of the copy never changes; and the match keeps the properties
// of `match_checks.hpp`.

#include "match_checks.hpp"

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace parlor::games;

std::string player_id(std::size_t i) {
  return "p" + std::to_string(i);
}

/// The refusal the contract's order puts first for a move of `seat` (none
/// for a stranger), if one of match's own checks applies.
errc match_refusal(const match& m, const nlohmann::json& move,
                   std::optional<std::size_t> seat) {
  if (!m.game_rules().well_formed(move))
    return errc::bad_move;
  if (!seat)
    return errc::not_a_player;
  if (m.game_rules().finished())
    return errc::game_over;
  if (!m.started())
    return errc::waiting_for_players;
  auto acting = m.acting();
  if (std::find(acting.begin(), acting.end(), *seat) == acting.end())
    return errc::not_your_turn;
  return errc::none;
}

void play(std::string_view kind, std::string_view input) {
  auto m = match::create(kind, "FUZZ", {player_id(0), "Player 0"});
  PARLOR_FUZZ_CHECK(m != nullptr);
  auto seat_count = m->seats().size();
  auto to_seat = static_cast<unsigned char>(input.front()) % (seat_count + 1);
  for (std::size_t i = 1; i < to_seat; ++i)
    PARLOR_FUZZ_CHECK(m->join({player_id(i), "Player"}).changed);
  parlor::fuzz::check_reachable(*m);
  parlor::fuzz::check_texts(*m);

  input.remove_prefix(1);
  while (!input.empty()) {
    auto line = input.substr(0, input.find('\n'));
    input.remove_prefix(std::min(input.size(), line.size() + 1));
    if (line.empty())
      continue;
    // Seat indexes past the filled ones, and one more, are strangers.
    auto who = static_cast<unsigned char>(line.front()) % (seat_count + 1);
    auto id = player_id(who);
    auto move = nlohmann::json::parse(line.substr(1), nullptr, false);

    auto before = m->save_text();
    auto state_before = m->state_text();
    auto acting = m->acting();
    auto expected = match_refusal(*m, move, m->seat_of(id));
    auto next = std::make_unique<match>(*m);
    auto refused = next->move(id, move);
    PARLOR_FUZZ_CHECK(m->save_text() == before);
    if (expected != errc::none)
      PARLOR_FUZZ_CHECK(refused.code == expected);
    else if (refused)
      // Past the generic checks only the game's own reasons remain.
      PARLOR_FUZZ_CHECK(refused.code == errc::rule && !refused.rule.empty());
    if (refused) {
      PARLOR_FUZZ_CHECK(next->version() == m->version());
      PARLOR_FUZZ_CHECK(next->save_text() == before);
      PARLOR_FUZZ_CHECK(next->state_text() == state_before);
      continue;
    }
    PARLOR_FUZZ_CHECK(std::find(acting.begin(), acting.end(),
                                *m->seat_of(id))
                      != acting.end());
    PARLOR_FUZZ_CHECK(next->version() == m->version() + 1);
    PARLOR_FUZZ_CHECK(next->save_text() != before);
    m = std::move(next);
    parlor::fuzz::check_reachable(*m);
    parlor::fuzz::check_texts(*m);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1)
    return 0;
  std::string_view input{reinterpret_cast<const char*>(data), size};
  for (auto kind : kinds())
    play(kind, input);
  return 0;
}
