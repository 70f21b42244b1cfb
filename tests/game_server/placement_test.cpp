#include "parlor/game_server/placement.hpp"
#include "parlor/registry/codes.hpp"

#include <catch2/catch.hpp>

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
