#include "parlor/store/store.hpp"

#include <catch2/catch.hpp>

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
          R"({"v":)" + std::to_string(version) + "}", 0};
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
