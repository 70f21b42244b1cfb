#pragma once

#include "parlor/games/rules.hpp"

#include <memory>
#include <string_view>
#include <vector>

namespace parlor::games {

/// Creates the rules of a fresh game of `kind`, or null for an unknown kind.
std::unique_ptr<rules> make_rules(std::string_view kind);

/// Every registered kind, sorted.
std::vector<std::string_view> kinds();

} // namespace parlor::games
