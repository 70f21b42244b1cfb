#include "parlor/metrics/metrics.hpp"

#include <catch2/catch.hpp>

using namespace parlor::metrics;

TEST_CASE("metrics render in Prometheus text format", "[metrics]") {
  node_metrics m;
  m.connections.add(3);
  m.connections.add(-1);
  m.moves.add(5);
  m.move_latency.observe(std::chrono::microseconds{50});
  m.move_latency.observe(std::chrono::microseconds{700});
  m.move_latency.observe(std::chrono::seconds{5});
  auto text = m.render();
  CHECK(text.find("# TYPE parlor_connections gauge\nparlor_connections 2\n")
        != std::string::npos);
  CHECK(text.find("parlor_moves_total 5\n") != std::string::npos);
  CHECK(text.find("# TYPE parlor_move_latency_seconds histogram")
        != std::string::npos);
  CHECK(text.find("parlor_move_latency_seconds_bucket{le=\"0.0001\"} 1\n")
        != std::string::npos);
  CHECK(text.find("parlor_move_latency_seconds_bucket{le=\"0.001\"} 2\n")
        != std::string::npos);
  CHECK(text.find("parlor_move_latency_seconds_bucket{le=\"1\"} 2\n")
        != std::string::npos);
  CHECK(text.find("parlor_move_latency_seconds_bucket{le=\"+Inf\"} 3\n")
        != std::string::npos);
  CHECK(text.find("parlor_move_latency_seconds_count 3\n")
        != std::string::npos);
  CHECK(text.find("parlor_move_latency_seconds_sum 5.00075\n")
        != std::string::npos);
}

TEST_CASE("the process's resident memory and open files are exported",
          "[metrics]") {
  node_metrics m;
  auto text = m.render();
  auto value_of = [&](const std::string& name) {
    auto at = text.find("\n" + name + " ");
    REQUIRE(at != std::string::npos);
    return std::stoull(text.substr(at + name.size() + 2));
  };
  // A running test binary holds at least a megabyte and stdin/out/err.
  CHECK(value_of("process_resident_memory_bytes") > 1'000'000);
  CHECK(value_of("process_open_fds") >= 3);
  CHECK(text.find("# TYPE process_resident_memory_bytes gauge")
        != std::string::npos);
}

TEST_CASE("the cluster port's links and refusals are exported once the node "
          "sets them",
          "[metrics]") {
  node_metrics m;
  CHECK(m.render().find("parlor_cluster_") == std::string::npos);
  m.cluster_links = [] { return node_metrics::link_figures{2, 17}; };
  auto text = m.render();
  CHECK(text.find("# TYPE parlor_cluster_links gauge\nparlor_cluster_links 2\n")
        != std::string::npos);
  CHECK(text.find("# TYPE parlor_cluster_refused_total counter\n"
                  "parlor_cluster_refused_total 17\n")
        != std::string::npos);
}
