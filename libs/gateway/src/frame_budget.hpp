#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace parlor::gateway {

/// The per-socket frame budget of `--socket-rate` (contract §9): a token
/// bucket that refills `rate` frames a second and holds twice that, so that
/// a client may burst after a quiet spell. A socket that keeps running out
/// for `flood_limit` (refusals with no second-long pause between them) is to
/// be closed. Pure: the caller passes the time. Not thread-safe (one socket,
/// one io thread).
class frame_budget {
public:
  using clock = std::chrono::steady_clock;

  enum class verdict : uint8_t {
    /// Within the budget: handle the frame.
    accept,
    /// Over it: answer `rate_limited`, drop the frame.
    refuse,
    /// Over it for `flood_limit`: close the socket (1008).
    close,
  };

  static constexpr auto flood_limit = std::chrono::seconds{10};
  /// A pause this long between two refusals ends a flood.
  static constexpr auto flood_pause = std::chrono::seconds{1};

  /// `rate` frames a second on average; 0: no limit.
  explicit frame_budget(uint32_t rate, clock::time_point now = clock::now())
    : rate_(rate), tokens_(capacity()), last_(now) {
    // nop
  }

  verdict take(clock::time_point now) {
    if (rate_ == 0)
      return verdict::accept;
    refill(now);
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return verdict::accept;
    }
    if (!flooding_ || now - last_refused_ > flood_pause)
      flood_since_ = now;
    flooding_ = true;
    last_refused_ = now;
    return now - flood_since_ >= flood_limit ? verdict::close
                                             : verdict::refuse;
  }

  double capacity() const noexcept {
    return 2.0 * rate_;
  }

private:
  void refill(clock::time_point now) {
    if (now <= last_)
      return;
    std::chrono::duration<double> elapsed = now - last_;
    last_ = now;
    tokens_ = std::min(capacity(), tokens_ + elapsed.count() * rate_);
  }

  uint32_t rate_;
  double tokens_;
  clock::time_point last_;
  /// Since when frames are refused without a pause; set once refused.
  bool flooding_ = false;
  clock::time_point flood_since_{};
  clock::time_point last_refused_{};
};

} // namespace parlor::gateway
