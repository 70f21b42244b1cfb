#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace parlor::loadgen {

namespace {

// Values below 128 have a bucket each; above, each power of two [2^k,
// 2^(k+1)) is split into 64 equal sub-buckets.
constexpr uint64_t linear = 128;
constexpr unsigned sub_bits = 6;
constexpr std::size_t bucket_count = linear + (64 - 7) * (1u << sub_bits);

} // namespace

histogram::histogram() : buckets_(bucket_count, 0) {
  // nop
}

std::size_t histogram::index_of(uint64_t us) {
  if (us < linear)
    return static_cast<std::size_t>(us);
  auto msb = static_cast<unsigned>(std::bit_width(us) - 1); // >= 7
  auto shift = msb - sub_bits;                              // >= 1
  auto sub = (us >> shift) - (uint64_t{1} << sub_bits);     // 0..63
  return linear + (shift - 1) * (std::size_t{1} << sub_bits)
         + static_cast<std::size_t>(sub);
}

uint64_t histogram::highest_in(std::size_t index) {
  if (index < linear)
    return index;
  auto rel = index - linear;
  auto shift = static_cast<unsigned>(rel >> sub_bits) + 1;
  auto sub = (uint64_t{1} << sub_bits) + (rel & ((1u << sub_bits) - 1));
  auto lowest = sub << shift;
  return lowest + (uint64_t{1} << shift) - 1;
}

void histogram::record(uint64_t us) {
  ++buckets_[std::min(index_of(us), bucket_count - 1)];
  ++count_;
  min_ = std::min(min_, us);
  max_ = std::max(max_, us);
  sum_ += us;
}

void histogram::merge(const histogram& other) {
  for (std::size_t i = 0; i < bucket_count; ++i)
    buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

uint64_t histogram::percentile(double p) const {
  if (count_ == 0)
    return 0;
  auto rank = static_cast<uint64_t>(
    std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(count_)));
  rank = std::max<uint64_t>(rank, 1);
  uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += buckets_[i];
    if (seen >= rank)
      return std::min(highest_in(i), max_);
  }
  return max_;
}

double histogram::mean() const {
  return count_ ? static_cast<double>(sum_ / count_) : 0.0;
}

} // namespace parlor::loadgen
