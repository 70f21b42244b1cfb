#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace parlor::gateway {

/// How many games one player may create (`--create-rate`, per minute, with
/// bursts of as many): a token bucket per player id, shared by every
/// socket of the node. Without it one socket created 10,000 games in 2.5 s,
/// and filling the code space blocks every `create`. Pure but for its lock:
/// the caller passes the time.
class create_quota {
public:
  using clock = std::chrono::steady_clock;

  /// `per_minute` creates a minute on average; 0: no limit.
  explicit create_quota(uint32_t per_minute) : per_minute_(per_minute) {
    // nop
  }

  /// Whether `player` may create a game at `now`; takes one if so.
  bool take(const std::string& player, clock::time_point now) {
    if (per_minute_ == 0)
      return true;
    std::lock_guard<std::mutex> guard{mtx_};
    if (buckets_.size() >= sweep_at_)
      sweep(now);
    auto [i, fresh] = buckets_.try_emplace(player, bucket{capacity(), now});
    auto& b = i->second;
    if (!fresh) {
      b.tokens = std::min(capacity(), b.tokens + per_second() * seconds(now - b.last));
      b.last = now;
    }
    if (b.tokens < 1.0)
      return false;
    b.tokens -= 1.0;
    return true;
  }

  std::size_t tracked() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return buckets_.size();
  }

private:
  struct bucket {
    double tokens;
    clock::time_point last;
  };

  double capacity() const noexcept {
    return per_minute_;
  }

  double per_second() const noexcept {
    return per_minute_ / 60.0;
  }

  static double seconds(clock::duration d) {
    return std::chrono::duration<double>(d).count();
  }

  /// Forgets the players whose bucket has filled up again (they are as
  /// new); the next sweep waits until the map doubles.
  void sweep(clock::time_point now) {
    for (auto i = buckets_.begin(); i != buckets_.end();) {
      auto full = i->second.tokens
                    + per_second() * seconds(now - i->second.last)
                  >= capacity();
      i = full ? buckets_.erase(i) : std::next(i);
    }
    sweep_at_ = std::max<std::size_t>(min_sweep, 2 * buckets_.size());
  }

  static constexpr std::size_t min_sweep = 4096;

  uint32_t per_minute_;
  mutable std::mutex mtx_;
  std::unordered_map<std::string, bucket> buckets_;
  std::size_t sweep_at_ = min_sweep;
};

} // namespace parlor::gateway
