#pragma once

#include "parlor/core/node_info.hpp"
#include "parlor/game_server/messages.hpp"
#include "parlor/metrics/metrics.hpp"
#include "parlor/pubsub/pubsub_actor.hpp"
#include "parlor/store/store_actor.hpp"

#include <chrono>
#include <memory>

namespace parlor::games {
class match;
} // namespace parlor::games

namespace parlor::game_server {

/// One game's authoritative actor:
///
/// - `join_msg` → `joined_msg`: seats the player if a seat is free (durable
///   before the reply, then broadcast). The sender (a gateway) counts as
///   connected to the game until it sends `(leave_atom)` or goes down.
/// - `move_msg` → the new `uint64_t` version, or a `games::errc`. Durable
///   before the reply, then broadcast as event `state` on topic `game:CODE`.
/// - `(state_atom)` → STATE as encoded JSON.
/// - `(persist_atom)` → `ok`: writes the current snapshot.
/// - `backup_msg`: where copies go from now on; the current snapshot is sent
///   there at once and the previous backup is told to drop its copy.
/// - `(drain_atom)` → the backup's node name: the game is being handed to
///   its backup; from now on changes are refused with
///   `errc::shutting_down`. Answered once the backup confirmed a copy of
///   the final snapshot; an error (the game stays here, playable) without a
///   backup, with a change held, or when that copy fails.
///   `(resume_atom)`: the handoff did not happen; changes are accepted again.
/// - `(vacant_atom, n)`, `(retire_atom)`, `(recopy_atom)`: its own timers.
/// - `(clock_atom, version)`: the game's clock, armed for the match's
///   `deadline()` whenever a version is published or the game starts (a
///   deadline already past fires at once); at the deadline the timeout rule
///   is committed as an ordinary change. A timer of an older version does
///   nothing.
///
/// With nobody connected for `idle_ttl`, the game stops: an unfinished one
/// with exit reason `errc::abandoned` (the supervisor then deletes it from
/// the store), a finished one normally (its result is kept when the store
/// reaps it). A finished game stops after `finished_ttl`.
///
/// "Durable" above means: saved in this node's store and, when there is a
/// backup, in the backup's; if the backup's write fails or times out
/// (`store_timeout`), the change is acknowledged with the local copy alone
/// (logged) and the supervisor names a new backup when membership changes.
using game_server_actor = caf::typed_actor<
  caf::replies_to<join_msg>::with<joined_msg>,
  caf::replies_to<move_msg>::with<uint64_t>,
  caf::replies_to<state_atom>::with<std::string>,
  caf::replies_to<persist_atom>::with<caf::ok_atom>,
  caf::reacts_to<backup_msg>,
  caf::replies_to<drain_atom>::with<std::string>,
  caf::reacts_to<resume_atom>,
  caf::reacts_to<leave_atom>,
  caf::reacts_to<vacant_atom, uint64_t>,
  caf::reacts_to<retire_atom>,
  caf::reacts_to<recopy_atom>,
  caf::reacts_to<clock_atom, uint64_t>>;

/// What every GameServer of a node shares.
struct game_env {
  core::node_info host;
  store::store_actor store;
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

/// Spawns the GameServer that owns a copy of `m`. `incarnation` is the
/// game's ownership generation (1 when created, one more each time it moves
/// to another node).
game_server_actor spawn_game_server(caf::actor_system& sys,
                                    std::shared_ptr<const game_env> env,
                                    std::shared_ptr<const games::match> m,
                                    uint64_t incarnation = 1);

} // namespace parlor::game_server
