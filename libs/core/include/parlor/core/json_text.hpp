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

/// Whether no array or object in `text` lies more than `limit` levels deep
/// (`{}` is one level, `[{}]` two), by one pass over the bytes that skips
/// strings, without parsing. For untrusted text, before any parse: a
/// parsed document would be walked by recursive code (`dump`, comparisons),
/// whose depth must stay far from the thread's stack. Malformed text is
/// not judged here, only its brackets counted.
constexpr bool json_depth_within(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i; // the escaped character, `\"` included
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit)
        return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
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
