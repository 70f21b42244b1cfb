#include "static_files.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using parlor::gateway::static_files;
namespace fs = std::filesystem;

namespace {

/// A directory of its own under the temp directory, removed at the end.
struct temp_dir {
  fs::path path = fs::temp_directory_path()
                  / ("parlor-static-" + std::to_string(::getpid()));
  temp_dir() {
    fs::remove_all(path);
    fs::create_directories(path / "assets");
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& body) {
    std::ofstream{path / name, std::ios::binary} << body;
  }
};

} // namespace

TEST_CASE("the web client is loaded by relative path with its type",
          "[gateway]") {
  temp_dir dir;
  dir.write("index.html", "<html>");
  dir.write("assets/app.js", std::string{"a\0b", 3});
  auto files = static_files::load(dir.path);
  CHECK(files.size() == 2);
  auto* index = files.find("/index.html");
  REQUIRE(index);
  CHECK(index->body == "<html>");
  CHECK(index->content_type == "text/html; charset=utf-8");
  auto* js = files.find("/assets/app.js");
  REQUIRE(js);
  CHECK(js->body == std::string{"a\0b", 3});
  CHECK(js->content_type == "text/javascript; charset=utf-8");
  CHECK_FALSE(files.find("/assets"));
  CHECK_FALSE(files.find("index.html"));
}

TEST_CASE("a missing web client means no files", "[gateway]") {
  CHECK(static_files::load("").size() == 0);
  CHECK(static_files::load("/nonexistent/parlor-web").size() == 0);
  static_files files;
  files.add("/x.css", "a{}");
  CHECK(files.find("/x.css")->content_type == "text/css; charset=utf-8");
}
