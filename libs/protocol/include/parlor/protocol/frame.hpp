#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace parlor::protocol {

/// One Phoenix Channels v2 message: `[join_ref, ref, topic, event, payload]`.
struct frame {
  std::optional<std::string> join_ref;
  std::optional<std::string> ref;
  std::string topic;
  std::string event;
  /// The payload as JSON text, always an object. A decoded frame keeps the
  /// client's text (validated), so that a move goes on to its GameServer
  /// without being parsed and written again; `payload_json` parses it.
  std::string payload = "{}";
};

/// `f.payload` parsed (an object for every decoded frame; a discarded value
/// if `f` was built with a payload that is not JSON).
nlohmann::json payload_json(const frame& f);

/// Why a text frame was refused.
enum class errc : uint8_t {
  none = 0,
  /// Not JSON at all: the socket is closed.
  not_json,
  /// Arrays or objects nested deeper than `max_depth`: the socket is closed
  /// (nothing of such a frame is parsed).
  too_deep,
  /// JSON, but not an array of five elements: the socket is closed unless
  /// the array starts with a usable `join_ref` and `ref`.
  not_a_frame,
  /// A five-element array with a field of the wrong type or value: answered
  /// with an error reply when the frame carries a usable `ref`.
  bad_join_ref,
  bad_ref,
  bad_topic,
  bad_event,
  bad_payload,
};

/// Returns a short English description of `x`.
std::string_view to_string(errc x);

/// A frame that could not be decoded, with whatever could be read of it.
struct decode_error {
  errc code = errc::none;
  std::optional<std::string> join_ref;
  std::optional<std::string> ref;
  std::string topic;

  /// Whether the socket must be closed: the text is not JSON, or not an
  /// array, or an array of the wrong length without a usable `ref`.
  bool fatal() const noexcept {
    return code == errc::not_json || code == errc::too_deep
           || (code == errc::not_a_frame && !ref.has_value());
  }
};

/// How deep arrays and objects may nest in a frame, the frame's own array
/// included: a payload holds 31 levels. No game needs more, and it keeps
/// every recursive walk of a decoded payload far from the stack's end.
inline constexpr std::size_t max_depth = 32;

/// Decodes one text frame. Never throws; frames nested deeper than
/// `max_depth` are refused before any parse.
std::variant<frame, decode_error> decode(std::string_view text);

/// Where a reply to a frame goes: its refs and topic.
struct frame_head {
  std::optional<std::string> join_ref;
  std::optional<std::string> ref;
  std::string topic;
};

/// Reads only the head of a frame (`[join_ref, ref, topic`), without
/// parsing or validating the rest: for answering frames that are refused
/// unread (`rate_limited`). None if the text does not start like a frame.
std::optional<frame_head> peek_head(std::string_view text);

/// Encodes `f` as a JSON array.
std::string encode(const frame& f);

/// Encodes a `phx_reply` to the frame with `join_ref`/`ref` on `topic`.
std::string encode_reply(const std::optional<std::string>& join_ref,
                         const std::optional<std::string>& ref,
                         std::string_view topic, bool ok,
                         const nlohmann::json& response);

/// Like `encode_reply`, with `response` already encoded as a JSON object.
std::string encode_raw_reply(const std::optional<std::string>& join_ref,
                             const std::optional<std::string>& ref,
                             std::string_view topic, bool ok,
                             std::string_view response);

/// Encodes a server push (`ref` null) to the channel joined as `join_ref`.
std::string encode_push(const std::optional<std::string>& join_ref,
                        std::string_view topic, std::string_view event,
                        const nlohmann::json& payload);

/// Encodes a broadcast (`join_ref` and `ref` null) with a pre-encoded
/// payload. This is the frame that is built once and shared by all sockets.
std::string encode_broadcast(std::string_view topic, std::string_view event,
                             std::string_view payload);

/// Returns `{"reason": reason}`.
nlohmann::json reason(std::string_view reason);

} // namespace parlor::protocol
