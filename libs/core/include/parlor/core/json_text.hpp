#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace parlor::core {

/// `x` as compact JSON text, invalid UTF-8 replaced by U+FFFD instead of an
/// exception (text from clients and games is echoed, never trusted).
inline std::string dump_json(const nlohmann::json& x) {
  return x.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// Whether `c` stands for itself inside a JSON string as nlohmann::json
/// writes it: printable ASCII other than the quote and the backslash.
constexpr bool plain_json_char(unsigned char c) {
  return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/// Appends `x` as a JSON string literal, exactly as nlohmann::json's `dump`
/// writes it (UTF-8 kept as is, invalid UTF-8 replaced by U+FFFD). The usual
/// strings (codes, ids, names, seats) are plain printable ASCII and are
/// copied without building a json value; anything else goes through
/// nlohmann::json.
inline void append_json_string(std::string& out, std::string_view x) {
  for (unsigned char c : x)
    if (!plain_json_char(c)) {
      out += dump_json(nlohmann::json(std::string{x}));
      return;
    }
  out += '"';
  out += x;
  out += '"';
}

/// Appends `*x` as a JSON string literal, or `null` if `x` is null.
inline void append_json_string_or_null(std::string& out,
                                       const std::string* x) {
  if (x)
    append_json_string(out, *x);
  else
    out += "null";
}

} // namespace parlor::core
