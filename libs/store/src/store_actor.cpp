#include "parlor/store/store_actor.hpp"

#include "parlor/store/checkpoint_actor.hpp"
#include "parlor/store/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

namespace parlor::store {

namespace {

/// A write waiting for the next commit.
struct pending_write {
  snapshot snap;
  bool replica = false;
  caf::typed_response_promise<caf::ok_atom> done;
};

/// How often writes are tried while they fail, with none coming in.
constexpr auto probe_period = std::chrono::seconds{1};

struct store_state {
  std::shared_ptr<store> db;
  std::shared_ptr<core::fault_flag> fault;
  /// Writes fail: a probe is scheduled.
  bool failing = false;
  /// Writes since the last commit (see `queue_write`).
  std::vector<pending_write> batch;
  static inline const char* name = "parlor.store";
};

using self_ptr = store_actor::stateful_pointer<store_state>;

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

snapshot make_snapshot(save_msg&& m, std::string owner = {}) {
  snapshot s;
  s.code = std::move(m.code);
  s.kind = std::move(m.kind);
  s.version = m.version;
  s.finished = m.finished;
  s.data = std::move(m.data);
  s.incarnation = m.incarnation;
  s.owner = std::move(owner);
  return s;
}

saved_games listed(std::vector<snapshot> snapshots) {
  saved_games out;
  for (auto& s : snapshots) {
    out.data.push_back(std::move(s.data));
    out.incarnations.push_back(s.incarnation);
  }
  return out;
}

/// Group commit: writes that arrive while the actor is busy are committed
/// together. The first write of a batch sends `commit` to this actor, which
/// queues it behind every write already in the mailbox.
caf::result<caf::ok_atom> queue_write(self_ptr self, snapshot s,
                                      bool replica) {
  auto& batch = self->state.batch;
  auto done = self->make_response_promise<caf::ok_atom>();
  batch.push_back(pending_write{std::move(s), replica, done});
  if (batch.size() == 1)
    self->send(self, commit_atom_v);
  return done;
}

/// Writes fail for `reason`: health says so, and a probe tries again.
void failing(self_ptr self, const std::string& reason) {
  auto& st = self->state;
  if (st.fault)
    st.fault->raise(reason);
  if (!st.failing)
    self->delayed_send(self, probe_period, probe_atom_v);
  st.failing = true;
}

/// Writes work (again).
void working(self_ptr self) {
  auto& st = self->state;
  if (st.failing)
    spdlog::warn("store: writes work again");
  st.failing = false;
  if (st.fault)
    st.fault->clear();
}

/// Commits the pending writes in one transaction and answers them. Every
/// other request commits first, so that it sees every earlier write.
void commit(self_ptr self) {
  auto writes = std::move(self->state.batch);
  self->state.batch.clear();
  if (writes.empty())
    return;
  auto& db = *self->state.db;
  auto refuse = [&](const std::string& why) {
    spdlog::error("store: {} ({} write(s) refused)", why, writes.size());
    for (auto& w : writes)
      w.done.deliver(caf::error{errc::storage_failed});
    failing(self, why);
  };
  // A deleted or replaced file would take writes that no restart reads.
  if (auto problem = db.file_problem())
    return refuse(*problem);
  try {
    db.batch([&] {
      for (auto& w : writes)
        if (w.replica)
          db.save_replica(w.snap);
        else
          db.save(w.snap);
    });
  } catch (const std::exception& e) {
    return refuse(e.what());
  }
  working(self);
  for (auto& w : writes)
    w.done.deliver(caf::ok_atom_v);
}

/// While writes fail: tries one, so that health recovers without traffic.
void probe(self_ptr self) {
  auto& st = self->state;
  if (!st.failing)
    return;
  std::string reason;
  if (auto problem = st.db->file_problem()) {
    reason = std::move(*problem);
  } else {
    try {
      st.db->probe();
      return working(self);
    } catch (const std::exception& e) {
      reason = e.what();
    }
  }
  if (st.fault)
    st.fault->raise(reason);
  self->delayed_send(self, probe_period, probe_atom_v);
}

// Detached (its own thread) or on the io thread: see `store_thread`.
store_actor::behavior_type store_impl(self_ptr self, std::shared_ptr<store> db,
                                      std::shared_ptr<checkpointer> cp,
                                      std::shared_ptr<core::fault_flag> fault) {
  self->state.db = std::move(db);
  self->state.fault = std::move(fault);
  if (cp)
    spawn_checkpointer(self, *self->state.db, std::move(cp));
  return {
    [=](save_msg& m) {
      return queue_write(self, make_snapshot(std::move(m)), false);
    },
    [=](commit_atom) { commit(self); },
    [=](probe_atom) { probe(self); },
    [=](load_atom, int64_t finished_since_ms) -> caf::result<saved_games> {
      commit(self);
      return guarded([&]() -> caf::result<saved_games> {
        return listed(self->state.db->load_active(finished_since_ms));
      });
    },
    [=](load_atom, const std::string& code) -> caf::result<std::string> {
      commit(self);
      return guarded([&]() -> caf::result<std::string> {
        return self->state.db->load(code).data;
      });
    },
    [=](const forget_msg& m) {
      commit(self);
      guarded([&]() -> caf::result<void> {
        self->state.db->forget(m.code, m.incarnation);
        return caf::unit;
      });
    },
    [=](replicate_msg& m) -> caf::result<caf::ok_atom> {
      // A copy older than what this node holds comes from a game that was
      // taken over (its node was frozen or cut off): refusing it keeps that
      // game from acknowledging a change nobody else will ever see.
      uint64_t newest = 0;
      try {
        newest = self->state.db->newest_incarnation(m.game.code);
      } catch (const std::exception& e) {
        spdlog::error("store: {}", e.what());
        return caf::error{errc::storage_failed};
      }
      if (newest > m.game.incarnation)
        return caf::error{errc::superseded};
      auto owner = std::move(m.owner);
      return queue_write(self, make_snapshot(std::move(m.game), std::move(owner)),
                         true);
    },
    [=](drop_atom, const std::string& owner, int64_t written_before_ms) {
      commit(self);
      guarded([&]() -> caf::result<void> {
        if (auto n = self->state.db->drop_replicas(owner, written_before_ms))
          spdlog::info("store: dropped {} stale backup copies of {}", n, owner);
        return caf::unit;
      });
    },
    [=](const unreplicate_msg& m) {
      commit(self);
      guarded([&]() -> caf::result<void> {
        self->state.db->drop_replica(m.code, m.owner, m.incarnation);
        return caf::unit;
      });
    },
    [=](adopt_atom, const std::string& owner,
        const std::string& code) -> caf::result<saved_games> {
      commit(self);
      return guarded([&]() -> caf::result<saved_games> {
        std::vector<snapshot> adopted;
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
        int64_t finished_since_ms) -> caf::result<saved_games> {
      commit(self);
      return guarded([&]() -> caf::result<saved_games> {
        std::vector<snapshot> adopted;
        for (auto& copy :
             self->state.db->load_replicas(owner, finished_since_ms))
          if (auto s = self->state.db->adopt(copy.code, owner))
            adopted.push_back(std::move(*s));
        return listed(std::move(adopted));
      });
    },
  };
}

} // namespace

store_actor spawn_store(caf::actor_system& sys,
                        const std::filesystem::path& data_dir,
                        store_options opts) {
  auto db = std::make_shared<store>(data_dir, opts.sync);
  // Copies kept for peers before a restart may be stale: an owner may have
  // named another backup meanwhile and could not tell us to drop ours. The
  // owners send fresh copies when they name this node again.
  if (auto n = db->clear_replicas(); n > 0)
    spdlog::info("store: dropped {} backup copies from before the restart", n);
  std::shared_ptr<checkpointer> cp;
  try {
    cp = std::make_shared<checkpointer>(data_dir);
    db->auto_checkpoint(checkpoint_backstop_pages);
  } catch (const store_error& e) {
    spdlog::warn("store: {}; commits checkpoint themselves", e.what());
  }
  if (opts.where == store_thread::shared)
    return sys.spawn(store_impl, std::move(db), std::move(cp),
                     std::move(opts.fault));
  return sys.spawn<caf::detached>(store_impl, std::move(db), std::move(cp),
                                  std::move(opts.fault));
}

} // namespace parlor::store
