#pragma once

#include "parlor/cluster/agent_actor.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace parlor::cluster {

/// The result of one DNS lookup: `host:port` cluster addresses (`[v6]:port`
/// for IPv6), sorted and without duplicates, or an error text.
struct resolved {
  std::vector<std::string> addresses;
  std::string error;
};

/// Resolves the A and AAAA records of `name` (blocking getaddrinfo) and
/// pairs every address with `port`.
resolved resolve_cluster_addresses(const std::string& name, uint16_t port);

/// DNS discovery, like libcluster's DNSPoll: every `interval` it resolves
/// `name` and sends `(dial_atom, address)` to `agent` for each address
/// found. The agent skips addresses it is connected to, dialing or knows to
/// be its own. Runs detached (lookups block). Stops when `agent` does.
/// Dynamically typed on purpose: nobody but its own timer sends it anything.
caf::actor spawn_dns_poller(caf::actor_system& sys, agent_actor agent,
                            std::string name, uint16_t port,
                            std::chrono::milliseconds interval);

} // namespace parlor::cluster
