#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace parlor::store {

namespace detail {

/// Closes a SQLite connection (in src/: only the store sees sqlite3.h).
struct close_connection {
  void operator()(sqlite3* db) const noexcept;
};

/// An open SQLite connection, closed when it goes out of scope.
using connection = std::unique_ptr<sqlite3, close_connection>;

} // namespace detail

/// A game snapshot as stored.
struct snapshot {
  std::string code;
  std::string kind;
  uint64_t version = 0;
  bool finished = false;
  /// The match, serialized as JSON by `games::match::save`.
  std::string data;
  /// Unix time in milliseconds of the last write (0 on save: now).
  int64_t updated_ms = 0;
  /// Ownership generation: 1 when created, +1 each time the game moves to
  /// another node.
  uint64_t incarnation = 1;
  /// For replicas: the node that owns the game.
  std::string owner;
};

/// Thrown when the database cannot be opened, migrated or written.
struct store_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// When a commit reaches the disk (`--sync`).
enum class sync_mode {
  /// Before the commit returns: the log is synced (SQLite's
  /// synchronous=FULL), so an acknowledged move survives a power cut or an
  /// OS crash. Group commit makes it one sync per batch.
  full,
  /// At the next checkpoint, about once a second (synchronous=NORMAL): a
  /// process crash loses nothing, an OS crash or power cut the last second.
  normal,
};

/// The file in a data directory that says it held a database: a data
/// directory with it and without `parlor.db` is refused rather than
/// started empty.
inline constexpr const char* created_marker = "parlor.db.created";

/// SQLite persistence of game snapshots (WAL mode, versioned schema). Not
/// thread-safe: one owner (the store actor) at a time.
class store {
public:
  /// Opens or creates `dir/parlor.db` and migrates the schema. Throws
  /// `store_error` with a clear message for an unusable or corrupt file,
  /// or when `dir` held a database that is gone (see `created_marker`).
  explicit store(const std::filesystem::path& dir,
                 sync_mode sync = sync_mode::full);

  /// What is wrong with the database file under its name, if anything: it
  /// was deleted, or replaced by another file, since it was opened. Writes
  /// would then go to a file nobody will open again. One `stat` call.
  std::optional<std::string> file_problem() const;

  /// A small write in a transaction of its own (one row of the table
  /// `health_probe`, made on first use), to learn whether writes work
  /// again after a failure. Throws `store_error` if not.
  void probe();

  ~store();

  store(const store&) = delete;
  store& operator=(const store&) = delete;

  /// Writes `s` unless a newer snapshot (higher incarnation, or same
  /// incarnation and higher version) is already stored. Returns whether it
  /// was written.
  bool save(const snapshot& s);

  /// Keeps `s` (with `s.owner` set) as this node's backup copy of another
  /// node's game, under the same rule as `save`.
  bool save_replica(const snapshot& s);

  /// The highest incarnation of `code` this node holds, as its own game or
  /// as a backup copy; 0 if none.
  uint64_t newest_incarnation(std::string_view code);

  /// The backup copies of games `owner` owns: the unfinished ones, and the
  /// finished ones last written at or after `finished_since_ms`.
  std::vector<snapshot>
  load_replicas(std::string_view owner,
                int64_t finished_since_ms = std::numeric_limits<int64_t>::max());

  /// Drops the backup copy of `code` if `owner` holds it at `incarnation`
  /// or older. Returns whether one was dropped.
  bool drop_replica(std::string_view code, std::string_view owner,
                    uint64_t incarnation);

  /// Failover, in one transaction: turns the backup copy of `code` owned by
  /// `owner` into a game of this node with the next incarnation. Returns
  /// it, or nothing if there is no such copy.
  std::optional<snapshot> adopt(std::string_view code, std::string_view owner);

  /// Deletes every backup copy. Returns how many.
  int clear_replicas();

  /// Deletes the backup copies of `owner`'s games last written before
  /// `written_before_ms` (they may be stale). Returns how many.
  int drop_replicas(std::string_view owner, int64_t written_before_ms);

  /// Deletes this node's game `code` if stored at `incarnation` or older
  /// (another node owns it now). Returns whether it was deleted.
  bool forget(std::string_view code, uint64_t incarnation);

  /// Returns every stored game that is not finished, and the finished ones
  /// last written at or after `finished_since_ms` (still joinable).
  std::vector<snapshot>
  load_active(int64_t finished_since_ms = std::numeric_limits<int64_t>::max());

  /// Returns the snapshot of `code`, or an empty snapshot (version 0).
  snapshot load(std::string_view code);

  /// Deletes finished games and finished backup copies last written before
  /// `cutoff_ms`, keeping each reaped game's final snapshot in the results
  /// (one transaction). Returns how many were deleted.
  int reap_finished(int64_t cutoff_ms);

  /// The results kept for games that had code `code`, oldest first
  /// (`updated_ms` is when the game was last written, i.e. finished).
  std::vector<snapshot> results(std::string_view code);

  /// Runs `writes` (calls of `save` and `save_replica`) in one transaction:
  /// one commit for all of them. Rolls back and rethrows if it throws.
  template <class F>
  void batch(F&& writes) {
    begin();
    try {
      writes();
      commit();
    } catch (...) {
      rollback();
      throw;
    }
  }

  /// Commits copy the write-ahead log into the database themselves once it
  /// holds `pages` pages (SQLite's default: 1000; 0: never). That copy syncs
  /// the file and takes milliseconds: a node leaves the work to a
  /// `checkpointer` on another thread and keeps a high threshold only as a
  /// backstop, should that thread fall behind.
  void auto_checkpoint(int pages);

  /// Calls `f` after every commit with the number of pages in the log
  /// (before any automatic checkpoint).
  void on_commit(std::function<void(int log_pages)> f);

  /// The schema version this build writes.
  static constexpr int schema_version = 4;

private:
  /// The prepared statements, one per query (src/store.cpp).
  struct statements;

  /// SQLite's write-ahead log hook: `on_commit_`, then the automatic
  /// checkpoint it replaces.
  static int after_commit(void* self, sqlite3* db, const char* schema,
                          int pages);
  /// BEGIN and COMMIT from prepared statements (`exec` parses each time).
  void begin();
  void commit();
  void rollback() noexcept;

  /// See `auto_checkpoint` and `on_commit` (one SQLite hook serves both).
  int auto_checkpoint_pages_ = 1000;
  std::function<void(int)> on_commit_;
  /// `parlor.db`, and the identity of the file opened under that name.
  std::string file_;
  uint64_t file_dev_ = 0;
  uint64_t file_ino_ = 0;
  detail::connection db_;
  /// Finalized before `db_` closes: declared after it.
  std::unique_ptr<statements> stmts_;
};

/// Copies the write-ahead log of `dir/parlor.db` into the database from a
/// connection of its own, without blocking the `store`'s writes (SQLite's
/// passive checkpoint). Not thread-safe: one owner at a time.
class checkpointer {
public:
  /// Opens the existing database. Throws `store_error`.
  explicit checkpointer(const std::filesystem::path& dir);

  checkpointer(const checkpointer&) = delete;
  checkpointer& operator=(const checkpointer&) = delete;

  struct progress {
    /// Frames in the log, and how many of them are in the database now.
    int log_frames = 0;
    int copied_frames = 0;
    /// Not finished: the writer or a reader held it off past its wait (100
    /// naps for a restart), or it could not start at all.
    bool busy = false;
  };

  enum class mode {
    /// Copies what it can without blocking the writer.
    passive,
    /// Copies everything and makes the writer start the log over: waits for
    /// the writer's transaction to end and holds the next one off while it
    /// runs (short when a passive checkpoint ran just before) and while it
    /// waits for readers of the log to finish (100 naps, then it gives up
    /// with `busy`). Under a steady stream of writes, passive checkpoints
    /// never finish the log, so it would grow without end.
    restart,
  };

  /// One checkpoint. A busy database is no error: `progress` tells what was
  /// done. Throws `store_error`.
  progress run(mode m = mode::passive);

  /// One round of keeping the log short: a passive checkpoint, then a
  /// restarting one once the log holds `restart_frames`. The restart is
  /// needed even when the passive one copied all it saw: it copies the log as
  /// it was when it began, commits meanwhile append to it, and a log starts
  /// over only at a commit that finds it copied to its very end, so under
  /// steady writes it never would. `restarting(true)` and `(false)` are
  /// called around the restart (also when it throws). Throws `store_error`.
  progress keep_short(int restart_frames,
                      const std::function<void(bool)>& restarting = {});

private:
  detail::connection db_;
};

} // namespace parlor::store
