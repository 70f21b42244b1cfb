#pragma once

#include <functional>

namespace boost::asio {
class io_context;
}

namespace parlor::loadgen {

/// Open loop: calls `issue` `rate` times a second on `ioc`, evenly spaced
/// (call k is due `k / rate` seconds after the start, never earlier), until
/// `running` returns false. A timer that fires late makes the calls it
/// missed at once, so the count keeps to the schedule.
void pace(boost::asio::io_context& ioc, double rate,
          std::function<bool()> running, std::function<void()> issue);

} // namespace parlor::loadgen
