#pragma once

#include "parlor/games/rules.hpp"

#include <memory>
#include <string_view>
#include <vector>

namespace parlor::games {

/// Creates the rules of a fresh game of `kind`, or null for an unknown kind.
std::unique_ptr<rules> make_rules(std::string_view kind);

/// What `kind` says about itself, or null for an unknown kind.
const kind_info* describe(std::string_view kind);

/// Every registered kind, sorted by name.
std::vector<std::string_view> kinds();

/// `GET /api/games`: every kind with its seats and options (contract §6).
nlohmann::json catalog_json();

} // namespace parlor::games
