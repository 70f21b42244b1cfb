#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace parlor::core {

/// Appends `x` as a JSON string literal, exactly as nlohmann::json's `dump`
/// writes it (UTF-8 kept as is, invalid UTF-8 replaced by U+FFFD). The usual
/// strings (codes, ids, names, seats) are plain printable ASCII and are
/// copied without building a json value; anything else goes through
/// nlohmann::json.
inline void append_json_string(std::string& out, std::string_view x) {
  bool plain = true;
  for (unsigned char c : x)
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  if (plain) {
    out += '"';
    out += x;
    out += '"';
    return;
  }
  out += nlohmann::json(std::string{x}).dump(
    -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace parlor::core
