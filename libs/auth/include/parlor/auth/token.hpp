#pragma once

#include "parlor/core/constant_time.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace parlor::auth {

/// Signs player tokens with the cluster secret, so that any node of the
/// cluster can verify them without a lookup.
///
/// A token is `v2.<base64url(player id)>.<issued>.<base64url(HMAC-SHA256)>`,
/// `issued` the Unix time in seconds it was signed (decimal), the MAC taken
/// over everything before its dot with the cluster secret as key. A token
/// is good for `max_age` after it was issued (like Phoenix.Token's max age);
/// every lobby join hands out a fresh one, so a player who comes back
/// within that time keeps their id for good, and a copied token stops
/// working. `v1` tokens (no issue time) are refused.
class token_signer {
public:
  static constexpr int64_t default_max_age_s = 30 * 24 * 3600;
  /// How far in the future an issue time may be (clocks differ).
  static constexpr int64_t clock_skew_s = 300;

  explicit token_signer(std::string secret,
                        int64_t max_age_s = default_max_age_s);

  /// Returns a token for `player_id`, issued at `now_s` (Unix seconds).
  std::string sign(std::string_view player_id, int64_t now_s) const;
  /// The same, issued now.
  std::string sign(std::string_view player_id) const;

  /// Returns the player id a token carries, or none when the token is
  /// malformed, was not signed with this secret, is older than the max age
  /// at `now_s`, or was issued more than `clock_skew_s` after it.
  std::optional<std::string> verify(std::string_view token,
                                    int64_t now_s) const;
  /// The same, now.
  std::optional<std::string> verify(std::string_view token) const;

  int64_t max_age_s() const noexcept {
    return max_age_s_;
  }

private:
  std::string mac(std::string_view data) const;

  std::string secret_;
  int64_t max_age_s_;
};

/// The issue time of a well-formed token (not verified), if it has one.
std::optional<int64_t> token_issued_at(std::string_view token);

/// Returns HMAC-SHA256(key, data) as lower-case hex.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

/// One comparison of secrets for the whole project.
using core::constant_time_equal;

/// Returns a fresh random player id (16 lower-case hex digits).
std::string random_player_id();

/// Returns `n` random bytes from the system's CSPRNG as lower-case hex.
std::string random_hex(std::size_t n);

} // namespace parlor::auth
