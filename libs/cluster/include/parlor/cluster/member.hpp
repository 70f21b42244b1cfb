#pragma once

#include <cstdint>
#include <string>

namespace parlor::cluster {

/// What a node tells the others about itself.
struct member {
  std::string name;
  std::string region;
  /// Public `host:port` of its HTTP listener.
  std::string http;
  /// `host:port` of its cluster listener.
  std::string cluster;
  /// Unix time in milliseconds when it started.
  uint64_t started_ms = 0;
  /// `up`, or `draining` while it hands its games away before stopping.
  std::string status = "up";
  /// `host:port` of its admin listener (`--admin-port`), or empty: admin
  /// requests go to `http`.
  std::string admin{};
};

} // namespace parlor::cluster
