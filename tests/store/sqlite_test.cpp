#include "sqlite.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace fs = std::filesystem;
namespace detail = parlor::store::detail;
using parlor::store::store_error;

namespace {

/// A database file of its own, removed with its directory.
struct temp_db {
  fs::path dir = fs::temp_directory_path()
                 / ("parlor-sqlite-" + std::to_string(::getpid()) + "-"
                    + std::to_string(std::rand()));
  std::string file = (dir / "test.db").string();
  detail::connection db;
  temp_db() {
    fs::create_directories(dir);
    db = detail::open_connection(file,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                 "cannot open", detail::writer_busy);
  }
  ~temp_db() {
    db.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

} // namespace

TEST_CASE("a statement that fails to prepare names the file and SQLite's "
          "reason",
          "[store]") {
  temp_db t;
  CHECK_THROWS_AS(detail::prepare(t.db.get(), "SELEC 1"), store_error);
  CHECK_THROWS_WITH(detail::prepare(t.db.get(), "SELEC 1"),
                    Catch::StartsWith("cannot prepare statement (")
                      && Catch::Contains(t.file)
                      && Catch::Contains("syntax error"));
  CHECK_THROWS_WITH(detail::prepare(t.db.get(), "SELECT * FROM nowhere",
                                    "cannot read nowhere"),
                    Catch::StartsWith("cannot read nowhere (")
                      && Catch::Contains("no such table: nowhere"));
}

TEST_CASE("a statement is finalized when it goes out of scope", "[store]") {
  temp_db t;
  {
    auto stmt = detail::prepare(t.db.get(), "SELECT 1");
    CHECK(sqlite3_next_stmt(t.db.get(), nullptr) == stmt.get());
  }
  CHECK(sqlite3_next_stmt(t.db.get(), nullptr) == nullptr);
  // Nothing left open: the plain close, which refuses while a statement
  // lives, succeeds.
  CHECK(sqlite3_close(t.db.release()) == SQLITE_OK);
}

TEST_CASE("a reset guard leaves a statement ready for reuse, unbound",
          "[store]") {
  temp_db t;
  auto stmt = detail::prepare(t.db.get(), "SELECT ?1");
  {
    detail::reset_guard guard{stmt.get()};
    detail::bind_text(guard.stmt, 1, "bound");
    REQUIRE(sqlite3_step(guard.stmt) == SQLITE_ROW);
    CHECK(reinterpret_cast<const char*>(sqlite3_column_text(guard.stmt, 0))
          == std::string{"bound"});
  }
  detail::reset_guard guard{stmt.get()};
  REQUIRE(sqlite3_step(guard.stmt) == SQLITE_ROW);
  CHECK(sqlite3_column_type(guard.stmt, 0) == SQLITE_NULL);
}

TEST_CASE("a failing step and a failing exec name the file and SQLite's "
          "reason",
          "[store]") {
  temp_db t;
  detail::exec(t.db.get(), "CREATE TABLE t (k TEXT PRIMARY KEY)");
  auto insert = detail::prepare(t.db.get(), "INSERT INTO t VALUES ('a')");
  {
    detail::reset_guard guard{insert.get()};
    detail::run(guard.stmt, "cannot insert");
  }
  detail::reset_guard guard{insert.get()};
  CHECK_THROWS_WITH(detail::run(guard.stmt, "cannot insert"),
                    Catch::StartsWith("cannot insert (")
                      && Catch::Contains(t.file)
                      && Catch::Contains("UNIQUE constraint failed"));
  CHECK_THROWS_WITH(detail::exec(t.db.get(), "DROP TABLE nowhere"),
                    Catch::StartsWith("database error (")
                      && Catch::Contains("no such table: nowhere"));
  CHECK(detail::try_exec(t.db.get(), "SELECT 1") == std::nullopt);
}

TEST_CASE("a connection that cannot be opened gives a clear error",
          "[store]") {
  temp_db t;
  auto missing = (t.dir / "none" / "x.db").string();
  CHECK_THROWS_WITH(detail::open_connection(missing, SQLITE_OPEN_READWRITE,
                                            "cannot open database " + missing,
                                            detail::checkpointer_busy),
                    Catch::StartsWith("cannot open database " + missing + ": ")
                      && Catch::Contains("unable to open"));
}
