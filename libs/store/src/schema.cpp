#include "schema.hpp"

#include "sqlite.hpp"

#include <iterator>

namespace parlor::store::detail {

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

/// The database's schema version, 0 for a new one.
int schema_version_of(sqlite3* db) {
  // The first real read: a corrupt or foreign file fails here with "file is
  // not a database".
  auto stmt = prepare(db, "PRAGMA user_version", "cannot read schema version");
  if (sqlite3_step(stmt.get()) == SQLITE_ROW)
    return sqlite3_column_int(stmt.get(), 0);
  return 0;
}

} // namespace

void migrate(sqlite3* db, const std::string& file) {
  constexpr int latest = store::schema_version;
  auto version = schema_version_of(db);
  if (version > latest)
    throw store_error("database " + file + " has schema version "
                      + std::to_string(version) + ", newer than this build ("
                      + std::to_string(latest) + ")");
  for (int v = version; v < latest; ++v) {
    exec(db, "BEGIN");
    exec(db, migrations[v]);
    exec(db, ("PRAGMA user_version=" + std::to_string(v + 1)).c_str());
    exec(db, "COMMIT");
  }
}

} // namespace parlor::store::detail
