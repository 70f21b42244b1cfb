#include "parlor/gateway/http_util.hpp"

namespace parlor::gateway {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size()
         && s.substr(s.size() - suffix.size()) == suffix;
}

} // namespace

std::optional<std::string> url_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size())
        return std::nullopt;
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0)
        return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::pair<std::string, std::map<std::string, std::string>>
split_target(std::string_view target) {
  std::map<std::string, std::string> params;
  auto q = target.find('?');
  auto path = std::string{target.substr(0, q)};
  if (q == std::string_view::npos)
    return {std::move(path), std::move(params)};
  auto query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    auto key = url_decode(pair.substr(0, eq));
    auto value = url_decode(eq == std::string_view::npos ? std::string_view{}
                                                         : pair.substr(eq + 1));
    if (key && value)
      params.emplace(std::move(*key), std::move(*value));
  }
  return {std::move(path), std::move(params)};
}

namespace {

/// Decodes the UTF-8 code point at `in[i]`, advancing `i`; none if the
/// bytes are not one (overlong forms and surrogates included).
std::optional<char32_t> next_code_point(std::string_view in, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
  auto lead = byte(i);
  std::size_t len = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2
                    : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > in.size())
    return std::nullopt;
  char32_t cp = len == 1 ? lead : lead & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80)
      return std::nullopt;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr char32_t min_of[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_of[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return std::nullopt;
  i += len;
  return cp;
}

bool is_control(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

/// Invisible characters that change how the text around them looks.
bool is_disguise(char32_t c) {
  return c == 0x00AD || c == 0x061C || c == 0x180E
         || c == 0x200B || c == 0x200E || c == 0x200F
         || (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064)
         || (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF;
}

bool is_blank(char32_t c) {
  return c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A)
         || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
         || c == 0x3000 || c == 0x200C || c == 0x200D; // ZWNJ, ZWJ
}

} // namespace

std::optional<std::string> clean_name(std::string_view raw) {
  std::string out;
  std::size_t code_points = 0;
  bool visible = false;
  for (std::size_t i = 0; i < raw.size();) {
    auto start = i;
    auto cp = next_code_point(raw, i);
    if (!cp || is_control(*cp))
      return std::nullopt;
    if (is_disguise(*cp))
      continue;
    out.append(raw.substr(start, i - start));
    ++code_points;
    visible = visible || !is_blank(*cp);
  }
  if (!visible || code_points > 32)
    return std::nullopt;
  return out;
}

std::string_view content_type_for(std::string_view file_name) {
  if (ends_with(file_name, ".html"))
    return "text/html; charset=utf-8";
  if (ends_with(file_name, ".js") || ends_with(file_name, ".mjs"))
    return "text/javascript; charset=utf-8";
  if (ends_with(file_name, ".css"))
    return "text/css; charset=utf-8";
  if (ends_with(file_name, ".svg"))
    return "image/svg+xml";
  if (ends_with(file_name, ".png"))
    return "image/png";
  if (ends_with(file_name, ".ico"))
    return "image/x-icon";
  if (ends_with(file_name, ".json") || ends_with(file_name, ".map"))
    return "application/json";
  if (ends_with(file_name, ".txt"))
    return "text/plain; charset=utf-8";
  if (ends_with(file_name, ".woff2"))
    return "font/woff2";
  return "application/octet-stream";
}

bool is_game_path(std::string_view path) {
  if (path.size() != 7 || path.substr(0, 3) != "/g/")
    return false;
  for (char c : path.substr(3))
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
      return false;
  return true;
}

namespace {

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// The `HOST[:PORT]` of an origin, lowercase; empty if malformed.
std::string authority_of(std::string_view origin) {
  auto o = lower(origin);
  std::string_view rest{o};
  for (std::string_view scheme : {"http://", "https://"})
    if (rest.rfind(scheme, 0) == 0) {
      rest.remove_prefix(scheme.size());
      if (rest.empty()
          || rest.find_first_of("/?#@ \t") != std::string_view::npos)
        return {};
      return std::string{rest};
    }
  return {};
}

/// `authority` without its `:PORT`, brackets of an IPv6 literal kept.
std::string_view host_part(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    return close == std::string_view::npos ? authority
                                           : authority.substr(0, close + 1);
  }
  return authority.substr(0, authority.find(':'));
}

} // namespace

bool valid_origin(std::string_view origin) {
  return !authority_of(origin).empty();
}

bool origin_allowed(std::string_view origin, std::string_view host,
                    const std::vector<std::string>& allowed) {
  auto authority = authority_of(origin);
  if (authority.empty())
    return false; // `null`, or nothing a browser sends
  if (!allowed.empty()) {
    auto given = lower(origin);
    for (auto& a : allowed)
      if (lower(a) == given)
        return true;
    return false;
  }
  if (authority == lower(host))
    return true;
  auto name = host_part(authority);
  return name == "localhost" || name == "127.0.0.1" || name == "[::1]";
}

} // namespace parlor::gateway
