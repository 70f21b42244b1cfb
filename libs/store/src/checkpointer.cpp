#include "parlor/store/store.hpp"

#include "sqlite.hpp"

namespace parlor::store {

checkpointer::checkpointer(const std::filesystem::path& dir) {
  auto file = (dir / "parlor.db").string();
  db_ = detail::open_connection(file, SQLITE_OPEN_READWRITE,
                                "cannot open database " + file
                                  + " to checkpoint",
                                detail::checkpointer_busy);
  // Reads the header, so this connection knows the file is in WAL mode.
  if (auto msg = detail::try_exec(db_.get(), "PRAGMA journal_mode=WAL"))
    throw store_error("cannot checkpoint " + file + ": " + *msg);
}

checkpointer::progress checkpointer::run(mode m) {
  progress p;
  auto rc = sqlite3_wal_checkpoint_v2(db_.get(), nullptr,
                                      m == mode::restart
                                        ? SQLITE_CHECKPOINT_RESTART
                                        : SQLITE_CHECKPOINT_PASSIVE,
                                      &p.log_frames, &p.copied_frames);
  p.busy = rc == SQLITE_BUSY;
  if (rc != SQLITE_OK && rc != SQLITE_BUSY)
    throw store_error(std::string{"checkpoint failed ("}
                      + sqlite3_db_filename(db_.get(), "main")
                      + "): " + sqlite3_errmsg(db_.get()));
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

} // namespace parlor::store
