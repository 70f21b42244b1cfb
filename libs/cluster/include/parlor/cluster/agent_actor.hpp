#pragma once

#include "parlor/cluster/member_table.hpp"
#include "parlor/cluster/messages.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace parlor::cluster {

/// The cluster agent's interface: the handshake between agents, peers'
/// status changes, and the node's own controls.
///
/// Handshake, dialer D to listener L, before any service handle is handed
/// out:
/// 1. D → L `hello_msg{nonce_d}` → `challenge_msg{nonce_l, HMAC(secret,
///    "parlor-cluster-v1|listener|nonce_d|nonce_l")}`; D checks the MAC.
/// 2. D → L `admit_msg{nonce_l, HMAC(secret,
///    "parlor-cluster-v1|dialer|nonce_l|nonce_d"), D's member, services and
///    known addresses}` → `welcome_msg` with L's.
///
/// Inside the node:
/// - `(start_atom, own_cluster_address)`: dials the seeds and every member
///   it learns of (full mesh); send `(http_atom, http_address,
///   admin_address)` before (admin: empty without `--admin-port`).
/// - `(dial_atom, address)`: dials one more address (DNS discovery).
/// - `(link_atom, address, local_host, local_port, error)`: the link
///   opener's answer for `address` (port 0: it failed, `error` says why).
/// - `(status_atom, status)` sets this node's status (`up` or `draining`)
///   in its own table and every peer's (`peer_status_msg` between agents;
///   a peer may only set its own). Peers that join later learn it in the
///   handshake.
/// - `(watch_atom, watcher)` subscribes `watcher` to membership: it gets
///   `member_up_msg` for every current peer at once and for each that joins
///   later (followed by `member_status_msg` when that peer is not `up`),
///   `member_status_msg` whenever a peer's status changes, and
///   `member_down_msg` for each that is lost. Watchers are told in the order
///   they subscribed.
using agent_actor = caf::typed_actor<
  caf::replies_to<hello_msg>::with<challenge_msg>,
  caf::replies_to<admit_msg>::with<welcome_msg>,
  caf::reacts_to<peer_status_msg>,
  caf::reacts_to<start_atom, std::string>,
  caf::reacts_to<dial_atom, std::string>,
  caf::reacts_to<link_atom, std::string, std::string, uint16_t, std::string>,
  caf::reacts_to<http_atom, std::string, std::string>,
  caf::reacts_to<status_atom, std::string>,
  caf::reacts_to<watch_atom, membership_watcher>>;

/// Opens a link to a peer's cluster port (the node's link front: greeting,
/// TLS) and reports a loopback host and port that lead there, for BASP to
/// connect to once; or port 0 and why not. `done` may run on any thread.
using link_opener = std::function<void(
  const std::string& host, uint16_t port,
  std::function<void(std::string, uint16_t, std::string)> done)>;

/// What the cluster agent of a node needs.
struct agent_config {
  /// This node; `cluster` is filled in by `start_atom` once published.
  member self;
  std::string secret;
  /// Cluster addresses to join, `host:port`.
  std::vector<std::string> seeds;
  /// The actors this node offers its peers (handed out only to peers that
  /// proved the secret).
  service_map services;
  std::shared_ptr<member_table> table;
  /// How to reach a peer. Unset: BASP dials the peer's address itself (for
  /// tests of the agent alone; a node always sets it).
  link_opener open_link;
  std::chrono::milliseconds request_timeout = std::chrono::seconds{3};
  std::chrono::milliseconds redial_min = std::chrono::milliseconds{300};
  std::chrono::milliseconds redial_max = std::chrono::seconds{5};
};

/// Spawns the cluster agent: the node's membership. Publish it on the
/// cluster port (it is the only actor published there). It admits only
/// peers that prove they hold the cluster secret (HMAC challenge-response in
/// both directions), and only peers whose agent has this interface (another
/// version is refused at connect time); it monitors each peer's agent and
/// redials lost peers with jittered backoff.
agent_actor spawn_agent(caf::actor_system& sys, agent_config cfg);

} // namespace parlor::cluster
