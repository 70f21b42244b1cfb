// Fuzzes `protocol::decode` with arbitrary text frames.
//
// Checks, for every input:
// - decode agrees with nlohmann's parser run on the whole text: a frame
//   exactly when the text is a five-element array of the right types, with
//   the same fields, and the error code the first wrong field names;
// - a decoded frame survives encode → decode with equal fields and payload,
//   and a second round trip writes the same bytes;
// - only unparseable text, or text whose refs cannot be read, is fatal.

#include "check.hpp"

#include "parlor/core/json_text.hpp"
#include "parlor/protocol/frame.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

using nlohmann::json;
using namespace parlor::protocol;

/// The ref `x` as decode must read it, or none if it is not a ref.
std::optional<std::optional<std::string>> expected_ref(const json& x) {
  if (x.is_null())
    return std::optional<std::string>{};
  if (x.is_string())
    return std::optional<std::string>{x.get<std::string>()};
  if (x.is_number_unsigned())
    return std::optional<std::string>{std::to_string(x.get<uint64_t>())};
  if (x.is_number_integer())
    return std::optional<std::string>{std::to_string(x.get<int64_t>())};
  return std::nullopt;
}

bool non_empty_string(const json& x) {
  return x.is_string() && !x.get_ref<const std::string&>().empty();
}

/// What decode must say about `doc`, the whole text parsed.
errc expected_code(const json& doc) {
  if (doc.is_discarded())
    return errc::not_json;
  if (!doc.is_array() || doc.size() != 5)
    return errc::not_a_frame;
  if (!expected_ref(doc[0]))
    return errc::bad_join_ref;
  if (!expected_ref(doc[1]))
    return errc::bad_ref;
  if (!non_empty_string(doc[2]))
    return errc::bad_topic;
  if (!non_empty_string(doc[3]))
    return errc::bad_event;
  if (!doc[4].is_object())
    return errc::bad_payload;
  return errc::none;
}

void check_round_trip(const frame& f) {
  auto text = encode(f);
  auto again = decode(text);
  PARLOR_FUZZ_CHECK(std::holds_alternative<frame>(again));
  auto& g = std::get<frame>(again);
  PARLOR_FUZZ_CHECK(g.join_ref == f.join_ref);
  PARLOR_FUZZ_CHECK(g.ref == f.ref);
  PARLOR_FUZZ_CHECK(g.topic == f.topic);
  PARLOR_FUZZ_CHECK(g.event == f.event);
  PARLOR_FUZZ_CHECK(payload_json(g) == payload_json(f));
  // The payload may be rewritten once (whitespace, escapes), then no more.
  auto third = decode(encode(g));
  PARLOR_FUZZ_CHECK(std::holds_alternative<frame>(third));
  PARLOR_FUZZ_CHECK(encode(std::get<frame>(third)) == encode(g));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  auto result = decode(text);

  // Text decode refuses before parsing: the oracle may not parse it either
  // (a deep document would take the oracle's recursive comparisons too far).
  if (text.find('\0') != std::string_view::npos) {
    auto* err = std::get_if<decode_error>(&result);
    PARLOR_FUZZ_CHECK(err && err->code == errc::not_json && err->fatal());
    return 0;
  }
  if (!parlor::core::json_depth_within(text, max_depth)) {
    auto* err = std::get_if<decode_error>(&result);
    PARLOR_FUZZ_CHECK(err && err->code == errc::too_deep && err->fatal());
    return 0;
  }

  auto doc = json::parse(text, nullptr, false);
  auto code = expected_code(doc);
  if (auto* f = std::get_if<frame>(&result)) {
    PARLOR_FUZZ_CHECK(code == errc::none);
    PARLOR_FUZZ_CHECK(f->join_ref == *expected_ref(doc[0]));
    PARLOR_FUZZ_CHECK(f->ref == *expected_ref(doc[1]));
    PARLOR_FUZZ_CHECK(f->topic == doc[2].get<std::string>());
    PARLOR_FUZZ_CHECK(f->event == doc[3].get<std::string>());
    auto payload = payload_json(*f);
    PARLOR_FUZZ_CHECK(payload.is_object() && payload == doc[4]);
    check_round_trip(*f);
    return 0;
  }
  auto& err = std::get<decode_error>(result);
  PARLOR_FUZZ_CHECK(err.code == code);
  // Refs and topic are kept for the error reply when they could be read.
  bool refs_read = doc.is_array() && doc.size() >= 2 && expected_ref(doc[0])
                   && expected_ref(doc[1]);
  if (refs_read) {
    PARLOR_FUZZ_CHECK(err.join_ref == *expected_ref(doc[0]));
    PARLOR_FUZZ_CHECK(err.ref == *expected_ref(doc[1]));
  }
  bool has_ref = refs_read && expected_ref(doc[1])->has_value();
  bool fatal = code == errc::not_json
               || (code == errc::not_a_frame && !has_ref);
  PARLOR_FUZZ_CHECK(err.fatal() == fatal);
  return 0;
}
