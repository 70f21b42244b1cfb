#include "options.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace parlor;

TEST_CASE("commands, arguments and options mix in any order", "[ctl]") {
  ::unsetenv("PARLOR_URL");
  ::unsetenv("PARLOR_CLUSTER_SECRET");
  auto r = ctl::parse_options({"drain", "--url=http://10.0.0.1:4001", "n1",
                               "--timeout-s=5", "--json"});
  REQUIRE(r);
  CHECK(r.opts.args == std::vector<std::string>{"drain", "n1"});
  CHECK(r.opts.url == "http://10.0.0.1:4001");
  CHECK(r.opts.timeout_s == 5);
  CHECK(r.opts.json);
  CHECK_FALSE(r.opts.secret_given);
  auto defaults = ctl::parse_options({"status"});
  REQUIRE(defaults);
  CHECK(defaults.opts.url == "http://127.0.0.1:4000");
  CHECK(defaults.opts.timeout_s == 90);
  CHECK(ctl::parse_options({"--help"}).opts.help);
}

TEST_CASE("the environment gives the URL and the secret unless the flags "
          "do",
          "[ctl]") {
  ::setenv("PARLOR_URL", "http://env:1", 1);
  ::setenv("PARLOR_CLUSTER_SECRET", "env-secret", 1);
  auto env = ctl::parse_options({"status"});
  REQUIRE(env);
  CHECK(env.opts.url == "http://env:1");
  CHECK(env.opts.secret == "env-secret");
  CHECK(env.opts.secret_given);
  auto flags = ctl::parse_options(
    {"status", "--url=http://flag:2", "--cluster-secret=flag-secret"});
  REQUIRE(flags);
  CHECK(flags.opts.url == "http://flag:2");
  CHECK(flags.opts.secret == "flag-secret");
  ::setenv("PARLOR_CLUSTER_SECRET", "", 1); // empty: not given
  CHECK_FALSE(ctl::parse_options({"status"}).opts.secret_given);
  ::unsetenv("PARLOR_URL");
  ::unsetenv("PARLOR_CLUSTER_SECRET");
}

TEST_CASE("bad options name the problem", "[ctl]") {
  auto error_of = [](std::vector<std::string> args) {
    return ctl::parse_options(args).error;
  };
  CHECK_THAT(error_of({"status", "--bogus"}),
             Catch::Contains("unknown option '--bogus'"));
  CHECK_THAT(error_of({"status", "--url"}),
             Catch::Contains("option --url needs a value"));
  CHECK_THAT(error_of({"status", "--url="}),
             Catch::Contains("option --url needs a value"));
  CHECK_THAT(error_of({"status", "--cluster-secret="}),
             Catch::Contains("option --cluster-secret needs a value"));
  CHECK_THAT(error_of({"status", "--timeout-s=0"}),
             Catch::Contains("--timeout-s must be a number of seconds"));
  CHECK_THAT(error_of({"status", "--timeout-s=5s"}),
             Catch::Contains("--timeout-s must be"));
}

TEST_CASE("node URLs: http:// optional, port 80 by default", "[ctl]") {
  CHECK(ctl::parse_url("http://127.0.0.1:4000")
        == core::host_port{"127.0.0.1", 4000});
  CHECK(ctl::parse_url("http://h:4000/") == core::host_port{"h", 4000});
  CHECK(ctl::parse_url("h:4000") == core::host_port{"h", 4000});
  CHECK(ctl::parse_url("http://h") == core::host_port{"h", 80});
  CHECK(ctl::parse_url("http://[::1]:4000") == core::host_port{"::1", 4000});
  CHECK_FALSE(ctl::parse_url("ftp://x"));
  CHECK_FALSE(ctl::parse_url("http://h:4000/api"));
  CHECK_FALSE(ctl::parse_url("http://:4000"));
  CHECK_FALSE(ctl::parse_url("http://h:0"));
}

TEST_CASE("help lists the commands and every option", "[ctl]") {
  auto text = ctl::usage_text();
  for (const char* part :
       {"drain NODE", "--url=URL", "(also PARLOR_URL)", "--cluster-secret=S",
        "(also PARLOR_CLUSTER_SECRET)", "--timeout-s=N", "--json", "--help"}) {
    INFO(part);
    CHECK(text.find(part) != std::string::npos);
  }
}
