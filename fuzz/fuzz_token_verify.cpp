// Fuzzes `auth::token_signer::verify`.
//
// The input is used three ways:
// - as a token: one that verifies must be exactly the token `sign` makes
//   for its player id (one token per player: no other spelling verifies),
//   and another secret must refuse it;
// - as a player id: its token verifies back to it (when short enough);
// - as a player id plus two trailing bytes, a position and a value: the
//   token with that one byte changed must be refused.

#include "check.hpp"

#include "parlor/auth/token.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using parlor::auth::token_signer;

const token_signer signer{"fuzz-cluster-secret"};
const token_signer other{"another-cluster-secret"};
/// The time tokens are checked at; a token the fuzzer finds verifies only
/// if it was issued within the max age before it.
constexpr int64_t now_s = 1'800'000'000;

/// verify's limit on a token's length.
constexpr std::size_t max_token_size = 512;

void check_as_token(std::string_view token) {
  auto id = signer.verify(token, now_s);
  if (!id)
    return;
  PARLOR_FUZZ_CHECK(!id->empty());
  auto issued = parlor::auth::token_issued_at(token);
  PARLOR_FUZZ_CHECK(issued.has_value());
  PARLOR_FUZZ_CHECK(*issued <= now_s + token_signer::clock_skew_s);
  PARLOR_FUZZ_CHECK(now_s - *issued <= signer.max_age_s());
  PARLOR_FUZZ_CHECK(signer.sign(*id, *issued) == token);
  PARLOR_FUZZ_CHECK(!other.verify(token, now_s));
}

void check_as_player_id(std::string_view id) {
  auto token = signer.sign(id, now_s);
  auto verified = signer.verify(token, now_s);
  if (id.empty() || token.size() > max_token_size)
    PARLOR_FUZZ_CHECK(!verified);
  else
    PARLOR_FUZZ_CHECK(verified == id);
  PARLOR_FUZZ_CHECK(!other.verify(token, now_s));
  PARLOR_FUZZ_CHECK(!signer.verify(token, now_s + signer.max_age_s() + 1));
}

void check_one_byte_changed(std::string_view input) {
  if (input.size() < 3)
    return;
  auto id = input.substr(0, input.size() - 2);
  auto token = signer.sign(id, now_s);
  auto pos = static_cast<unsigned char>(input[input.size() - 2])
             % token.size();
  auto value = input.back();
  if (token[pos] == value)
    return;
  token[pos] = value;
  PARLOR_FUZZ_CHECK(!signer.verify(token, now_s));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  check_as_token(input);
  check_as_player_id(input);
  check_one_byte_changed(input);
  return 0;
}
