#pragma once

#include <chrono>
#include <cstdint>

namespace parlor::core {

/// Wall-clock time as Unix milliseconds: what the store writes, members
/// report as their start time and registry epochs are made of.
inline int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

} // namespace parlor::core
