#include "parlor/auth/token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace parlor::auth {

namespace {

constexpr std::string_view prefix = "v1.";
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

} // namespace

token_signer::token_signer(std::string secret) : secret_(std::move(secret)) {
  if (secret_.empty())
    throw std::invalid_argument("the cluster secret must not be empty");
}

std::string token_signer::mac(std::string_view data) const {
  std::array<unsigned char, EVP_MAX_MD_SIZE> buf{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       buf.data(), &len);
  return std::string(reinterpret_cast<const char*>(buf.data()), len);
}

std::string token_signer::sign(std::string_view player_id) const {
  std::string body{prefix};
  body += b64url_encode(player_id);
  auto sig = b64url_encode(mac(body));
  body += '.';
  body += sig;
  return body;
}

std::optional<std::string> token_signer::verify(std::string_view token) const {
  if (token.size() > 512 || token.substr(0, prefix.size()) != prefix)
    return std::nullopt;
  auto dot = token.rfind('.');
  if (dot < prefix.size())
    return std::nullopt;
  auto body = token.substr(0, dot);
  auto sig = b64url_decode(token.substr(dot + 1));
  auto id = b64url_decode(body.substr(prefix.size()));
  if (!sig || !id || id->empty())
    return std::nullopt;
  auto expected = mac(body);
  if (sig->size() != expected.size()
      || CRYPTO_memcmp(sig->data(), expected.data(), expected.size()) != 0)
    return std::nullopt;
  return id;
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

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_player_id() {
  return random_hex(8);
}

} // namespace parlor::auth
