#include "parlor/game_server/store_actor.hpp"

#include "parlor/store/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <pthread.h>
#include <sched.h>

#include <cstring>
#include <mutex>
#include <thread>

namespace parlor::game_server {

namespace {

using games_list = caf::result<std::vector<std::string>, std::vector<uint64_t>>;

/// A write waiting for the next commit.
struct pending_write {
  store::snapshot snapshot;
  bool replica = false;
  caf::typed_response_promise<caf::ok_atom> done;
};

struct store_state {
  std::shared_ptr<store::store> db;
  /// Writes since the last commit (see `queue_write`).
  std::vector<pending_write> batch;
  static inline const char* name = "parlor.store";
};

using self_ptr = caf::stateful_actor<store_state>*;

/// Runs `f` against the database; a failure is logged and becomes
/// `errc::storage_failed`.
template <class F>
auto guarded(F f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    spdlog::error("store: {}", e.what());
    return caf::error{errc::storage_failed};
  }
}

store::snapshot make_snapshot(std::string code, std::string kind,
                              uint64_t version, bool finished,
                              std::string data, uint64_t incarnation,
                              std::string owner = {}) {
  store::snapshot s;
  s.code = std::move(code);
  s.kind = std::move(kind);
  s.version = version;
  s.finished = finished;
  s.data = std::move(data);
  s.incarnation = incarnation;
  s.owner = std::move(owner);
  return s;
}

/// Snapshots as the `(data, incarnations)` pair the supervisor starts games
/// from.
games_list listed(std::vector<store::snapshot> snapshots) {
  std::vector<std::string> data;
  std::vector<uint64_t> incarnations;
  for (auto& s : snapshots) {
    data.push_back(std::move(s.data));
    incarnations.push_back(s.incarnation);
  }
  return {std::move(data), std::move(incarnations)};
}

/// Group commit: writes that arrive while the actor is busy are committed
/// together. The first write of a batch sends `commit` to this actor, which
/// queues it behind every write already in the mailbox.
caf::result<caf::ok_atom> queue_write(self_ptr self, store::snapshot s,
                                      bool replica) {
  auto& batch = self->state.batch;
  auto done = self->make_response_promise<caf::ok_atom>();
  batch.push_back(pending_write{std::move(s), replica, done});
  if (batch.size() == 1)
    self->send(self, commit_atom_v);
  return done;
}

/// Commits the pending writes in one transaction and answers them. Every
/// other request commits first, so that it sees every earlier write.
void commit(self_ptr self) {
  auto writes = std::move(self->state.batch);
  self->state.batch.clear();
  if (writes.empty())
    return;
  auto& db = *self->state.db;
  try {
    db.batch([&] {
      for (auto& w : writes)
        if (w.replica)
          db.save_replica(w.snapshot);
        else
          db.save(w.snapshot);
    });
  } catch (const std::exception& e) {
    spdlog::error("store: {} ({} write(s) refused)", e.what(), writes.size());
    for (auto& w : writes)
      w.done.deliver(caf::error{errc::storage_failed});
    return;
  }
  for (auto& w : writes)
    w.done.deliver(caf::ok_atom_v);
}

/// How often the log is copied into the database.
constexpr auto checkpoint_every = std::chrono::seconds{1};

/// Commits checkpoint themselves only when the log holds this many pages
/// (a 34 MB file with the 1 KB pages of a new database, 135 MB with 4 KB):
/// should the checkpointer stop working.
constexpr int checkpoint_backstop_pages = 32768;

/// A log this long after a passive checkpoint is finished by a restarting
/// one (8 MB with 1 KB pages). A restart holds the writer off for 1-2.5 ms
/// and the first commit after it syncs the log's header (3-4 ms here), so
/// not every second: every ~3 s at 3,000 moves/s (a page per move, fewer
/// when moves share a commit).
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
  void checked(const store::checkpointer::progress& p) {
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
/// thread: the syncs of a checkpoint (milliseconds) stay off the path of
/// moves, which commit without checkpointing.
///
/// At idle priority while it keeps up (when `me` is set, see
/// `idle_priority_reversible`): at normal priority the copying took the
/// core for up to 3 ms at a time, and a thread of moves waiting for the
/// core that long was most of their 99th percentile (docs/benchmarks.md).
/// When the log outgrows `behind_pages` (a core that is never idle starves
/// it) a commit raises it back to normal until it has caught up.
caf::behavior checkpointer_impl(caf::event_based_actor* self,
                                std::shared_ptr<store::checkpointer> cp,
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

namespace {

// Detached (its own thread) or on the io thread: see `store_thread`.
caf::behavior store_impl(self_ptr self, std::shared_ptr<store::store> db,
                         std::shared_ptr<store::checkpointer> cp) {
  self->state.db = std::move(db);
  if (cp) {
    std::shared_ptr<checkpoint_thread> thread;
    if (idle_priority_reversible()) {
      thread = std::make_shared<checkpoint_thread>();
      self->state.db->on_commit(
        [thread](int log_pages) { thread->log_grew(log_pages); });
    } else {
      spdlog::info("store: the checkpointer runs at normal priority (going "
                   "back from idle priority needs CAP_SYS_NICE or "
                   "RLIMIT_NICE 20)");
    }
    // Linked: it stops with this actor.
    self->spawn<caf::detached + caf::linked>(checkpointer_impl, std::move(cp),
                                             std::move(thread));
  }
  return {
    [=](save_atom, std::string& code, std::string& kind, uint64_t version,
        bool finished, std::string& data,
        uint64_t incarnation) -> caf::result<caf::ok_atom> {
      return queue_write(self,
                         make_snapshot(std::move(code), std::move(kind),
                                       version, finished, std::move(data),
                                       incarnation),
                         false);
    },
    [=](commit_atom) { commit(self); },
    [=](load_atom, int64_t finished_since_ms) -> games_list {
      commit(self);
      return guarded([&]() -> games_list {
        return listed(self->state.db->load_active(finished_since_ms));
      });
    },
    [=](load_atom, const std::string& code) -> caf::result<std::string> {
      commit(self);
      return guarded([&]() -> caf::result<std::string> {
        return self->state.db->load(code).data;
      });
    },
    [=](forget_atom, const std::string& code, uint64_t incarnation) {
      commit(self);
      guarded([&]() -> caf::result<void> {
        self->state.db->forget(code, incarnation);
        return caf::unit;
      });
    },
    [=](replicate_atom, std::string& owner, std::string& code,
        std::string& kind, uint64_t version, uint64_t incarnation,
        bool finished, std::string& data) -> caf::result<caf::ok_atom> {
      return queue_write(self,
                         make_snapshot(std::move(code), std::move(kind),
                                       version, finished, std::move(data),
                                       incarnation, std::move(owner)),
                         true);
    },
    [=](unreplicate_atom, const std::string& code, const std::string& owner,
        uint64_t incarnation) {
      commit(self);
      guarded([&]() -> caf::result<void> {
        self->state.db->drop_replica(code, owner, incarnation);
        return caf::unit;
      });
    },
    [=](adopt_atom, const std::string& owner,
        const std::string& code) -> games_list {
      commit(self);
      return guarded([&]() -> games_list {
        std::vector<store::snapshot> adopted;
        if (auto s = self->state.db->adopt(code, owner))
          adopted.push_back(std::move(*s));
        return listed(std::move(adopted));
      });
    },
    [=](expire_atom, int64_t cutoff_ms) {
      commit(self);
      guarded([&]() -> caf::result<void> {
        if (auto n = self->state.db->reap_finished(cutoff_ms); n > 0)
          spdlog::info("store: reaped {} finished game(s)", n);
        return caf::unit;
      });
    },
    [=](adopt_atom, const std::string& owner,
        int64_t finished_since_ms) -> games_list {
      commit(self);
      return guarded([&]() -> games_list {
        std::vector<store::snapshot> adopted;
        for (auto& copy :
             self->state.db->load_replicas(owner, finished_since_ms))
          if (auto s = self->state.db->adopt(copy.code, owner))
            adopted.push_back(std::move(*s));
        return listed(std::move(adopted));
      });
    },
  };
}

caf::behavior keeper_impl(caf::event_based_actor* self, caf::actor store,
                          caf::actor supervisor) {
  return {
    [=](adopt_atom atm, std::string& owner,
        std::string& code) -> caf::result<caf::ok_atom> {
      auto rp = self->make_response_promise<caf::ok_atom>();
      self
        ->request(supervisor, caf::infinite, atm, std::move(owner),
                  std::move(code))
        .then([=](caf::ok_atom ok) mutable { rp.deliver(ok); },
              [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](create_atom atm, std::string& kind, std::string& player_id,
        std::string& name) {
      return self->delegate(supervisor, atm, std::move(kind),
                            std::move(player_id), std::move(name));
    },
    [=](replicate_atom atm, std::string& owner, std::string& code,
        std::string& kind, uint64_t version, uint64_t incarnation,
        bool finished, std::string& data) -> caf::result<caf::ok_atom> {
      // Not `delegate`: the store must never be seen by another node, not
      // even as the sender of a reply.
      auto rp = self->make_response_promise<caf::ok_atom>();
      self
        ->request(store, caf::infinite, atm, std::move(owner),
                  std::move(code), std::move(kind), version, incarnation,
                  finished, std::move(data))
        .then([=](caf::ok_atom ok) mutable { rp.deliver(ok); },
              [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](unreplicate_atom atm, std::string& code, std::string& owner,
        uint64_t incarnation) {
      self->send(store, atm, std::move(code), std::move(owner), incarnation);
    },
  };
}

} // namespace

caf::actor spawn_backup_keeper(caf::actor_system& sys, caf::actor store,
                               caf::actor supervisor) {
  return sys.spawn(keeper_impl, std::move(store), std::move(supervisor));
}

caf::actor spawn_store(caf::actor_system& sys,
                       const std::filesystem::path& data_dir,
                       store_thread where) {
  auto db = std::make_shared<store::store>(data_dir);
  // Copies kept for peers before a restart may be stale: an owner may have
  // named another backup meanwhile and could not tell us to drop ours. The
  // owners send fresh copies when they name this node again.
  if (auto n = db->clear_replicas(); n > 0)
    spdlog::info("store: dropped {} backup copies from before the restart", n);
  std::shared_ptr<store::checkpointer> cp;
  try {
    cp = std::make_shared<store::checkpointer>(data_dir);
    db->auto_checkpoint(checkpoint_backstop_pages);
  } catch (const store::store_error& e) {
    spdlog::warn("store: {}; commits checkpoint themselves", e.what());
  }
  if (where == store_thread::shared)
    return sys.spawn(store_impl, std::move(db), std::move(cp));
  return sys.spawn<caf::detached>(store_impl, std::move(db), std::move(cp));
}

} // namespace parlor::game_server
