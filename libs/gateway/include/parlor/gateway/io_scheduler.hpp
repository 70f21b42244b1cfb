#pragma once

#include <caf/fwd.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <thread>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace parlor::gateway {

/// An `io_context` run by one thread of its own, from construction until
/// destruction (which stops the context and joins the thread). Declare it
/// before the actor system that `run_actors_on` it.
class io_loop {
public:
  io_loop();
  ~io_loop();
  io_loop(const io_loop&) = delete;
  io_loop& operator=(const io_loop&) = delete;

  boost::asio::io_context& context();

  /// The thread running the context.
  std::thread::id thread_id() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Makes the actor system built from `cfg` run its scheduled actors on the
/// thread that runs `ioc`, between the socket handlers, instead of on a pool
/// of CAF worker threads. A frame read from a socket, the gateway actor, the
/// GameServer and the write back then are one thread's work, with no thread
/// wake-up or context switch between them (docs/architecture.md, threads).
///
/// CAF's timers (delayed messages, request timeouts) run on an Asio timer
/// of the same thread instead of CAF's clock thread. Detached actors (the
/// store, the DNS poller) keep their own threads. Ready actors take turns
/// from a run queue that one Asio handler drains: a turn is at most
/// `scheduler.max-throughput` messages (default here: 100), a handler at
/// most 16 turns, after which the socket handlers ready by then go first.
/// So a chain of actors (a move's hops) runs in one handler, and a socket
/// handler waits for 16 turns at worst (1,600 messages), not one.
///
/// `ioc` must be run by exactly one thread, from before the actor system is
/// created until after it is destroyed (its destructor waits for actors,
/// which need that thread). Actors must never block that thread: no
/// `scoped_actor` and no blocking calls in an event-based actor.
void run_actors_on(caf::actor_system_config& cfg, boost::asio::io_context& ioc);

/// Lets the thread running `ioc` drop its reference to CAF's logger (taken
/// by every thread that spawns an actor), without which the actor system's
/// destructor waits forever. For an actor system on worker threads, once the
/// io thread spawns no more actors; `run_actors_on` does it by itself.
void release_caf_logger(boost::asio::io_context& ioc);

/// How many timers (delayed messages, request timeouts) wait on the io
/// thread's clock of `sys`; none if `sys` was not set up by
/// `run_actors_on`. Any thread.
std::optional<std::size_t> pending_timers(caf::actor_system& sys);

} // namespace parlor::gateway
