#pragma once

#include "parlor/core/node_info.hpp"
#include "parlor/game_server/fwd.hpp"
#include "parlor/metrics/metrics.hpp"
#include "parlor/pubsub/pubsub_actor.hpp"

#include <caf/actor.hpp>

#include <chrono>
#include <memory>

namespace parlor::games {
class match;
} // namespace parlor::games

namespace parlor::game_server {

/// What every GameServer of a node shares.
struct game_env {
  core::node_info host;
  caf::actor store;
  pubsub::pubsub_actor pubsub;
  /// Where the `games` gauge is kept; may be null (tests).
  std::shared_ptr<metrics::node_metrics> metrics;
  /// How long a finished game stays joinable before its actor stops.
  std::chrono::milliseconds finished_ttl = std::chrono::minutes{30};
  /// How long a game stays with nobody connected before it is removed
  /// (an unfinished one also from the store); zero: never.
  std::chrono::milliseconds idle_ttl = std::chrono::minutes{30};
  /// How long to wait for a backup node's copy, and for snapshots asked for
  /// a handoff (the local store's writes wait without a timer: it always
  /// answers).
  std::chrono::milliseconds store_timeout = std::chrono::seconds{5};
};

/// Spawns the GameServer that owns a copy of `m`. Its interface:
///
/// - `(join_atom, std::string player_id, std::string name)` →
///   `(std::string seat, std::string state)`: seats the player if a seat is
///   free (durable before the reply, then broadcast); `seat` is empty for a
///   spectator; `state` is STATE as encoded JSON, including this join. The
///   sender (a gateway) counts as connected to the game until it sends
///   `(leave_atom)` or goes down.
/// - `(move_atom, std::string player_id, std::string move)` → `uint64_t`
///   version, or a `games::errc`; `move` is the move payload as JSON text.
///   Durable before the reply, then broadcast as event `state` on topic
///   `game:CODE`.
/// - `(state_atom)` → `std::string`: the current STATE.
/// - `(persist_atom)` → `caf::ok_atom`: writes the current snapshot.
/// - `(backup_atom, std::string node, caf::actor store)`: from now on every
///   change is also written to `store` (a peer's store actor) before it is
///   acknowledged; the current snapshot is sent there at once and the
///   previous backup is told to drop its copy. An empty `node` and handle:
///   no backup (a node alone).
///
/// - `(drain_atom)` → `caf::ok_atom`: the game is being handed to another
///   node; from now on changes are refused with `errc::shutting_down`.
/// - `(resume_atom)`: the handoff did not happen; changes are accepted again.
///
/// With nobody connected for `idle_ttl`, the game stops: an unfinished one
/// with exit reason `errc::abandoned` (the supervisor then deletes it from
/// the store), a finished one normally (its result is kept when the store
/// reaps it).
///
/// "Durable" above means: saved in this node's store and, when there is a
/// backup, in the backup's. `incarnation` is the game's ownership generation
/// (1 when created, one more each time it moves to another node).
caf::actor spawn_game_server(caf::actor_system& sys,
                             std::shared_ptr<const game_env> env,
                             std::shared_ptr<const games::match> m,
                             uint64_t incarnation = 1);

} // namespace parlor::game_server
