#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace parlor::store {

/// A game snapshot as stored.
struct snapshot {
  std::string code;
  std::string kind;
  uint64_t version = 0;
  bool finished = false;
  /// The match, serialized as JSON by `games::match::save`.
  std::string data;
  /// Unix time in milliseconds of the last write.
  int64_t updated_ms = 0;
};

/// Thrown when the database cannot be opened, migrated or written.
struct store_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// SQLite persistence of game snapshots (WAL mode, synchronous=NORMAL,
/// versioned schema). Not thread-safe: one owner (the store actor) at a time.
class store {
public:
  /// Opens or creates `dir/parlor.db` and migrates the schema. Throws
  /// `store_error` with a clear message for an unusable or corrupt file.
  explicit store(const std::filesystem::path& dir);

  ~store();

  store(const store&) = delete;
  store& operator=(const store&) = delete;

  /// Writes `s` unless a snapshot with a higher version is already stored.
  /// Returns whether it was written.
  bool save(const snapshot& s);

  /// Returns every stored game that is not finished.
  std::vector<snapshot> load_active();

  /// Returns the snapshot of `code`, or an empty snapshot (version 0).
  snapshot load(std::string_view code);

  /// Deletes finished games last written before `cutoff_ms`. Returns how many.
  int reap_finished(int64_t cutoff_ms);

  /// The schema version this build writes.
  static constexpr int schema_version = 1;

private:
  void close() noexcept;
  void exec(const char* sql);
  [[noreturn]] void fail(const char* what);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* save_ = nullptr;
  sqlite3_stmt* load_active_ = nullptr;
  sqlite3_stmt* load_ = nullptr;
  sqlite3_stmt* reap_ = nullptr;
};

} // namespace parlor::store
