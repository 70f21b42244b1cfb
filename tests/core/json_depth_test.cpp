#include "parlor/core/json_text.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>

using parlor::core::json_depth_within;

namespace {

/// `levels` arrays around `inner`.
std::string nested(std::size_t levels, const std::string& inner = "") {
  return std::string(levels, '[') + inner + std::string(levels, ']');
}

/// The nesting depth nlohmann's parser reports for `text` (a valid
/// document), by walking it with an explicit stack.
std::size_t parsed_depth(const std::string& text) {
  auto doc = nlohmann::json::parse(text);
  std::size_t deepest = 0;
  std::vector<std::pair<const nlohmann::json*, std::size_t>> todo{{&doc, 0}};
  while (!todo.empty()) {
    auto [x, d] = todo.back();
    todo.pop_back();
    if (!x->is_structured())
      continue;
    deepest = std::max(deepest, d + 1);
    for (auto& child : *x)
      todo.push_back({&child, d + 1});
  }
  return deepest;
}

} // namespace

TEST_CASE("json depth counts arrays and objects up to the limit", "[core]") {
  CHECK(json_depth_within("", 0));
  CHECK(json_depth_within("42", 0));
  CHECK_FALSE(json_depth_within("{}", 0));
  CHECK(json_depth_within("{}", 1));
  CHECK(json_depth_within(nested(32), 32));
  CHECK_FALSE(json_depth_within(nested(33), 32));
  CHECK(json_depth_within(R"([{"a":[1,{"b":2}]},[3]])", 4));
  CHECK_FALSE(json_depth_within(R"([{"a":[1,{"b":2}]},[3]])", 3));
  // A million levels: one pass, no recursion, no parse.
  CHECK_FALSE(json_depth_within(nested(1'000'000), 32));
}

TEST_CASE("json depth ignores brackets inside strings, escapes included",
          "[core]") {
  CHECK(json_depth_within(R"(["[[[[{{{{"])", 1));
  CHECK(json_depth_within(R"(["\"[[[[", "\\"])", 1));
  CHECK_FALSE(json_depth_within(R"(["\\", [[]]])", 2));
  CHECK(json_depth_within(R"({"k\"{":"]]]]"})", 1));
}

TEST_CASE("json depth agrees with the parser on random documents", "[core]") {
  std::mt19937 rng{7};
  for (int round = 0; round < 500; ++round) {
    // A random document: nested arrays and objects with strings that hold
    // brackets, quotes and backslashes.
    std::string text;
    std::vector<char> open;
    std::uniform_int_distribution<int> pick{0, 5};
    auto value = [&] {
      const char* strings[] = {R"("[")", R"("}")", R"("\"[")", R"("\\")", "1"};
      text += strings[pick(rng) % 5];
    };
    std::size_t steps = 1 + rng() % 60;
    text += '[';
    open.push_back(']');
    bool first = true;
    for (std::size_t i = 0; i < steps; ++i) {
      int what = pick(rng);
      if (what <= 1 && !open.empty()) {
        text += open.back();
        open.pop_back();
        first = false;
        if (open.empty())
          break;
        continue;
      }
      if (!first)
        text += ',';
      first = false;
      if (open.back() == '}') // unique keys: the parser keeps all members
        text += "\"k" + std::to_string(i) + "\":";
      if (what == 2) {
        text += '[';
        open.push_back(']');
        first = true;
      } else if (what == 3) {
        text += '{';
        open.push_back('}');
        first = true;
      } else {
        value();
      }
    }
    while (!open.empty()) {
      text += open.back();
      open.pop_back();
    }
    INFO(text);
    auto depth = parsed_depth(text);
    CHECK(json_depth_within(text, depth));
    CHECK_FALSE(json_depth_within(text, depth - 1));
  }
}
