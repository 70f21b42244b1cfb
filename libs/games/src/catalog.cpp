#include "parlor/games/catalog.hpp"

#include "parlor/games/connect4.hpp"
#include "parlor/games/tictactoe.hpp"

#include <algorithm>
#include <array>

namespace parlor::games {

namespace {

struct entry {
  const kind_info& (*describe)();
  std::unique_ptr<rules> (*make)();
};

template <class Rules>
std::unique_ptr<rules> make() {
  return std::make_unique<Rules>();
}

template <class Rules>
entry registration() {
  return {&Rules::describe, &make<Rules>};
}

// Adding a game: implement `rules` and add one line here.
const std::array<entry, 2>& registered() {
  static const std::array<entry, 2> list = {{
    registration<tictactoe>(),
    registration<connect4>(),
  }};
  return list;
}

const entry* find(std::string_view kind) {
  for (auto& e : registered())
    if (e.describe().kind == kind)
      return &e;
  return nullptr;
}

nlohmann::json option_json(const option_spec& o) {
  nlohmann::json j{{"default", o.default_value}, {"help", o.help}};
  switch (o.kind) {
    case option_spec::type::integer:
      j["type"] = "integer";
      j["min"] = o.min;
      j["max"] = o.max;
      break;
    case option_spec::type::boolean:
      j["type"] = "boolean";
      break;
    case option_spec::type::choice:
      j["type"] = "choice";
      j["choices"] = o.choices;
      break;
  }
  return j;
}

} // namespace

std::unique_ptr<rules> make_rules(std::string_view kind) {
  auto e = find(kind);
  return e ? e->make() : nullptr;
}

const kind_info* describe(std::string_view kind) {
  auto e = find(kind);
  return e ? &e->describe() : nullptr;
}

std::vector<std::string_view> kinds() {
  std::vector<std::string_view> result;
  for (auto& e : registered())
    result.push_back(e.describe().kind);
  std::sort(result.begin(), result.end());
  return result;
}

nlohmann::json catalog_json() {
  auto list = nlohmann::json::array();
  for (auto kind : kinds()) {
    auto& info = *describe(kind);
    auto options = nlohmann::json::object();
    // Every game's clock, then the game's own.
    options[turn_seconds_option().key] = option_json(turn_seconds_option());
    for (auto& o : info.options)
      options[o.key] = option_json(o);
    list.push_back({{"game", info.kind},
                    {"name", info.name},
                    {"seats", info.seats},
                    {"min_seats", info.min_seats},
                    {"max_seats", info.max_seats()},
                    {"hidden", info.hidden},
                    {"simultaneous", info.simultaneous},
                    {"options", std::move(options)}});
  }
  return {{"games", std::move(list)}};
}

} // namespace parlor::games
