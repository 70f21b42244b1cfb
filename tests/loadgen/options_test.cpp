#include "options.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace parlor::loadgen;

TEST_CASE("the documented command line parses", "[loadgen]") {
  auto r = parse_options({"games", "--url=ws://127.0.0.1:4000/socket/websocket",
                          "--url=ws://127.0.0.2:4001/socket/websocket",
                          "--games=50", "--rate=200", "--duration=10",
                          "--json", "--source=127.0.0.3,127.0.0.4"});
  REQUIRE(r);
  CHECK(r.opts.scenario == scenario::games);
  REQUIRE(r.opts.urls.size() == 2);
  CHECK(r.opts.urls[1].host == "127.0.0.2");
  CHECK(r.opts.urls[1].port == "4001");
  CHECK(r.opts.urls[1].path == "/socket/websocket");
  CHECK(r.opts.games == 50);
  CHECK(r.opts.rate == 200);
  CHECK(r.opts.duration_s == 10);
  CHECK(r.opts.json);
  CHECK(r.opts.sources == std::vector<std::string>{"127.0.0.3", "127.0.0.4"});
  auto f = parse_options({"fanout", "--url=ws://h:1/s", "--spectators=10000",
                          "--duration=0.5"});
  REQUIRE(f);
  CHECK(f.opts.spectators == 10000);
  CHECK(f.opts.rate == 0);
  CHECK_FALSE(f.opts.json);
}

TEST_CASE("bad command lines name the problem", "[loadgen]") {
  auto error_of = [](std::vector<std::string> args) {
    return parse_options(args).error;
  };
  const std::string url = "--url=ws://127.0.0.1:4000/socket/websocket";
  CHECK_THAT(error_of({url, "--duration=1"}),
             Catch::Contains("no scenario"));
  CHECK_THAT(error_of({"chess", url, "--duration=1"}),
             Catch::Contains("unknown scenario 'chess'"));
  CHECK_THAT(error_of({"idle", "--duration=1"}),
             Catch::Contains("--url is required"));
  CHECK_THAT(error_of({"idle", url}), Catch::Contains("--duration"));
  CHECK_THAT(error_of({"idle", url, "--duration=0"}),
             Catch::Contains("--duration must be"));
  CHECK_THAT(error_of({"idle", url, "--duration=1", "--players=0"}),
             Catch::Contains("--players must be"));
  CHECK_THAT(error_of({"idle", url, "--duration=1", "--players=12x"}),
             Catch::Contains("--players must be"));
  CHECK_THAT(error_of({"idle", url, "--duration=1", "--rate=-1"}),
             Catch::Contains("--rate must be"));
  CHECK_THAT(error_of({"idle", url, "--duration=1", "--rate=1e-12"}),
             Catch::Contains("from 0.01"));
  CHECK_THAT(error_of({"idle", "--url=http://x:1/", "--duration=1"}),
             Catch::Contains("--url must be"));
  CHECK_THAT(error_of({"idle", "--url=ws://x:0/", "--duration=1"}),
             Catch::Contains("--url must be"));
  CHECK_THAT(error_of({"idle", url, "--duration=1", "--source=a,,b"}),
             Catch::Contains("--source must be"));
  CHECK_THAT(error_of({"idle", url, "--duration=1", "--source=127.0.0.2,x"}),
             Catch::Contains("--source must be a list of local IP"));
  CHECK_THAT(error_of({"idle", url, "--duration=1", "--source=::1"}),
             Catch::Contains("--source=::1 and --url host 127.0.0.1 are not "
                             "of the same IP version"));
  CHECK(parse_options({"idle", "--url=ws://[::1]:4000/s", "--duration=1",
                       "--source=::1"}));
  CHECK(parse_options({"idle", "--url=ws://localhost:4000/s", "--duration=1",
                       "--source=::1,127.0.0.2"}));
  CHECK_THAT(error_of({"idle", url, "--duration=1", "--frobnicate"}),
             Catch::Contains("unknown option '--frobnicate'"));
  CHECK_THAT(error_of({"idle", "games", url, "--duration=1"}),
             Catch::Contains("unexpected argument 'games'"));
  CHECK(parse_options({"--help"}).opts.help);
}

TEST_CASE("ws URLs: default port, IPv6 literals, paths", "[loadgen]") {
  auto u = parse_ws_url("ws://example.org/socket/websocket");
  REQUIRE(u);
  CHECK(u->port == "80");
  auto v6 = parse_ws_url("ws://[::1]:4000/socket/websocket");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == "4000");
  auto bare = parse_ws_url("ws://127.0.0.1:9000");
  REQUIRE(bare);
  CHECK(bare->path == "/");
  CHECK_FALSE(parse_ws_url("ws://:4000/x"));
  CHECK_FALSE(parse_ws_url("ws://h:99999/x"));
}

TEST_CASE("sources are spread only towards loopback nodes with many "
          "connections each",
          "[loadgen]") {
  auto chosen = [](std::vector<std::string> args) {
    auto r = parse_options(args);
    REQUIRE(r);
    choose_sources(r.opts);
    return r.opts;
  };
  const std::string url = "--url=ws://127.0.0.1:4000/socket/websocket";
  // 19,000 idle players on one node: five addresses of at most 4,000.
  auto idle = chosen({"idle", url, "--players=19000", "--duration=1"});
  CHECK(idle.automatic_sources);
  CHECK(idle.sources == std::vector<std::string>{"127.0.0.2", "127.0.0.3",
                                                 "127.0.0.4", "127.0.0.5",
                                                 "127.0.0.6"});
  // Exactly at the limit, and few connections: the kernel picks.
  auto at_limit = chosen({"idle", url, "--players=4000", "--duration=1"});
  CHECK(at_limit.sources.empty());
  CHECK_FALSE(at_limit.automatic_sources);
  CHECK(chosen({"games", url, "--games=2000", "--duration=1"}).sources.empty());
  CHECK(chosen({"idle", url, "--players=4001", "--duration=1"}).sources.size()
        == 2);
  // A fanout's two players join the first node: 3,998 spectators and them
  // fit, 3,999 do not.
  CHECK(chosen({"fanout", url, "--spectators=3998", "--duration=1"})
          .sources.empty());
  CHECK(chosen({"fanout", url, "--spectators=3999", "--duration=1"})
          .sources.size() == 2);
  // 10,000 spectators over two nodes and the game's two players on the
  // first: 5,002 there, two addresses.
  auto fan = chosen({"fanout", url, "--url=ws://127.0.0.9:4001/s",
                     "--spectators=10000", "--duration=1"});
  CHECK(fan.sources == std::vector<std::string>{"127.0.0.2", "127.0.0.3"});
  // Given sources are kept; a node off loopback means other machines.
  auto given = chosen({"idle", url, "--players=19000", "--duration=1",
                       "--source=127.0.0.7"});
  CHECK(given.sources == std::vector<std::string>{"127.0.0.7"});
  CHECK_FALSE(given.automatic_sources);
  CHECK(chosen({"idle", url, "--url=ws://10.0.0.5:4000/s",
                "--players=19000", "--duration=1"})
          .sources.empty());
  CHECK(chosen({"idle", "--url=ws://localhost:4000/s", "--players=19000",
                "--duration=1"})
          .sources.empty());
  // The most there can be: 1,000,002 connections, 251 addresses.
  auto most = chosen({"fanout", url, "--spectators=1000000", "--duration=1"});
  REQUIRE(most.sources.size() == 251);
  CHECK(most.sources.back() == "127.0.0.252");
  auto two = chosen({"echo", url, "--url=ws://127.0.0.1:4001/",
                     "--players=1000000", "--duration=1"});
  CHECK(two.sources.size() == 125); // 500,000 per node
}

TEST_CASE("each node's connections cycle through every source", "[loadgen]") {
  // 12,000 players over two nodes (round robin) from two automatic
  // sources: each pair of source and node gets a quarter. A single counter
  // over all connections would give each node one source only (6,000).
  auto r = parse_options({"idle", "--url=ws://127.0.0.1:4000/s",
                          "--url=ws://127.0.0.1:4001/s", "--players=12000",
                          "--duration=1"});
  REQUIRE(r);
  choose_sources(r.opts);
  REQUIRE(r.opts.sources.size() == 2);
  source_picker pick{r.opts};
  std::map<std::pair<std::string, std::size_t>, uint64_t> pairs;
  for (std::size_t i = 0; i < 12000; ++i)
    ++pairs[{pick.next(i % 2), i % 2}];
  CHECK(pairs.size() == 4);
  for (auto& [pair, n] : pairs) {
    INFO(pair.first << " to node " << pair.second);
    CHECK(n == 3000);
  }
  // No sources: the kernel picks.
  auto none = parse_options({"games", "--url=ws://127.0.0.1:4000/s",
                             "--duration=1"});
  REQUIRE(none);
  source_picker kernel{none.opts};
  CHECK(kernel.next(0).empty());
}

TEST_CASE("help lists every scenario and option", "[loadgen]") {
  auto text = usage_text();
  for (const char* part :
       {"usage: parlor-loadgen SCENARIO", "  idle     open --players",
        "  echo-fanout\n           --spectators", "--url=ws://H:P/PATH",
        "--source=A[,B...]", "--heartbeat-s=S", "--json\n", "Latencies are"}) {
    INFO(part);
    CHECK(text.find(part) != std::string::npos);
  }
  for (auto s : {scenario::idle, scenario::games, scenario::fanout,
                 scenario::echo, scenario::echo_fanout})
    CHECK(text.find(std::string{"  "} + to_string(s)) != std::string::npos);
}
