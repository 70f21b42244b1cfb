#include "parlor/core/host_port.hpp"

#include <catch2/catch.hpp>

using parlor::core::host_port;
using parlor::core::parse_host_port;

TEST_CASE("host:port splits into a host and a port", "[core]") {
  CHECK(parse_host_port("127.0.0.1:4370") == host_port{"127.0.0.1", 4370});
  CHECK(parse_host_port("example.org:1") == host_port{"example.org", 1});
  CHECK(parse_host_port("h:65535") == host_port{"h", 65535});
  CHECK(parse_host_port("h:04370") == host_port{"h", 4370});
}

TEST_CASE("an IPv6 literal goes in brackets, or without them when the port "
          "is required",
          "[core]") {
  CHECK(parse_host_port("[::1]:4371") == host_port{"::1", 4371});
  CHECK(parse_host_port("::1:4371") == host_port{"::1", 4371});
  CHECK(parse_host_port("[fe80::1%eth0]:80")
        == host_port{"fe80::1%eth0", 80});
  // With a default port, `::1:4371` could be `[::1:4371]`: brackets needed.
  CHECK_FALSE(parse_host_port("::1:4371", 80));
  CHECK_FALSE(parse_host_port("::1", 80));
  CHECK(parse_host_port("[::1]:4371", 80) == host_port{"::1", 4371});
}

TEST_CASE("with a default port the port may be left out", "[core]") {
  CHECK(parse_host_port("example.org", 80) == host_port{"example.org", 80});
  CHECK(parse_host_port("[::1]", 80) == host_port{"::1", 80});
  CHECK(parse_host_port("h:4000", 80) == host_port{"h", 4000});
  CHECK_FALSE(parse_host_port("example.org"));
  CHECK_FALSE(parse_host_port("[::1]"));
}

TEST_CASE("malformed addresses are refused", "[core]") {
  for (const char* bad :
       {"", ":4370", "h:", "h:0", "h:70000", "h:12x", "h:-1",
        "h:+1", "h: 1", "[]:1", "[::1", "[::1]x:1", "[::1]:", "a]:1",
        "x[a]:1", "h:99999999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(parse_host_port(bad));
    CHECK_FALSE(parse_host_port(bad, 80));
  }
}

TEST_CASE("to_string writes what parse_host_port reads", "[core]") {
  for (const host_port& x :
       {host_port{"127.0.0.1", 4370}, host_port{"::1", 1},
        host_port{"node-1.internal", 65535}}) {
    INFO(x.host);
    CHECK(parse_host_port(to_string(x)) == x);
    CHECK(parse_host_port(to_string(x), 80) == x);
  }
  CHECK(to_string(host_port{"::1", 4370}) == "[::1]:4370");
  CHECK(to_string(host_port{"h", 80}) == "h:80");
}
