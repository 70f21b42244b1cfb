#pragma once

#include <chrono>
#include <cstdint>

namespace parlor::gateway {

/// The budget for failed game joins of one socket (contract §9): once more
/// than `max_not_found` joins were answered `not_found` within a minute,
/// further joins are refused (`rate_limited`) for the rest of that minute.
/// Guessing 4-letter codes to find a waiting game then takes days, not
/// seconds. The minute starts at the first `not_found`. Pure: the caller
/// passes the time.
class join_budget {
public:
  using clock = std::chrono::steady_clock;

  static constexpr uint32_t max_not_found = 20;
  static constexpr auto window = std::chrono::minutes{1};

  /// Whether a join may go ahead at `now`.
  bool allows(clock::time_point now) {
    if (not_found_ > 0 && now - window_start_ >= window)
      not_found_ = 0;
    return not_found_ <= max_not_found;
  }

  /// A join at `now` was answered `not_found`.
  void note_not_found(clock::time_point now) {
    if (not_found_ == 0 || now - window_start_ >= window) {
      window_start_ = now;
      not_found_ = 0;
    }
    ++not_found_;
  }

private:
  clock::time_point window_start_{};
  uint32_t not_found_ = 0;
};

} // namespace parlor::gateway
