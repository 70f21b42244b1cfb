#pragma once

#include "parlor/game_server/fwd.hpp"
#include "parlor/store/messages.hpp"

#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>

namespace parlor::game_server {

/// Gateway → GameServer: seat `player_id` if a seat is free → `joined_msg`.
struct join_msg {
  std::string player_id;
  std::string name;
  /// The invite secret the client presented; empty: none.
  std::string invite;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_msg& x) {
  return f(caf::meta::type_name("join_msg"), x.player_id, x.name, x.invite);
}

/// The answer to `join_msg`.
struct joined_msg {
  /// Empty for a spectator.
  std::string seat;
  /// STATE as encoded JSON, including this join.
  std::string state;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, joined_msg& x) {
  return f(caf::meta::type_name("joined_msg"), x.seat, x.state);
}

/// Gateway → GameServer: a move → the new `uint64_t` version, or a
/// `games::errc`.
struct move_msg {
  std::string player_id;
  /// The move payload as JSON text.
  std::string move;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, move_msg& x) {
  return f(caf::meta::type_name("move_msg"), x.player_id, x.move);
}

/// A new game of `kind` with `player_id` seated → its `std::string` code.
/// To the supervisor from a gateway, or to a peer endpoint from a draining
/// node's supervisor.
struct create_msg {
  std::string kind;
  std::string player_id;
  std::string name;
  /// The invite secret of a game that seats by invitation; empty: open
  /// seating (contract §9).
  std::string invite;
  /// The create options as JSON text, checked by `games::validate_options`
  /// (empty: none).
  std::string options{};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_msg& x) {
  return f(caf::meta::type_name("create_msg"), x.kind, x.player_id, x.name,
           x.invite, x.options);
}

/// Draining `owner` → its game's backup: take game `code` over from the
/// copy kept here → `ok`.
struct adopt_msg {
  std::string owner;
  std::string code;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, adopt_msg& x) {
  return f(caf::meta::type_name("adopt_msg"), x.owner, x.code);
}

/// What a node offers its peers (through the cluster agent, as the service
/// `peer_endpoint_service`): backup copies of their games, handoffs, and
/// games placed here by a draining peer. See peer_endpoint_actor.hpp.
using peer_endpoint_actor = caf::typed_actor<
  caf::replies_to<store::replicate_msg>::with<caf::ok_atom>,
  caf::reacts_to<store::unreplicate_msg>,
  caf::replies_to<adopt_msg>::with<caf::ok_atom>,
  caf::replies_to<create_msg>::with<std::string>>;

/// Supervisor → GameServer: from now on every change is also written to
/// `endpoint` (node `node`'s peer endpoint) before it is acknowledged. An
/// empty `node` and handle: no backup (a node alone).
struct backup_msg {
  std::string node;
  peer_endpoint_actor endpoint;
  /// No backup, and none may be assumed: this node just lost every peer
  /// and may be the one cut off. Changes wait for a backup (or for the
  /// supervisor to decide that this node carries on alone).
  bool hold = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, backup_msg& x) {
  return f(caf::meta::type_name("backup_msg"), x.node, x.endpoint, x.hold);
}

} // namespace parlor::game_server
