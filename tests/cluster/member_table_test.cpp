#include "parlor/cluster/member_table.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace parlor::cluster;

TEST_CASE("the member table lists this node first, then its peers",
          "[cluster]") {
  member_table t;
  t.set_self({"b", "fra", "127.0.0.1:4001", "127.0.0.1:4371", 1, "up"});
  t.up({"c", "sin", "127.0.0.1:4002", "127.0.0.1:4372", 2, "up"});
  t.up({"a", "iad", "127.0.0.1:4000", "127.0.0.1:4370", 3, "up"});
  auto all = t.all();
  REQUIRE(all.size() == 3);
  CHECK(all[0].name == "b");
  CHECK(all[1].name == "a");
  CHECK(all[2].name == "c");
  t.down("c");
  auto j = nlohmann::json::parse(t.to_json());
  CHECK(j["node"] == "b");
  CHECK(j["region"] == "fra");
  REQUIRE(j["members"].size() == 2);
  CHECK(j["members"][1] == nlohmann::json{{"name", "a"},
                                          {"region", "iad"},
                                          {"http", "127.0.0.1:4000"},
                                          {"status", "up"}});
}

TEST_CASE("a member's status can be draining", "[cluster]") {
  member_table t;
  t.set_self({"n1", "fra", "127.0.0.1:4000", "127.0.0.1:4370", 1, "up"});
  t.up({"n2", "iad", "127.0.0.1:4001", "127.0.0.1:4371", 2, "up"});
  t.set_status("n2", "draining");
  t.set_status("nobody", "draining"); // unknown: ignored
  auto all = t.all();
  REQUIRE(all.size() == 2);
  CHECK(all[0].status == "up");
  CHECK(all[1].status == "draining");
  CHECK(t.to_json().find(R"("status":"draining")") != std::string::npos);
  t.set_status("n1", "draining");
  CHECK(t.all()[0].status == "draining");
}
