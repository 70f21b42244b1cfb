#include "parlor/gateway/http_util.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

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
  auto ok = [](std::string_view raw) { return clean_name(raw).has_value(); };
  CHECK(clean_name("a") == "a");
  CHECK(ok(std::string(32, 'x')));
  CHECK_FALSE(ok(""));
  CHECK_FALSE(ok(std::string(33, 'x')));
  // 32 two-byte characters are 32 characters.
  std::string umlauts;
  for (int i = 0; i < 32; ++i)
    umlauts += "\xC3\xBC";
  CHECK(ok(umlauts));
  CHECK_FALSE(ok(umlauts + "a"));
  CHECK_FALSE(ok("tab\there"));
  CHECK_FALSE(ok("nl\n"));
  CHECK_FALSE(ok("c1\xC2\x85")); // U+0085, a C1 control
  CHECK(clean_name("Zo\xC3\xAB \xF0\x9F\x8E\xB2") == "Zo\xC3\xAB \xF0\x9F\x8E\xB2");
}

TEST_CASE("names lose the invisible characters that disguise them",
          "[gateway]") {
  // U+202E RIGHT-TO-LEFT OVERRIDE would show "alice\u202Eevil" reversed.
  CHECK(clean_name("alice\xE2\x80\xAE" "evil") == "aliceevil");
  CHECK(clean_name("\xE2\x80\x8B" "bob\xEF\xBB\xBF") == "bob"); // ZWSP, BOM
  CHECK(clean_name("a\xE2\x81\xA6" "b\xE2\x81\xA9") == "ab");   // isolates
  // Only invisible or blank characters: no name at all.
  for (auto raw : {"\xE2\x80\x8B\xE2\x80\x8B", "   ", "\xE2\x80\x8D",
                   "\xE2\x80\xAE \xE2\x80\x8B", "\xC2\xA0\xE3\x80\x80"}) {
    INFO(raw);
    CHECK_FALSE(clean_name(raw));
  }
  // A joiner between visible characters stays (emoji sequences).
  std::string family = "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";
  CHECK(clean_name(family) == family);
  // Removed characters do not count towards the 32.
  std::string padded = std::string(32, 'x') + "\xE2\x80\x8B";
  CHECK(clean_name(padded) == std::string(32, 'x'));
}

TEST_CASE("names must be valid UTF-8", "[gateway]") {
  for (auto raw : {"\xC3", "\xC3\x28", "\xC0\xAF", "\xED\xA0\x80",
                   "\xF4\x90\x80\x80", "\xFF"}) {
    INFO(raw);
    CHECK_FALSE(clean_name(raw));
  }
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

TEST_CASE("origins: by default the node's own host or localhost",
          "[gateway]") {
  const std::vector<std::string> none;
  CHECK(origin_allowed("http://play.example.com", "play.example.com", none));
  CHECK(origin_allowed("https://Play.Example.com:8443",
                       "play.example.com:8443", none));
  CHECK_FALSE(origin_allowed("https://play.example.com:8443",
                             "play.example.com", none)); // another port
  CHECK_FALSE(origin_allowed("https://evil.example", "play.example.com",
                             none));
  for (auto local : {"http://localhost:3000", "http://127.0.0.1:9",
                     "https://localhost", "http://[::1]:4000"})
    CHECK(origin_allowed(local, "play.example.com", none));
  CHECK_FALSE(origin_allowed("http://localhost.evil.example",
                             "play.example.com", none));
  for (auto bad : {"null", "", "file://", "ftp://play.example.com",
                   "http://", "http://a b", "http://user@play.example.com"})
    CHECK_FALSE(origin_allowed(bad, "play.example.com", none));
}

TEST_CASE("origins: a list allows exactly what it names", "[gateway]") {
  const std::vector<std::string> list{"https://play.example.com",
                                      "http://Lan-Box:4000"};
  CHECK(origin_allowed("https://play.example.com", "node1:4000", list));
  CHECK(origin_allowed("http://lan-box:4000", "node1:4000", list));
  CHECK_FALSE(origin_allowed("http://play.example.com", "node1:4000", list));
  CHECK_FALSE(origin_allowed("http://localhost:4000", "node1:4000", list));
  CHECK_FALSE(origin_allowed("http://node1:4000", "node1:4000", list));
  CHECK_FALSE(origin_allowed("null", "node1:4000", list));
  CHECK(valid_origin("https://play.example.com"));
  CHECK(valid_origin("http://10.0.0.1:4000"));
  CHECK_FALSE(valid_origin("play.example.com"));
  CHECK_FALSE(valid_origin("https://play.example.com/path"));
}
