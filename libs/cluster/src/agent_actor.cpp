#include "parlor/cluster/agent_actor.hpp"

#include "parlor/auth/token.hpp"
#include "parlor/core/host_port.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/result.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <map>
#include <random>
#include <set>

namespace parlor::cluster {

namespace {

using clock_type = std::chrono::steady_clock;
using addr_list = std::vector<std::string>;

constexpr std::string_view mac_prefix = "parlor-cluster-v1|";
constexpr auto challenge_ttl = std::chrono::seconds{30};

struct peer {
  member info;
  agent_actor agent;
  service_map services;
};

struct challenge {
  std::string nonce_dialer;
  clock_type::time_point issued;
};

struct agent_state {
  agent_config cfg;
  std::map<std::string, peer> peers; // by node name
  std::map<caf::actor_addr, std::string> names;
  std::set<std::string> dialing;
  /// Addresses to stay connected to: seeds and every member ever seen.
  std::set<std::string> known;
  /// Addresses that led to a peer other than by its advertised address
  /// (a DNS answer, a seed spelled differently): address → node name.
  std::map<std::string, std::string> aliases;
  /// Addresses that turned out to be this node.
  std::set<std::string> own;
  std::map<std::string, std::chrono::milliseconds> backoff;
  std::map<std::string, challenge> challenges; // by listener nonce
  /// Local actors told of every member going up or down, in the order they
  /// subscribed.
  std::vector<membership_watcher> watchers;
  std::mt19937 rng{std::random_device{}()};
  bool started = false;
  static inline const char* name = "parlor.cluster";
};

using self_ptr = agent_actor::stateful_pointer<agent_state>;

std::string mac(const agent_state& st, std::string_view role,
                std::string_view a, std::string_view b) {
  std::string data{mac_prefix};
  data += role;
  data += '|';
  data += a;
  data += '|';
  data += b;
  return auth::hmac_sha256_hex(st.cfg.secret, data);
}

addr_list known_addresses(const agent_state& st) {
  addr_list out;
  for (auto& [name, p] : st.peers)
    out.push_back(p.info.cluster);
  return out;
}

bool connected_to(const agent_state& st, const std::string& addr) {
  if (auto i = st.aliases.find(addr);
      i != st.aliases.end() && st.peers.count(i->second) > 0)
    return true;
  for (auto& [name, p] : st.peers)
    if (p.info.cluster == addr)
      return true;
  return false;
}

void dial(self_ptr self, const std::string& addr);
void connect_basp(self_ptr self, const std::string& addr,
                  const std::string& host, uint16_t port);

void schedule_redial(self_ptr self, const std::string& addr) {
  auto& st = self->state;
  if (!st.known.count(addr))
    return;
  auto& delay = st.backoff[addr];
  delay = delay.count() == 0 ? st.cfg.redial_min
                             : std::min(delay * 2, st.cfg.redial_max);
  // Jitter: both sides of a broken link must not redial in lockstep.
  std::uniform_int_distribution<long> jitter{0, delay.count() / 2};
  auto wait = delay + std::chrono::milliseconds{jitter(st.rng)};
  self->delayed_send(self, wait, dial_atom_v, addr);
}

void drop_peer(self_ptr self, const std::string& name, const char* why) {
  auto& st = self->state;
  auto i = st.peers.find(name);
  if (i == st.peers.end())
    return;
  auto addr = i->second.info.cluster;
  st.names.erase(i->second.agent.address());
  self->demonitor(i->second.agent.address());
  st.peers.erase(i);
  st.cfg.table->down(name);
  for (auto& w : st.watchers)
    self->send(w, member_down_msg{name});
  spdlog::warn("cluster: peer {} down ({})", name, why);
  schedule_redial(self, addr);
}

/// Tells watcher `w` about peer `p` (and its status, unless `up`).
void tell_member_up(self_ptr self, const membership_watcher& w,
                    const peer& p) {
  self->send(w, member_up_msg{p.info, p.services});
  if (p.info.status != "up")
    self->send(w, member_status_msg{p.info.name, p.info.status});
}

void admit(self_ptr self, const agent_actor& agent, member info,
           service_map services, const addr_list& addrs) {
  auto& st = self->state;
  if (auto i = st.peers.find(info.name); i != st.peers.end()) {
    if (i->second.agent == agent)
      return;
    // The same name with a new agent: the node restarted before its old
    // incarnation was declared down.
    drop_peer(self, info.name, "replaced by a new incarnation");
  }
  self->monitor(agent);
  st.names[agent.address()] = info.name;
  st.known.insert(info.cluster);
  st.backoff.erase(info.cluster);
  st.cfg.table->up(info);
  spdlog::info("cluster: peer {} ({}) up at {}", info.name, info.region,
               info.cluster);
  auto name = info.name; // the right side of `=` runs first: copy the key
  auto& p = st.peers[name] = peer{std::move(info), agent, std::move(services)};
  for (auto& w : st.watchers)
    tell_member_up(self, w, p);
  // Full mesh: dial whatever the peer knows and we do not.
  for (auto& a : addrs) {
    if (a == st.cfg.self.cluster)
      continue;
    st.known.insert(a);
    dial(self, a);
  }
}

void dial(self_ptr self, const std::string& addr) {
  auto& st = self->state;
  if (!st.started || addr == st.cfg.self.cluster || st.own.count(addr) > 0
      || st.dialing.count(addr) > 0 || connected_to(st, addr))
    return;
  auto target = core::parse_host_port(addr);
  if (!target) {
    spdlog::error("cluster: ignoring malformed address '{}'", addr);
    return;
  }
  st.dialing.insert(addr);
  if (!st.cfg.open_link)
    return connect_basp(self, addr, target->host, target->port);
  auto me = caf::actor_cast<agent_actor>(self);
  st.cfg.open_link(target->host, target->port,
                   [me, addr](std::string host, uint16_t port,
                              std::string error) {
                     caf::anon_send(me, link_atom_v, addr, std::move(host),
                                    port, std::move(error));
                   });
}

/// Connects BASP to `host:port` (the peer itself or a loopback link to it)
/// and runs the agents' handshake with the peer known as `addr`.
void connect_basp(self_ptr self, const std::string& addr,
                  const std::string& host, uint16_t port) {
  auto timeout = self->state.cfg.request_timeout;
  auto fail = [=](const caf::error& err) {
    self->state.dialing.erase(addr);
    spdlog::debug("cluster: cannot join {}: {}", addr,
                  self->system().render(err));
    schedule_redial(self, addr);
  };
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, timeout, caf::connect_atom_v, host, port)
    .then(
      [=](const caf::node_id& nid, caf::strong_actor_ptr& ptr,
          const std::set<std::string>& interface) {
        if (nid == self->node()) {
          // One of our own addresses (a seed list may name us).
          self->state.dialing.erase(addr);
          self->state.known.erase(addr);
          self->state.own.insert(addr);
          return;
        }
        if (!ptr)
          return fail(caf::sec::no_actor_published_at_port);
        if (interface != self->system().message_types<agent_actor>()) {
          // Another version of Parlor: its messages would not match ours.
          spdlog::error("cluster: refused {}: its agent speaks another "
                        "interface (another Parlor version?)",
                        addr);
          self->state.dialing.erase(addr);
          schedule_redial(self, addr);
          return;
        }
        auto remote = caf::actor_cast<agent_actor>(ptr);
        auto nonce_d = auth::random_hex(16);
        self->request(remote, timeout, hello_msg{nonce_d})
          .then(
            [=](challenge_msg& ch) {
              auto& s = self->state;
              auto nonce_l = ch.nonce;
              auto answer = admit_msg{nonce_l,
                                      mac(s, "dialer", nonce_l, nonce_d),
                                      s.cfg.self, {}, {}};
              if (!auth::constant_time_equal(
                    ch.mac, mac(s, "listener", nonce_d, nonce_l))) {
                spdlog::error("cluster: refused {}: it does not hold this "
                              "cluster's secret",
                              addr);
                // Finish the handshake without services, so that the other
                // side logs the refusal too.
                self->request(remote, timeout, std::move(answer))
                  .then([](welcome_msg&) {}, [](caf::error&) {});
                s.dialing.erase(addr);
                schedule_redial(self, addr);
                return;
              }
              answer.services = s.cfg.services;
              answer.known = known_addresses(s);
              self->request(remote, timeout, std::move(answer))
                .then(
                  [=](welcome_msg& w) {
                    self->state.dialing.erase(addr);
                    if (w.who.cluster != addr)
                      self->state.aliases[addr] = w.who.name;
                    admit(self, remote, std::move(w.who),
                          std::move(w.services), w.known);
                  },
                  fail);
            },
            fail);
      },
      fail);
}

agent_actor::behavior_type agent_impl(self_ptr self, agent_config cfg) {
  self->state.cfg = std::move(cfg);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto i = self->state.names.find(dm.source);
    if (i == self->state.names.end()) {
      std::erase_if(self->state.watchers,
                    [&](auto& w) { return w.address() == dm.source; });
      return;
    }
    auto name = i->second;
    drop_peer(self, name, self->system().render(dm.reason).c_str());
  });
  return {
    [=](start_atom, const std::string& own_address) {
      auto& st = self->state;
      st.cfg.self.cluster = own_address;
      st.cfg.table->set_self(st.cfg.self);
      st.started = true;
      for (auto& seed : st.cfg.seeds) {
        st.known.insert(seed);
        dial(self, seed);
      }
    },
    [=](dial_atom, const std::string& addr) { dial(self, addr); },
    [=](link_atom, const std::string& addr, const std::string& host,
        uint16_t port, const std::string& error) {
      if (port != 0)
        return connect_basp(self, addr, host, port);
      self->state.dialing.erase(addr);
      spdlog::debug("cluster: cannot join {}: {}", addr, error);
      schedule_redial(self, addr);
    },
    [=](http_atom, const std::string& http, const std::string& admin) {
      self->state.cfg.self.http = http;
      self->state.cfg.self.admin = admin;
    },
    [=](status_atom, const std::string& status) {
      // This node's status: shown here and told to every peer.
      auto& st = self->state;
      st.cfg.self.status = status;
      st.cfg.table->set_status(st.cfg.self.name, status);
      for (auto& [name, p] : st.peers)
        self->send(p.agent, peer_status_msg{st.cfg.self.name, status});
    },
    [=](peer_status_msg& msg) {
      // A peer's status. Only the peer itself may say it.
      auto& st = self->state;
      auto i = st.names.find(self->current_sender()
                               ? self->current_sender()->address()
                               : caf::actor_addr{});
      if (i == st.names.end() || i->second != msg.name)
        return;
      st.peers[msg.name].info.status = msg.status;
      st.cfg.table->set_status(msg.name, msg.status);
      for (auto& w : st.watchers)
        self->send(w, member_status_msg{msg.name, msg.status});
      spdlog::info("cluster: peer {} is {}", msg.name, msg.status);
    },
    [=](watch_atom, const membership_watcher& watcher) {
      auto& st = self->state;
      self->monitor(watcher);
      st.watchers.push_back(watcher);
      for (auto& [name, p] : st.peers)
        tell_member_up(self, watcher, p);
    },
    [=](const hello_msg& hello) -> caf::result<challenge_msg> {
      auto& st = self->state;
      auto now = clock_type::now();
      for (auto i = st.challenges.begin(); i != st.challenges.end();)
        i = now - i->second.issued > challenge_ttl ? st.challenges.erase(i)
                                                   : std::next(i);
      auto nonce_l = auth::random_hex(16);
      st.challenges[nonce_l] = challenge{hello.nonce, now};
      return challenge_msg{nonce_l, mac(st, "listener", hello.nonce, nonce_l)};
    },
    [=](admit_msg& msg) -> caf::result<welcome_msg> {
      auto& st = self->state;
      auto i = st.challenges.find(msg.nonce);
      if (i == st.challenges.end())
        return caf::error{errc::no_challenge};
      auto nonce_d = i->second.nonce_dialer;
      st.challenges.erase(i);
      if (!auth::constant_time_equal(msg.mac,
                                     mac(st, "dialer", msg.nonce, nonce_d))) {
        spdlog::error("cluster: refused node '{}' at {}: it does not hold "
                      "this cluster's secret",
                      msg.who.name, msg.who.cluster);
        return caf::error{errc::bad_secret};
      }
      if (msg.who.name == st.cfg.self.name) {
        spdlog::error("cluster: refused node at {}: it uses our name '{}'",
                      msg.who.cluster, msg.who.name);
        return caf::error{errc::duplicate_name};
      }
      auto agent = caf::actor_cast<agent_actor>(self->current_sender());
      auto reply = welcome_msg{st.cfg.self, st.cfg.services,
                               known_addresses(st)};
      admit(self, agent, std::move(msg.who), std::move(msg.services),
            msg.known);
      return reply;
    },
  };
}

} // namespace

agent_actor spawn_agent(caf::actor_system& sys, agent_config cfg) {
  return sys.spawn(agent_impl, std::move(cfg));
}

} // namespace parlor::cluster
