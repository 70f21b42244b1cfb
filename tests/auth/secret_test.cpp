#include "parlor/auth/secret.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <future>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using parlor::auth::load_or_create_secret;

namespace {

fs::path temp_dir() {
  auto base = fs::temp_directory_path()
              / ("parlor-secret-" + std::to_string(::getpid()) + "-"
                 + std::to_string(std::rand()));
  fs::create_directories(base);
  return base;
}

} // namespace

TEST_CASE("a missing secret file is created private and reused", "[auth]") {
  auto dir = temp_dir();
  auto file = dir / "sub" / "cluster-secret";
  auto s1 = load_or_create_secret(file);
  CHECK(s1.size() == 64);
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(load_or_create_secret(file) == s1);
  fs::remove_all(dir);
}

TEST_CASE("nodes started at once agree on one secret", "[auth]") {
  auto dir = temp_dir();
  auto file = dir / "cluster-secret";
  std::vector<std::future<std::string>> runs;
  for (int i = 0; i < 8; ++i)
    runs.push_back(std::async(std::launch::async,
                              [&] { return load_or_create_secret(file); }));
  auto first = runs.front().get();
  for (std::size_t i = 1; i < runs.size(); ++i)
    CHECK(runs[i].get() == first);
  fs::remove_all(dir);
}

TEST_CASE("an existing secret file is read and trimmed", "[auth]") {
  auto dir = temp_dir();
  auto file = dir / "cluster-secret";
  std::ofstream{file} << "  my-secret \n";
  CHECK(load_or_create_secret(file) == "my-secret");
  std::ofstream{file, std::ios::trunc} << "\n";
  CHECK_THROWS_WITH(load_or_create_secret(file),
                    Catch::Contains("is empty"));
  fs::remove_all(dir);
}

TEST_CASE("tools read an existing secret but never create one", "[auth]") {
  auto dir = temp_dir();
  auto file = dir / "cluster-secret";
  CHECK_THROWS_WITH(parlor::auth::load_secret(file),
                    Catch::Contains(file.string()));
  CHECK_FALSE(fs::exists(file));
  std::ofstream{file} << "abc\n";
  CHECK(parlor::auth::load_secret(file) == "abc");
  fs::remove_all(dir);
}
