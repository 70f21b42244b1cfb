#include "handshake.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace parlor::link::handshake {

nonce random_nonce() {
  nonce result;
  if (RAND_bytes(result.data(), static_cast<int>(result.size())) != 1)
    throw std::runtime_error("no random bytes for a cluster link nonce");
  return result;
}

mac_bytes mac(std::string_view secret, std::string_view role,
              const nonce& first, const nonce& second) {
  std::vector<uint8_t> data;
  data.reserve(role.size() + 1 + first.size() + second.size());
  data.insert(data.end(), role.begin(), role.end());
  data.push_back('|');
  data.insert(data.end(), first.begin(), first.end());
  data.insert(data.end(), second.begin(), second.end());
  mac_bytes result{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           data.data(), data.size(), result.data(), &len)
        == nullptr
      || len != result.size())
    throw std::runtime_error("HMAC-SHA256 failed");
  return result;
}

bool same(const mac_bytes& a, const mac_bytes& b) {
  uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

bool has_magic(std::span<const uint8_t> bytes) {
  return bytes.size() >= magic.size()
         && std::equal(magic.begin(), magic.end(), bytes.begin());
}

bool looks_like_tls(std::span<const uint8_t> bytes) {
  // Content type 22 (handshake), then protocol major version 3.
  return !bytes.empty() && bytes[0] == 0x16
         && (bytes.size() < 2 || bytes[1] == 0x03);
}

} // namespace parlor::link::handshake
