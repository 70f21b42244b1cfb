#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "pacer.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

namespace parlor::loadgen {

namespace {

using clock_type = std::chrono::steady_clock;

/// The state of `pace`, kept alive by its pending timer's handler.
struct pacer {
  boost::asio::steady_timer timer;
  clock_type::time_point start;
  double rate;
  uint64_t issued = 0;
  std::function<bool()> running;
  std::function<void()> issue;

  clock_type::time_point due(uint64_t k) const {
    // Rounded up: never earlier than k/R.
    return start + std::chrono::ceil<clock_type::duration>(
                     std::chrono::duration<double>(k / rate));
  }

  static void arm(std::shared_ptr<pacer> p) {
    p->timer.expires_at(p->due(p->issued));
    auto& timer = p->timer;
    timer.async_wait([p = std::move(p)](const boost::system::error_code& ec) {
      auto now = clock_type::now();
      do {
        if (ec || !p->running())
          return;
        p->issue();
        ++p->issued;
      } while (p->due(p->issued) <= now);
      arm(p);
    });
  }
};

} // namespace

void pace(boost::asio::io_context& ioc, double rate,
          std::function<bool()> running, std::function<void()> issue) {
  pacer::arm(std::make_shared<pacer>(
    pacer{boost::asio::steady_timer{ioc}, clock_type::now(), rate, 0,
          std::move(running), std::move(issue)}));
}

} // namespace parlor::loadgen
