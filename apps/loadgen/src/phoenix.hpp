#pragma once

// Phoenix Channels v2 frames as the loadgen writes and reads them. Frames
// it sends are encoded by libs/protocol, as the node encodes its own.

#include "parlor/protocol/frame.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace parlor::loadgen::phx {

/// `[join_ref, ref, topic, event, payload]`; an empty join_ref is null.
/// `payload` is JSON text already.
inline std::string frame(const std::string& join_ref, const std::string& ref,
                         const std::string& topic, const std::string& event,
                         const std::string& payload = "{}") {
  return protocol::encode(protocol::frame{
    join_ref.empty() ? std::nullopt : std::optional<std::string>{join_ref},
    ref, topic, event, payload});
}

/// A decoded `phx_reply`.
struct reply {
  std::string ref;
  std::string topic;
  bool ok = false;
  nlohmann::json response;
  std::string reason() const {
    return response.is_object() && response.contains("reason")
               && response["reason"].is_string()
             ? response["reason"].get<std::string>()
             : std::string{"error"};
  }
};

/// Decodes `text` if it is a `phx_reply`.
inline std::optional<reply> parse_reply(std::string_view text) {
  if (text.find("\"phx_reply\"") == std::string_view::npos)
    return std::nullopt;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array() || j.size() != 5 || !j[1].is_string() || j[3] != "phx_reply"
      || !j[4].is_object())
    return std::nullopt;
  reply r;
  r.ref = j[1].get<std::string>();
  r.topic = j[2].is_string() ? j[2].get<std::string>() : "";
  r.ok = j[4].value("status", "") == "ok";
  r.response = std::move(j[4]["response"]);
  return r;
}

/// If `text` is a `state` broadcast, the STATE's version (a scan, not a
/// parse: spectators see one per move and the loadgen must stay cheap).
/// Names are JSON-escaped, so the first `"version":` is the key.
inline std::optional<uint64_t> state_version(std::string_view text) {
  if (text.substr(0, 11) != "[null,null,")
    return std::nullopt;
  auto ev = text.find("\",\"state\",{");
  if (ev == std::string_view::npos)
    return std::nullopt;
  auto at = text.find("\"version\":", ev);
  if (at == std::string_view::npos)
    return std::nullopt;
  uint64_t v = 0;
  bool any = false;
  for (auto i = at + 10; i < text.size() && text[i] >= '0' && text[i] <= '9';
       ++i) {
    v = v * 10 + static_cast<uint64_t>(text[i] - '0');
    any = true;
  }
  if (!any)
    return std::nullopt;
  return v;
}

} // namespace parlor::loadgen::phx
