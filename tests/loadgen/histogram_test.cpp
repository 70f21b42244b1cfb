#include "histogram.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

using parlor::loadgen::histogram;

TEST_CASE("small values are exact, large ones within 1/64", "[loadgen]") {
  for (uint64_t v = 0; v < 128; ++v)
    CHECK(histogram::highest_in(histogram::index_of(v)) == v);
  std::mt19937_64 rng{7};
  for (int i = 0; i < 100000; ++i) {
    auto v = rng() >> (rng() % 40 + 1);
    auto hi = histogram::highest_in(histogram::index_of(v));
    REQUIRE(hi >= v);
    REQUIRE(static_cast<double>(hi - v) <= static_cast<double>(v) / 64.0);
  }
}

TEST_CASE("buckets are contiguous and ordered", "[loadgen]") {
  // Every value maps into the bucket whose range holds it, and bucket i+1
  // starts right after bucket i ends.
  for (std::size_t i = 0; i + 1 < 3000; ++i) {
    auto end = histogram::highest_in(i);
    CHECK(histogram::index_of(end) == i);
    CHECK(histogram::index_of(end + 1) == i + 1);
  }
}

TEST_CASE("percentiles match a sorted sample within the precision",
          "[loadgen]") {
  std::mt19937_64 rng{42};
  std::lognormal_distribution<double> latency{7.0, 1.0}; // ~1 ms median
  std::vector<uint64_t> values;
  histogram h;
  for (int i = 0; i < 200000; ++i) {
    auto v = static_cast<uint64_t>(latency(rng));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    auto exact = values[static_cast<std::size_t>(
                          std::ceil(p / 100.0 * values.size()))
                        - 1];
    auto got = h.percentile(p);
    CHECK(got >= exact);
    CHECK(static_cast<double>(got - exact)
          <= static_cast<double>(exact) / 64.0 + 1);
  }
  CHECK(h.percentile(100) == values.back());
  CHECK(h.max() == values.back());
  CHECK(h.min() == values.front());
  CHECK(h.count() == values.size());
}

TEST_CASE("merging adds counts, an empty histogram reports zeros",
          "[loadgen]") {
  histogram a, b, empty;
  CHECK(empty.percentile(50) == 0);
  CHECK(empty.max() == 0);
  CHECK(empty.min() == 0);
  CHECK(empty.mean() == 0);
  for (uint64_t v = 1; v <= 100; ++v)
    a.record(v);
  for (uint64_t v = 101; v <= 200; ++v)
    b.record(v);
  a.merge(b);
  CHECK(a.count() == 200);
  CHECK(a.min() == 1);
  CHECK(a.max() == 200);
  CHECK(a.percentile(50) == 100);
  CHECK(a.mean() == Approx(100.5));
  // Huge values (a stuck request) are clamped into the last bucket, not lost.
  a.record(UINT64_MAX / 2);
  CHECK(a.count() == 201);
  CHECK(a.percentile(100) == UINT64_MAX / 2);
}
