#pragma once

#include <cstdint>
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

} // namespace parlor::auth
