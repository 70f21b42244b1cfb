#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parlor::loadgen {

/// A WebSocket endpoint: `ws://HOST:PORT/PATH`.
struct ws_url {
  std::string host;
  std::string port;
  std::string path; // e.g. /socket/websocket
};

/// Parses `ws://HOST[:PORT]/PATH` (port 80 by default); none if malformed.
std::optional<ws_url> parse_ws_url(const std::string& text);

enum class scenario { idle, games, fanout, echo, echo_fanout };

struct options {
  loadgen::scenario scenario = scenario::idle;
  std::vector<ws_url> urls;
  /// Local addresses to connect from, round robin (empty: the kernel picks).
  std::vector<std::string> sources;
  uint32_t players = 100;
  uint32_t games = 10;
  uint32_t spectators = 100;
  /// Moves (or echo messages) per second in total; 0: closed loop.
  double rate = 0;
  double duration_s = 0;
  /// New connections per second while opening them.
  uint32_t ramp = 2000;
  double heartbeat_s = 30;
  bool json = false;
  bool help = false;
};

/// The result of parsing the command line: options, or an error message.
struct parse_result {
  options opts;
  std::string error;
  explicit operator bool() const { return error.empty(); }
};

parse_result parse_options(const std::vector<std::string>& args);

const char* usage_text();

const char* to_string(scenario s);

} // namespace parlor::loadgen
