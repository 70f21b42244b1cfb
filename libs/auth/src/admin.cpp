#include "parlor/auth/admin.hpp"

#include "parlor/auth/token.hpp"

#include <charconv>

namespace parlor::auth {

namespace {

constexpr std::string_view scheme = "Parlor-HMAC ";

std::string admin_mac(std::string_view secret, std::string_view method,
                      std::string_view target, int64_t ts) {
  std::string data{"parlor-admin-v1|"};
  data.append(method).append("|").append(target).append("|");
  data += std::to_string(ts);
  return hmac_sha256_hex(secret, data);
}

/// The value of `key=` in a `k=v, k=v` list, or empty.
std::string_view param(std::string_view list, std::string_view key) {
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    if (item.size() > key.size() && item.substr(0, key.size()) == key
        && item[key.size()] == '=')
      return item.substr(key.size() + 1);
    if (comma == std::string_view::npos)
      break;
    list.remove_prefix(comma + 1);
  }
  return {};
}

} // namespace

std::string sign_admin_request(std::string_view secret,
                               std::string_view method,
                               std::string_view target, int64_t now_ms) {
  return std::string{scheme} + "ts=" + std::to_string(now_ms)
         + ", mac=" + admin_mac(secret, method, target, now_ms);
}

bool replay_guard::first_use(std::string_view authorization, int64_t now_ms) {
  if (authorization.substr(0, scheme.size()) != scheme)
    return false;
  authorization.remove_prefix(scheme.size());
  auto mac = param(authorization, "mac");
  if (mac.empty())
    return false;
  std::lock_guard<std::mutex> guard{mtx_};
  // A signature older than the skew is refused by verify: forget it.
  for (auto i = seen_.begin(); i != seen_.end();)
    i = i->second < now_ms ? seen_.erase(i) : std::next(i);
  if (seen_.count(mac) != 0 || seen_.size() >= capacity)
    return false;
  // Verify accepts a timestamp up to the skew ahead of now, and for the
  // skew after it: remember it that long.
  seen_.emplace(std::string{mac}, now_ms + 2 * admin_clock_skew_ms);
  return true;
}

bool verify_admin_request(std::string_view secret,
                          std::string_view authorization,
                          std::string_view method, std::string_view target,
                          int64_t now_ms) {
  if (authorization.substr(0, scheme.size()) != scheme)
    return false;
  authorization.remove_prefix(scheme.size());
  auto ts_text = param(authorization, "ts");
  auto mac = param(authorization, "mac");
  int64_t ts = 0;
  auto [end, ec] = std::from_chars(ts_text.data(),
                                   ts_text.data() + ts_text.size(), ts);
  if (ts_text.empty() || ec != std::errc{}
      || end != ts_text.data() + ts_text.size() || mac.empty())
    return false;
  if (ts < now_ms - admin_clock_skew_ms || ts > now_ms + admin_clock_skew_ms)
    return false;
  return constant_time_equal(mac, admin_mac(secret, method, target, ts));
}

} // namespace parlor::auth
