#include "parlor/cli/command_line.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <utility>

using namespace parlor;

namespace {

cli::app_ptr test_app() {
  return cli::make_app("tool", "usage: tool [--key=value ...]\n",
                       "That is all.\n",
                       {{"name", "NAME", "who\nto greet"},
                        {"count", "N", "how often"},
                        {"loud", "", "shout"},
                        {"token", "T", "a token", "PARLOR_CLI_TEST_TOKEN"}});
}

/// Every value `apply` hands on, as `key=value`.
std::vector<std::string> values(const CLI::App& app) {
  std::vector<std::string> out;
  auto err = cli::apply(app, [&](const std::string& k, const std::string& v) {
    out.push_back(k + "=" + v);
    return std::string{};
  });
  CHECK(err.empty());
  return out;
}

} // namespace

TEST_CASE("values come in command-line order, each as given", "[cli]") {
  auto app = test_app();
  auto p = cli::parse(*app, {"--count=3", "--name=a", "--loud", "--name=",
                             "--name=-x", "--name=--count=4"});
  REQUIRE(p);
  CHECK(values(*app)
        == std::vector<std::string>{"count=3", "name=a", "loud=true",
                                    "name=", "name=-x", "name=--count=4"});
}

TEST_CASE("a flag takes an explicit value", "[cli]") {
  auto app = test_app();
  REQUIRE(cli::parse(*app, {"--loud=false"}));
  CHECK(values(*app) == std::vector<std::string>{"loud=false"});
}

TEST_CASE("only the --key=value form is taken", "[cli]") {
  struct row {
    std::vector<std::string> args;
    const char* error;
  };
  const row rows[] = {
    {{"--name", "bob"}, "option --name needs a value: --name=NAME"},
    {{"--name=bob", "bob"},
     "unexpected argument 'bob' (options are --key=value)"},
    {{"-n"}, "unexpected argument '-n' (options are --key=value)"},
    {{"--"}, "unexpected argument '--' (options are --key=value)"},
    {{"--nmae=bob"}, "unknown option '--nmae'; see --help"},
    {{"--=x"}, "unknown option '--'; see --help"},
  };
  for (auto& r : rows) {
    INFO(r.args.front());
    auto app = test_app();
    CHECK(cli::parse(*app, r.args).error == r.error);
  }
}

TEST_CASE("positionals are kept in order, up to the limit", "[cli]") {
  auto app = test_app();
  auto p = cli::parse(*app, {"drain", "--count=1", "-x", "n1"}, 3);
  REQUIRE(p);
  CHECK(p.positionals == std::vector<std::string>{"drain", "-x", "n1"});
  auto one = test_app();
  CHECK(cli::parse(*one, {"a", "b"}, 1).error
        == "unexpected argument 'b' (options are --key=value)");
}

TEST_CASE("an environment variable counts only without the flag", "[cli]") {
  ::setenv("PARLOR_CLI_TEST_TOKEN", "from-env", 1);
  auto app = test_app();
  REQUIRE(cli::parse(*app, {"--count=1"}));
  CHECK(values(*app)
        == std::vector<std::string>{"count=1", "token=from-env"});
  auto flagged = test_app();
  REQUIRE(cli::parse(*flagged, {"--token=flag"}));
  CHECK(values(*flagged) == std::vector<std::string>{"token=flag"});
  ::setenv("PARLOR_CLI_TEST_TOKEN", "", 1);
  auto empty = test_app();
  REQUIRE(cli::parse(*empty, {}));
  CHECK(values(*empty).empty());
  ::unsetenv("PARLOR_CLI_TEST_TOKEN");
}

TEST_CASE("apply stops at the first refusal", "[cli]") {
  auto app = test_app();
  REQUIRE(cli::parse(*app, {"--count=x", "--name=y"}));
  std::vector<std::string> seen;
  auto err = cli::apply(*app, [&](const std::string& k, const std::string&) {
    seen.push_back(k);
    return k == "count" ? std::string{"bad count"} : std::string{};
  });
  CHECK(err == "bad count");
  CHECK(seen == std::vector<std::string>{"count"});
}

TEST_CASE("help lists every option as it is written", "[cli]") {
  auto text = cli::help_text(*test_app());
  CHECK(text
        == "usage: tool [--key=value ...]\n"
           "\nOptions:\n"
           "  --name=NAME\n      who\n      to greet\n"
           "  --count=N\n      how often\n"
           "  --loud\n      shout\n"
           "  --token=T\n      a token (also PARLOR_CLI_TEST_TOKEN)\n"
           "\nThat is all.\n");
}

TEST_CASE("numbers and booleans are read strictly", "[cli]") {
  CHECK(cli::to_uint("42", 1, 100) == 42u);
  CHECK(cli::to_uint("007", 1, 100) == 7u);
  for (const char* bad : {"", "0", "101", "-1", "+1", " 1", "1x", "0x10"})
    CHECK_FALSE(cli::to_uint(bad, 1, 100));
  CHECK(cli::to_double("0.5", 0, 1) == 0.5);
  CHECK(cli::to_double("1e2", 0, 1000) == 100.0);
  for (const char* bad : {"", "x", "1.5s", "inf", "nan", "2", "1e999"})
    CHECK_FALSE(cli::to_double(bad, 0, 1));
  CHECK(cli::to_bool("") == true);
  CHECK(cli::to_bool("yes") == true);
  CHECK(cli::to_bool("0") == false);
  CHECK_FALSE(cli::to_bool("maybe"));
}
