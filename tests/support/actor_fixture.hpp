#pragma once

#include <catch2/catch.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

namespace parlor::test {

/// Polls `holds` every 10 ms until it is true or `limit` passed; returns
/// its last value. For effects that travel by asynchronous messages.
template <class Predicate>
bool eventually(Predicate holds,
                std::chrono::milliseconds limit = std::chrono::seconds{3}) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!holds()) {
    if (std::chrono::steady_clock::now() > deadline)
      return holds();
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return true;
}

/// A real actor system plus a scoped actor that asks with a timeout.
struct actor_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;

  actor_fixture() : sys{init(cfg)}, self{sys} {
    // nop
  }

  static caf::actor_system_config& init(caf::actor_system_config& c) {
    c.set("scheduler.max-threads", size_t{2});
    return c;
  }

  /// Asks `dst` and returns the answer; fails the test on an error.
  template <class T, class Handle, class... Ts>
  T ask(const Handle& dst, Ts&&... xs) {
    T result{};
    self->request(dst, std::chrono::seconds{5}, std::forward<Ts>(xs)...)
      .receive([&](T& x) { result = std::move(x); },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return result;
  }

  /// Asks `dst` expecting an error; returns it (fails on a value).
  template <class T, class Handle, class... Ts>
  caf::error ask_error(const Handle& dst, Ts&&... xs) {
    caf::error result;
    self->request(dst, std::chrono::seconds{5}, std::forward<Ts>(xs)...)
      .receive([&](T&) { FAIL("expected an error, got a value"); },
               [&](caf::error& e) { result = std::move(e); });
    return result;
  }

  /// Stops every actor in `handles` (typed or not).
  template <class... Handles>
  static void stop(const Handles&... handles) {
    (caf::anon_send_exit(handles, caf::exit_reason::user_shutdown), ...);
  }
};

} // namespace parlor::test
