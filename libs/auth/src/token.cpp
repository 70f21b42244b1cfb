#include "parlor/auth/token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <stdexcept>

namespace parlor::auth {

namespace {

constexpr std::string_view prefix = "v2.";
constexpr char b64_chars[]
  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64url_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += b64_chars[(acc >> bits) & 0x3F];
    }
  }
  if (bits > 0)
    out += b64_chars[(acc << (6 - bits)) & 0x3F];
  return out;
}

std::optional<std::string> b64url_decode(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '-')
      v = 62;
    else if (c == '_')
      v = 63;
    else
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  // Only the spelling encode writes: a lone last character (6 bits, no
  // byte) or unused bits that are not zero would let one MAC or id be
  // spelled several ways, so one token would have others that verify.
  if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
    return std::nullopt;
  return out;
}

/// Parses `issued`: decimal digits only, no leading zero, at most 12 of them
/// (one spelling per time).
std::optional<int64_t> parse_issued(std::string_view text) {
  if (text.empty() || text.size() > 12 || (text.size() > 1 && text[0] == '0'))
    return std::nullopt;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

int64_t unix_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// Splits `v2.<id>.<issued>.<mac>` into its three parts after the prefix.
struct token_parts {
  std::string_view body; // everything the MAC covers
  std::string_view id;
  std::string_view issued;
  std::string_view mac;
};

std::optional<token_parts> split_token(std::string_view token) {
  if (token.size() > 512 || token.substr(0, prefix.size()) != prefix)
    return std::nullopt;
  auto rest = token.substr(prefix.size());
  auto d1 = rest.find('.');
  if (d1 == std::string_view::npos)
    return std::nullopt;
  auto d2 = rest.find('.', d1 + 1);
  if (d2 == std::string_view::npos || rest.find('.', d2 + 1) != std::string_view::npos)
    return std::nullopt;
  return token_parts{token.substr(0, prefix.size() + d2), rest.substr(0, d1),
                     rest.substr(d1 + 1, d2 - d1 - 1), rest.substr(d2 + 1)};
}

} // namespace

std::optional<int64_t> token_issued_at(std::string_view token) {
  auto parts = split_token(token);
  if (!parts)
    return std::nullopt;
  return parse_issued(parts->issued);
}

token_signer::token_signer(std::string secret, int64_t max_age_s)
  : secret_(std::move(secret)), max_age_s_(max_age_s) {
  if (secret_.empty())
    throw std::invalid_argument("the cluster secret must not be empty");
  if (max_age_s_ <= 0)
    throw std::invalid_argument("the token max age must be positive");
}

std::string token_signer::mac(std::string_view data) const {
  std::array<unsigned char, EVP_MAX_MD_SIZE> buf{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       buf.data(), &len);
  return std::string(reinterpret_cast<const char*>(buf.data()), len);
}

std::string token_signer::sign(std::string_view player_id,
                               int64_t now_s) const {
  std::string body{prefix};
  body += b64url_encode(player_id);
  body += '.';
  body += std::to_string(now_s < 0 ? 0 : now_s);
  auto sig = b64url_encode(mac(body));
  body += '.';
  body += sig;
  return body;
}

std::string token_signer::sign(std::string_view player_id) const {
  return sign(player_id, unix_now_s());
}

std::optional<std::string> token_signer::verify(std::string_view token,
                                                int64_t now_s) const {
  auto parts = split_token(token);
  if (!parts)
    return std::nullopt;
  auto issued = parse_issued(parts->issued);
  auto sig = b64url_decode(parts->mac);
  auto id = b64url_decode(parts->id);
  if (!issued || !sig || !id || id->empty())
    return std::nullopt;
  auto expected = mac(parts->body);
  if (sig->size() != expected.size()
      || CRYPTO_memcmp(sig->data(), expected.data(), expected.size()) != 0)
    return std::nullopt;
  if (*issued > now_s + clock_skew_s || now_s - *issued > max_age_s_)
    return std::nullopt;
  return id;
}

std::optional<std::string> token_signer::verify(std::string_view token) const {
  return verify(token, unix_now_s());
}

std::string random_hex(std::size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()),
                 static_cast<int>(n))
      != 1)
    throw std::runtime_error("the system's random generator failed");
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xF];
  }
  return out;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> buf{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       buf.data(), &len);
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += digits[buf[i] >> 4];
    out += digits[buf[i] & 0xF];
  }
  return out;
}

std::string random_player_id() {
  return random_hex(8);
}

} // namespace parlor::auth
