#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace parlor::auth {

/// Admin requests (`parlorctl` → a node's `/api/admin/...`) carry
///
///     Authorization: Parlor-HMAC ts=<unix ms>, mac=<hex>
///
/// where `mac` is HMAC-SHA256 with the cluster secret over
/// `parlor-admin-v1|<METHOD>|<target>|<ts>`. The target includes the query
/// (the node's name), so a request signed for one node or action does not
/// work for another; the timestamp bounds a replay to `admin_clock_skew`.
inline constexpr int64_t admin_clock_skew_ms = 60'000;

/// The `Authorization` value for `method target` sent at `now_ms`.
std::string sign_admin_request(std::string_view secret,
                               std::string_view method,
                               std::string_view target, int64_t now_ms);

/// Whether `authorization` is a valid signature of `method target` made
/// within `admin_clock_skew_ms` of `now_ms`.
bool verify_admin_request(std::string_view secret,
                          std::string_view authorization,
                          std::string_view method, std::string_view target,
                          int64_t now_ms);

/// Makes admin signatures single-use: remembers each verified
/// `Authorization` value until its timestamp is past the clock skew, so a
/// captured request cannot be sent again. Thread-safe.
class replay_guard {
public:
  /// At most this many signatures are remembered; beyond it every request
  /// is refused until old ones expire (only holders of the secret sign).
  static constexpr std::size_t capacity = 10'000;

  /// Whether the signature in `authorization` (already verified) is used
  /// for the first time at `now_ms`; remembers it if so. The key is the
  /// MAC alone, so extra parameters do not make a replay new.
  bool first_use(std::string_view authorization, int64_t now_ms);

private:
  std::mutex mtx_;
  /// Signature → when it can be forgotten (Unix ms).
  std::map<std::string, int64_t, std::less<>> seen_;
};

} // namespace parlor::auth
