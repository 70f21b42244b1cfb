#include "sqlite.hpp"

#include <chrono>
#include <thread>

namespace parlor::store::detail {

void close_connection::operator()(sqlite3* db) const noexcept {
  // Its statements are finalized by now; if one were not, `_v2` would
  // close the connection once it is.
  sqlite3_close_v2(db);
}

namespace {

/// Waits for a lock in naps of 50 µs, `max_naps` of them at most. SQLite's
/// own busy timeout sleeps 1, 2, 5, 10 ms... in turn, far longer than a
/// restarting checkpoint usually holds the writer off (the moves benchmark
/// shows what that wait costs: docs/benchmarks.md).
int nap_when_busy(int count, int max_naps) {
  if (count >= max_naps)
    return 0;
  std::this_thread::sleep_for(std::chrono::microseconds{50});
  return 1;
}

} // namespace

int writer_busy(void*, int count) {
  return nap_when_busy(count, 100'000);
}

int checkpointer_busy(void*, int count) {
  // A nap takes longer than it asks for: the store test "keep_short
  // restarts a log ..." reports how long the 100 take.
  return nap_when_busy(count, 100);
}

connection open_connection(const std::string& file, int flags,
                           const std::string& what, int (*busy)(void*, int)) {
  // Before SQLite's first use in the process: no memory statistics (nothing
  // here reads them, and keeping them takes a global mutex around every
  // allocation, several per move; the CPU per 1,000 moves in
  // docs/benchmarks.md shows the cost). Refused, harmlessly, if SQLite is
  // already initialized.
  static const bool configured [[maybe_unused]] =
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  sqlite3* raw = nullptr;
  auto rc = sqlite3_open_v2(file.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX,
                            nullptr);
  connection db{raw};
  if (rc != SQLITE_OK)
    throw store_error(what + ": "
                      + (db ? sqlite3_errmsg(db.get()) : "out of memory"));
  sqlite3_busy_handler(db.get(), busy, nullptr);
  return db;
}

std::optional<std::string> try_exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) == SQLITE_OK)
    return std::nullopt;
  std::string msg = err ? err : sqlite3_errmsg(db);
  sqlite3_free(err);
  return msg;
}

void exec(sqlite3* db, const char* sql) {
  if (auto msg = try_exec(db, sql))
    throw store_error(std::string{"database error ("}
                      + sqlite3_db_filename(db, "main") + "): " + *msg);
}

void fail(sqlite3* db, const char* what) {
  throw store_error(std::string{what} + " (" + sqlite3_db_filename(db, "main")
                    + "): " + sqlite3_errmsg(db));
}

statement prepare(sqlite3* db, const char* sql, const char* what) {
  sqlite3_stmt* raw = nullptr;
  auto rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  statement stmt{raw};
  if (rc != SQLITE_OK)
    fail(db, what);
  return stmt;
}

void bind_text(sqlite3_stmt* stmt, int i, std::string_view text) {
  sqlite3_bind_text(stmt, i, text.data(), static_cast<int>(text.size()),
                    SQLITE_STATIC);
}

void run(sqlite3_stmt* stmt, const char* what) {
  if (sqlite3_step(stmt) != SQLITE_DONE)
    fail(sqlite3_db_handle(stmt), what);
}

} // namespace parlor::store::detail
