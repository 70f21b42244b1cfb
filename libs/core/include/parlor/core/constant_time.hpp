#pragma once

#include <cstddef>
#include <string_view>

namespace parlor::core {

/// Compares two secrets (MACs, invite secrets) in time independent of
/// where they differ: a guesser learns nothing from how long a wrong one
/// takes. Only the lengths may show.
inline bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  volatile unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff = diff | static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

} // namespace parlor::core
