#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace parlor::loadgen {

/// A latency histogram in the style of HdrHistogram: log-linear buckets
/// with 64 sub-buckets per power of two, so any recorded value is known
/// within 1/64 (1.6 %) of its true value, from 1 µs to hours, in fixed
/// memory. Count, min, max and sum are exact.
class histogram {
public:
  histogram();

  /// Records one value (microseconds).
  void record(uint64_t us);

  /// Adds every value recorded in `other`.
  void merge(const histogram& other);

  /// The value at percentile `p` (0 < p ≤ 100): the highest value that is
  /// equivalent (same bucket) to the recorded value of that rank, but never
  /// above the exact maximum. 0 when empty.
  uint64_t percentile(double p) const;

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const;

  /// Bucket of `us` and the highest value of a bucket (exposed for tests).
  static std::size_t index_of(uint64_t us);
  static uint64_t highest_in(std::size_t index);

private:
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  long double sum_ = 0;
};

} // namespace parlor::loadgen
