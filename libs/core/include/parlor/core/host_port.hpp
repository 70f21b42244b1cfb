#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parlor::core {

/// A TCP address as an operator writes it: a host name or IP literal (an
/// IPv6 literal without its brackets) and a port from 1 to 65535.
struct host_port {
  std::string host;
  uint16_t port = 0;
  friend bool operator==(const host_port&, const host_port&) = default;
};

/// Parses `HOST:PORT` or `[V6]:PORT`; none if malformed. The port is 1 to
/// 65535, in decimal digits. With a `default_port` other than 0 the `:PORT`
/// may be left out (`HOST`, `[V6]`). Without brackets the text splits at its
/// last colon, so a host may contain colons when the port is required: the
/// cluster addresses nodes write for themselves read `::1:4370`. Where the
/// port may be left out that would be ambiguous, and an IPv6 literal needs
/// its brackets.
[[nodiscard]] inline std::optional<host_port>
parse_host_port(std::string_view text, uint16_t default_port = 0) {
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    host = text.substr(1, close - 1);
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        return std::nullopt;
      port = rest.substr(1);
      has_port = true;
    }
  } else if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    has_port = true;
    if (default_port != 0 && host.find(':') != std::string_view::npos)
      return std::nullopt;
  } else {
    host = text;
  }
  if (host.empty() || host.find_first_of("[]") != std::string_view::npos)
    return std::nullopt;
  if (!has_port) {
    if (default_port == 0)
      return std::nullopt;
    return host_port{std::string{host}, default_port};
  }
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(),
                                   value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size()
      || value == 0 || value > 65535)
    return std::nullopt;
  return host_port{std::string{host}, static_cast<uint16_t>(value)};
}

/// Writes `x` as `HOST:PORT`, with brackets around a host that contains a
/// colon (an IPv6 literal), so that `parse_host_port` reads it back.
[[nodiscard]] inline std::string to_string(const host_port& x) {
  auto port = std::to_string(x.port);
  if (x.host.find(':') != std::string::npos)
    return "[" + x.host + "]:" + port;
  return x.host + ":" + port;
}

} // namespace parlor::core
