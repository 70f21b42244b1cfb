// parlor-loadgen: drives Parlor nodes (or the echo floor) like browsers do,
// over Phoenix Channels v2, and reports throughput and latency. Each
// scenario lives in its own file (scenario.hpp); this only parses the
// command line, runs one and prints its report.
#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "options.hpp"
#include "report.hpp"
#include "scenario.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <sys/resource.h>
#include <vector>

namespace {

/// Raises the soft open-file limit as far as needed; an error text if the
/// hard limit is too low.
std::string ensure_files(uint64_t connections) {
  constexpr uint64_t spare = 64; // stdio, epoll, timers, HTTP reads
  auto needed = connections + spare;
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return {};
  if (lim.rlim_cur >= needed)
    return {};
  if (lim.rlim_max < needed)
    return std::to_string(connections) + " connections need about "
           + std::to_string(needed) + " open files, but this process may "
           + "open at most " + std::to_string(lim.rlim_max)
           + " (hard limit). Run several parlor-loadgen processes, each with "
           + "a share of the connections (and --source=127.0.0.x addresses "
           + "for more source ports); see bench/README.md";
  lim.rlim_cur = needed;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  return {};
}

} // namespace

int main(int argc, char** argv) {
  using namespace parlor::loadgen;
  auto parsed = parse_options(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed) {
    std::fprintf(stderr, "parlor-loadgen: %s\n(see parlor-loadgen --help)\n",
                 parsed.error.c_str());
    return 2;
  }
  auto& o = parsed.opts;
  if (o.help) {
    std::fputs(usage_text().c_str(), stdout);
    return 0;
  }
  choose_sources(o);
  if (auto err = ensure_files(connections_needed(o)); !err.empty()) {
    std::fprintf(stderr, "parlor-loadgen: %s\n", err.c_str());
    return 2;
  }
  std::optional<report> result;
  try {
    boost::asio::io_context ioc{1};
    result = scenario_for(o.scenario)(o, ioc);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parlor-loadgen: %s\n", e.what());
    return 1;
  }
  result->print();
  if (o.json)
    std::printf("%s\n", result->to_json().dump().c_str());
  std::fflush(stdout);
  // Nothing measured at all: say so in the exit status too.
  return result->measured() ? 0 : 1;
}
