#pragma once

#include "parlor/cluster/fwd.hpp"
#include "parlor/cluster/member.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <map>
#include <string>
#include <vector>

namespace parlor::cluster {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member& x) {
  return f(caf::meta::type_name("member"), x.name, x.region, x.http,
           x.cluster, x.started_ms, x.status, x.admin);
}

/// The actors a node offers its peers, by service name (`pubsub`,
/// `registry`, `peer_endpoint`). Opaque here: the cluster library lies below
/// the libraries that define these interfaces, so it carries plain handles
/// and each consumer takes its own with `get<Handle>(name)`.
struct service_map {
  std::map<std::string, caf::actor> handles;

  /// The handle offered as `name`, or an invalid one.
  template <class Handle>
  Handle get(const std::string& name) const {
    auto i = handles.find(name);
    return i == handles.end() ? Handle{}
                              : caf::actor_cast<Handle>(i->second);
  }

  /// Offers `handle` as `name`.
  template <class Handle>
  void put(const std::string& name, const Handle& handle) {
    handles[name] = caf::actor_cast<caf::actor>(handle);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_map& x) {
  return f(caf::meta::type_name("service_map"), x.handles);
}

// -- the handshake between agents (dialer D, listener L) ---------------------

/// D → L: the dialer's challenge.
struct hello_msg {
  std::string nonce;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hello_msg& x) {
  return f(caf::meta::type_name("hello_msg"), x.nonce);
}

/// L → D: the listener's challenge, and its answer to the dialer's.
struct challenge_msg {
  std::string nonce;
  std::string mac;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, challenge_msg& x) {
  return f(caf::meta::type_name("challenge_msg"), x.nonce, x.mac);
}

/// D → L: the dialer's answer to the listener's challenge, who it is, what
/// it offers and which members it knows.
struct admit_msg {
  /// The listener's nonce this answers.
  std::string nonce;
  std::string mac;
  member who;
  service_map services;
  std::vector<std::string> known;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admit_msg& x) {
  return f(caf::meta::type_name("admit_msg"), x.nonce, x.mac, x.who,
           x.services, x.known);
}

/// L → D: the listener admitted the dialer; the same about itself.
struct welcome_msg {
  member who;
  service_map services;
  std::vector<std::string> known;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, welcome_msg& x) {
  return f(caf::meta::type_name("welcome_msg"), x.who, x.services, x.known);
}

/// Agent → agent: the sending node's status changed (`up`, `draining`).
/// Only the node itself may say it: the receiver checks the sender.
struct peer_status_msg {
  std::string name;
  std::string status;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_status_msg& x) {
  return f(caf::meta::type_name("peer_status_msg"), x.name, x.status);
}

// -- what watchers hear -------------------------------------------------------

/// A peer joined (or was already up when the watcher subscribed).
struct member_up_msg {
  member who;
  service_map services;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_up_msg& x) {
  return f(caf::meta::type_name("member_up_msg"), x.who, x.services);
}

/// A peer was lost (its agent went down, or it was replaced by a new
/// incarnation).
struct member_down_msg {
  std::string name;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_down_msg& x) {
  return f(caf::meta::type_name("member_down_msg"), x.name);
}

/// A peer's status changed; also sent right after `member_up_msg` for a
/// peer that is not `up`.
struct member_status_msg {
  std::string name;
  std::string status;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_status_msg& x) {
  return f(caf::meta::type_name("member_status_msg"), x.name, x.status);
}

/// What every membership watcher handles; each watcher's own interface
/// extends it (`extend_with<membership_watcher>`).
using membership_watcher
  = caf::typed_actor<caf::reacts_to<member_up_msg>,
                     caf::reacts_to<member_down_msg>,
                     caf::reacts_to<member_status_msg>>;

} // namespace parlor::cluster
