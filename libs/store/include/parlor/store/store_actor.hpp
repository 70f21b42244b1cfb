#pragma once

#include "parlor/core/fault.hpp"
#include "parlor/store/messages.hpp"
#include "parlor/store/store.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <filesystem>

namespace parlor::store {

/// The actor that owns the node's database (the shell around `store`).
/// Failures answer `errc::storage_failed`. Writes are queued and committed
/// together (group commit); every other request commits the queue first, so
/// it sees every earlier write.
///
/// This node's games:
/// - `save_msg` → `ok`.
/// - `(load_atom, int64_t finished_since_ms)` → every unfinished game, and
///   the finished ones written at or after `finished_since_ms`.
/// - `(load_atom, std::string code)` → the saved data of one game, empty if
///   none.
/// - `forget_msg`.
/// - `(expire_atom, int64_t cutoff_ms)`: moves finished games (and deletes
///   finished backup copies) last written before `cutoff_ms`.
///
/// Backup copies of other nodes' games (from peers, through the node's peer
/// endpoint):
/// - `replicate_msg` → `ok` once durable here; `errc::superseded` if this
///   node holds the game at a later incarnation (the sender's is stale).
/// - `unreplicate_msg`: this node is no longer the game's backup.
/// - `(adopt_atom, owner, int64_t finished_since_ms)` → failover: turns
///   every copy of `owner`'s games (unfinished, or finished since the
///   cutoff) into a game of this node, one incarnation later.
/// - `(adopt_atom, owner, std::string code)` → the same for one game
///   (handoff).
/// - `(drop_atom, owner, int64_t written_before_ms)`: drops the copies of
///   `owner`'s games last written before the time (stale: this node was cut
///   off from `owner`, who has named other backups meanwhile).
using store_actor = caf::typed_actor<
  caf::replies_to<save_msg>::with<caf::ok_atom>,
  caf::replies_to<load_atom, int64_t>::with<saved_games>,
  caf::replies_to<load_atom, std::string>::with<std::string>,
  caf::reacts_to<forget_msg>,
  caf::reacts_to<expire_atom, int64_t>,
  caf::replies_to<replicate_msg>::with<caf::ok_atom>,
  caf::reacts_to<unreplicate_msg>,
  caf::replies_to<adopt_atom, std::string, int64_t>::with<saved_games>,
  caf::replies_to<adopt_atom, std::string, std::string>::with<saved_games>,
  caf::reacts_to<commit_atom>,
  caf::reacts_to<drop_atom, std::string, int64_t>,
  caf::reacts_to<probe_atom>>;

/// Where the store actor runs.
enum class store_thread {
  /// A thread of its own (`caf::detached`): SQLite never holds up other
  /// actors, at the price of two thread switches per commit. A node always
  /// runs its store so: a stalled disk then stops moves, not the node.
  own,
  /// Scheduled like any actor (tests).
  shared,
};

/// How the store actor runs.
struct store_options {
  store_thread where = store_thread::own;
  sync_mode sync = sync_mode::full;
  /// Raised while writes fail (with the reason), cleared when they work
  /// again; may be null.
  std::shared_ptr<core::fault_flag> fault;
};

/// Opens the database in `data_dir` (throws `store_error` with a clear
/// message if it cannot), drops the backup copies kept for peers before (they
/// may be stale; owners send fresh ones), and spawns the actor that owns it,
/// with a checkpointer on a thread of its own (see checkpoint_actor.hpp).
/// Never seen by another node: peers reach it through the node's peer
/// endpoint (game_server/peer_endpoint_actor.hpp says why).
store_actor spawn_store(caf::actor_system& sys,
                        const std::filesystem::path& data_dir,
                        store_options opts);

inline store_actor spawn_store(caf::actor_system& sys,
                               const std::filesystem::path& data_dir,
                               store_thread where = store_thread::own) {
  return spawn_store(sys, data_dir, store_options{where, {}, {}});
}

} // namespace parlor::store
