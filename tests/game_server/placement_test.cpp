#include "parlor/game_server/placement.hpp"
#include "parlor/registry/codes.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

using namespace parlor;
using game_server::choose_backup;

TEST_CASE("a backup is one of the candidates, the same on every node",
          "[placement]") {
  CHECK_FALSE(choose_backup("ABCD", {}));
  CHECK(choose_backup("ABCD", {"n2"}) == "n2");
  std::vector<std::string> members{"fra", "iad", "sin"};
  std::vector<std::string> reordered{"sin", "fra", "iad"};
  for (uint32_t i = 0; i < 1000; ++i) {
    auto code = registry::code_from_number(i);
    auto b = choose_backup(code, members);
    REQUIRE(b);
    CHECK(b == choose_backup(code, reordered)); // order does not matter
  }
  // Pinned values: the hash must not change between builds or machines.
  CHECK(game_server::stable_hash("") == 14695981039346656037ull);
  CHECK(game_server::stable_hash("a") == 0xaf63dc4c8601ec8cull);
}

TEST_CASE("backups spread evenly and only games of a lost member move",
          "[placement]") {
  std::vector<std::string> members{"fra", "iad", "sin", "syd"};
  std::vector<std::string> without_sin{"fra", "iad", "syd"};
  std::map<std::string, int> load;
  int moved = 0;
  const int games = 4000;
  for (uint32_t i = 0; i < games; ++i) {
    auto code = registry::code_from_number(i * 97);
    auto before = *choose_backup(code, members);
    auto after = *choose_backup(code, without_sin);
    ++load[before];
    if (before != "sin")
      CHECK(after == before); // untouched by the change
    else
      ++moved;
  }
  for (auto& [name, n] : load) {
    INFO(name);
    CHECK(n > games / 4 * 8 / 10); // within 20 % of a fair share
    CHECK(n < games / 4 * 12 / 10);
  }
  CHECK(moved == load["sin"]);
}

TEST_CASE("backup_for prefers peers that are not draining, in every "
          "membership of five peers",
          "[placement]") {
  const std::vector<std::string> names{"fra", "iad", "sin", "syd", "gru"};
  // Each peer absent, up or draining: all 3^5 memberships.
  int states = 1;
  for (std::size_t i = 0; i < names.size(); ++i)
    states *= 3;
  for (uint32_t c = 0; c < 40; ++c) {
    auto code = registry::code_from_number(c * 7919);
    for (int s = 0; s < states; ++s) {
      std::map<std::string, bool> peers;
      std::vector<std::string> up, all;
      for (std::size_t i = 0, x = s; i < names.size(); ++i, x /= 3) {
        if (x % 3 == 0)
          continue;
        peers[names[i]] = x % 3 == 2;
        all.push_back(names[i]);
        if (x % 3 == 1)
          up.push_back(names[i]);
      }
      auto chosen = game_server::backup_for(code, peers);
      INFO(code << " state " << s);
      REQUIRE(chosen.has_value() == !peers.empty());
      if (!chosen)
        continue;
      REQUIRE(peers.count(*chosen) == 1);
      // A draining peer only when every peer drains.
      CHECK(peers[*chosen] == up.empty());
      CHECK(chosen == choose_backup(code, up.empty() ? all : up));
      // Removing another peer moves the game only if that changes whether
      // any peer is up.
      for (auto& [other, draining] : peers) {
        if (other == *chosen)
          continue;
        auto fewer = peers;
        fewer.erase(other);
        auto still_up = std::any_of(fewer.begin(), fewer.end(),
                                    [](auto& p) { return !p.second; });
        if (still_up == !up.empty())
          CHECK(game_server::backup_for(code, fewer) == chosen);
      }
    }
  }
}
