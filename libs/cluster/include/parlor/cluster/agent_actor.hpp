#pragma once

#include "parlor/cluster/fwd.hpp"
#include "parlor/cluster/member_table.hpp"

#include <caf/actor.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace parlor::cluster {

/// What the cluster agent of a node needs.
struct agent_config {
  /// This node; `cluster` is filled in by `start_atom` once published.
  member self;
  std::string secret;
  /// Cluster addresses to join, `host:port`.
  std::vector<std::string> seeds;
  /// Local actors told about peers: `(peer_up_atom, name, their peer's
  /// pubsub / registry)` and `(peer_down_atom, name)`.
  caf::actor pubsub;
  caf::actor registry;
  /// Handed to peers, which keep backup copies of their games there.
  caf::actor store;
  std::shared_ptr<member_table> table;
  std::chrono::milliseconds request_timeout = std::chrono::seconds{3};
  std::chrono::milliseconds redial_min = std::chrono::milliseconds{300};
  std::chrono::milliseconds redial_max = std::chrono::seconds{5};
};

/// Spawns the cluster agent: the node's membership. Publish it on the
/// cluster port, send it `(http_atom, std::string http_address)` and then
/// `(start_atom, std::string own_cluster_address)`; it
/// dials the seeds and every member it learns of (full mesh), admits only
/// peers that prove they hold the cluster secret (HMAC challenge-response in
/// both directions before any actor handle is handed out), monitors each
/// peer's agent, and redials lost peers with jittered backoff.
///
/// `(status_atom, std::string status)` sets this node's status (`up` or
/// `draining`) in its own table and every peer's (`(status_atom, name,
/// status)` between agents; a peer may only set its own). Peers that join
/// later learn it in the handshake.
///
/// Inside the node, `(watch_atom, caf::actor w)` subscribes `w` to
/// membership: it gets `(member_up_atom, name, region, http, cluster,
/// uint64_t started_ms, caf::actor store)` for every current peer at once
/// and for each that joins later, followed by `(status_atom, name, status)`
/// when that peer is not `up`; `(status_atom, name, status)` whenever a
/// peer's status changes; and `(member_down_atom, name)` for each that is
/// lost.
///
/// Handshake, dialer D to listener L:
/// 1. D → L `(hello_atom, nonce_d)` → `(nonce_l, HMAC(secret,
///    "parlor-cluster-v1|listener|nonce_d|nonce_l"))`; D checks the MAC.
/// 2. D → L `(admit_atom, nonce_l, HMAC(secret,
///    "parlor-cluster-v1|dialer|nonce_l|nonce_d"), D's member fields, D's
///    pubsub, registry and store, D's known addresses)` → L's member
///    fields, pubsub, registry, store and known addresses. Member fields
///    are name, region, http, cluster, started_ms and status.
caf::actor spawn_agent(caf::actor_system& sys, agent_config cfg);

/// Splits `host:port`; false if malformed.
bool split_address(const std::string& addr, std::string& host, uint16_t& port);

} // namespace parlor::cluster
