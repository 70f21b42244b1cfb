#include "parlor/cluster/agent_actor.hpp"
#include "parlor/core/host_port.hpp"
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

/// A scoped actor as a membership watcher.
cluster::membership_watcher as_watcher(caf::scoped_actor& w) {
  return caf::actor_cast<cluster::membership_watcher>(caf::actor{w});
}

struct agent_fixture : test::actor_fixture {
  /// Watches the agent from the start, as the node's PubSub does.
  caf::scoped_actor pubsub{sys};
  /// Watches the agent from the start, as the node's registry does.
  caf::scoped_actor registry{sys};
  std::shared_ptr<cluster::member_table> table
    = std::make_shared<cluster::member_table>();
  cluster::agent_actor agent;

  agent_fixture() {
    cluster::agent_config acfg;
    acfg.self = {"n1", "fra", "127.0.0.1:4000", "", 7, "up"};
    acfg.secret = "s3cret";
    acfg.table = table;
    agent = cluster::spawn_agent(sys, acfg);
    caf::anon_send(agent, cluster::watch_atom_v, as_watcher(pubsub));
    caf::anon_send(agent, cluster::watch_atom_v, as_watcher(registry));
    caf::anon_send(agent, cluster::start_atom_v, std::string{"127.0.0.1:4370"});
  }

  ~agent_fixture() {
    caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
  }

  /// The services a stand-in peer offers: `endpoint` as its peer endpoint.
  static cluster::service_map offering(const caf::actor& endpoint) {
    cluster::service_map services;
    services.put("peer_endpoint", endpoint);
    return services;
  }

  /// A stand-in for a remote agent `m`: it runs the dialer's half of the
  /// handshake with the right secret, offers `endpoint`, calls `admitted`
  /// once in, and stays up until killed.
  caf::actor dial_in(cluster::member m, caf::actor endpoint,
                     std::function<void(caf::event_based_actor*)> admitted
                     = {}) {
    auto target = agent;
    return sys.spawn([=](caf::event_based_actor* d) -> caf::behavior {
      auto nonce_d = "nonce-" + m.name;
      d->request(target, 2s, cluster::hello_msg{nonce_d})
        .then([=](cluster::challenge_msg& ch) {
          d->request(target, 2s,
                     cluster::admit_msg{ch.nonce,
                                        mac("s3cret", "dialer", ch.nonce,
                                            nonce_d),
                                        m, offering(endpoint), {}})
            .then([=](cluster::welcome_msg&) {
              if (admitted)
                admitted(d);
            });
        });
      return {[](int) {}};
    });
  }

  /// Runs the listener half of the handshake.
  cluster::challenge_msg hello(caf::scoped_actor& from,
                               const std::string& nonce_d) {
    cluster::challenge_msg out;
    from->request(agent, 2s, cluster::hello_msg{nonce_d})
      .receive([&](cluster::challenge_msg& ch) { out = std::move(ch); },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  /// Admits `who` with the listener nonce `nonce_l` and MAC `mac_d`; the
  /// listener's welcome lands in `reply`.
  caf::error admit(caf::scoped_actor& from, const std::string& nonce_l,
                   const std::string& mac_d, cluster::welcome_msg& reply,
                   cluster::member who = {"n2", "iad", "127.0.0.1:4001",
                                          "127.0.0.1:4371", 9, "up"}) {
    caf::error err;
    from
      ->request(agent, 2s,
                cluster::admit_msg{nonce_l, mac_d, std::move(who),
                                   offering(caf::actor{registry}), {}})
      .receive([&](cluster::welcome_msg& w) { reply = std::move(w); },
               [&](caf::error& e) { err = std::move(e); });
    return err;
  }
};

/// Whether `w` hears `member_up_msg` for `name` within 2 s.
bool hears_up(caf::scoped_actor& w, const std::string& name) {
  bool up = false;
  w->receive([&](cluster::member_up_msg& m) { up = m.who.name == name; },
             caf::after(2s) >> [] {});
  return up;
}

/// Whether `w` hears `member_down_msg` for `name` within 2 s.
bool hears_down(caf::scoped_actor& w, const std::string& name) {
  bool down = false;
  w->receive([&](cluster::member_down_msg& m) { down = m.name == name; },
             caf::after(2s) >> [] {});
  return down;
}

} // namespace

TEST_CASE_METHOD(agent_fixture,
                 "a peer proving the secret is admitted and announced",
                 "[cluster][actor]") {
  caf::scoped_actor peer{sys};
  auto ch = hello(peer, "d1");
  // The listener proves the secret first.
  CHECK(ch.mac == mac("s3cret", "listener", "d1", ch.nonce));
  cluster::welcome_msg welcome;
  auto err = admit(peer, ch.nonce, mac("s3cret", "dialer", ch.nonce, "d1"),
                   welcome);
  CHECK_FALSE(err);
  CHECK(welcome.who.name == "n1");
  CHECK(welcome.who.region == "fra");
  // Every watcher hears of it, in the order they subscribed.
  CHECK(hears_up(pubsub, "n2"));
  CHECK(hears_up(registry, "n2"));
  auto members = table->all();
  REQUIRE(members.size() == 2);
  CHECK(members[1].name == "n2");
  CHECK(members[1].region == "iad");
}

TEST_CASE_METHOD(agent_fixture, "a wrong secret or a replayed nonce is refused",
                 "[cluster][actor]") {
  caf::scoped_actor peer{sys};
  auto ch = hello(peer, "d1");
  cluster::welcome_msg welcome;
  auto err = admit(peer, ch.nonce, mac("other", "dialer", ch.nonce, "d1"),
                   welcome);
  CHECK(err == cluster::errc::bad_secret);
  // The challenge is used up: the right MAC now comes too late.
  err = admit(peer, ch.nonce, mac("s3cret", "dialer", ch.nonce, "d1"),
              welcome);
  CHECK(err == cluster::errc::no_challenge);
  err = admit(peer, "never-issued", mac("s3cret", "dialer", "x", "y"),
              welcome);
  CHECK(err == cluster::errc::no_challenge);
  // A node using our own name is refused too.
  ch = hello(peer, "d2");
  err = admit(peer, ch.nonce, mac("s3cret", "dialer", ch.nonce, "d2"),
              welcome, {"n1", "iad", "h:1", "c:1", 9, "up"});
  CHECK(err == cluster::errc::duplicate_name);
  CHECK(table->all().size() == 1);
  pubsub->receive([&](cluster::member_up_msg&) {
                    FAIL("a refused peer was announced");
                  },
                  caf::after(100ms) >> [] {});
}

TEST_CASE_METHOD(agent_fixture, "a peer whose agent stops is announced down",
                 "[cluster][actor]") {
  auto dialer = dial_in({"n2", "iad", "127.0.0.1:4001", "127.0.0.1:4371", 9,
                         "up"},
                        caf::actor{registry});
  REQUIRE(hears_up(registry, "n2"));
  CHECK(table->all().size() == 2);
  caf::anon_send_exit(dialer, caf::exit_reason::kill);
  CHECK(hears_down(registry, "n2"));
  CHECK(table->all().size() == 1);
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
    auto parsed = core::parse_host_port(a);
    REQUIRE(parsed);
    CHECK(parsed->port == 4370);
  }
}

TEST_CASE_METHOD(agent_fixture,
                 "local watchers hear of members going up and down",
                 "[cluster][actor]") {
  caf::scoped_actor early{sys};
  caf::anon_send(agent, cluster::watch_atom_v, as_watcher(early));
  caf::scoped_actor endpoint_actor{sys};
  auto fake_endpoint = caf::actor{endpoint_actor};
  auto dialer = dial_in({"n3", "sin", "127.0.0.1:4002", "127.0.0.1:4372", 11,
                         "up"},
                        fake_endpoint);
  auto expect_up = [&](caf::scoped_actor& w) {
    bool up = false;
    w->receive(
      [&](cluster::member_up_msg& m) {
        up = m.who.name == "n3" && m.who.region == "sin"
             && m.who.http == "127.0.0.1:4002"
             && m.who.cluster == "127.0.0.1:4372" && m.who.started_ms == 11
             && m.services.get<caf::actor>("peer_endpoint") == fake_endpoint
             && !m.services.get<caf::actor>("unknown");
      },
      caf::after(2s) >> [] {});
    return up;
  };
  CHECK(expect_up(early));
  // A watcher that subscribes later hears of the members already up.
  caf::scoped_actor late{sys};
  caf::anon_send(agent, cluster::watch_atom_v, as_watcher(late));
  CHECK(expect_up(late));
  caf::anon_send_exit(dialer, caf::exit_reason::kill);
  for (auto* w : {&early, &late})
    CHECK(hears_down(*w, "n3"));
}

TEST_CASE_METHOD(agent_fixture,
                 "a node's draining status reaches its peers, nobody else "
                 "may set it",
                 "[cluster][actor]") {
  // Our own status.
  caf::anon_send(agent, cluster::status_atom_v, std::string{"draining"});
  // A peer n4 dials in and then says it is draining.
  auto target = agent;
  auto dialer = dial_in({"n4", "syd", "127.0.0.1:4004", "127.0.0.1:4374", 12,
                         "up"},
                        caf::actor{registry}, [=](caf::event_based_actor* d) {
                          d->send(target,
                                  cluster::peer_status_msg{"n4", "draining"});
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
  stranger->send(agent, cluster::peer_status_msg{"n4", "up"});
  std::this_thread::sleep_for(100ms);
  CHECK(status_of("n4") == "draining");
  caf::anon_send_exit(dialer, caf::exit_reason::kill);
}

TEST_CASE_METHOD(agent_fixture,
                 "a peer's status travels in the handshake and reaches "
                 "watchers, then follows its changes",
                 "[cluster][actor]") {
  caf::scoped_actor watcher{sys};
  caf::anon_send(agent, cluster::watch_atom_v, as_watcher(watcher));
  auto target = agent;
  // n5 is already draining when it joins (a drained node that restarted
  // its links), and later resumes.
  auto dialer = dial_in({"n5", "gru", "127.0.0.1:4005", "127.0.0.1:4375", 13,
                         "draining"},
                        caf::actor{registry}, [=](caf::event_based_actor* d) {
                          d->send(target, cluster::peer_status_msg{"n5", "up"});
                        });
  std::vector<std::string> heard;
  for (int i = 0; i < 3; ++i)
    watcher->receive(
      [&](cluster::member_up_msg& m) { heard.push_back("up:" + m.who.name); },
      [&](cluster::member_status_msg& m) {
        heard.push_back(m.status + ":" + m.name);
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
  auto ch = hello(peer, "d9");
  cluster::welcome_msg welcome;
  auto err = admit(peer, ch.nonce, mac("s3cret", "dialer", ch.nonce, "d9"),
                   welcome, {"n9", "iad", "127.0.0.1:4009", "127.0.0.1:4379",
                             9, "up"});
  REQUIRE_FALSE(err);
  auto status = welcome.who.status;
  CHECK(status == "draining");
}
