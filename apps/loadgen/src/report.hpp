#pragma once

// The one report builder: every scenario's result is built here, printed
// as the human summary and, with --json, as one JSON object on the last
// line (bench/run-all.mjs and tests/integration/loadgen.test.mjs read both).

#include "histogram.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>

namespace parlor::loadgen {

struct run_base;

/// The result of one run: the fields every scenario reports, the
/// scenario's own, its latencies (microseconds) and which one is primary.
class report {
public:
  /// Starts with the fields every scenario reports. Call it once the run
  /// closed its connections: it reads the frame counters.
  explicit report(const run_base& run);

  /// Sets the scenario's own field `key`.
  template <class T>
  report& set(const std::string& key, T&& value) {
    json_[key] = std::forward<T>(value);
    return *this;
  }

  /// Adds the latency `name`, summarized from `h`.
  report& latency(const std::string& name, const histogram& h);

  /// Names the latency that sums the run up; its percentiles also appear
  /// at the top level of `to_json`.
  report& primary(const std::string& name);

  /// Whether the primary latency recorded anything.
  bool measured() const;

  /// The `--json` object.
  nlohmann::json to_json() const;

  /// Prints the human summary on stdout.
  void print() const;

private:
  const nlohmann::json& primary_latency() const;

  nlohmann::json json_;
};

} // namespace parlor::loadgen
