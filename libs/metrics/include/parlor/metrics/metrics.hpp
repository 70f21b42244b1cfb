#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <chrono>
#include <cstdint>
#include <string>

namespace parlor::metrics {

/// A monotonically growing count. Lock-free; any thread.
class counter {
public:
  void add(uint64_t n = 1) noexcept {
    value_.fetch_add(n, std::memory_order_relaxed);
  }
  uint64_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<uint64_t> value_{0};
};

/// A value that goes up and down. Lock-free; any thread.
class gauge {
public:
  void add(int64_t n) noexcept {
    value_.fetch_add(n, std::memory_order_relaxed);
  }
  int64_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<int64_t> value_{0};
};

/// A latency histogram with fixed buckets (seconds, Prometheus style).
class histogram {
public:
  /// Upper bounds in microseconds.
  static constexpr std::array<uint64_t, 12> bounds_us
    = {100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
       1000000};

  void observe(std::chrono::microseconds d) noexcept;

  /// Appends the exposition of this histogram under `name`.
  void render(std::string& out, const char* name, const char* help) const;

private:
  std::array<std::atomic<uint64_t>, bounds_us.size() + 1> buckets_{};
  std::atomic<uint64_t> sum_us_{0};
  std::atomic<uint64_t> count_{0};
};

/// Every metric a node exports on `/metrics`.
struct node_metrics {
  gauge connections;
  counter connections_total;
  gauge games;
  counter games_created;
  counter messages_in;
  counter messages_out;
  counter bad_frames;
  counter rate_limited;
  counter moves;
  counter moves_rejected;
  histogram move_latency;

  /// The cluster port's figures (the link front's), read at each render.
  struct link_figures {
    uint64_t open = 0;
    uint64_t refused = 0;
  };
  /// Set by the node before `/metrics` is served; unset: not rendered.
  std::function<link_figures()> cluster_links;

  /// Renders the Prometheus text exposition format (version 0.0.4).
  std::string render() const;
};

} // namespace parlor::metrics
