#include "parlor/store/store.hpp"

#include <sqlite3.h>

#include <chrono>

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
  return s;
}

} // namespace

store::store(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw store_error("cannot create data directory " + dir.string() + ": "
                      + ec.message());
  auto file = (dir / "parlor.db").string();
  if (sqlite3_open_v2(file.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                        | SQLITE_OPEN_NOMUTEX,
                      nullptr)
      != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw store_error("cannot open database " + file + ": " + msg);
  }
  try {
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
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
    prepare("INSERT INTO games (code, kind, version, finished, data, "
            "updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
            "ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, "
            "version = excluded.version, finished = excluded.finished, "
            "data = excluded.data, updated_ms = excluded.updated_ms "
            "WHERE excluded.version >= games.version",
            save_);
    prepare("SELECT code, kind, version, finished, data, updated_ms "
            "FROM games WHERE finished = 0 ORDER BY code",
            load_active_);
    prepare("SELECT code, kind, version, finished, data, updated_ms "
            "FROM games WHERE code = ?1",
            load_);
    prepare("DELETE FROM games WHERE finished = 1 AND updated_ms < ?1",
            reap_);
  } catch (...) {
    close();
    throw;
  }
}

store::~store() {
  close();
}

void store::close() noexcept {
  for (auto* stmt : {save_, load_active_, load_, reap_})
    sqlite3_finalize(stmt);
  save_ = load_active_ = load_ = reap_ = nullptr;
  if (db_)
    sqlite3_close(db_);
  db_ = nullptr;
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

bool store::save(const snapshot& s) {
  reset_guard guard{save_};
  auto now = s.updated_ms != 0
               ? s.updated_ms
               : std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  sqlite3_bind_text(save_, 1, s.code.data(), static_cast<int>(s.code.size()),
                    SQLITE_STATIC);
  sqlite3_bind_text(save_, 2, s.kind.data(), static_cast<int>(s.kind.size()),
                    SQLITE_STATIC);
  sqlite3_bind_int64(save_, 3, static_cast<sqlite3_int64>(s.version));
  sqlite3_bind_int(save_, 4, s.finished ? 1 : 0);
  sqlite3_bind_text(save_, 5, s.data.data(), static_cast<int>(s.data.size()),
                    SQLITE_STATIC);
  sqlite3_bind_int64(save_, 6, now);
  if (sqlite3_step(save_) != SQLITE_DONE)
    fail("cannot save game");
  return sqlite3_changes(db_) > 0;
}

std::vector<snapshot> store::load_active() {
  reset_guard guard{load_active_};
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
  reset_guard guard{reap_};
  sqlite3_bind_int64(reap_, 1, cutoff_ms);
  if (sqlite3_step(reap_) != SQLITE_DONE)
    fail("cannot reap games");
  return sqlite3_changes(db_);
}

} // namespace parlor::store
