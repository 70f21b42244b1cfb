#include <utility> // before Asio: Boost 1.74 in C++20 needs std::exchange

#include "parlor/gateway/io_scheduler.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/detail/simple_actor_clock.hpp>
#include <caf/execution_unit.hpp>
#include <caf/logger.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include <deque>
#include <future>
#include <limits>
#include <mutex>
#include <thread>

namespace parlor::gateway {

namespace {

namespace asio = boost::asio;

constexpr size_t default_throughput = 100;

class io_coordinator;

/// Runs `f` on the io thread and waits for it; then waits once more for
/// every handler `f` queued (cancelled timers' handlers, say) to have run.
template <class F>
void on_loop_and_settle(asio::io_context& ioc, F f) {
  for (int round = 0; round < 2; ++round) {
    std::promise<void> done;
    asio::post(ioc, [&] {
      if (round == 0)
        f();
      done.set_value();
    });
    done.get_future().wait();
  }
}

/// CAF's timers (delayed messages, request timeouts) on an Asio timer of
/// the io thread, instead of CAF's clock thread: setting or cancelling one
/// is a map update under an uncontended lock, not a wake-up of another
/// thread (with a per-request timeout, that was two wake-ups a request).
/// Any thread may set and cancel; only the io thread touches the timer.
class io_clock final : public caf::detail::simple_actor_clock {
public:
  using super = caf::detail::simple_actor_clock;

  explicit io_clock(asio::io_context& ioc) : ioc_(ioc), timer_(ioc) {
    // nop
  }

  void set_ordinary_timeout(time_point t, caf::abstract_actor* self,
                            caf::atom_value type, uint64_t id) override {
    add([&] { super::set_ordinary_timeout(t, self, type, id); });
  }

  void set_multi_timeout(time_point t, caf::abstract_actor* self,
                         caf::atom_value type, uint64_t id) override {
    add([&] { super::set_multi_timeout(t, self, type, id); });
  }

  void set_request_timeout(time_point t, caf::abstract_actor* self,
                           caf::message_id id) override {
    add([&] { super::set_request_timeout(t, self, id); });
  }

  void schedule_message(time_point t, caf::strong_actor_ptr receiver,
                        caf::mailbox_element_ptr content) override {
    add([&] {
      super::schedule_message(t, std::move(receiver), std::move(content));
    });
  }

  void schedule_message(time_point t, caf::group target,
                        caf::strong_actor_ptr sender,
                        caf::message content) override {
    add([&] {
      super::schedule_message(t, std::move(target), std::move(sender),
                              std::move(content));
    });
  }

  // Cancelling never re-arms: an early expiry finds nothing due and waits
  // for the next entry.
  void cancel_ordinary_timeout(caf::abstract_actor* self,
                               caf::atom_value type) override {
    std::lock_guard<std::mutex> guard{mtx_};
    super::cancel_ordinary_timeout(self, type);
  }

  void cancel_request_timeout(caf::abstract_actor* self,
                              caf::message_id id) override {
    std::lock_guard<std::mutex> guard{mtx_};
    super::cancel_request_timeout(self, id);
  }

  void cancel_timeouts(caf::abstract_actor* self) override {
    std::lock_guard<std::mutex> guard{mtx_};
    super::cancel_timeouts(self);
  }

  void cancel_all() override {
    std::lock_guard<std::mutex> guard{mtx_};
    super::cancel_all();
  }

  std::size_t pending() {
    std::lock_guard<std::mutex> guard{mtx_};
    return schedule_.size();
  }

  /// Drops every entry and stops the timer. Not on the io thread, which must
  /// be running.
  void stop() {
    on_loop_and_settle(ioc_, [this] {
      {
        std::lock_guard<std::mutex> guard{mtx_};
        stopped_ = true;
        super::cancel_all();
      }
      timer_.cancel();
    });
  }

private:
  using rep = time_point::rep;
  static constexpr rep unarmed = std::numeric_limits<rep>::max();

  /// Runs `f` (which adds an entry), then makes sure the timer fires by the
  /// earliest entry.
  template <class F>
  void add(F f) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      f();
      auto first = schedule_.begin()->first.time_since_epoch().count();
      if (first >= armed_)
        return; // the timer fires earlier anyway
      armed_ = first; // about to be
    }
    if (ioc_.get_executor().running_in_this_thread())
      arm();
    else
      asio::post(ioc_, [this] { arm(); });
  }

  /// On the io thread: sets the timer to the earliest entry.
  void arm() {
    time_point first;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (stopped_ || schedule_.empty()) {
        armed_ = unarmed;
        return;
      }
      first = schedule_.begin()->first;
      armed_ = first.time_since_epoch().count();
    }
    timer_.expires_at(first);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) // re-armed or stopped
        return;
      {
        std::lock_guard<std::mutex> guard{mtx_};
        trigger_expired_timeouts();
        armed_ = unarmed;
      }
      arm();
    });
  }

  asio::io_context& ioc_;
  std::mutex mtx_;
  bool stopped_ = false;
  /// When the timer fires or is about to be set to fire (nanoseconds of
  /// `time_point`), `unarmed` if not. Guarded by `mtx_`.
  rep armed_ = unarmed;
  asio::steady_timer timer_;
};

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

/// CAF's scheduler interface on top of an `io_context`: an actor that
/// becomes ready joins a run queue, and one posted handler (`drain`) gives
/// the actors in it their turns, those they make ready on the way included:
/// a move's hops from gateway to GameServer to store and back run in one
/// Asio handler, not one handler (and one `epoll_wait` between handlers)
/// each. After `turns_per_drain` turns the rest waits behind the socket
/// handlers that are ready; an actor with more mail after its turn goes to
/// the back of the queue.
class io_coordinator final : public caf::scheduler::abstract_coordinator {
public:
  /// Turns (each up to `max-throughput` messages) per handler.
  static constexpr size_t turns_per_drain = 16;

  io_coordinator(caf::actor_system& sys, asio::io_context& ioc)
    : abstract_coordinator(sys), ioc_(ioc), unit_(sys, *this), clock_(ioc) {
    // nop
  }

  /// Takes over the reference the caller holds on `job`. Any thread.
  void enqueue(caf::resumable* job) override {
    {
      std::lock_guard<std::mutex> guard{ready_mtx_};
      ready_.push_back(job);
      if (drain_posted_)
        return; // the pending (or running) drain takes it
      drain_posted_ = true;
    }
    asio::post(ioc_, [this] { drain(); });
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

  void stop() override {
    // Every scheduled actor is done by now (the actor system waits for them
    // first, with the io thread still running).
    stop_actors();
    clock_.stop();
    // The io thread outlives the actor system; see release_caf_logger.
    release_caf_logger(ioc_);
  }

private:
  /// On the io thread: the turns of the actors in the run queue.
  void drain() {
    for (size_t turn = 0; turn < turns_per_drain; ++turn) {
      caf::resumable* job = nullptr;
      {
        std::lock_guard<std::mutex> guard{ready_mtx_};
        if (ready_.empty()) {
          drain_posted_ = false;
          return;
        }
        job = ready_.front();
        ready_.pop_front();
      }
      run(job);
    }
    // More are ready: after the socket handlers waiting now.
    asio::post(ioc_, [this] { drain(); });
  }

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
  io_clock clock_;
  std::mutex ready_mtx_;
  /// Actors waiting for a turn, each holding the reference `enqueue` took.
  std::deque<caf::resumable*> ready_;
  /// Whether a `drain` is posted or running (it clears this when it finds
  /// the queue empty). Guarded by `ready_mtx_`.
  bool drain_posted_ = false;
};

void io_unit::exec_later(caf::resumable* job) {
  parent_.enqueue(job);
}

} // namespace

void release_caf_logger(asio::io_context& ioc) {
  on_loop_and_settle(ioc,
                     [] { caf::logger::set_current_actor_system(nullptr); });
}

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

void run_actors_on(caf::actor_system_config& cfg, asio::io_context& ioc) {
  cfg.module_factories.push_back(
    [&ioc](caf::actor_system& sys) -> caf::actor_system::module* {
      return new io_coordinator(sys, ioc);
    });
}

std::optional<std::size_t> pending_timers(caf::actor_system& sys) {
  if (auto clock = dynamic_cast<io_clock*>(&sys.scheduler().clock()))
    return clock->pending();
  return std::nullopt;
}

} // namespace parlor::gateway
