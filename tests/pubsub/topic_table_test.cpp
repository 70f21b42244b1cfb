#include "parlor/pubsub/topic_table.hpp"

#include <catch2/catch.hpp>

using parlor::pubsub::topic_table;

namespace {

std::vector<int> members(const topic_table<int>& t, const std::string& topic) {
  std::vector<int> out;
  t.for_each(topic, [&](int s) { out.push_back(s); });
  return out;
}

} // namespace

TEST_CASE("subscribers get their topics and nothing else", "[pubsub]") {
  topic_table<int> t;
  CHECK(t.subscribe("a", 1));
  CHECK(t.subscribe("a", 2));
  CHECK(t.subscribe("b", 1));
  CHECK_FALSE(t.subscribe("a", 1));
  CHECK(members(t, "a") == std::vector<int>{1, 2});
  CHECK(members(t, "b") == std::vector<int>{1});
  CHECK(members(t, "c").empty());
  CHECK(t.count("a") == 2);
  CHECK(t.topic_count() == 2);
}

TEST_CASE("unsubscribe and remove forget subscribers", "[pubsub]") {
  topic_table<int> t;
  t.subscribe("a", 1);
  t.subscribe("b", 1);
  t.subscribe("b", 2);
  CHECK(t.unsubscribe("a", 1));
  CHECK_FALSE(t.unsubscribe("a", 1));
  CHECK(t.known(1));
  CHECK(t.topic_count() == 1);
  CHECK(t.remove(1) == 1);
  CHECK_FALSE(t.known(1));
  CHECK(members(t, "b") == std::vector<int>{2});
  CHECK(t.unsubscribe("b", 2));
  CHECK_FALSE(t.known(2));
  CHECK(t.topic_count() == 0);
}
