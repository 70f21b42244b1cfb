#pragma once

// SQLite's C API behind RAII handles, and the checked calls that turn its
// failures into `store_error`s. Private to libs/store, the one library that
// sees sqlite3.h.

#include "parlor/store/store.hpp"

#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parlor::store::detail {

/// Finalizes a prepared statement.
struct finalize {
  void operator()(sqlite3_stmt* stmt) const noexcept {
    sqlite3_finalize(stmt);
  }
};

/// A prepared statement, finalized when it goes out of scope. Declared after
/// the `connection` it was prepared on, it goes first.
using statement = std::unique_ptr<sqlite3_stmt, finalize>;

/// Resets a statement and clears its bindings when leaving scope, ready for
/// its next use.
struct reset_guard {
  sqlite3_stmt* stmt;
  ~reset_guard() {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
};

/// The busy handler of the store's connection: a write waits up to 5 s
/// (100,000 naps of 50 µs) for the lock before it fails.
int writer_busy(void*, int count);

/// The busy handler of the checkpointer's connection. A restarting
/// checkpoint holds the writer off while it waits for readers: it gives up
/// after 100 naps and tries again at its next round.
int checkpointer_busy(void*, int count);

/// Opens `file` with `flags` and the busy handler `busy`. Throws
/// `store_error` starting with `what`.
connection open_connection(const std::string& file, int flags,
                           const std::string& what, int (*busy)(void*, int));

/// Runs `sql`, which may hold several statements. Returns SQLite's error
/// message if it fails.
std::optional<std::string> try_exec(sqlite3* db, const char* sql);

/// Runs `sql`. Throws `store_error` naming the database file.
void exec(sqlite3* db, const char* sql);

/// Throws `store_error`: `what`, the database file and SQLite's last error.
[[noreturn]] void fail(sqlite3* db, const char* what);

/// Prepares `sql`. Throws as `fail(db, what)` does.
statement prepare(sqlite3* db, const char* sql,
                  const char* what = "cannot prepare statement");

/// Binds `text` to parameter `i` without copying it: `text` must outlive
/// the step (a `reset_guard` clears the binding).
void bind_text(sqlite3_stmt* stmt, int i, std::string_view text);

/// Steps `stmt`, which returns no rows, to its end. Throws as
/// `fail(db, what)` does.
void run(sqlite3_stmt* stmt, const char* what);

} // namespace parlor::store::detail
