#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace parlor::core {

/// A fault that one component reports and others read, from any thread:
/// the store raises it while writes fail, `/healthz` reads it.
class fault_flag {
public:
  /// Reports the fault (replacing an earlier reason).
  void raise(std::string reason) {
    std::lock_guard<std::mutex> guard{mtx_};
    reason_ = std::move(reason);
    raised_.store(true, std::memory_order_release);
  }

  /// The fault is over. Cheap when none was raised.
  void clear() {
    if (!raised_.load(std::memory_order_acquire))
      return;
    std::lock_guard<std::mutex> guard{mtx_};
    reason_.reset();
    raised_.store(false, std::memory_order_release);
  }

  bool raised() const {
    return raised_.load(std::memory_order_acquire);
  }

  /// The reason of the current fault, if any.
  std::optional<std::string> reason() const {
    if (!raised())
      return std::nullopt;
    std::lock_guard<std::mutex> guard{mtx_};
    return reason_;
  }

private:
  mutable std::mutex mtx_;
  std::atomic<bool> raised_{false};
  std::optional<std::string> reason_;
};

} // namespace parlor::core
