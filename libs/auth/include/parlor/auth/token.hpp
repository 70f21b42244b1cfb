#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parlor::auth {

/// Signs player tokens with the cluster secret, so that any node of the
/// cluster can verify them without a lookup.
///
/// A token is `v1.<base64url(player id)>.<base64url(HMAC-SHA256)>`, the MAC
/// taken over `v1.<base64url(player id)>` with the cluster secret as key.
class token_signer {
public:
  explicit token_signer(std::string secret);

  /// Returns a token for `player_id`.
  std::string sign(std::string_view player_id) const;

  /// Returns the player id a token carries, or none when the token is
  /// malformed or was not signed with this secret.
  std::optional<std::string> verify(std::string_view token) const;

private:
  std::string mac(std::string_view data) const;

  std::string secret_;
};

/// Returns HMAC-SHA256(key, data) as lower-case hex.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

/// Compares two strings in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

/// Returns a fresh random player id (16 lower-case hex digits).
std::string random_player_id();

/// Returns `n` random bytes from the system's CSPRNG as lower-case hex.
std::string random_hex(std::size_t n);

} // namespace parlor::auth
