#include "parlor/store/store.hpp"

#include "parlor/core/clock.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace parlor::store {

namespace {

// Schema migrations, applied in order; PRAGMA user_version counts them.
constexpr const char* migrations[] = {
  R"sql(
  CREATE TABLE games (
    code       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    finished   INTEGER NOT NULL,
    data       TEXT NOT NULL,
    updated_ms INTEGER NOT NULL
  );
  CREATE INDEX games_finished ON games (finished, updated_ms);
  )sql",
  // 2: ownership generations, and copies of other nodes' games kept here as
  // their backup.
  R"sql(
  ALTER TABLE games ADD COLUMN incarnation INTEGER NOT NULL DEFAULT 1;
  CREATE TABLE replicas (
    code        TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    incarnation INTEGER NOT NULL,
    finished    INTEGER NOT NULL,
    data        TEXT NOT NULL,
    updated_ms  INTEGER NOT NULL
  );
  CREATE INDEX replicas_owner ON replicas (owner, finished);
  CREATE INDEX replicas_finished ON replicas (finished, updated_ms);
  )sql",
  // 3: results of finished games, kept after the games are reaped (a code is
  // reused once its game is gone, so it is not a key here).
  R"sql(
  CREATE TABLE results (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    finished_ms INTEGER NOT NULL,
    data        TEXT NOT NULL
  );
  CREATE INDEX results_code ON results (code, finished_ms);
  )sql",
  // 4: the reaper's indexes hold finished rows only. A move changes
  // `updated_ms` of an unfinished game; with the full index every move also
  // moved an index entry (three pages per commit instead of one).
  R"sql(
  DROP INDEX games_finished;
  CREATE INDEX games_finished ON games (updated_ms) WHERE finished = 1;
  DROP INDEX replicas_finished;
  CREATE INDEX replicas_finished ON replicas (updated_ms) WHERE finished = 1;
  )sql",
};

static_assert(std::size(migrations) == store::schema_version);

/// Finalizes a statement when leaving scope, resetting it for reuse.
struct reset_guard {
  sqlite3_stmt* stmt;
  ~reset_guard() {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
};

/// Reads `code, kind, version, finished, data, updated_ms, incarnation[,
/// owner]`.
snapshot read_row(sqlite3_stmt* stmt) {
  auto text = [&](int col) {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
    return p ? std::string(p, sqlite3_column_bytes(stmt, col)) : std::string{};
  };
  snapshot s;
  s.code = text(0);
  s.kind = text(1);
  s.version = static_cast<uint64_t>(sqlite3_column_int64(stmt, 2));
  s.finished = sqlite3_column_int(stmt, 3) != 0;
  s.data = text(4);
  s.updated_ms = sqlite3_column_int64(stmt, 5);
  s.incarnation = static_cast<uint64_t>(sqlite3_column_int64(stmt, 6));
  if (sqlite3_column_count(stmt) > 7)
    s.owner = text(7);
  return s;
}

/// Waits for a lock in naps of 50 µs, `max_naps` of them at most. SQLite's
/// own busy timeout sleeps 1, 2, 5, 10 ms... in turn, far longer than the
/// ~millisecond a restarting checkpoint usually holds the writer off.
template <int max_naps>
int nap_when_busy(void*, int count) {
  if (count >= max_naps)
    return 0;
  std::this_thread::sleep_for(std::chrono::microseconds{50});
  return 1;
}

/// The store's connection waits up to 5 s (100,000 naps) before a write
/// fails.
constexpr int writer_naps = 100'000;

/// A restarting checkpoint holds the writer off while it waits for readers:
/// it gives up after 100 naps (12-15 ms measured here: a 50 µs nap takes
/// longer) and tries again at its next round.
constexpr int checkpointer_naps = 100;

/// Opens `file` with `flags` and the busy handler above. Throws
/// `store_error` starting with `what`.
sqlite3* open_connection(const std::string& file, int flags,
                         const std::string& what, int (*busy)(void*, int)) {
  // Before SQLite's first use in the process: no memory statistics (nothing
  // here reads them, and keeping them takes a global mutex around every
  // allocation, about 25 per move). Refused, harmlessly, if SQLite is
  // already initialized.
  static const bool configured [[maybe_unused]] =
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr)
      != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw store_error(what + ": " + msg);
  }
  sqlite3_busy_handler(db, busy, nullptr);
  return db;
}

} // namespace

store::store(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw store_error("cannot create data directory " + dir.string() + ": "
                      + ec.message());
  auto file = (dir / "parlor.db").string();
  db_ = open_connection(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        "cannot open database " + file,
                        nap_when_busy<writer_naps>);
  try {
    // A new database gets 1 KB pages (SQLite's default is 4 KB): a move
    // rewrites one row's leaf page, and a commit checksums, copies and writes
    // every page it touches. Rows up to ~990 bytes fit a leaf page; larger
    // ones spill into overflow pages, still no more bytes than one 4 KB page
    // until they pass ~3 KB. An existing file keeps its size (a WAL-mode
    // database cannot change it without a VACUUM).
    exec("PRAGMA page_size=1024");
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    // A log that grew beyond 64 MB (the checkpointer fell behind) shrinks
    // back when it starts over.
    exec("PRAGMA journal_size_limit=67108864");
    sqlite3_wal_hook(db_, after_commit, this);
    // Reading the schema version is the first real read: a corrupt or
    // foreign file fails here with "file is not a database".
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &stmt, nullptr)
        != SQLITE_OK)
      fail("cannot read schema version");
    int version = 0;
    if (sqlite3_step(stmt) == SQLITE_ROW)
      version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    if (version > schema_version)
      throw store_error("database " + file + " has schema version "
                        + std::to_string(version) + ", newer than this build ("
                        + std::to_string(schema_version) + ")");
    for (int v = version; v < schema_version; ++v) {
      exec("BEGIN");
      exec(migrations[v]);
      exec(("PRAGMA user_version=" + std::to_string(v + 1)).c_str());
      exec("COMMIT");
    }
    auto prepare = [&](const char* sql, sqlite3_stmt*& out) {
      if (sqlite3_prepare_v2(db_, sql, -1, &out, nullptr) != SQLITE_OK)
        fail("cannot prepare statement");
    };
    // A write never goes back: not to an older incarnation, nor to an
    // older version of the same one.
    prepare("INSERT INTO games (code, kind, version, finished, data, "
            "updated_ms, incarnation) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
            "ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, "
            "version = excluded.version, finished = excluded.finished, "
            "data = excluded.data, updated_ms = excluded.updated_ms, "
            "incarnation = excluded.incarnation "
            "WHERE (excluded.incarnation, excluded.version) "
            ">= (games.incarnation, games.version)",
            save_);
    prepare("SELECT code, kind, version, finished, data, updated_ms, "
            "incarnation FROM games WHERE finished = 0 OR updated_ms >= ?1 "
            "ORDER BY code",
            load_active_);
    prepare("SELECT code, kind, version, finished, data, updated_ms, "
            "incarnation FROM games WHERE code = ?1",
            load_);
    prepare("INSERT INTO results (code, kind, version, finished_ms, data) "
            "SELECT code, kind, version, updated_ms, data FROM games "
            "WHERE finished = 1 AND updated_ms < ?1",
            keep_results_);
    prepare("DELETE FROM games WHERE finished = 1 AND updated_ms < ?1",
            reap_);
    prepare("DELETE FROM replicas WHERE finished = 1 AND updated_ms < ?1",
            reap_replicas_);
    prepare("INSERT INTO replicas (code, kind, version, finished, data, "
            "updated_ms, incarnation, owner) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
            "ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, "
            "version = excluded.version, finished = excluded.finished, "
            "data = excluded.data, updated_ms = excluded.updated_ms, "
            "incarnation = excluded.incarnation, owner = excluded.owner "
            "WHERE (excluded.incarnation, excluded.version) "
            ">= (replicas.incarnation, replicas.version)",
            save_replica_);
    prepare("SELECT code, kind, version, finished, data, updated_ms, "
            "incarnation, owner FROM replicas "
            "WHERE owner = ?1 AND (finished = 0 OR updated_ms >= ?2) "
            "ORDER BY code",
            load_replicas_);
    prepare("DELETE FROM replicas WHERE code = ?1 AND owner = ?2 "
            "AND incarnation <= ?3",
            drop_replica_);
    prepare("DELETE FROM games WHERE code = ?1 AND incarnation <= ?2",
            forget_);
    prepare("SELECT code, kind, version, 1, data, finished_ms, 0 FROM results "
            "WHERE code = ?1 ORDER BY finished_ms",
            results_);
    prepare("BEGIN", begin_);
    prepare("COMMIT", commit_);
  } catch (...) {
    close();
    throw;
  }
}

store::~store() {
  close();
}

void store::close() noexcept {
  for (auto* stmt : {save_, load_active_, load_, keep_results_, reap_,
                     reap_replicas_, save_replica_, load_replicas_,
                     drop_replica_, forget_, results_, begin_, commit_})
    sqlite3_finalize(stmt);
  save_ = load_active_ = load_ = keep_results_ = reap_ = reap_replicas_
    = save_replica_ = load_replicas_ = drop_replica_ = forget_ = results_
    = begin_ = commit_
    = nullptr;
  if (db_)
    sqlite3_close(db_);
  db_ = nullptr;
}

void store::auto_checkpoint(int pages) {
  auto_checkpoint_pages_ = std::max(pages, 0);
}

void store::on_commit(std::function<void(int)> f) {
  on_commit_ = std::move(f);
}

int store::after_commit(void* self, sqlite3* db, const char* schema,
                        int pages) {
  auto& st = *static_cast<store*>(self);
  if (st.on_commit_)
    st.on_commit_(pages);
  if (st.auto_checkpoint_pages_ > 0 && pages >= st.auto_checkpoint_pages_)
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                              nullptr);
  return SQLITE_OK;
}

checkpointer::checkpointer(const std::filesystem::path& dir) {
  auto file = (dir / "parlor.db").string();
  db_ = open_connection(file, SQLITE_OPEN_READWRITE,
                        "cannot open database " + file + " to checkpoint",
                        nap_when_busy<checkpointer_naps>);
  // Reads the header, so this connection knows the file is in WAL mode.
  char* err = nullptr;
  if (sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, &err)
      != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    sqlite3_close(db_);
    throw store_error("cannot checkpoint " + file + ": " + msg);
  }
}

checkpointer::~checkpointer() {
  sqlite3_close_v2(db_);
}

checkpointer::progress checkpointer::run(mode m) {
  progress p;
  auto rc = sqlite3_wal_checkpoint_v2(db_, nullptr,
                                      m == mode::restart
                                        ? SQLITE_CHECKPOINT_RESTART
                                        : SQLITE_CHECKPOINT_PASSIVE,
                                      &p.log_frames, &p.copied_frames);
  p.busy = rc == SQLITE_BUSY;
  if (rc != SQLITE_OK && rc != SQLITE_BUSY)
    throw store_error(std::string{"checkpoint failed ("}
                      + sqlite3_db_filename(db_, "main")
                      + "): " + sqlite3_errmsg(db_));
  return p;
}

checkpointer::progress
checkpointer::keep_short(int restart_frames,
                         const std::function<void(bool)>& restarting) {
  auto p = run(mode::passive);
  if (p.log_frames < restart_frames)
    return p;
  struct around {
    const std::function<void(bool)>& f;
    explicit around(const std::function<void(bool)>& hook) : f{hook} {
      if (f)
        f(true);
    }
    ~around() {
      if (f)
        f(false);
    }
  } guard{restarting};
  return run(mode::restart);
}

void store::begin() {
  reset_guard guard{begin_};
  if (sqlite3_step(begin_) != SQLITE_DONE)
    fail("cannot begin a transaction");
}

void store::commit() {
  reset_guard guard{commit_};
  if (sqlite3_step(commit_) != SQLITE_DONE)
    fail("cannot commit");
}

void store::rollback() noexcept {
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void store::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw store_error(std::string{"database error ("} + sqlite3_db_filename(db_, "main")
                      + "): " + msg);
  }
}

void store::fail(const char* what) {
  throw store_error(std::string{what} + " (" + sqlite3_db_filename(db_, "main")
                    + "): " + sqlite3_errmsg(db_));
}

namespace {

void bind_snapshot(sqlite3_stmt* stmt, const snapshot& s) {
  sqlite3_bind_text(stmt, 1, s.code.data(), static_cast<int>(s.code.size()),
                    SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, s.kind.data(), static_cast<int>(s.kind.size()),
                    SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 3, static_cast<sqlite3_int64>(s.version));
  sqlite3_bind_int(stmt, 4, s.finished ? 1 : 0);
  sqlite3_bind_text(stmt, 5, s.data.data(), static_cast<int>(s.data.size()),
                    SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 6, s.updated_ms != 0 ? s.updated_ms : core::unix_ms());
  sqlite3_bind_int64(stmt, 7, static_cast<sqlite3_int64>(s.incarnation));
}

} // namespace

bool store::save(const snapshot& s) {
  reset_guard guard{save_};
  bind_snapshot(save_, s);
  if (sqlite3_step(save_) != SQLITE_DONE)
    fail("cannot save game");
  return sqlite3_changes(db_) > 0;
}

bool store::save_replica(const snapshot& s) {
  reset_guard guard{save_replica_};
  bind_snapshot(save_replica_, s);
  sqlite3_bind_text(save_replica_, 8, s.owner.data(),
                    static_cast<int>(s.owner.size()), SQLITE_STATIC);
  if (sqlite3_step(save_replica_) != SQLITE_DONE)
    fail("cannot save replica");
  return sqlite3_changes(db_) > 0;
}

std::vector<snapshot> store::load_replicas(std::string_view owner,
                                           int64_t finished_since_ms) {
  reset_guard guard{load_replicas_};
  sqlite3_bind_text(load_replicas_, 1, owner.data(),
                    static_cast<int>(owner.size()), SQLITE_STATIC);
  sqlite3_bind_int64(load_replicas_, 2, finished_since_ms);
  std::vector<snapshot> result;
  int rc;
  while ((rc = sqlite3_step(load_replicas_)) == SQLITE_ROW)
    result.push_back(read_row(load_replicas_));
  if (rc != SQLITE_DONE)
    fail("cannot load replicas");
  return result;
}

bool store::drop_replica(std::string_view code, std::string_view owner,
                         uint64_t incarnation) {
  reset_guard guard{drop_replica_};
  sqlite3_bind_text(drop_replica_, 1, code.data(),
                    static_cast<int>(code.size()), SQLITE_STATIC);
  sqlite3_bind_text(drop_replica_, 2, owner.data(),
                    static_cast<int>(owner.size()), SQLITE_STATIC);
  sqlite3_bind_int64(drop_replica_, 3,
                     static_cast<sqlite3_int64>(incarnation));
  if (sqlite3_step(drop_replica_) != SQLITE_DONE)
    fail("cannot drop replica");
  return sqlite3_changes(db_) > 0;
}

std::optional<snapshot> store::adopt(std::string_view code,
                                     std::string_view owner) {
  exec("BEGIN IMMEDIATE");
  try {
    std::optional<snapshot> found;
    for (auto& r : load_replicas(owner, 0))
      if (r.code == code)
        found = std::move(r);
    if (!found) {
      exec("COMMIT");
      return std::nullopt;
    }
    found->incarnation += 1;
    found->updated_ms = 0;
    found->owner.clear();
    save(*found);
    drop_replica(found->code, owner, found->incarnation);
    exec("COMMIT");
    return found;
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

int store::clear_replicas() {
  exec("DELETE FROM replicas");
  return sqlite3_changes(db_);
}

bool store::forget(std::string_view code, uint64_t incarnation) {
  reset_guard guard{forget_};
  sqlite3_bind_text(forget_, 1, code.data(), static_cast<int>(code.size()),
                    SQLITE_STATIC);
  sqlite3_bind_int64(forget_, 2, static_cast<sqlite3_int64>(incarnation));
  if (sqlite3_step(forget_) != SQLITE_DONE)
    fail("cannot forget game");
  return sqlite3_changes(db_) > 0;
}

std::vector<snapshot> store::load_active(int64_t finished_since_ms) {
  reset_guard guard{load_active_};
  sqlite3_bind_int64(load_active_, 1, finished_since_ms);
  std::vector<snapshot> result;
  int rc;
  while ((rc = sqlite3_step(load_active_)) == SQLITE_ROW)
    result.push_back(read_row(load_active_));
  if (rc != SQLITE_DONE)
    fail("cannot load games");
  return result;
}

snapshot store::load(std::string_view code) {
  reset_guard guard{load_};
  sqlite3_bind_text(load_, 1, code.data(), static_cast<int>(code.size()),
                    SQLITE_STATIC);
  auto rc = sqlite3_step(load_);
  if (rc == SQLITE_ROW)
    return read_row(load_);
  if (rc != SQLITE_DONE)
    fail("cannot load game");
  return {};
}

int store::reap_finished(int64_t cutoff_ms) {
  exec("BEGIN IMMEDIATE");
  try {
    int total = 0;
    for (auto* stmt : {keep_results_, reap_, reap_replicas_}) {
      reset_guard guard{stmt};
      sqlite3_bind_int64(stmt, 1, cutoff_ms);
      if (sqlite3_step(stmt) != SQLITE_DONE)
        fail("cannot reap games");
      if (stmt != keep_results_)
        total += sqlite3_changes(db_);
    }
    exec("COMMIT");
    return total;
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<snapshot> store::results(std::string_view code) {
  reset_guard guard{results_};
  sqlite3_bind_text(results_, 1, code.data(), static_cast<int>(code.size()),
                    SQLITE_STATIC);
  std::vector<snapshot> found;
  int rc;
  while ((rc = sqlite3_step(results_)) == SQLITE_ROW)
    found.push_back(read_row(results_));
  if (rc != SQLITE_DONE)
    fail("cannot read results");
  return found;
}

} // namespace parlor::store
