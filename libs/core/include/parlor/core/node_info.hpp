#pragma once

#include <string>

namespace parlor::core {

/// What a node tells about itself: shown in the UI, `/api/cluster` and STATE.
struct node_info {
  std::string name;
  std::string region = "local";
  std::string http; // public "host:port" of the HTTP listener
};

} // namespace parlor::core
