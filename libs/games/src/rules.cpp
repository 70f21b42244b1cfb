#include "parlor/games/rules.hpp"

#include <nlohmann/json.hpp>

namespace parlor::games {

namespace {

// Invalid UTF-8 in a game's strings becomes U+FFFD rather than an exception,
// as in every other text the server writes.
void append_dump(std::string& out, const nlohmann::json& x) {
  out += x.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

void rules::append_view(std::string& out) const {
  append_dump(out, view());
}

void rules::append_save(std::string& out) const {
  append_dump(out, save());
}

} // namespace parlor::games
