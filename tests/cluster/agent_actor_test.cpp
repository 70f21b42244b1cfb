#include "parlor/cluster/agent_actor.hpp"
#include "parlor/cluster/dns_poller.hpp"

#include "parlor/auth/token.hpp"

#include "actor_fixture.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <functional>
#include <thread>

using namespace parlor;
using namespace std::chrono_literals;

namespace {

std::string mac(const std::string& secret, const std::string& role,
                const std::string& a, const std::string& b) {
  return auth::hmac_sha256_hex(secret, "parlor-cluster-v1|" + role + "|" + a
                                         + "|" + b);
}

struct agent_fixture : test::actor_fixture {
  caf::scoped_actor pubsub{sys};
  caf::scoped_actor registry{sys};
  std::shared_ptr<cluster::member_table> table
    = std::make_shared<cluster::member_table>();
  caf::actor agent;

  agent_fixture() {
    cluster::agent_config acfg;
    acfg.self = {"n1", "fra", "127.0.0.1:4000", "", 7, "up"};
    acfg.secret = "s3cret";
    acfg.pubsub = pubsub;
    acfg.registry = registry;
    acfg.table = table;
    agent = cluster::spawn_agent(sys, acfg);
    caf::anon_send(agent, cluster::start_atom_v, std::string{"127.0.0.1:4370"});
  }

  ~agent_fixture() {
    caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
  }

  /// A stand-in for a remote agent `m`: it runs the dialer's half of the
  /// handshake with the right secret, hands out `store` (and this fixture's
  /// scoped actors as its pubsub and registry), calls `admitted` once in,
  /// and stays up until killed.
  caf::actor dial_in(cluster::member m, caf::actor store,
                     std::function<void(caf::event_based_actor*)> admitted
                     = {}) {
    auto target = agent;
    auto fake_pubsub = caf::actor{pubsub};
    auto fake_registry = caf::actor{registry};
    return sys.spawn([=](caf::event_based_actor* d) -> caf::behavior {
      auto nonce_d = "nonce-" + m.name;
      d->request(target, 2s, cluster::hello_atom_v, nonce_d)
        .then([=](const std::string& nonce_l, const std::string&) {
          d->request(target, 2s, cluster::admit_atom_v, nonce_l,
                     mac("s3cret", "dialer", nonce_l, nonce_d), m.name,
                     m.region, m.http, m.cluster, m.started_ms, m.status,
                     fake_pubsub, fake_registry, store,
                     std::vector<std::string>{})
            .then([=](std::string&, std::string&, std::string&, std::string&,
                      uint64_t, std::string&, caf::actor&, caf::actor&,
                      caf::actor&, std::vector<std::string>&) {
              if (admitted)
                admitted(d);
            });
        });
      return {[](int) {}};
    });
  }

  /// Runs the listener half of the handshake; returns (nonce_l, mac_l).
  std::pair<std::string, std::string> hello(caf::scoped_actor& from,
                                            const std::string& nonce_d) {
    std::pair<std::string, std::string> out;
    from->request(agent, 2s, cluster::hello_atom_v, nonce_d)
      .receive([&](std::string& n, std::string& m) { out = {n, m}; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  caf::error admit(caf::scoped_actor& from, const std::string& nonce_l,
                   const std::string& mac_d, std::string& reply_name) {
    caf::error err;
    from
      ->request(agent, 2s, cluster::admit_atom_v, nonce_l, mac_d,
                std::string{"n2"}, std::string{"iad"},
                std::string{"127.0.0.1:4001"}, std::string{"127.0.0.1:4371"},
                uint64_t{9}, std::string{"up"}, caf::actor{pubsub},
                caf::actor{registry}, caf::actor{registry},
                std::vector<std::string>{})
      .receive(
        [&](std::string& name, std::string&, std::string&, std::string&,
            uint64_t, std::string&, caf::actor&, caf::actor&, caf::actor&,
            std::vector<std::string>&) {
          reply_name = name;
        },
        [&](caf::error& e) { err = std::move(e); });
    return err;
  }
};

} // namespace

TEST_CASE_METHOD(agent_fixture,
                 "a peer proving the secret is admitted and announced",
                 "[cluster][actor]") {
  caf::scoped_actor peer{sys};
  auto [nonce_l, mac_l] = hello(peer, "d1");
  // The listener proves the secret first.
  CHECK(mac_l == mac("s3cret", "listener", "d1", nonce_l));
  std::string name;
  auto err = admit(peer, nonce_l, mac("s3cret", "dialer", nonce_l, "d1"),
                   name);
  CHECK_FALSE(err);
  CHECK(name == "n1");
  bool up = false;
  pubsub->receive(
    [&](cluster::peer_up_atom, const std::string& n, const caf::actor&) {
      up = n == "n2";
    },
    caf::after(2s) >> [] {});
  CHECK(up);
  auto members = table->all();
  REQUIRE(members.size() == 2);
  CHECK(members[1].name == "n2");
  CHECK(members[1].region == "iad");
}

TEST_CASE_METHOD(agent_fixture, "a wrong secret or a replayed nonce is refused",
                 "[cluster][actor]") {
  caf::scoped_actor peer{sys};
  auto [nonce_l, mac_l] = hello(peer, "d1");
  std::string name;
  auto err = admit(peer, nonce_l, mac("other", "dialer", nonce_l, "d1"), name);
  CHECK(err == cluster::errc::bad_secret);
  // The challenge is used up: the right MAC now comes too late.
  err = admit(peer, nonce_l, mac("s3cret", "dialer", nonce_l, "d1"), name);
  CHECK(err == cluster::errc::no_challenge);
  err = admit(peer, "never-issued", mac("s3cret", "dialer", "x", "y"), name);
  CHECK(err == cluster::errc::no_challenge);
  CHECK(table->all().size() == 1);
  pubsub->receive([&](cluster::peer_up_atom, const std::string&,
                      const caf::actor&) { FAIL("a refused peer was announced"); },
                  caf::after(100ms) >> [] {});
}

TEST_CASE_METHOD(agent_fixture, "a peer whose agent stops is announced down",
                 "[cluster][actor]") {
  auto dialer = dial_in({"n2", "iad", "127.0.0.1:4001", "127.0.0.1:4371", 9,
                         "up"},
                        caf::actor{registry});
  bool up = false;
  registry->receive(
    [&](cluster::peer_up_atom, const std::string& n, const caf::actor&) {
      up = n == "n2";
    },
    caf::after(2s) >> [] {});
  REQUIRE(up);
  CHECK(table->all().size() == 2);
  caf::anon_send_exit(dialer, caf::exit_reason::kill);
  bool down = false;
  registry->receive(
    [&](cluster::peer_down_atom, const std::string& n) { down = n == "n2"; },
    caf::after(2s) >> [] {});
  CHECK(down);
  CHECK(table->all().size() == 1);
}

TEST_CASE("cluster addresses split into host and port", "[cluster]") {
  std::string host;
  uint16_t port = 0;
  CHECK(cluster::split_address("127.0.0.1:4370", host, port));
  CHECK(host == "127.0.0.1");
  CHECK(port == 4370);
  CHECK(cluster::split_address("[::1]:4371", host, port));
  CHECK(host == "::1");
  CHECK_FALSE(cluster::split_address("nohost", host, port));
  CHECK_FALSE(cluster::split_address(":4370", host, port));
  CHECK_FALSE(cluster::split_address("h:0", host, port));
  CHECK_FALSE(cluster::split_address("h:70000", host, port));
  CHECK_FALSE(cluster::split_address("h:12x", host, port));
}

TEST_CASE("DNS discovery resolves a name to sorted cluster addresses",
          "[cluster]") {
  // `localhost` comes from /etc/hosts on every machine: no DNS server needed.
  auto found = cluster::resolve_cluster_addresses("localhost", 4370);
  REQUIRE(found.error.empty());
  CHECK(std::find(found.addresses.begin(), found.addresses.end(),
                  "127.0.0.1:4370")
        != found.addresses.end());
  CHECK(std::is_sorted(found.addresses.begin(), found.addresses.end()));
  CHECK(std::adjacent_find(found.addresses.begin(), found.addresses.end())
        == found.addresses.end());
  for (auto& a : found.addresses) {
    std::string host;
    uint16_t port = 0;
    CHECK(cluster::split_address(a, host, port));
    CHECK(port == 4370);
  }
}

TEST_CASE_METHOD(agent_fixture,
                 "local watchers hear of members going up and down",
                 "[cluster][actor]") {
  caf::scoped_actor early{sys};
  caf::anon_send(agent, cluster::watch_atom_v, caf::actor{early});
  caf::scoped_actor store_actor{sys};
  auto fake_store = caf::actor{store_actor};
  auto dialer = dial_in({"n3", "sin", "127.0.0.1:4002", "127.0.0.1:4372", 11,
                         "up"},
                        fake_store);
  auto expect_up = [&](caf::scoped_actor& w) {
    bool up = false;
    w->receive(
      [&](cluster::member_up_atom, const std::string& name,
          const std::string& region, const std::string& http,
          const std::string& cluster_addr, uint64_t started,
          const caf::actor& store) {
        up = name == "n3" && region == "sin" && http == "127.0.0.1:4002"
             && cluster_addr == "127.0.0.1:4372" && started == 11
             && store == fake_store;
      },
      caf::after(2s) >> [] {});
    return up;
  };
  CHECK(expect_up(early));
  // A watcher that subscribes later hears of the members already up.
  caf::scoped_actor late{sys};
  caf::anon_send(agent, cluster::watch_atom_v, caf::actor{late});
  CHECK(expect_up(late));
  caf::anon_send_exit(dialer, caf::exit_reason::kill);
  for (auto* w : {&early, &late}) {
    bool down = false;
    (*w)->receive(
      [&](cluster::member_down_atom, const std::string& n) { down = n == "n3"; },
      caf::after(2s) >> [] {});
    CHECK(down);
  }
}

TEST_CASE_METHOD(agent_fixture,
                 "a node's draining status reaches its peers; nobody else "
                 "may set it",
                 "[cluster][actor]") {
  // Our own status.
  caf::anon_send(agent, cluster::status_atom_v, std::string{"draining"});
  // A peer n4 dials in and then says it is draining.
  auto target = agent;
  auto dialer = dial_in({"n4", "syd", "127.0.0.1:4004", "127.0.0.1:4374", 12,
                         "up"},
                        caf::actor{registry}, [=](caf::event_based_actor* d) {
                          d->send(target, cluster::status_atom_v,
                                  std::string{"n4"}, std::string{"draining"});
                        });
  // An actor that is not n4's agent cannot speak for it.
  caf::scoped_actor stranger{sys};
  auto status_of = [&](const std::string& name) {
    for (auto& m : table->all())
      if (m.name == name)
        return m.status;
    return std::string{};
  };
  bool drained = false;
  for (int i = 0; i < 200 && !drained; ++i) {
    drained = status_of("n4") == "draining";
    if (!drained)
      std::this_thread::sleep_for(10ms);
  }
  CHECK(drained);
  CHECK(status_of("n1") == "draining");
  stranger->send(agent, cluster::status_atom_v, std::string{"n4"},
                 std::string{"up"});
  std::this_thread::sleep_for(100ms);
  CHECK(status_of("n4") == "draining");
  caf::anon_send_exit(dialer, caf::exit_reason::kill);
}

TEST_CASE_METHOD(agent_fixture,
                 "a peer's status travels in the handshake and reaches "
                 "watchers, then follows its changes",
                 "[cluster][actor]") {
  caf::scoped_actor watcher{sys};
  caf::anon_send(agent, cluster::watch_atom_v, caf::actor{watcher});
  auto target = agent;
  // n5 is already draining when it joins (a drained node that restarted
  // its links), and later resumes.
  auto dialer = dial_in({"n5", "gru", "127.0.0.1:4005", "127.0.0.1:4375", 13,
                         "draining"},
                        caf::actor{registry}, [=](caf::event_based_actor* d) {
                          d->send(target, cluster::status_atom_v,
                                  std::string{"n5"}, std::string{"up"});
                        });
  std::vector<std::string> heard;
  for (int i = 0; i < 3; ++i)
    watcher->receive(
      [&](cluster::member_up_atom, const std::string& name,
          const std::string&, const std::string&, const std::string&,
          uint64_t, const caf::actor&) { heard.push_back("up:" + name); },
      [&](cluster::status_atom, const std::string& name,
          const std::string& status) {
        heard.push_back(status + ":" + name);
      },
      caf::after(2s) >> [] {});
  CHECK(heard
        == std::vector<std::string>{"up:n5", "draining:n5", "up:n5"});
  caf::anon_send_exit(dialer, caf::exit_reason::kill);
}

TEST_CASE_METHOD(agent_fixture,
                 "a draining node says so to peers that join later",
                 "[cluster][actor]") {
  caf::anon_send(agent, cluster::status_atom_v, std::string{"draining"});
  caf::scoped_actor peer{sys};
  auto [nonce_l, mac_l] = hello(peer, "d9");
  std::string status;
  peer
    ->request(agent, 2s, cluster::admit_atom_v, nonce_l,
              mac("s3cret", "dialer", nonce_l, "d9"), std::string{"n9"},
              std::string{"iad"}, std::string{"127.0.0.1:4009"},
              std::string{"127.0.0.1:4379"}, uint64_t{9}, std::string{"up"},
              caf::actor{pubsub}, caf::actor{registry}, caf::actor{registry},
              std::vector<std::string>{})
    .receive([&](std::string&, std::string&, std::string&, std::string&,
                 uint64_t, std::string& s, caf::actor&, caf::actor&,
                 caf::actor&, std::vector<std::string>&) { status = s; },
             [&](caf::error& e) { FAIL(sys.render(e)); });
  CHECK(status == "draining");
}
