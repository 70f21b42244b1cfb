#include "report.hpp"

#include "run_base.hpp"

#include <cmath>
#include <cstdio>

namespace parlor::loadgen {

namespace {

using nlohmann::json;

json latency_json(const histogram& h) {
  return {{"count", h.count()},          {"p50", h.percentile(50)},
          {"p90", h.percentile(90)},     {"p99", h.percentile(99)},
          {"p999", h.percentile(99.9)},  {"max", h.max()},
          {"mean", std::round(h.mean())}};
}

void print_summary(const json& r) {
  std::printf("scenario %s: %s\n", r["scenario"].get<std::string>().c_str(),
              r["urls"].dump().c_str());
  for (auto& [key, value] : r.items()) {
    if (key == "scenario" || key == "urls" || key == "latency"
        || key == "primary" || key == "nodes" || key == "failures"
        || key == "sources" || key == "sources_automatic" || key == "p50"
        || key == "p90" || key == "p99" || key == "p999" || key == "max")
      continue;
    if (value.is_number_float())
      std::printf("  %-16s %14.2f\n", key.c_str(), value.get<double>());
    else
      std::printf("  %-16s %14s\n", key.c_str(), value.dump().c_str());
  }
  if (auto& src = r["sources"]; !src.empty())
    std::printf("  %-16s %zu address%s, %s%s%s%s\n", "sources", src.size(),
                src.size() == 1 ? "" : "es",
                src.front().get<std::string>().c_str(),
                src.size() > 1 ? " ... " : "",
                src.size() > 1 ? src.back().get<std::string>().c_str() : "",
                r["sources_automatic"].get<bool>()
                  ? " (automatic: loopback, many connections per node)"
                  : "");
  for (auto& [what, n] : r["failures"].items())
    std::printf("  failure: %s x%s\n", what.c_str(), n.dump().c_str());
  if (r.contains("nodes"))
    for (auto& n : r["nodes"])
      std::printf("  node %s\n", n.dump().c_str());
  std::printf("  %-20s %9s %9s %9s %9s %9s %9s  (microseconds)\n", "latency",
              "count", "p50", "p90", "p99", "p99.9", "max");
  for (auto& [name, l] : r["latency"].items())
    std::printf("  %-20s %9llu %9llu %9llu %9llu %9llu %9llu\n", name.c_str(),
                l["count"].get<unsigned long long>(),
                l["p50"].get<unsigned long long>(),
                l["p90"].get<unsigned long long>(),
                l["p99"].get<unsigned long long>(),
                l["p999"].get<unsigned long long>(),
                l["max"].get<unsigned long long>());
}

} // namespace

report::report(const run_base& run) {
  auto& o = run.o;
  json_["scenario"] = to_string(o.scenario);
  json urls = json::array();
  for (auto& u : o.urls)
    urls.push_back("ws://" + u.host + ":" + u.port + u.path);
  json_["urls"] = urls;
  json_["sources"] = o.sources;
  json_["sources_automatic"] = o.automatic_sources;
  json_["duration_s"] = run.measured_seconds();
  json_["connections"] = run.conns.size();
  json_["failures"] = run.failures;
  json_["failed"] = run.failure_count();
  json_["frames_out"] = counters().frames_out;
  json_["frames_in"] = counters().frames_in;
}

report& report::latency(const std::string& name, const histogram& h) {
  json_["latency"][name] = latency_json(h);
  return *this;
}

report& report::primary(const std::string& name) {
  json_["primary"] = name;
  return *this;
}

const json& report::primary_latency() const {
  return json_.at("latency").at(json_.at("primary").get<std::string>());
}

bool report::measured() const {
  return primary_latency().at("count").get<uint64_t>() > 0;
}

json report::to_json() const {
  // The primary latency's percentiles also at the top level, for scripts.
  auto out = json_;
  for (auto key : {"p50", "p90", "p99", "p999", "max"})
    out[key] = primary_latency().at(key);
  return out;
}

void report::print() const {
  print_summary(json_);
}

} // namespace parlor::loadgen
