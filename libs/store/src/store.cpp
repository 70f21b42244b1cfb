#include "parlor/store/store.hpp"

#include "schema.hpp"
#include "sqlite.hpp"

#include "parlor/core/clock.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <sys/stat.h>

namespace parlor::store {

using detail::bind_text;
using detail::reset_guard;
using detail::run;

struct store::statements {
  /// Prepares every statement on `db`. Throws `store_error`.
  explicit statements(sqlite3* db);

  detail::statement save;
  detail::statement load_active;
  detail::statement load;
  detail::statement keep_results;
  detail::statement reap;
  detail::statement reap_replicas;
  detail::statement save_replica;
  detail::statement load_replicas;
  detail::statement drop_replica;
  detail::statement drop_replicas;
  detail::statement newest_incarnation;
  detail::statement forget;
  detail::statement results;
  detail::statement begin;
  detail::statement commit;
};

store::statements::statements(sqlite3* db) {
  using detail::prepare;
  // A write never goes back: not to an older incarnation, nor to an older
  // version of the same one.
  save = prepare(db, "INSERT INTO games (code, kind, version, finished, "
                     "data, updated_ms, incarnation) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                     "ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, "
                     "version = excluded.version, "
                     "finished = excluded.finished, data = excluded.data, "
                     "updated_ms = excluded.updated_ms, "
                     "incarnation = excluded.incarnation "
                     "WHERE (excluded.incarnation, excluded.version) "
                     ">= (games.incarnation, games.version)");
  load_active = prepare(db, "SELECT code, kind, version, finished, data, "
                            "updated_ms, incarnation FROM games "
                            "WHERE finished = 0 OR updated_ms >= ?1 "
                            "ORDER BY code");
  load = prepare(db, "SELECT code, kind, version, finished, data, "
                     "updated_ms, incarnation FROM games WHERE code = ?1");
  keep_results = prepare(db, "INSERT INTO results (code, kind, version, "
                             "finished_ms, data) "
                             "SELECT code, kind, version, updated_ms, data "
                             "FROM games "
                             "WHERE finished = 1 AND updated_ms < ?1");
  reap = prepare(db, "DELETE FROM games "
                     "WHERE finished = 1 AND updated_ms < ?1");
  reap_replicas = prepare(db, "DELETE FROM replicas "
                              "WHERE finished = 1 AND updated_ms < ?1");
  save_replica = prepare(db, "INSERT INTO replicas (code, kind, version, "
                             "finished, data, updated_ms, incarnation, owner) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                             "ON CONFLICT (code) DO UPDATE SET "
                             "kind = excluded.kind, "
                             "version = excluded.version, "
                             "finished = excluded.finished, "
                             "data = excluded.data, "
                             "updated_ms = excluded.updated_ms, "
                             "incarnation = excluded.incarnation, "
                             "owner = excluded.owner "
                             "WHERE (excluded.incarnation, excluded.version) "
                             ">= (replicas.incarnation, replicas.version)");
  load_replicas = prepare(db, "SELECT code, kind, version, finished, data, "
                              "updated_ms, incarnation, owner FROM replicas "
                              "WHERE owner = ?1 "
                              "AND (finished = 0 OR updated_ms >= ?2) "
                              "ORDER BY code");
  drop_replica = prepare(db, "DELETE FROM replicas WHERE code = ?1 "
                             "AND owner = ?2 AND incarnation <= ?3");
  drop_replicas = prepare(db, "DELETE FROM replicas WHERE owner = ?1 "
                                "AND updated_ms < ?2");
  newest_incarnation = prepare(db, "SELECT MAX(i) FROM ("
                                  "SELECT incarnation AS i FROM games "
                                  "WHERE code = ?1 UNION ALL "
                                  "SELECT incarnation FROM replicas "
                                  "WHERE code = ?1)");
  forget = prepare(db, "DELETE FROM games "
                       "WHERE code = ?1 AND incarnation <= ?2");
  results = prepare(db, "SELECT code, kind, version, 1, data, finished_ms, 0 "
                        "FROM results WHERE code = ?1 ORDER BY finished_ms");
  begin = prepare(db, "BEGIN");
  commit = prepare(db, "COMMIT");
}

namespace {

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

/// Steps `stmt` to its end, reading every row. Throws `store_error`
/// starting with `what`.
std::vector<snapshot> read_rows(sqlite3_stmt* stmt, const char* what) {
  std::vector<snapshot> rows;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    rows.push_back(read_row(stmt));
  if (rc != SQLITE_DONE)
    detail::fail(sqlite3_db_handle(stmt), what);
  return rows;
}

/// Binds `s` to parameters 1 to 7 (`code` to `incarnation`), as `save`
/// and `save_replica` take them.
void bind_snapshot(sqlite3_stmt* stmt, const snapshot& s) {
  bind_text(stmt, 1, s.code);
  bind_text(stmt, 2, s.kind);
  sqlite3_bind_int64(stmt, 3, static_cast<sqlite3_int64>(s.version));
  sqlite3_bind_int(stmt, 4, s.finished ? 1 : 0);
  bind_text(stmt, 5, s.data);
  sqlite3_bind_int64(stmt, 6,
                     s.updated_ms != 0 ? s.updated_ms : core::unix_ms());
  sqlite3_bind_int64(stmt, 7, static_cast<sqlite3_int64>(s.incarnation));
}

} // namespace

// -- opening ------------------------------------------------------------------

store::store(const std::filesystem::path& dir, sync_mode sync) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw store_error("cannot create data directory " + dir.string() + ": "
                      + ec.message());
  auto file = (dir / "parlor.db").string();
  auto marker = dir / created_marker;
  if (std::filesystem::exists(marker, ec) && !std::filesystem::exists(file, ec))
    throw store_error("data directory " + dir.string() + " held a database, "
                      "but " + file + " is missing: refusing to start with an "
                      "empty one. Put the file back, or delete "
                      + marker.string() + " to start empty");
  file_ = file;
  db_ = detail::open_connection(file, SQLITE_OPEN_READWRITE
                                        | SQLITE_OPEN_CREATE,
                                "cannot open database " + file,
                                detail::writer_busy);
  auto db = db_.get();
  // A new database gets 1 KB pages (SQLite's default is 4 KB): a move
  // rewrites one row's leaf page, and a commit checksums, copies and writes
  // every page it touches. Rows up to ~990 bytes fit a leaf page; larger
  // ones spill into overflow pages, still no more bytes than one 4 KB page
  // until they pass ~3 KB. An existing file keeps its size (a WAL-mode
  // database cannot change it without a VACUUM).
  detail::exec(db, "PRAGMA page_size=1024");
  detail::exec(db, "PRAGMA journal_mode=WAL");
  detail::exec(db, sync == sync_mode::full ? "PRAGMA synchronous=FULL"
                                           : "PRAGMA synchronous=NORMAL");
  // A log that grew beyond 64 MB (the checkpointer fell behind) shrinks
  // back when it starts over.
  detail::exec(db, "PRAGMA journal_size_limit=67108864");
  sqlite3_wal_hook(db, after_commit, this);
  detail::migrate(db, file);
  stmts_ = std::make_unique<statements>(db);
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    throw store_error("cannot stat " + file + ": " + std::strerror(errno));
  file_dev_ = static_cast<uint64_t>(st.st_dev);
  file_ino_ = static_cast<uint64_t>(st.st_ino);
  if (!std::filesystem::exists(marker, ec)) {
    std::ofstream out{marker};
    out << "This directory holds parlor.db. Parlor refuses to start here "
           "without it;\n"
           "delete this file to start with an empty database.\n";
    if (!out)
      throw store_error("cannot write " + marker.string());
  }
}

std::optional<std::string> store::file_problem() const {
  struct stat st {};
  if (::stat(file_.c_str(), &st) != 0)
    return "database file " + file_ + " was deleted (" + std::strerror(errno)
           + "): writes refused; restart the node to recover";
  if (static_cast<uint64_t>(st.st_dev) != file_dev_
      || static_cast<uint64_t>(st.st_ino) != file_ino_)
    return "database file " + file_ + " was replaced by another file: "
           "writes refused; restart the node to recover";
  return std::nullopt;
}

void store::probe() {
  batch([&] {
    detail::exec(db_.get(), "CREATE TABLE IF NOT EXISTS health_probe "
                            "(id INTEGER PRIMARY KEY, at INTEGER)");
    detail::exec(db_.get(), ("INSERT OR REPLACE INTO health_probe VALUES (1, "
                             + std::to_string(core::unix_ms()) + ")")
                              .c_str());
  });
}

store::~store() = default;

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

// -- transactions -------------------------------------------------------------

void store::begin() {
  reset_guard guard{stmts_->begin.get()};
  run(guard.stmt, "cannot begin a transaction");
}

void store::commit() {
  reset_guard guard{stmts_->commit.get()};
  run(guard.stmt, "cannot commit");
}

void store::rollback() noexcept {
  sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

// -- games --------------------------------------------------------------------

bool store::save(const snapshot& s) {
  reset_guard guard{stmts_->save.get()};
  bind_snapshot(guard.stmt, s);
  run(guard.stmt, "cannot save game");
  return sqlite3_changes(db_.get()) > 0;
}

bool store::forget(std::string_view code, uint64_t incarnation) {
  reset_guard guard{stmts_->forget.get()};
  bind_text(guard.stmt, 1, code);
  sqlite3_bind_int64(guard.stmt, 2, static_cast<sqlite3_int64>(incarnation));
  run(guard.stmt, "cannot forget game");
  return sqlite3_changes(db_.get()) > 0;
}

std::vector<snapshot> store::load_active(int64_t finished_since_ms) {
  reset_guard guard{stmts_->load_active.get()};
  sqlite3_bind_int64(guard.stmt, 1, finished_since_ms);
  return read_rows(guard.stmt, "cannot load games");
}

snapshot store::load(std::string_view code) {
  reset_guard guard{stmts_->load.get()};
  bind_text(guard.stmt, 1, code);
  auto rc = sqlite3_step(guard.stmt);
  if (rc == SQLITE_ROW)
    return read_row(guard.stmt);
  if (rc != SQLITE_DONE)
    detail::fail(db_.get(), "cannot load game");
  return {};
}

// -- backup copies ------------------------------------------------------------

bool store::save_replica(const snapshot& s) {
  reset_guard guard{stmts_->save_replica.get()};
  bind_snapshot(guard.stmt, s);
  bind_text(guard.stmt, 8, s.owner);
  run(guard.stmt, "cannot save replica");
  return sqlite3_changes(db_.get()) > 0;
}

uint64_t store::newest_incarnation(std::string_view code) {
  reset_guard guard{stmts_->newest_incarnation.get()};
  bind_text(guard.stmt, 1, code);
  if (sqlite3_step(guard.stmt) != SQLITE_ROW)
    detail::fail(db_.get(), "cannot read incarnation");
  return static_cast<uint64_t>(sqlite3_column_int64(guard.stmt, 0));
}

std::vector<snapshot> store::load_replicas(std::string_view owner,
                                           int64_t finished_since_ms) {
  reset_guard guard{stmts_->load_replicas.get()};
  bind_text(guard.stmt, 1, owner);
  sqlite3_bind_int64(guard.stmt, 2, finished_since_ms);
  return read_rows(guard.stmt, "cannot load replicas");
}

bool store::drop_replica(std::string_view code, std::string_view owner,
                         uint64_t incarnation) {
  reset_guard guard{stmts_->drop_replica.get()};
  bind_text(guard.stmt, 1, code);
  bind_text(guard.stmt, 2, owner);
  sqlite3_bind_int64(guard.stmt, 3, static_cast<sqlite3_int64>(incarnation));
  run(guard.stmt, "cannot drop replica");
  return sqlite3_changes(db_.get()) > 0;
}

std::optional<snapshot> store::adopt(std::string_view code,
                                     std::string_view owner) {
  detail::exec(db_.get(), "BEGIN IMMEDIATE");
  try {
    std::optional<snapshot> found;
    for (auto& r : load_replicas(owner, 0))
      if (r.code == code)
        found = std::move(r);
    if (!found) {
      detail::exec(db_.get(), "COMMIT");
      return std::nullopt;
    }
    found->incarnation += 1;
    found->updated_ms = 0;
    found->owner.clear();
    save(*found);
    drop_replica(found->code, owner, found->incarnation);
    detail::exec(db_.get(), "COMMIT");
    return found;
  } catch (...) {
    rollback();
    throw;
  }
}

int store::clear_replicas() {
  detail::exec(db_.get(), "DELETE FROM replicas");
  return sqlite3_changes(db_.get());
}

int store::drop_replicas(std::string_view owner, int64_t written_before_ms) {
  reset_guard guard{stmts_->drop_replicas.get()};
  bind_text(guard.stmt, 1, owner);
  sqlite3_bind_int64(guard.stmt, 2, written_before_ms);
  run(guard.stmt, "cannot drop backup copies");
  return sqlite3_changes(db_.get());
}

// -- finished games -----------------------------------------------------------

int store::reap_finished(int64_t cutoff_ms) {
  detail::exec(db_.get(), "BEGIN IMMEDIATE");
  try {
    int total = 0;
    for (auto* stmt :
         {&stmts_->keep_results, &stmts_->reap, &stmts_->reap_replicas}) {
      reset_guard guard{stmt->get()};
      sqlite3_bind_int64(guard.stmt, 1, cutoff_ms);
      run(guard.stmt, "cannot reap games");
      if (stmt != &stmts_->keep_results)
        total += sqlite3_changes(db_.get());
    }
    detail::exec(db_.get(), "COMMIT");
    return total;
  } catch (...) {
    rollback();
    throw;
  }
}

std::vector<snapshot> store::results(std::string_view code) {
  reset_guard guard{stmts_->results.get()};
  bind_text(guard.stmt, 1, code);
  return read_rows(guard.stmt, "cannot read results");
}

} // namespace parlor::store
