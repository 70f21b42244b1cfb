#include "parlor/registry/replica.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

using namespace parlor::registry;

namespace {

using rep = replica<int>;

/// One write as a node sends it to its peers.
struct delta {
  std::string code;
  std::string owner;
  record<int> rec;
};

/// Random writes by a few owners over a few codes, each owner with its own
/// clock (and sometimes a restart, i.e. a later epoch): what the registry
/// actors of a small cluster produce.
std::vector<delta> random_history(std::mt19937& rng, int writes) {
  static const std::vector<std::string> owners{"fra", "iad", "sin"};
  static const std::vector<std::string> codes{"ABCD", "BCDF", "CDFG",
                                              "DFGH"};
  std::map<std::string, stamp> clocks;
  for (std::size_t i = 0; i < owners.size(); ++i)
    clocks[owners[i]] = stamp{1000 + i, 0};
  std::vector<delta> out;
  int next_game = 1;
  for (int i = 0; i < writes; ++i) {
    auto& owner = owners[rng() % owners.size()];
    auto& clock = clocks[owner];
    if (rng() % 20 == 0)
      clock = stamp{clock.epoch + 100, 0}; // the node restarted
    ++clock.seq;
    record<int> r{next_game++, 1 + rng() % 3, clock, rng() % 3 != 0};
    out.push_back({codes[rng() % codes.size()], owner, r});
  }
  return out;
}

rep apply(const std::vector<delta>& ds) {
  rep r;
  for (auto& d : ds)
    r.merge(d.code, d.owner, d.rec);
  return r;
}

rep join(rep a, const rep& b) {
  a.merge(b);
  return a;
}

/// A random subset of `ds` (a replica that saw only some writes).
std::vector<delta> some(std::mt19937& rng, const std::vector<delta>& ds) {
  std::vector<delta> out;
  for (auto& d : ds)
    if (rng() % 2 == 0)
      out.push_back(d);
  return out;
}

} // namespace

TEST_CASE("the join is idempotent, commutative and associative",
          "[registry][crdt]") {
  std::mt19937 rng{20261121};
  for (int round = 0; round < 500; ++round) {
    auto history = random_history(rng, 40);
    auto a = apply(some(rng, history));
    auto b = apply(some(rng, history));
    auto c = apply(some(rng, history));
    CHECK(join(a, a) == a);
    CHECK(join(a, b) == join(b, a));
    CHECK(join(join(a, b), c) == join(a, join(b, c)));
  }
}

TEST_CASE("replicas that saw the same writes in any order, with "
          "duplicates, agree on every code",
          "[registry][crdt]") {
  std::mt19937 rng{7};
  for (int round = 0; round < 300; ++round) {
    auto history = random_history(rng, 60);
    auto expected = apply(history);
    auto shuffled = history;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    for (int i = 0; i < 10; ++i) // re-deliveries
      shuffled.push_back(history[rng() % history.size()]);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    auto got = apply(shuffled);
    REQUIRE(got == expected);
    for (auto code : {"ABCD", "BCDF", "CDFG", "DFGH"}) {
      auto x = got.winner(code);
      auto y = expected.winner(code);
      REQUIRE(x.has_value() == y.has_value());
      if (x)
        CHECK((x->owner == y->owner && x->rec == y->rec));
    }
  }
}

TEST_CASE("a key keeps its writer's latest record", "[registry][crdt]") {
  rep r;
  record<int> first{1, 1, stamp{5, 1}, true};
  record<int> second{1, 1, stamp{5, 2}, false};
  CHECK(r.merge("ABCD", "fra", second));
  CHECK_FALSE(r.merge("ABCD", "fra", first)); // late, older: ignored
  CHECK_FALSE(r.winner("ABCD"));
  // A restarted writer (later epoch) beats any sequence number of the old.
  record<int> reborn{2, 1, stamp{6, 1}, true};
  CHECK(r.merge("ABCD", "fra", reborn));
  REQUIRE(r.winner("ABCD"));
  CHECK(r.winner("ABCD")->rec.game == 2);
}

TEST_CASE("a clashing code goes to the higher incarnation, then the smaller "
          "node name",
          "[registry][crdt]") {
  rep r;
  r.merge("ABCD", "sin", record<int>{3, 1, stamp{1, 1}, true});
  r.merge("ABCD", "iad", record<int>{2, 1, stamp{1, 1}, true});
  REQUIRE(r.winner("ABCD"));
  CHECK(r.winner("ABCD")->owner == "iad");
  CHECK(r.winner("ABCD")->rec.game == 2);
  // A game moved by failover carries a higher incarnation and wins.
  r.merge("ABCD", "sin", record<int>{4, 2, stamp{1, 2}, true});
  CHECK(r.winner("ABCD")->owner == "sin");
  CHECK(r.winner("ABCD")->rec.game == 4);
  // Once the winner is removed the other live record holds the code.
  r.merge("ABCD", "sin", record<int>{4, 2, stamp{1, 3}, false});
  CHECK(r.winner("ABCD")->owner == "iad");
  CHECK(r.live_codes() == 1);
}

TEST_CASE("forgetting a node drops exactly its records", "[registry][crdt]") {
  rep r;
  r.merge("ABCD", "fra", record<int>{1, 1, stamp{1, 1}, true});
  r.merge("ABCD", "iad", record<int>{2, 1, stamp{1, 1}, true});
  r.merge("BCDF", "fra", record<int>{3, 1, stamp{1, 2}, true});
  auto touched = r.forget("fra");
  CHECK(touched == std::vector<std::string>{"ABCD", "BCDF"});
  CHECK(r.winner("ABCD")->owner == "iad");
  CHECK_FALSE(r.winner("BCDF"));
  CHECK(r.data().count("BCDF") == 0);
  CHECK(r.find("ABCD", "fra") == nullptr);
}

TEST_CASE("pruning drops only the tombstones asked for", "[registry][crdt]") {
  rep r;
  r.merge("ABCD", "fra", record<int>{1, 1, stamp{1, 1}, false});
  r.merge("BCDF", "fra", record<int>{2, 1, stamp{1, 2}, false});
  r.merge("CDFG", "fra", record<int>{3, 1, stamp{1, 3}, true});
  auto dropped = r.prune([](const std::string& code, const std::string&) {
    return code != "BCDF";
  });
  CHECK(dropped == 1);
  CHECK(r.find("ABCD", "fra") == nullptr);
  CHECK(r.find("BCDF", "fra") != nullptr);
  CHECK(r.find("CDFG", "fra") != nullptr); // live records are never pruned
}
