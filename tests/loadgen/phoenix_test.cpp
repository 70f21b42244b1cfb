#include "phoenix.hpp"

#include <catch2/catch.hpp>

using namespace parlor::loadgen;

TEST_CASE("frames the loadgen sends are Phoenix v2 arrays", "[loadgen]") {
  CHECK(phx::frame("1", "2", "lobby", "phx_join")
        == R"(["1","2","lobby","phx_join",{}])");
  CHECK(phx::frame("", "7", "phoenix", "heartbeat")
        == R"([null,"7","phoenix","heartbeat",{}])");
  CHECK(phx::frame("3", "4", "game:ABCD", "move", R"({"cell":4})")
        == R"(["3","4","game:ABCD","move",{"cell":4}])");
}

TEST_CASE("frame fields are JSON-escaped", "[loadgen]") {
  auto text = phx::frame("a\"b", "1", "game:\\x", "ev\n");
  CHECK(text == R"(["a\"b","1","game:\\x","ev\n",{}])");
  auto back = parlor::protocol::decode(text);
  REQUIRE(std::holds_alternative<parlor::protocol::frame>(back));
  auto& f = std::get<parlor::protocol::frame>(back);
  CHECK(f.join_ref == "a\"b");
  CHECK(f.topic == "game:\\x");
  CHECK(f.event == "ev\n");
}

TEST_CASE("replies and state broadcasts are read back", "[loadgen]") {
  auto r = phx::parse_reply(
    R"(["1","5","lobby","phx_reply",{"status":"error","response":{"reason":"unknown_game"}}])");
  REQUIRE(r);
  CHECK(r->ref == "5");
  CHECK_FALSE(r->ok);
  CHECK(r->reason() == "unknown_game");
  CHECK_FALSE(phx::parse_reply(R"([null,null,"game:A","state",{}])"));
  CHECK(phx::state_version(
          R"([null,null,"game:ABCD","state",{"code":"ABCD","version":12}])")
        == 12u);
  CHECK_FALSE(phx::state_version(R"(["1","2","game:ABCD","state",{}])"));
}
