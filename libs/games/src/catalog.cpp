#include "parlor/games/catalog.hpp"

#include "parlor/games/tictactoe.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace parlor::games {

namespace {

using factory = std::unique_ptr<rules> (*)();

template <class Rules>
std::unique_ptr<rules> make() {
  return std::make_unique<Rules>();
}

// Adding a game: implement `rules` and add one line here.
constexpr std::array<std::pair<std::string_view, factory>, 1> registered = {{
  {tictactoe::kind_name, &make<tictactoe>},
}};

} // namespace

std::unique_ptr<rules> make_rules(std::string_view kind) {
  for (auto& [name, make_fn] : registered)
    if (name == kind)
      return make_fn();
  return nullptr;
}

std::vector<std::string_view> kinds() {
  std::vector<std::string_view> result;
  for (auto& entry : registered)
    result.push_back(entry.first);
  std::sort(result.begin(), result.end());
  return result;
}

} // namespace parlor::games
