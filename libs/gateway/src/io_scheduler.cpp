#include <utility> // before Asio: Boost 1.74 in C++20 needs std::exchange

#include "parlor/gateway/io_scheduler.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/detail/set_thread_name.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>
#include <caf/execution_unit.hpp>
#include <caf/logger.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include <future>
#include <limits>
#include <thread>

namespace parlor::gateway {

namespace {

namespace asio = boost::asio;

constexpr size_t default_throughput = 100;

class io_coordinator;

/// Every thread that spawns an actor keeps a reference to CAF's logger until
/// it exits or lets go, and the actor system's destructor waits for the last
/// one: the io thread, which outlives the actor system, lets go here.
void release_logger(asio::io_context& ioc) {
  std::promise<void> released;
  asio::post(ioc, [&] {
    caf::logger::set_current_actor_system(nullptr);
    released.set_value();
  });
  released.get_future().wait();
}

/// What an actor sees as its execution context while it runs on the io
/// thread: scheduling another actor from there posts it to the same loop.
class io_unit final : public caf::execution_unit {
public:
  io_unit(caf::actor_system& sys, io_coordinator& parent)
    : caf::execution_unit(&sys), parent_(parent) {
    // nop
  }

  void exec_later(caf::resumable* job) override;

private:
  io_coordinator& parent_;
};

/// CAF's scheduler interface on top of an `io_context`: enqueueing an actor
/// posts one handler that runs it; an actor with more mail after its turn
/// is posted again, behind whatever else is ready.
class io_coordinator final : public caf::scheduler::abstract_coordinator {
public:
  io_coordinator(caf::actor_system& sys, asio::io_context& ioc)
    : abstract_coordinator(sys), ioc_(ioc), unit_(sys, *this) {
    // nop
  }

  /// Takes over the reference the caller holds on `job`.
  void enqueue(caf::resumable* job) override {
    asio::post(ioc_, [this, job] { run(job); });
  }

  caf::actor_clock& clock() noexcept override {
    return clock_;
  }

  void init(caf::actor_system_config& cfg) override {
    abstract_coordinator::init(cfg);
    if (max_throughput_ == std::numeric_limits<size_t>::max())
      max_throughput_ = default_throughput;
    num_workers_ = 0;
  }

  void start() override {
    clock_thread_ = std::thread{[this] {
      caf::detail::set_thread_name("caf.clock");
      system().thread_started();
      clock_.run_dispatch_loop();
      system().thread_terminates();
    }};
    // The printer utility actor (detached).
    abstract_coordinator::start();
  }

  void stop() override {
    // Every scheduled actor is done by now (the actor system waits for them
    // first, with the io thread still running).
    stop_actors();
    clock_.cancel_dispatch_loop();
    clock_thread_.join();
    release_logger(ioc_);
  }

private:
  void run(caf::resumable* job) {
    switch (job->resume(&unit_, max_throughput_)) {
      case caf::resumable::resume_later:
        // Keeps the reference: more mail waits.
        enqueue(job);
        break;
      case caf::resumable::done:
      case caf::resumable::awaiting_message:
        caf::intrusive_ptr_release(job);
        break;
      case caf::resumable::shutdown_execution_unit:
        // Only worker shutdown helpers answer this; none run here.
        break;
    }
  }

  asio::io_context& ioc_;
  io_unit unit_;
  caf::detail::thread_safe_actor_clock clock_;
  std::thread clock_thread_;
};

void io_unit::exec_later(caf::resumable* job) {
  parent_.enqueue(job);
}

} // namespace

struct io_loop::impl {
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work
    = asio::make_work_guard(ioc);
  std::thread thread{[this] { ioc.run(); }};
};

io_loop::io_loop() : impl_(std::make_unique<impl>()) {
  // nop
}

io_loop::~io_loop() {
  impl_->work.reset();
  impl_->ioc.stop();
  impl_->thread.join();
}

asio::io_context& io_loop::context() {
  return impl_->ioc;
}

std::thread::id io_loop::thread_id() const {
  return impl_->thread.get_id();
}

void release_caf_logger(asio::io_context& ioc) {
  release_logger(ioc);
}

void run_actors_on(caf::actor_system_config& cfg, asio::io_context& ioc) {
  cfg.module_factories.push_back(
    [&ioc](caf::actor_system& sys) -> caf::actor_system::module* {
      return new io_coordinator(sys, ioc);
    });
}

} // namespace parlor::gateway
