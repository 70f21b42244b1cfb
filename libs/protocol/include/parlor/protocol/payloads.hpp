#pragma once

// The payloads of the game channel's replies that carry STATE or follow
// every move (contract §4), each written by one encoder, straight into a
// string: STATE arrives encoded and is spliced in, never parsed again.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parlor::protocol {

/// The reply to a `phx_join` of `game:CODE`:
/// `{"seat":SEAT,"state":STATE}`, `seat` null for a spectator, `state_json`
/// the game's encoded STATE.
std::string join_response(const std::optional<std::string>& seat,
                          std::string_view state_json);

/// The reply to an accepted `move`: `{"version":VERSION}`.
std::string move_response(uint64_t version);

} // namespace parlor::protocol
