#include "parlor/protocol/payloads.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <vector>

using namespace parlor::protocol;
using nlohmann::json;

namespace {

/// What nlohmann writes for `x`: the reference for the written texts.
std::string dump(const json& x) {
  return x.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

TEST_CASE("a join reply splices STATE in and escapes the seat as json does",
          "[protocol]") {
  const std::string state = R"({"code":"ABCD","version":3})";
  const std::vector<std::string> seats{"X", "O", "Zoë \"the\" \\ one",
                                       "tab\there\n", "\x01\x7f"};
  for (auto& seat : seats) {
    INFO(seat);
    auto text = join_response(seat, state);
    CHECK(text == dump({{"seat", seat}, {"state", json::parse(state)}}));
  }
  auto spectator = join_response(std::nullopt, state);
  CHECK(spectator
        == dump({{"seat", nullptr}, {"state", json::parse(state)}}));
}

TEST_CASE("a move reply carries the new version", "[protocol]") {
  for (uint64_t v : {uint64_t{1}, uint64_t{42}, UINT64_MAX}) {
    INFO(v);
    CHECK(move_response(v) == dump({{"version", v}}));
  }
}
