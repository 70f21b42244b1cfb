#include <utility> // before Asio: Boost 1.74 in C++20 needs std::exchange

#include "parlor/gateway/io_scheduler.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <future>
#include <optional>
#include <thread>

using namespace parlor;
using namespace std::chrono_literals;

namespace {

/// An actor system whose scheduled actors run on `loop`'s thread.
struct io_system {
  explicit io_system(gateway::io_loop& loop, size_t throughput = 0) {
    gateway::run_actors_on(cfg, loop.context());
    if (throughput != 0)
      cfg.set("scheduler.max-throughput", throughput);
  }
  caf::actor_system_config cfg;
};

template <class T>
T wait_for(std::future<T>& f) {
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  return f.get();
}

} // namespace

TEST_CASE("actors run on the io thread, talk to each other and to "
          "detached actors, and get delayed messages") {
  gateway::io_loop loop;
  io_system conf{loop};
  caf::actor_system sys{conf.cfg};
  auto io_id = loop.thread_id();
  auto off_thread = std::make_shared<std::atomic<int>>(0);
  auto check = [=] {
    if (std::this_thread::get_id() != io_id)
      ++*off_thread;
  };
  // A detached actor (own thread, like the store) that doubles numbers.
  auto doubler = sys.spawn<caf::detached>([=]() -> caf::behavior {
    return {[](int x) { return 2 * x; }};
  });
  auto echo = sys.spawn([=](caf::event_based_actor*) -> caf::behavior {
    return {[=](int x) {
      check();
      return x + 1;
    }};
  });
  std::promise<int> done;
  auto result = done.get_future();
  auto started = std::chrono::steady_clock::now();
  sys.spawn([=, &done](caf::event_based_actor* self) {
    check();
    // 1,000 request/response round trips to `echo`, then one to the
    // detached actor, then a delayed message to itself.
    auto step = std::make_shared<std::function<void(int)>>();
    *step = [=, &done](int n) {
      check();
      if (n < 1000) {
        self->request(echo, caf::infinite, n).then([=](int next) {
          (*step)(next);
        });
        return;
      }
      self->request(doubler, caf::infinite, n).then([=, &done](int twice) {
        check();
        self->delayed_send(self, 30ms, twice);
        self->become([=, &done](int x) {
          check();
          done.set_value(x);
          *step = nullptr;
          self->quit();
        });
      });
    };
    (*step)(0);
  });
  CHECK(wait_for(result) == 2000);
  CHECK(std::chrono::steady_clock::now() - started >= 30ms);
  CHECK(*off_thread == 0);
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(doubler, caf::exit_reason::user_shutdown);
}

TEST_CASE("timers run on the io thread: delayed messages from any thread "
          "arrive in due order, request timeouts fire") {
  gateway::io_loop loop;
  io_system conf{loop};
  caf::actor_system sys{conf.cfg};
  auto io_id = loop.thread_id();
  std::promise<std::vector<int>> order_promise;
  auto order = order_promise.get_future();
  auto silent = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](int) {
      // never answers: the request stays pending
      return caf::delegated<int>{};
    }};
  });
  auto quick = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](int x) { return x; }};
  });
  auto collector = sys.spawn(
    [&, io_id](caf::event_based_actor* self) -> caf::behavior {
      auto seen = std::make_shared<std::vector<int>>();
      auto note = [=, &order_promise](int x) {
        CHECK(std::this_thread::get_id() == io_id);
        seen->push_back(x);
        if (seen->size() == 5) {
          order_promise.set_value(*seen);
          self->quit();
        }
      };
      // Timed out after 50 ms: 4 (a request timeout).
      self->request(silent, 50ms, 1).then(
        [=](int) { note(-1); },
        [=](caf::error& err) {
          note(err == caf::sec::request_timeout ? 4 : -2);
        });
      // Answered at once, before its 20 ms timeout: 0.
      self->request(quick, 20ms, 0).then([=](int x) { note(x); },
                                         [=](caf::error&) { note(-3); });
      return {[=](int x) { note(x); }};
    });
  // From this (non-io) thread, out of order: 120 ms → 5, 80 ms → 3.
  caf::delayed_anon_send(collector, 120ms, 5);
  caf::delayed_anon_send(collector, 80ms, 3);
  // From a detached actor's thread: 30 ms → 1, later 35 ms → 2.
  sys.spawn<caf::detached>([=](caf::event_based_actor* self) {
    self->delayed_send(collector, 30ms, 1);
    self->delayed_send(collector, 35ms, 2);
  });
  auto got = wait_for(order);
  // 0 (answered), 1 (30 ms), 2 (35 ms), 4 (timeout, 50 ms), 3 (80 ms); 5
  // (120 ms) arrives after the collector quit.
  CHECK(got == std::vector<int>{0, 1, 2, 4, 3});
  caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(quick, caf::exit_reason::user_shutdown);
}

TEST_CASE("an answered request does not time out, though CAF leaves its "
          "timer on the clock until due") {
  gateway::io_loop loop;
  io_system conf{loop};
  caf::actor_system sys{conf.cfg};
  CHECK(gateway::pending_timers(sys) == std::optional<std::size_t>{0});
  auto quick = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](int x) { return x; }};
  });
  struct seen {
    int answers = 0;
    int errors = 0;
    std::optional<std::size_t> timers_at_answer;
    std::chrono::steady_clock::duration answer_after{};
    std::optional<std::size_t> timers_after_due;
  };
  std::promise<seen> done;
  auto result = done.get_future();
  sys.spawn([&, quick](caf::event_based_actor* self) -> caf::behavior {
    auto s = std::make_shared<seen>();
    auto sent = std::chrono::steady_clock::now();
    self->request(quick, 30ms, 2).then(
      [=](int) {
        ++s->answers;
        s->answer_after = std::chrono::steady_clock::now() - sent;
        // CAF 0.17 does not cancel the timeout when the answer comes.
        s->timers_at_answer = gateway::pending_timers(self->system());
        self->delayed_send(self, 80ms, caf::ok_atom_v);
      },
      [=](caf::error&) { ++s->errors; });
    return {[=, &done](caf::ok_atom) {
      // Past the 30 ms: the timer fired (and left) without reaching the
      // handler.
      s->timers_after_due = gateway::pending_timers(self->system());
      done.set_value(*s);
      self->quit();
    }};
  });
  auto got = wait_for(result);
  CHECK(got.answers == 1);
  CHECK(got.errors == 0);
  // Unless the io thread lost its core for the 30 ms in between (then the
  // timer fired first, behind the answer in the mailbox).
  if (got.answer_after < 30ms)
    CHECK(got.timers_at_answer == std::optional<std::size_t>{1});
  else
    WARN("the answer took 30 ms or more; the lingering timer is not checked");
  CHECK(got.timers_after_due == std::optional<std::size_t>{0});
  caf::anon_send_exit(quick, caf::exit_reason::user_shutdown);
}

TEST_CASE("timers are counted only on the io clock") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  CHECK_FALSE(gateway::pending_timers(sys));
}

TEST_CASE("an actor with endless mail takes turns with the socket "
          "handlers") {
  gateway::io_loop loop;
  io_system conf{loop, 50};
  caf::actor_system sys{conf.cfg};
  auto& ioc = loop.context();
  constexpr int total = 20'000;
  auto handled = std::make_shared<std::atomic<int>>(0);
  std::promise<int> seen_by_handler;
  auto seen = seen_by_handler.get_future();
  std::promise<void> finished;
  auto all_done = finished.get_future();
  sys.spawn([=, &ioc, &seen_by_handler,
             &finished](caf::event_based_actor* self) -> caf::behavior {
    // Another handler on the loop, posted once the actor is busy: it must
    // run long before the actor's 20,000 messages are through.
    boost::asio::post(ioc, [=, &seen_by_handler] {
      seen_by_handler.set_value(handled->load());
    });
    self->send(self, 0);
    return {[=, &finished](int n) {
      ++*handled;
      if (n + 1 < total)
        self->send(self, n + 1);
      else {
        finished.set_value();
        self->quit();
      }
    }};
  });
  auto at = wait_for(seen);
  wait_for(all_done);
  CHECK(*handled == total);
  // One turn is 50 messages, one handler at most 16 turns (the actor's
  // first turn posted it, so it waited for 15 more at most).
  CHECK(at <= 16 * 50);
}

TEST_CASE("a chain of actors runs its hops in one handler of the loop") {
  boost::asio::io_context ioc{1};
  auto work = boost::asio::make_work_guard(ioc);
  std::optional<std::thread> io_thread;
  auto stop = [&] {
    work.reset();
    if (io_thread)
      io_thread->join();
  };
  {
    caf::actor_system_config cfg;
    gateway::run_actors_on(cfg, ioc);
    caf::actor_system sys{cfg};
    // Destroyed before `sys`: whatever happens below (a failed REQUIRE
    // included), the loop runs on a thread of its own when `sys` stops.
    struct run_loop_at_exit {
      std::function<void()> start;
      ~run_loop_at_exit() {
        start();
      }
    } at_exit{[&] {
      if (!io_thread)
        io_thread.emplace([&] { ioc.run(); });
    }};
    auto last_seen = std::make_shared<int>(0);
    // c ← b ← a: each passes the number on, plus one.
    auto c = sys.spawn([=](caf::event_based_actor*) -> caf::behavior {
      return {[=](int x) { *last_seen = x; }};
    });
    auto pass_to = [&](caf::actor next) {
      return sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
        return {[=](int x) { self->send(next, x + 1); }};
      });
    };
    auto b = pass_to(c);
    auto a = pass_to(b);
    // The loop runs on this thread for now: first the three actors' starts.
    ioc.poll();
    caf::anon_send(a, 1);
    // a, b and c each took a turn, all in one handler (one per actor, and
    // an epoll_wait between them, before).
    CHECK(ioc.poll() == 1);
    CHECK(*last_seen == 3);
    // Stopping the system needs the loop running on a thread of its own.
    at_exit.start();
    for (auto& x : {a, b, c})
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
  }
  stop();
}

TEST_CASE("the actor system stops cleanly while actors still have mail") {
  gateway::io_loop loop;
  {
    io_system conf{loop};
    caf::actor_system sys{conf.cfg};
    for (int i = 0; i < 100; ++i) {
      auto a = sys.spawn([](caf::event_based_actor* self) -> caf::behavior {
        // Spawned on the io thread (CAF then keeps a logger reference
        // there, which the system's destructor waits for).
        auto child = self->spawn<caf::linked>(
          [](caf::event_based_actor*) -> caf::behavior {
            return {[](int) {}};
          });
        return {[=](int n) {
          if (n > 0)
            self->send(self, n - 1);
          self->send(child, n);
        }};
      });
      caf::anon_send(a, 1000);
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    }
    // The destructor waits for all 100 actors, which need the io thread.
  }
  // The loop still works after the system is gone.
  std::promise<void> ran;
  auto f = ran.get_future();
  boost::asio::post(loop.context(), [&] { ran.set_value(); });
  wait_for(f);
  SUCCEED("the loop ran a handler after the actor system was destroyed");
}
