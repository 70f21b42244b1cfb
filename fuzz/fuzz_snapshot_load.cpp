// Fuzzes restoring a game from its snapshot text, as the supervisor does at
// start, on a restart and on failover: `json::parse` then `match::restore`.
//
// A snapshot that restores must give a match some game could have reached
// (`check_reachable`) and whose texts hold (`check_texts`: its own snapshot
// restores to the same match). Anything else must be refused, not crash.

#include "match_checks.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  auto m = parlor::games::match::restore(
    nlohmann::json::parse(text, nullptr, false));
  if (!m)
    return 0;
  parlor::fuzz::check_reachable(*m);
  parlor::fuzz::check_texts(*m);
  return 0;
}
