#include "parlor/protocol/payloads.hpp"

#include "parlor/core/json_text.hpp"

namespace parlor::protocol {

std::string join_response(const std::optional<std::string>& seat,
                          std::string_view state_json) {
  std::string out;
  out.reserve(state_json.size() + 32);
  out += R"({"seat":)";
  core::append_json_string_or_null(out, seat ? &*seat : nullptr);
  out += R"(,"state":)";
  out += state_json;
  out += '}';
  return out;
}

std::string move_response(uint64_t version) {
  return R"({"version":)" + std::to_string(version) + "}";
}

} // namespace parlor::protocol
