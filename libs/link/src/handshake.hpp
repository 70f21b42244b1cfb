#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

/// The greeting two nodes exchange on a cluster link before any BASP byte
/// (inside TLS when the cluster uses it). Every message has a fixed size, so
/// nothing a peer sends before it is authenticated sets how much is read or
/// allocated. Dialer D, listener L:
///
/// 1. D → L  hello:     magic, nonce_d
/// 2. L → D  challenge: magic, nonce_l, HMAC(secret, "listener" | nonce_d | nonce_l)
/// 3. D → L  proof:     HMAC(secret, "dialer" | nonce_l | nonce_d)
/// 4. L → D  verdict:   one byte, `accepted`; a refused dialer is disconnected
///
/// The role names keep either side's MAC from being replayed as the other's.
namespace parlor::link::handshake {

using nonce = std::array<uint8_t, 32>;
using mac_bytes = std::array<uint8_t, 32>;

/// Opens hello and challenge: names the protocol and its version.
inline constexpr std::array<uint8_t, 8> magic
  = {'P', 'R', 'L', 'R', 'L', 'N', 'K', '1'};

inline constexpr size_t hello_size = magic.size() + nonce{}.size();
inline constexpr size_t challenge_size
  = magic.size() + nonce{}.size() + mac_bytes{}.size();
inline constexpr size_t proof_size = mac_bytes{}.size();
inline constexpr uint8_t accepted = 'Y';

/// A nonce from the operating system's random generator.
nonce random_nonce();

/// HMAC-SHA256 over `role`, `first` and `second` with the cluster secret.
mac_bytes mac(std::string_view secret, std::string_view role,
              const nonce& first, const nonce& second);

/// Compares two MACs in constant time.
bool same(const mac_bytes& a, const mac_bytes& b);

/// Whether `bytes` start with `magic`.
bool has_magic(std::span<const uint8_t> bytes);

/// Whether `bytes` (one or more) look like the start of a TLS record (a
/// handshake record of TLS 1.x): what a node with TLS sends to one without.
bool looks_like_tls(std::span<const uint8_t> bytes);

} // namespace parlor::link::handshake
