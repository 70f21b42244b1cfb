#include "parlor/gateway/http_util.hpp"

#include <catch2/catch.hpp>

using namespace parlor::gateway;

TEST_CASE("url_decode handles escapes and plus", "[gateway]") {
  CHECK(url_decode("a%20b+c") == "a b c");
  CHECK(url_decode("%C3%BC") == "\xC3\xBC");
  CHECK(url_decode("plain") == "plain");
  CHECK_FALSE(url_decode("bad%2"));
  CHECK_FALSE(url_decode("bad%zz"));
  CHECK_FALSE(url_decode("%"));
}

TEST_CASE("split_target separates path and params", "[gateway]") {
  auto [path, params] = split_target(
    "/socket/websocket?vsn=2.0.0&name=Al%20ice&token=abc&empty=&flag&bad=%zz");
  CHECK(path == "/socket/websocket");
  CHECK(params["vsn"] == "2.0.0");
  CHECK(params["name"] == "Al ice");
  CHECK(params["token"] == "abc");
  CHECK(params["empty"].empty());
  CHECK(params.count("flag") == 1);
  CHECK(params.count("bad") == 0);
  CHECK(split_target("/").first == "/");
  CHECK(split_target("/x?").second.empty());
}

TEST_CASE("names are 1 to 32 characters without control characters",
          "[gateway]") {
  CHECK(valid_name("a"));
  CHECK(valid_name(std::string(32, 'x')));
  CHECK_FALSE(valid_name(""));
  CHECK_FALSE(valid_name(std::string(33, 'x')));
  // 32 two-byte characters are 32 characters.
  std::string umlauts;
  for (int i = 0; i < 32; ++i)
    umlauts += "\xC3\xBC";
  CHECK(valid_name(umlauts));
  CHECK_FALSE(valid_name(umlauts + "a"));
  CHECK_FALSE(valid_name("tab\there"));
  CHECK_FALSE(valid_name("nl\n"));
}

TEST_CASE("content types and game paths", "[gateway]") {
  CHECK(content_type_for("index.html") == "text/html; charset=utf-8");
  CHECK(content_type_for("app.js") == "text/javascript; charset=utf-8");
  CHECK(content_type_for("style.css") == "text/css; charset=utf-8");
  CHECK(content_type_for("favicon.svg") == "image/svg+xml");
  CHECK(content_type_for("blob") == "application/octet-stream");
  CHECK(is_game_path("/g/ABCD"));
  CHECK(is_game_path("/g/abcd"));
  CHECK_FALSE(is_game_path("/g/ABC"));
  CHECK_FALSE(is_game_path("/g/ABCDE"));
  CHECK_FALSE(is_game_path("/g/AB1D"));
  CHECK_FALSE(is_game_path("/x/ABCD"));
}
