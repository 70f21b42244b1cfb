#include "parlor/store/store.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using parlor::store::snapshot;
using parlor::store::store;
using parlor::store::store_error;

namespace {

struct temp_dir {
  fs::path path = fs::temp_directory_path()
                  / ("parlor-store-" + std::to_string(::getpid()) + "-"
                     + std::to_string(std::rand()));
  temp_dir() {
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

snapshot snap(std::string code, uint64_t version, bool finished = false) {
  return {std::move(code), "tictactoe", version, finished,
          R"({"v":)" + std::to_string(version) + "}", 0, 1, {}};
}

} // namespace

TEST_CASE("saved games come back after reopening", "[store]") {
  temp_dir dir;
  {
    store db{dir.path};
    CHECK(db.save(snap("ABCD", 1)));
    CHECK(db.save(snap("ABCD", 2)));
    CHECK(db.save(snap("WXYZ", 5)));
  }
  store db{dir.path};
  auto active = db.load_active();
  REQUIRE(active.size() == 2);
  CHECK(active[0].code == "ABCD");
  CHECK(active[0].version == 2);
  CHECK(active[0].data == R"({"v":2})");
  CHECK(active[0].updated_ms > 0);
  CHECK(active[1].code == "WXYZ");
  CHECK(db.load("WXYZ").version == 5);
  CHECK(db.load("NONE").version == 0);
}

TEST_CASE("an older version never overwrites a newer one", "[store]") {
  temp_dir dir;
  store db{dir.path};
  CHECK(db.save(snap("ABCD", 3)));
  CHECK_FALSE(db.save(snap("ABCD", 2)));
  CHECK(db.load("ABCD").version == 3);
  CHECK(db.save(snap("ABCD", 3))); // the same version may be rewritten
}

TEST_CASE("finished games are not loaded and can be reaped", "[store]") {
  temp_dir dir;
  store db{dir.path};
  auto old = snap("OLDX", 9, true);
  old.updated_ms = 1000;
  db.save(old);
  db.save(snap("NEWX", 9, true));
  db.save(snap("LIVE", 2));
  auto active = db.load_active();
  REQUIRE(active.size() == 1);
  CHECK(active[0].code == "LIVE");
  CHECK(db.reap_finished(2000) == 1);
  CHECK(db.load("OLDX").version == 0);
  CHECK(db.load("NEWX").version == 9);
  // The reaped game's final snapshot is kept as its result.
  auto kept = db.results("OLDX");
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].version == 9);
  CHECK(kept[0].data == old.data);
  CHECK(kept[0].updated_ms == 1000);
  CHECK(db.results("NEWX").empty());
  CHECK(db.results("LIVE").empty());
}

TEST_CASE("results outlive their game and stay after its code is reused",
          "[store]") {
  temp_dir dir;
  {
    store db{dir.path};
    auto first = snap("CODE", 5, true);
    first.updated_ms = 1000;
    db.save(first);
    CHECK(db.reap_finished(2000) == 1);
    // A later game with the same code finishes and is reaped too.
    auto second = snap("CODE", 7, true);
    second.updated_ms = 3000;
    db.save(second);
    CHECK(db.reap_finished(4000) == 1);
    // Reaping again keeps no duplicate.
    CHECK(db.reap_finished(4000) == 0);
  }
  store db{dir.path};
  auto kept = db.results("CODE");
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].version == 5);
  CHECK(kept[1].version == 7);
}

TEST_CASE("a corrupt database file gives a clear error", "[store]") {
  temp_dir dir;
  std::ofstream{dir.path / "parlor.db", std::ios::binary}
    << std::string(8192, 'x');
  try {
    store db{dir.path};
    FAIL("opened a corrupt database");
  } catch (const store_error& e) {
    CHECK(std::string{e.what()}.find("not a database") != std::string::npos);
  }
}

TEST_CASE("a database from a newer build is refused", "[store]") {
  temp_dir dir;
  { store db{dir.path}; }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open((dir.path / "parlor.db").c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw, "PRAGMA user_version=99", nullptr, nullptr,
                       nullptr)
          == SQLITE_OK);
  sqlite3_close(raw);
  CHECK_THROWS_WITH(store{dir.path}, Catch::Contains("newer than this build"));
}

TEST_CASE("an unusable data directory gives a clear error", "[store]") {
  temp_dir dir;
  auto file = dir.path / "a-file";
  std::ofstream{file} << "x";
  CHECK_THROWS_WITH(store{file / "sub"},
                    Catch::Contains("cannot create data directory"));
}

namespace {

snapshot replica(std::string code, std::string owner, uint64_t version,
                 uint64_t incarnation = 1, bool finished = false) {
  auto s = snap(std::move(code), version, finished);
  s.owner = std::move(owner);
  s.incarnation = incarnation;
  return s;
}

/// Writes a database exactly as version 1 of this build did, plus `extra`
/// SQL (rows).
void write_v1_database(const std::filesystem::path& dir,
                       const std::string& extra = {}) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open((dir / "parlor.db").c_str(), &raw) == SQLITE_OK);
  auto sql = R"sql(
    CREATE TABLE games (code TEXT PRIMARY KEY, kind TEXT NOT NULL,
      version INTEGER NOT NULL, finished INTEGER NOT NULL,
      data TEXT NOT NULL, updated_ms INTEGER NOT NULL);
    CREATE INDEX games_finished ON games (finished, updated_ms);
    PRAGMA user_version=1;
  )sql" + extra;
  REQUIRE(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr)
          == SQLITE_OK);
  sqlite3_close(raw);
}

} // namespace

TEST_CASE("a version 1 database is migrated and keeps its games",
          "[store]") {
  temp_dir dir;
  write_v1_database(dir.path, "INSERT INTO games VALUES ('OLDG', "
                              "'tictactoe', 4, 0, '{\"v\":4}', 1000);");
  store db{dir.path};
  auto active = db.load_active();
  REQUIRE(active.size() == 1);
  CHECK(active[0].code == "OLDG");
  CHECK(active[0].version == 4);
  CHECK(active[0].incarnation == 1);
  CHECK(db.save_replica(replica("REPL", "n2", 1))); // the new table exists
}

TEST_CASE("migrating a version 1 database ends with the current schema",
          "[store]") {
  temp_dir dir;
  write_v1_database(dir.path);
  sqlite3* raw = nullptr;
  { store db{dir.path}; }
  REQUIRE(sqlite3_open((dir.path / "parlor.db").c_str(), &raw) == SQLITE_OK);
  auto text = [&](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, sql, -1, &stmt, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return out;
  };
  CHECK(text("PRAGMA user_version") == std::to_string(store::schema_version));
  // The reaper's indexes as version 4 made them: finished rows only.
  CHECK(text("SELECT sql FROM sqlite_master WHERE name = 'games_finished'")
        == "CREATE INDEX games_finished ON games (updated_ms) WHERE "
           "finished = 1");
  CHECK(text("SELECT sql FROM sqlite_master WHERE name = "
             "'replicas_finished'")
        == "CREATE INDEX replicas_finished ON replicas (updated_ms) WHERE "
           "finished = 1");
  sqlite3_close(raw);
}

namespace {

int page_size(const fs::path& dir) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open((dir / "parlor.db").c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "PRAGMA page_size", -1, &stmt, nullptr)
          == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  int size = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
  return size;
}

} // namespace

TEST_CASE("a new database has 1 KB pages, and snapshots larger than a page "
          "come back whole",
          "[store]") {
  temp_dir dir;
  std::string big(5000, 'x');
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>('a' + i % 26);
  {
    store db{dir.path};
    auto g = snap("HUGE", 1);
    g.data = R"({"blob":")" + big + R"("})";
    REQUIRE(db.save(g));
    REQUIRE(db.save(snap("TINY", 1)));
  }
  CHECK(page_size(dir.path) == 1024);
  store reopened{dir.path};
  CHECK(reopened.load("HUGE").data == R"({"blob":")" + big + R"("})");
  CHECK(reopened.load("TINY").data == R"({"v":1})");
}

TEST_CASE("an existing database keeps its page size", "[store]") {
  temp_dir dir;
  write_v1_database(dir.path, "INSERT INTO games VALUES ('OLDG', "
                              "'tictactoe', 4, 0, '{\"v\":4}', 1000);");
  REQUIRE(page_size(dir.path) == 4096); // SQLite's default
  {
    store db{dir.path};
    REQUIRE(db.save(snap("NEWG", 1)));
  }
  CHECK(page_size(dir.path) == 4096);
  store reopened{dir.path};
  CHECK(reopened.load("OLDG").version == 4);
  CHECK(reopened.load("NEWG").version == 1);
}

TEST_CASE("a higher incarnation replaces any version of a lower one",
          "[store]") {
  temp_dir dir;
  store db{dir.path};
  auto moved = snap("ABCD", 2);
  moved.incarnation = 2;
  CHECK(db.save(snap("ABCD", 7)));
  CHECK(db.save(moved));
  CHECK_FALSE(db.save(snap("ABCD", 9))); // the old owner's late write
  CHECK(db.load("ABCD").version == 2);
  CHECK(db.load("ABCD").incarnation == 2);
}

TEST_CASE("backup copies are kept per owner, newest first wins",
          "[store]") {
  temp_dir dir;
  store db{dir.path};
  CHECK(db.save_replica(replica("AAAA", "n1", 1)));
  CHECK(db.save_replica(replica("AAAA", "n1", 3)));
  CHECK_FALSE(db.save_replica(replica("AAAA", "n1", 2))); // reordered, old
  CHECK(db.save_replica(replica("BBBB", "n1", 1)));
  CHECK(db.save_replica(replica("CCCC", "n2", 1)));
  CHECK(db.save_replica(replica("DDDD", "n1", 5, 1, true))); // finished
  auto of_n1 = db.load_replicas("n1");
  REQUIRE(of_n1.size() == 2);
  CHECK(of_n1[0].code == "AAAA");
  CHECK(of_n1[0].version == 3);
  CHECK(of_n1[0].owner == "n1");
  CHECK(of_n1[1].code == "BBBB");
  CHECK(db.load_replicas("n2").size() == 1);
  CHECK(db.load_replicas("n3").empty());
  // Own games and copies are separate.
  CHECK(db.load_active().empty());
  // Dropping needs the right owner and no newer incarnation.
  CHECK_FALSE(db.drop_replica("AAAA", "n2", 1));
  CHECK(db.drop_replica("AAAA", "n1", 1));
  CHECK(db.load_replicas("n1").size() == 1);
}

TEST_CASE("the copies of one owner written before a time can be dropped",
          "[store]") {
  temp_dir dir;
  store db{dir.path};
  auto at = [](snapshot s, int64_t ms) {
    s.updated_ms = ms;
    return s;
  };
  CHECK(db.save_replica(at(replica("OLDA", "n1", 3), 1000)));
  CHECK(db.save_replica(at(replica("OLDF", "n1", 9, 1, true), 1500)));
  CHECK(db.save_replica(at(replica("NEWA", "n1", 4), 2000)));
  CHECK(db.save_replica(at(replica("ELSE", "n2", 2), 1000)));
  CHECK(db.drop_replicas("n1", 2000) == 2);
  auto left = db.load_replicas("n1");
  REQUIRE(left.size() == 1);
  CHECK(left[0].code == "NEWA");
  CHECK(db.load_replicas("n2").size() == 1);
  CHECK(db.drop_replicas("n3", 5000) == 0);
}

TEST_CASE("adopting a copy makes it a game of this node, one incarnation "
          "later",
          "[store]") {
  temp_dir dir;
  {
    store db{dir.path};
    CHECK(db.save_replica(replica("AAAA", "n1", 6, 2)));
    CHECK_FALSE(db.adopt("AAAA", "n9")); // another owner's copy: none
    auto adopted = db.adopt("AAAA", "n1");
    REQUIRE(adopted);
    CHECK(adopted->version == 6);
    CHECK(adopted->incarnation == 3);
    CHECK(adopted->data == R"({"v":6})");
    CHECK_FALSE(db.adopt("AAAA", "n1")); // only once
  }
  store db{dir.path}; // durable
  auto active = db.load_active();
  REQUIRE(active.size() == 1);
  CHECK(active[0].code == "AAAA");
  CHECK(active[0].incarnation == 3);
  CHECK(db.load_replicas("n1").empty());
}

TEST_CASE("a game that moved away is forgotten, a newer one kept",
          "[store]") {
  temp_dir dir;
  store db{dir.path};
  CHECK(db.save(snap("ABCD", 3)));
  CHECK(db.forget("ABCD", 1));
  CHECK(db.load("ABCD").version == 0);
  auto newer = snap("WXYZ", 1);
  newer.incarnation = 4;
  CHECK(db.save(newer));
  CHECK_FALSE(db.forget("WXYZ", 3));
  CHECK(db.load("WXYZ").incarnation == 4);
}

TEST_CASE("finished backup copies are reaped with finished games",
          "[store]") {
  temp_dir dir;
  store db{dir.path};
  auto old_game = snap("AAAA", 9, true);
  old_game.updated_ms = 1000;
  auto old_copy = replica("BBBB", "n2", 9, 1, true);
  old_copy.updated_ms = 1000;
  CHECK(db.save(old_game));
  CHECK(db.save_replica(old_copy));
  CHECK(db.save_replica(replica("CCCC", "n2", 1)));
  CHECK(db.reap_finished(2000) == 2);
  CHECK(db.load_replicas("n2").size() == 1);
}

TEST_CASE("recently finished games and copies are still loaded, old ones "
          "not",
          "[store]") {
  temp_dir dir;
  store db{dir.path};
  auto fresh = snap("NEWF", 9, true);
  fresh.updated_ms = 5000;
  auto stale = snap("OLDF", 9, true);
  stale.updated_ms = 1000;
  CHECK(db.save(fresh));
  CHECK(db.save(stale));
  CHECK(db.save(snap("LIVE", 3)));
  CHECK(db.load_active().size() == 1); // by default: unfinished only
  auto recent = db.load_active(4000);
  REQUIRE(recent.size() == 2);
  CHECK(recent[0].code == "LIVE");
  CHECK(recent[1].code == "NEWF");
  auto copy = replica("CPYF", "n2", 9, 1, true);
  copy.updated_ms = 5000;
  CHECK(db.save_replica(copy));
  CHECK(db.load_replicas("n2").empty());
  CHECK(db.load_replicas("n2", 4000).size() == 1);
  CHECK(db.adopt("CPYF", "n2")); // a finished copy can be adopted too
}

namespace {

/// Saves versions `from`..`to` of GAME, each about a page of data.
void write_pages(store& s, uint64_t from, uint64_t to) {
  std::string big(3000, 'x');
  for (uint64_t v = from; v <= to; ++v) {
    auto g = snap("GAME", v);
    g.data = big;
    REQUIRE(s.save(g));
  }
}

/// A store that never checkpoints by itself and remembers the length of
/// its log after the last commit.
struct watched_store {
  temp_dir dir;
  store s{dir.path};
  int last = 0;
  watched_store() {
    s.auto_checkpoint(0);
    s.on_commit([this](int pages) { last = pages; });
  }
};

} // namespace

TEST_CASE("with auto-checkpoints off, a checkpointer on its own connection "
          "moves the log into the database",
          "[store]") {
  temp_dir dir;
  auto wal = dir.path / "parlor.db-wal";
  store s{dir.path};
  s.auto_checkpoint(0);
  parlor::store::checkpointer cp{dir.path};
  cp.run(); // whatever the migrations left
  // Far more than SQLite's 1000-page threshold: commits no longer
  // checkpoint, so the log only grows.
  auto before = fs::file_size(wal);
  write_pages(s, 1, 1500);
  CHECK(fs::file_size(wal) > before);
  CHECK(fs::file_size(wal) > 1000 * 1024);
  auto p = cp.run();
  CHECK(p.log_frames > 1000);
  CHECK(p.copied_frames == p.log_frames);
  // The writer starts the log over after a complete checkpoint, and every
  // version is where a reader looks.
  REQUIRE(s.save(snap("GAME", 1501)));
  CHECK(cp.run().log_frames < 10);
  CHECK(s.load("GAME").version == 1501);
  store reopened{dir.path};
  CHECK(reopened.load("GAME").version == 1501);
}

TEST_CASE("the auto-checkpoint backstop copies the log when nobody else "
          "does, commits report the log's length",
          "[store]") {
  temp_dir dir;
  store s{dir.path};
  s.auto_checkpoint(200);
  int longest = 0;
  int commits = 0;
  s.on_commit([&](int pages) {
    longest = std::max(longest, pages);
    ++commits;
  });
  parlor::store::checkpointer cp{dir.path};
  write_pages(s, 1, 1500);
  CHECK(commits == 1500);
  // Every commit past 200 pages checkpoints: the log starts over and
  // never holds much more than the threshold.
  CHECK(longest >= 200);
  CHECK(longest <= 200 + 10);
  CHECK(cp.run().log_frames <= 200 + 10);
  CHECK(s.load("GAME").version == 1500);
}

TEST_CASE("a restarting checkpoint copies everything and the log starts "
          "over",
          "[store]") {
  watched_store w;
  auto& s = w.s;
  auto& last = w.last;
  parlor::store::checkpointer cp{w.dir.path};
  using mode = parlor::store::checkpointer::mode;
  write_pages(s, 1, 300);
  CHECK(last >= 300);
  auto p = cp.run(mode::restart);
  CHECK(p.log_frames >= 300);
  CHECK(p.copied_frames == p.log_frames);
  write_pages(s, 301, 301);
  CHECK(last < 10); // started over
  CHECK(s.load("GAME").version == 301);
  store reopened{w.dir.path};
  CHECK(reopened.load("GAME").version == 301);
}

TEST_CASE("keep_short restarts a log that reached the threshold even when "
          "its passive pass copied all of it, a reader makes it give up",
          "[store]") {
  // A reader's open snapshot keeps a commit from starting the log over by
  // itself, as commits that land during a passive checkpoint do in a busy
  // node. The restart waits for the reader ~15 ms, gives up, and tries
  // again at the next round.
  watched_store w;
  parlor::store::checkpointer cp{w.dir.path};
  cp.run();
  write_pages(w.s, 1, 400);
  REQUIRE(w.last >= 300);
  sqlite3* reader = nullptr;
  REQUIRE(sqlite3_open((w.dir.path / "parlor.db").c_str(), &reader)
          == SQLITE_OK);
  REQUIRE(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM games", nullptr,
                       nullptr, nullptr)
          == SQLITE_OK);
  int calls = 0;
  std::chrono::steady_clock::time_point began;
  double held_ms = 0; // how long the restart ran, holding the writer off
  auto p = cp.keep_short(300, [&](bool on) {
    ++calls;
    auto now = std::chrono::steady_clock::now();
    if (on)
      began = now;
    else
      held_ms = std::chrono::duration<double, std::milli>(now - began).count();
  });
  CHECK(calls == 2);
  CHECK(p.busy);
  CHECK(p.copied_frames == p.log_frames); // copied, but not started over
  // 100 naps of 50 µs; a nap takes longer on a busy machine.
  INFO("the restart ran " << held_ms << " ms");
  CHECK(held_ms >= 5);
  CHECK(held_ms < 1000);
  write_pages(w.s, 401, 401);
  CHECK(w.last > 300); // the reader still holds the log
  REQUIRE(sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr)
          == SQLITE_OK);
  sqlite3_close(reader);
  calls = 0;
  p = cp.keep_short(300, [&](bool) { ++calls; });
  CHECK(calls == 2);
  CHECK_FALSE(p.busy);
  CHECK(p.log_frames >= 300);
  CHECK(p.copied_frames == p.log_frames);
  write_pages(w.s, 402, 402);
  CHECK(w.last < 10); // started over
  // Below the threshold, only the passive pass.
  write_pages(w.s, 403, 410);
  calls = 0;
  p = cp.keep_short(300, [&](bool) { ++calls; });
  CHECK(calls == 0);
  CHECK(p.log_frames < 300);
  CHECK(w.s.load("GAME").version == 410);
}

TEST_CASE("under a steady stream of commits, rounds of keep_short start "
          "the log over once it reaches the threshold",
          "[store]") {
  // The writer commits a page every ~100 us while the checkpointer works
  // on another thread, as in a node. A passive checkpoint copies the log as
  // it was when it began (milliseconds here: it syncs the file); commits
  // meanwhile keep the log from starting over, and passive rounds alone let
  // it grow without end.
  temp_dir dir;
  store s{dir.path};
  s.auto_checkpoint(0);
  std::atomic<int> start_overs{0};
  std::atomic<int> longest{0};
  int last = 0; // the writer's thread only
  s.on_commit([&](int pages) {
    if (pages < last)
      ++start_overs;
    last = pages;
    if (pages > longest)
      longest = pages;
  });
  parlor::store::checkpointer cp{dir.path};
  cp.run();
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> written{0};
  std::atomic<bool> writer_failed{false};
  std::thread writer{[&] {
    try {
      for (uint64_t v = 1; v <= 100'000 && !stop; ++v) {
        if (!s.save(snap("GAME", v)))
          break;
        written = v;
        std::this_thread::sleep_for(std::chrono::microseconds{100});
      }
    } catch (const store_error&) {
      writer_failed = true;
    }
  }};
  // Stops and joins the writer however this test ends.
  struct joiner {
    std::atomic<bool>& stop;
    std::thread& t;
    ~joiner() {
      stop = true;
      if (t.joinable())
        t.join();
    }
  } join_writer{stop, writer};
  constexpr int restart_frames = 200;
  int restarts = 0;
  int unfinished = 0; // restarts that left frames over
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  while ((restarts < 3 || start_overs < 3)
         && std::chrono::steady_clock::now() < deadline) {
    auto before = restarts;
    auto p = cp.keep_short(restart_frames, [&](bool on) { restarts += on; });
    if (restarts > before) {
      CHECK(p.log_frames >= restart_frames);
      unfinished += p.copied_frames < p.log_frames && !p.busy;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{2});
  }
  stop = true;
  writer.join();
  CHECK_FALSE(writer_failed);
  INFO(written << " commits, " << restarts << " restarts, " << unfinished
               << " unfinished restarts, longest log " << longest);
  CHECK(start_overs >= 3);
  CHECK(restarts >= 3);
  CHECK(unfinished == 0); // a restart copies everything
  CHECK(s.load("GAME").version == written);
}

TEST_CASE("a checkpointer needs an existing database", "[store]") {
  temp_dir dir;
  CHECK_THROWS_AS(parlor::store::checkpointer{dir.path / "none"}, store_error);
}

TEST_CASE("a batch writes all its snapshots in one transaction, or none",
          "[store]") {
  temp_dir dir;
  store s{dir.path};
  s.batch([&] {
    CHECK(s.save(snap("AAAA", 1)));
    CHECK(s.save(snap("BBBB", 1)));
    CHECK(s.save(snap("AAAA", 2)));
    CHECK_FALSE(s.save(snap("AAAA", 1))); // older: not written
    auto copy = snap("CCCC", 4);
    copy.owner = "node-b";
    CHECK(s.save_replica(copy));
  });
  CHECK(s.load("AAAA").version == 2);
  CHECK(s.load("BBBB").version == 1);
  CHECK(s.load_replicas("node-b").size() == 1);
  CHECK_THROWS_AS(s.batch([&] {
                    REQUIRE(s.save(snap("AAAA", 3)));
                    REQUIRE(s.save(snap("DDDD", 1)));
                    throw store_error("disk on fire");
                  }),
                  store_error);
  CHECK(s.load("AAAA").version == 2);
  CHECK(s.load_active().size() == 2);
  // The store works on after a rolled back batch.
  CHECK(s.save(snap("AAAA", 3)));
  CHECK(s.load("AAAA").version == 3);
}

TEST_CASE("a move of an unfinished game rewrites one page of the database",
          "[store]") {
  watched_store w;
  auto& s = w.s;
  auto& last = w.last;
  // Enough games for the table and its indexes to span several pages.
  for (int i = 0; i < 400; ++i) {
    char code[5];
    std::snprintf(code, sizeof code, "G%03d", i);
    auto g = snap(code, 1);
    g.updated_ms = 1000000 + i;
    REQUIRE(s.save(g));
  }
  auto g = snap("G123", 2);
  g.updated_ms = 1999999; // every write moves the clock (same width)
  int before = last;
  REQUIRE(s.save(g));
  INFO("log " << before << " -> " << last);
  CHECK(last - before == 1);
  // Finishing it enters the reaper's index too: two pages.
  g = snap("G123", 3, true);
  g.updated_ms = 2000000;
  before = last;
  REQUIRE(s.save(g));
  CHECK(last - before == 2);
}

TEST_CASE("the reaper finds finished games through an index", "[store]") {
  temp_dir dir;
  { store db{dir.path}; }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open((dir.path / "parlor.db").c_str(), &raw) == SQLITE_OK);
  auto plan = [&](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, sql, -1, &stmt, nullptr) == SQLITE_OK);
    std::string out;
    while (sqlite3_step(stmt) == SQLITE_ROW)
      out += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
    sqlite3_finalize(stmt);
    return out;
  };
  CHECK_THAT(plan("EXPLAIN QUERY PLAN DELETE FROM games "
                  "WHERE finished = 1 AND updated_ms < 5"),
             Catch::Contains("USING INDEX games_finished"));
  CHECK_THAT(plan("EXPLAIN QUERY PLAN DELETE FROM replicas "
                  "WHERE finished = 1 AND updated_ms < 5"),
             Catch::Contains("USING INDEX replicas_finished"));
  sqlite3_close(raw);
}

TEST_CASE("newest_incarnation covers own games and backup copies", "[store]") {
  temp_dir dir;
  store db{dir.path};
  CHECK(db.newest_incarnation("ABCD") == 0);
  auto own = snap("ABCD", 3);
  own.incarnation = 2;
  CHECK(db.save(own));
  CHECK(db.newest_incarnation("ABCD") == 2);
  auto copy = snap("ABCD", 4);
  copy.incarnation = 5;
  copy.owner = "n2";
  CHECK(db.save_replica(copy));
  CHECK(db.newest_incarnation("ABCD") == 5);
  CHECK(db.newest_incarnation("WXYZ") == 0);
  CHECK(db.forget("ABCD", 2));
  CHECK(db.drop_replica("ABCD", "n2", 5));
  CHECK(db.newest_incarnation("ABCD") == 0);
}
