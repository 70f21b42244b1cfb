#include "parlor/store/checkpoint_actor.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/local_actor.hpp>

#include <spdlog/spdlog.h>

#include <pthread.h>
#include <sched.h>

#include <cstring>
#include <mutex>
#include <thread>

namespace parlor::store {

namespace {

/// How often the log is copied into the database.
constexpr auto checkpoint_every = std::chrono::seconds{1};

/// A log this long after a passive checkpoint is finished by a restarting
/// one (8 MB with 1 KB pages). A restart holds the writer off and the first
/// commit after it syncs the log's header, so not every second but every
/// few seconds under load (a page per move, fewer when moves share a
/// commit); what both cost moves shows in the moves benchmark's p99
/// (docs/benchmarks.md).
constexpr int restart_pages = 8192;

/// A log this long means the checkpointer is falling behind: it gets normal
/// priority until it has caught up (12 MB with 1 KB pages).
constexpr int behind_pages = 12288;

/// Sets `thread`'s scheduling policy: Linux's idle policy (it
/// runs when its core has nothing else to do and yields at once to a thread
/// that wakes up) or the normal one. Returns 0 or the error.
int set_idle(pthread_t thread, bool idle) {
  sched_param param{};
  param.sched_priority = 0;
  return pthread_setschedparam(thread, idle ? SCHED_IDLE : SCHED_OTHER,
                               &param);
}

/// The checkpointer's thread, as seen from the store's commits. Its policy
/// is idle unless a commit found the log too long (`urgent`) or it is
/// restarting the log (`restarting`); the flags and the policy change
/// together, under `mutex`.
struct checkpoint_thread {
  std::mutex mutex;
  bool started = false;
  pthread_t thread{};
  bool urgent = false;
  bool restarting = false;

  /// From a commit: the log has `log_pages` pages.
  void log_grew(int log_pages) {
    if (log_pages < behind_pages)
      return;
    change([&] { urgent = true; });
  }

  /// From the checkpointer, after a checkpoint: behind while the frames not
  /// yet copied fill `behind_pages` (a log copied to its end starts over).
  /// -1: the writer's own backstop checkpoint held the log, no news.
  void checked(const checkpointer::progress& p) {
    if (p.log_frames >= 0)
      change([&] { urgent = p.log_frames - p.copied_frames >= behind_pages; });
  }

  void restarting_now(bool yes) {
    change([&] { restarting = yes; });
  }

private:
  template <class F>
  void change(F f) {
    std::lock_guard<std::mutex> guard{mutex};
    if (!started)
      return;
    auto was_idle = !urgent && !restarting;
    f();
    auto idle = !urgent && !restarting;
    if (idle != was_idle)
      if (auto rc = set_idle(thread, idle); rc != 0)
        spdlog::warn("store: cannot change the checkpointer's priority: {}",
                     std::strerror(rc));
  }
};

/// Copies the write-ahead log into the database once a second, on its own
/// thread: the syncs of a checkpoint stay off the path of moves, which
/// commit without checkpointing.
///
/// At idle priority while it keeps up (when `me` is set, see
/// `idle_priority_reversible`): at normal priority the copying held the
/// core for long stretches, and a thread of moves waiting for the core
/// that long was most of their 99th percentile (the moves benchmark in
/// docs/benchmarks.md measures it).
/// When the log outgrows `behind_pages` (a core that is never idle starves
/// it) a commit raises it back to normal until it has caught up.
caf::behavior checkpointer_impl(caf::event_based_actor* self,
                                std::shared_ptr<checkpointer> cp,
                                std::shared_ptr<checkpoint_thread> me) {
  // Detached: this is the actor's own thread.
  if (me) {
    std::lock_guard<std::mutex> guard{me->mutex};
    me->thread = pthread_self();
    if (auto rc = set_idle(me->thread, true); rc == 0)
      me->started = true;
    else
      spdlog::warn("store: the checkpointer stays at normal priority: {}",
                   std::strerror(rc));
  }
  self->delayed_send(self, checkpoint_every, caf::tick_atom_v);
  return {
    [=](caf::tick_atom) {
      try {
        auto p = cp->keep_short(restart_pages, [&](bool yes) {
          // Holds the writer off: finish fast.
          if (me)
            me->restarting_now(yes);
        });
        if (me)
          me->checked(p);
      } catch (const std::exception& e) {
        spdlog::warn("store: {}", e.what());
      }
      self->delayed_send(self, checkpoint_every, caf::tick_atom_v);
    },
  };
}

} // namespace

bool idle_priority_reversible() {
  // Tried on a thread of its own: one that could not return stays idle.
  bool ok = false;
  std::thread probe{[&] {
    auto self = pthread_self();
    ok = set_idle(self, true) == 0 && set_idle(self, false) == 0;
  }};
  probe.join();
  return ok;
}

void spawn_checkpointer(caf::local_actor* owner, store& db,
                        std::shared_ptr<checkpointer> cp) {
  std::shared_ptr<checkpoint_thread> thread;
  if (idle_priority_reversible()) {
    thread = std::make_shared<checkpoint_thread>();
    db.on_commit([thread](int log_pages) { thread->log_grew(log_pages); });
  } else {
    spdlog::info("store: the checkpointer runs at normal priority (going "
                 "back from idle priority needs CAP_SYS_NICE or "
                 "RLIMIT_NICE 20)");
  }
  // Linked: it stops with its owner.
  owner->spawn<caf::detached + caf::linked>(checkpointer_impl, std::move(cp),
                                            std::move(thread));
}

} // namespace parlor::store
