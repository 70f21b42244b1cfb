#include "parlor/metrics/metrics.hpp"

#include <cstdio>
#include <filesystem>
#include <unistd.h>

namespace parlor::metrics {

namespace {

void header(std::string& out, const char* name, const char* help,
            const char* type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

template <class T>
void sample(std::string& out, const std::string& name, T value) {
  out += name;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

void render_counter(std::string& out, const char* name, const char* help,
                    const counter& c) {
  header(out, name, help, "counter");
  sample(out, name, c.value());
}

template <class T>
void render_gauge_value(std::string& out, const char* name, const char* help,
                        T value) {
  header(out, name, help, "gauge");
  sample(out, name, value);
}

void render_gauge(std::string& out, const char* name, const char* help,
                  const gauge& g) {
  render_gauge_value(out, name, help, g.value());
}

std::string seconds(uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", static_cast<double>(us) / 1e6);
  return buf;
}

/// Resident set size of this process in bytes, from /proc (0 if unknown).
uint64_t resident_bytes() {
  unsigned long long pages_total = 0, pages_resident = 0;
  auto* f = std::fopen("/proc/self/statm", "r");
  if (!f)
    return 0;
  auto n = std::fscanf(f, "%llu %llu", &pages_total, &pages_resident);
  std::fclose(f);
  if (n != 2)
    return 0;
  return pages_resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

uint64_t open_fds() {
  std::error_code ec;
  uint64_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

} // namespace

void histogram::observe(std::chrono::microseconds d) noexcept {
  auto us = static_cast<uint64_t>(d.count() < 0 ? 0 : d.count());
  std::size_t i = 0;
  while (i < bounds_us.size() && us > bounds_us[i])
    ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(us, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void histogram::render(std::string& out, const char* name,
                       const char* help) const {
  header(out, name, help, "histogram");
  std::string bucket = std::string{name} + "_bucket{le=\"";
  uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_us.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    sample(out, bucket + seconds(bounds_us[i]) + "\"}", cumulative);
  }
  cumulative += buckets_.back().load(std::memory_order_relaxed);
  sample(out, bucket + "+Inf\"}", cumulative);
  out += name;
  out += "_sum ";
  out += seconds(sum_us_.load(std::memory_order_relaxed));
  out += '\n';
  sample(out, std::string{name} + "_count",
         count_.load(std::memory_order_relaxed));
}

std::string node_metrics::render() const {
  std::string out;
  out.reserve(4096);
  render_gauge(out, "parlor_connections", "Open WebSocket connections.",
               connections);
  render_counter(out, "parlor_connections_total",
                 "WebSocket connections accepted.", connections_total);
  render_gauge(out, "parlor_games", "Live games hosted on this node.", games);
  render_counter(out, "parlor_games_created_total",
                 "Games created on this node.", games_created);
  render_counter(out, "parlor_messages_in_total",
                 "WebSocket frames received.", messages_in);
  render_counter(out, "parlor_messages_out_total", "WebSocket frames sent.",
                 messages_out);
  render_counter(out, "parlor_bad_frames_total",
                 "Frames refused as malformed.", bad_frames);
  render_counter(out, "parlor_rate_limited_total",
                 "Frames refused over a socket's --socket-rate.", rate_limited);
  render_counter(out, "parlor_moves_total", "Moves accepted.", moves);
  render_counter(out, "parlor_moves_rejected_total",
                 "Moves refused by the rules.", moves_rejected);
  move_latency.render(out, "parlor_move_latency_seconds",
                      "Time from a move frame to its reply, at the gateway.");
  if (cluster_links) {
    auto links = cluster_links();
    render_gauge_value(out, "parlor_cluster_links",
                       "Open links to peers through the cluster port.",
                       links.open);
    header(out, "parlor_cluster_refused_total",
           "Cluster links refused or broken during their greeting.",
           "counter");
    sample(out, "parlor_cluster_refused_total", links.refused);
  }
  render_gauge_value(out, "process_resident_memory_bytes",
                     "Resident memory size in bytes.", resident_bytes());
  render_gauge_value(out, "process_open_fds",
                     "Number of open file descriptors.", open_fds());
  return out;
}

} // namespace parlor::metrics
