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

/// What a run does (see `usage_text`).
enum class scenario { idle, games, fanout, echo, echo_fanout };

/// Everything a run is configured with.
struct options {
  loadgen::scenario scenario = scenario::idle;
  std::vector<ws_url> urls;
  /// Local addresses to connect from, round robin (empty: the kernel picks).
  std::vector<std::string> sources;
  /// Whether `sources` was chosen by `choose_sources`, not given.
  bool automatic_sources = false;
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

/// Parses `SCENARIO --key=value ...`; the error names the problem.
parse_result parse_options(const std::vector<std::string>& args);

/// How many WebSocket connections the scenario opens in all.
uint64_t connections_needed(const options& o);

/// Hands out `options::sources` round robin per node: each node's
/// connections cycle through every source, whatever the number of nodes.
class source_picker {
public:
  explicit source_picker(const options& o)
    : sources_(o.sources), next_(o.urls.size(), 0) {
    // nop
  }

  /// The source for the next connection to node `url_index` (empty: the
  /// kernel picks).
  std::string next(std::size_t url_index) {
    if (sources_.empty() || next_.empty())
      return {};
    auto& n = next_[url_index % next_.size()];
    return sources_[n++ % sources_.size()];
  }

private:
  std::vector<std::string> sources_;
  std::vector<uint64_t> next_;
};

/// Connections one source address may hold to one loopback node before
/// `choose_sources` spreads them over more addresses.
inline constexpr uint64_t connections_per_source = 4000;

/// With no `--source`, every node on a 127.x.y.z address, and more than
/// `connections_per_source` connections per node (counting the two players
/// a fanout puts on the first node): sources 127.0.0.2, 127.0.0.3, ... (as
/// many as needed, marked automatic; per process: several processes
/// against one node each need their own `--source`). Linux gives a
/// connect() a local port by probing the ephemeral range, half of it
/// first; once one address holds most of that half towards one node, every
/// connect() probes thousands of ports in the kernel, and the load
/// generator, not the node, limits the connect rate (bench/README.md,
/// source addresses).
void choose_sources(options& o);

/// The `--help` text, generated from the options `parse_options` takes.
std::string usage_text();

/// The scenario's name on the command line.
const char* to_string(scenario s);

} // namespace parlor::loadgen
