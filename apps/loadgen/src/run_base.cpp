#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "run_base.hpp"

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace parlor::loadgen {

using namespace std::chrono_literals;

std::chrono::microseconds tick_for(double rate) {
  return std::chrono::microseconds{
    std::max<int64_t>(1, static_cast<int64_t>(1e6 / rate))};
}

uint64_t run_base::failure_count() const {
  uint64_t n = 0;
  for (auto& [k, v] : failures)
    n += v;
  return n;
}

std::shared_ptr<connection> run_base::open(std::size_t url_index,
                                           const std::string& name,
                                           connection::handlers h) {
  auto& url = o.urls[url_index % o.urls.size()];
  auto source = sources.next(url_index);
  auto target = url.path + "?vsn=2.0.0&name=" + name;
  auto c = connection::open(ioc, url, target, source, std::move(h));
  conns.push_back(c);
  return c;
}

connection::handlers
run_base::floor_handlers(uint32_t& opened, std::function<void()> settled,
                         std::function<void(std::string_view)> message) {
  return {[this, &opened, settled](const std::string& err) {
            if (!err.empty())
              fail(err);
            else
              ++opened;
            settled();
          },
          std::move(message),
          [this](const std::string& why) { fail("lost: " + why); }};
}

void run_base::start_ticks() {
  bool tty = ::isatty(2) != 0;
  auto interval = std::chrono::duration_cast<clock_type::duration>(
    std::chrono::duration<double>(o.heartbeat_s));
  every(ioc, 1s, [this, tty, interval] {
    if (done)
      return false;
    for (auto& c : conns)
      c->heartbeat_if_due(interval);
    if (tty && progress) {
      auto t = std::chrono::duration<double>(clock_type::now() - started)
                 .count();
      std::fprintf(stderr, "\r[%s %6.1fs] %s   ", to_string(o.scenario), t,
                   progress().c_str());
      std::fflush(stderr);
    }
    return true;
  });
}

void run_base::close_all() {
  done = true;
  if (::isatty(2) && progress)
    std::fprintf(stderr, "\n");
  for (auto& c : conns)
    c->close();
}

void run_base::run_to_end() {
  ioc.run();
  ioc.restart();
  close_all();
}

double run_base::measured_seconds() const {
  return std::chrono::duration<double>(measure_until - measure_from).count();
}

void run_base::begin_measuring() {
  measuring = true;
  measure_from = clock_type::now();
  measure_until = measure_from
                  + std::chrono::duration_cast<clock_type::duration>(
                    std::chrono::duration<double>(o.duration_s));
}

void run_base::at_measure_end(std::function<void()> fn) {
  after(ioc,
        std::chrono::duration_cast<std::chrono::microseconds>(
          measure_until - clock_type::now()),
        std::move(fn));
}

void run_base::stop_after_measuring(bool& stopping) {
  at_measure_end([this, &stopping] {
    stopping = true;
    after(ioc, drain_grace, [this] { ioc.stop(); });
  });
}

void ramp_up(run_base& run, uint32_t count, std::function<void(uint32_t)> make,
             std::function<void()> all_started) {
  auto started = std::make_shared<uint32_t>(0);
  auto t0 = clock_type::now();
  every(run.ioc, 5ms, [&run, count, started, t0, make, all_started] {
    auto elapsed =
      std::chrono::duration<double>(clock_type::now() - t0).count();
    auto due = std::min<uint64_t>(
      count, static_cast<uint64_t>(elapsed * run.o.ramp) + 1);
    while (*started < due)
      make((*started)++);
    if (*started < count)
      return true;
    all_started();
    return false;
  });
}

void setup_deadline(run_base& run, uint32_t count,
                    std::function<void()> start) {
  after(run.ioc,
        std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::duration<double>(static_cast<double>(count)
                                        / run.o.ramp)
          + setup_grace),
        [&run, start] {
          if (!run.measuring) {
            run.fail("not connected before the setup deadline");
            start();
          }
        });
}

} // namespace parlor::loadgen
