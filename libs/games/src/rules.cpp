#include "parlor/games/rules.hpp"

#include "parlor/core/json_text.hpp"

namespace parlor::games {

// Invalid UTF-8 in a game's strings becomes U+FFFD rather than an exception,
// as in every other text the server writes.
void rules::append_view(std::string& out) const {
  out += core::dump_json(view());
}

void rules::append_save(std::string& out) const {
  out += core::dump_json(save());
}

} // namespace parlor::games
