#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parlor::game_server {

/// FNV-1a, 64 bit: the same on every node and build (unlike std::hash).
constexpr uint64_t stable_hash(std::string_view text) noexcept {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

/// A 64-bit finalizer (MurmurHash3's fmix64): FNV-1a leaves the high bits
/// poorly mixed by the last bytes, which is where member names differ.
constexpr uint64_t mix(uint64_t h) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

/// The backup node of game `code` among `candidates` (the live peers):
/// rendezvous hashing, i.e. the candidate with the highest hash of
/// `code|name`. Every node computes the same answer from the same members;
/// when a member joins or leaves, only the games whose winner changed move
/// (about 1/n of them). Nothing if there is no candidate.
inline std::optional<std::string>
choose_backup(std::string_view code, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  uint64_t best_score = 0;
  for (auto& name : candidates) {
    std::string key{code};
    key += '|';
    key += name;
    auto score = mix(stable_hash(key));
    if (!best || score > best_score || (score == best_score && name < *best)) {
      best = name;
      best_score = score;
    }
  }
  return best;
}

/// The peers that may take games and copies, from each live peer's name and
/// whether it is draining: those not draining, or all of them when every one
/// is draining (a copy there beats no copy). Sorted by name.
inline std::vector<std::string>
placement_candidates(const std::map<std::string, bool>& draining_by_peer) {
  std::vector<std::string> names;
  for (auto& [name, draining] : draining_by_peer)
    if (!draining)
      names.push_back(name);
  if (names.empty())
    for (auto& [name, draining] : draining_by_peer)
      names.push_back(name);
  return names;
}

/// The backup node of game `code` given the live peers and whether each is
/// draining: `choose_backup` among `placement_candidates`.
inline std::optional<std::string>
backup_for(std::string_view code,
           const std::map<std::string, bool>& draining_by_peer) {
  return choose_backup(code, placement_candidates(draining_by_peer));
}

} // namespace parlor::game_server
