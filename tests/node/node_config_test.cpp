#include "parlor/node/node_config.hpp"

#include <catch2/catch.hpp>

using namespace parlor::node;

namespace {

file_reader no_files = [](const std::string&) -> std::optional<std::string> {
  return std::nullopt;
};

parse_result parse(std::vector<std::string> args,
                   std::map<std::string, std::string> env = {},
                   file_reader files = no_files) {
  return parse_config(args, env, files);
}

} // namespace

TEST_CASE("no options gives the contract's defaults", "[node]") {
  auto r = parse({});
  REQUIRE(r);
  auto& c = r.config;
  CHECK(c.name.empty());
  CHECK(c.region == "local");
  CHECK(c.http_host == "0.0.0.0");
  CHECK(c.http_port == 4000);
  CHECK(c.cluster_host == "127.0.0.1");
  CHECK(c.cluster_port == 4370);
  CHECK(c.seeds.empty());
  CHECK(c.data_dir == "./data");
  CHECK_FALSE(c.cluster_secret);
}

TEST_CASE("every contract flag is accepted", "[node]") {
  auto r = parse({"--name=n1", "--region=fra", "--http-host=127.0.0.1",
                  "--http-port=0", "--cluster-host=10.0.0.5",
                  "--cluster-port=4371",
                  "--seeds=127.0.0.1:4370,[::1]:4372, host:1",
                  "--data-dir=/tmp/x", "--cluster-secret=s"});
  REQUIRE(r);
  auto& c = r.config;
  CHECK(c.name == "n1");
  CHECK(c.region == "fra");
  CHECK(c.http_host == "127.0.0.1");
  CHECK(c.http_port == 0);
  CHECK(c.cluster_host == "10.0.0.5");
  CHECK(c.cluster_port == 4371);
  REQUIRE(c.seeds.size() == 3);
  CHECK(c.seeds[0] == endpoint{"127.0.0.1", 4370});
  CHECK(c.seeds[1] == endpoint{"::1", 4372});
  CHECK(c.seeds[2] == endpoint{"host", 1});
  CHECK(c.data_dir == "/tmp/x");
  CHECK(c.cluster_secret == "s");
}

TEST_CASE("dns takes a name and an optional port", "[node]") {
  auto plain = parse({"--dns=parlor.internal"});
  REQUIRE(plain);
  CHECK(plain.config.dns == "parlor.internal");
  CHECK(plain.config.dns_port == 0); // the node's own cluster port
  CHECK(plain.config.dns_interval_ms == 5000);
  auto with_port = parse({"--dns=parlor.internal:4999",
                          "--dns-interval-ms=250"});
  REQUIRE(with_port);
  CHECK(with_port.config.dns == "parlor.internal");
  CHECK(with_port.config.dns_port == 4999);
  CHECK(with_port.config.dns_interval_ms == 250);
}

TEST_CASE("allowed-origins takes a list of origins", "[node]") {
  CHECK(parse({}).config.allowed_origins.empty());
  auto r = parse({"--allowed-origins=https://play.example.com, "
                  "http://10.0.0.1:4000"});
  REQUIRE(r);
  CHECK(r.config.allowed_origins
        == std::vector<std::string>{"https://play.example.com",
                                    "http://10.0.0.1:4000"});
  auto env = parse({}, {{"PARLOR_ALLOWED_ORIGINS", "http://lan:4000"}});
  REQUIRE(env);
  CHECK(env.config.allowed_origins == std::vector<std::string>{"http://lan:4000"});
  auto bad = parse({"--allowed-origins=play.example.com"});
  CHECK_FALSE(bad);
  CHECK(bad.error.find("'play.example.com' is not an origin")
        != std::string::npos);
}

TEST_CASE("flags win over env, env over the file", "[node]") {
  auto files = [](const std::string& path) -> std::optional<std::string> {
    if (path != "node.conf")
      return std::nullopt;
    return "# a comment\nregion = iad\nname = \"from-file\"\n"
           "http-port = 4100\n\ndata-dir=/file\n";
  };
  auto r = parse({"--config=node.conf", "--http-port=4300"},
                 {{"PARLOR_NAME", "from-env"}, {"PARLOR_HTTP_PORT", "4200"}},
                 files);
  REQUIRE(r);
  CHECK(r.config.region == "iad");
  CHECK(r.config.name == "from-env");
  CHECK(r.config.http_port == 4300);
  CHECK(r.config.data_dir == "/file");
  auto via_env = parse({}, {{"PARLOR_CONFIG", "node.conf"}}, files);
  REQUIRE(via_env);
  CHECK(via_env.config.name == "from-file");
}

TEST_CASE("bad options give one clear line", "[node]") {
  struct row {
    std::vector<std::string> args;
    const char* needle;
  };
  const row rows[] = {
    {{"--http-port=abc"}, "http-port"},
    {{"--admin-port=x"}, "admin-port"},
    {{"--cluster-tls-cert=a.pem"}, "go together"},
    {{"--cluster-tls-cert=a.pem", "--cluster-tls-key=a.key"}, "all three"},
    {{"--http-port=70000"}, "0 to 65535"},
    {{"--http-port=-1"}, "http-port"},
    {{"--cluster-port="}, "cluster-port"},
    {{"--bogus=1"}, "unknown option '--bogus'"},
    {{"--bogus"}, "unknown option '--bogus'"},
    {{"positional"}, "unexpected argument"},
    {{"--name"}, "needs a value"},
    {{"--name="}, "must not be empty"},
    {{"--seeds=nohost"}, "not host:port"},
    {{"--seeds=h:0"}, "not host:port"},
    {{"--config=missing.conf"}, "cannot read config file"},
    {{"--log-level=loud"}, "log-level"},
    {{"--cluster-secret="}, "must not be empty"},
    {{"--dns="}, "not NAME or NAME:PORT"},
    {{"--dns=parlor.internal:0"}, "not NAME or NAME:PORT"},
    {{"--dns=parlor.internal:x"}, "not NAME or NAME:PORT"},
    {{"--dns=:4370"}, "not NAME or NAME:PORT"},
    {{"--dns-interval-ms=10"}, "100 to"},
  };
  for (auto& r : rows) {
    INFO(r.args.front());
    auto res = parse(r.args);
    CHECK_FALSE(res);
    CHECK(res.error.find(r.needle) != std::string::npos);
    CHECK(res.error.find('\n') == std::string::npos);
  }
}

TEST_CASE("bad env and file entries name their origin", "[node]") {
  auto env = parse({}, {{"PARLOR_HTTP_PORT", "x"}});
  CHECK(env.error.find("PARLOR_HTTP_PORT") != std::string::npos);
  auto files = [](const std::string&) -> std::optional<std::string> {
    return "region = fra\nnot a pair\n";
  };
  auto file = parse({"--config=f"}, {}, files);
  CHECK(file.error.find("f:2") != std::string::npos);
  auto typo = [](const std::string&) -> std::optional<std::string> {
    return "nmae = x\n";
  };
  CHECK(parse({"--config=f"}, {}, typo).error.find("unknown option 'nmae'")
        != std::string::npos);
}

TEST_CASE("help and version flags need no value", "[node]") {
  CHECK(parse({"--help"}).config.help);
  CHECK(parse({"--version"}).config.version);
  CHECK(help_text().find("--cluster-secret=VALUE") != std::string::npos);
}

TEST_CASE("options take --key=value only", "[node]") {
  CHECK_THAT(parse({"--name", "n1"}).error,
             Catch::Contains("option --name needs a value: --name=VALUE"));
  CHECK_THAT(parse({"--name=n1", "n2"}).error,
             Catch::Contains("unexpected argument 'n2'"));
  CHECK_THAT(parse({"--help=maybe"}).error,
             Catch::Contains("must be true or false"));
  CHECK_FALSE(parse({"--help=false"}).config.help);
}

TEST_CASE("the last value given wins, and every value is checked",
          "[node]") {
  auto last = parse({"--region=a", "--region=b"});
  REQUIRE(last);
  CHECK(last.config.region == "b");
  // A bad value is refused even where a later layer overrides it.
  auto env = parse({"--http-port=4000"}, {{"PARLOR_HTTP_PORT", "x"}});
  CHECK_THAT(env.error, Catch::Contains("PARLOR_HTTP_PORT"));
  // The first bad flag on the command line is the one named.
  CHECK_THAT(parse({"--http-port=x", "--name="}).error,
             Catch::Contains("http-port"));
}

TEST_CASE("help is generated from the options", "[node]") {
  auto text = help_text();
  for (const char* part :
       {"usage: parlor-node", "--config=FILE", "--name=VALUE",
        "--seeds=VALUE", "--dns-interval-ms=VALUE", "--threads=VALUE",
        "PARLOR_<KEY>"}) {
    INFO(part);
    CHECK(text.find(part) != std::string::npos);
  }
  CHECK(text.find("--help\n") != std::string::npos);
  CHECK(text.find("--help=") == std::string::npos);
}

TEST_CASE("admin port and cluster TLS files", "[node]") {
  auto none = parse({});
  REQUIRE(none);
  CHECK_FALSE(none.config.admin_port);
  CHECK(none.config.admin_host == "127.0.0.1");
  CHECK(none.config.cluster_tls_cert.empty());
  auto r = parse({"--admin-port=0", "--admin-host=10.0.0.5",
                  "--cluster-tls-cert=n.pem", "--cluster-tls-key=n.key",
                  "--cluster-tls-ca=ca.pem"});
  REQUIRE(r);
  CHECK(r.config.admin_port == uint16_t{0});
  CHECK(r.config.admin_host == "10.0.0.5");
  CHECK(r.config.cluster_tls_cert == "n.pem");
  CHECK(r.config.cluster_tls_key == "n.key");
  CHECK(r.config.cluster_tls_ca == "ca.pem");
}
