#pragma once

#include "parlor/game_server/fwd.hpp"

#include <filesystem>

namespace parlor::game_server {

/// Where the store actor runs.
enum class store_thread {
  /// A thread of its own (`caf::detached`): SQLite never holds up other
  /// actors, at the price of two thread switches per commit.
  own,
  /// Scheduled like any actor. On the io thread (`gateway::run_actors_on`)
  /// a commit then costs no thread switch: commits write the log without
  /// syncing (WAL, synchronous=NORMAL), and the syncs are the checkpointer's,
  /// which keeps a thread of its own either way.
  shared,
};

/// Opens the database in `data_dir` (throws `store::store_error` with a clear
/// message if it cannot), drops the backup copies kept for peers before (they
/// may be stale; owners send fresh ones), and spawns the actor that owns it,
/// with a checkpointer on a thread of its own. Failures answer
/// `errc::storage_failed`.
///
/// This node's games:
/// - `(save_atom, std::string code, std::string kind, uint64_t version,
///   bool finished, std::string data, uint64_t incarnation)` →
///   `caf::ok_atom`.
/// - `(load_atom, int64_t finished_since_ms)` → `(std::vector<std::string>
///   data, std::vector<uint64_t> incarnations)`: every unfinished game, and
///   the finished ones written at or after `finished_since_ms`.
/// - `(expire_atom, int64_t cutoff_ms)`: deletes finished games (and finished
///   backup copies) last written before `cutoff_ms`.
/// - `(load_atom, std::string code)` → `std::string`: the saved data of one
///   game, empty if none.
/// - `(forget_atom, std::string code, uint64_t incarnation)`: deletes the
///   game if stored at that incarnation or older (it moved away).
///
/// Backup copies of other nodes' games (peers call these):
/// - `(replicate_atom, std::string owner, std::string code, std::string
///   kind, uint64_t version, uint64_t incarnation, bool finished,
///   std::string data)` → `caf::ok_atom` once durable here.
/// - `(unreplicate_atom, std::string code, std::string owner, uint64_t
///   incarnation)`: this node is no longer the game's backup.
/// - `(adopt_atom, std::string owner, int64_t finished_since_ms)` →
///   `(std::vector<std::string> data, std::vector<uint64_t> incarnations)`:
///   failover; turns every copy of `owner`'s games (unfinished, or finished
///   since the cutoff) into a game of this node, one incarnation later.
/// - `(adopt_atom, std::string owner, std::string code)` → the same for one
///   game (handoff).
caf::actor spawn_store(caf::actor_system& sys,
                       const std::filesystem::path& data_dir,
                       store_thread where = store_thread::own);

/// Whether a thread of this process may go to Linux's idle scheduling
/// policy and back to the normal one. Going back needs CAP_SYS_NICE or an
/// RLIMIT_NICE of 20, which unprivileged services usually lack; without it
/// the store's checkpointer stays at normal priority (a thread at idle
/// priority could not be raised when it falls behind).
bool idle_priority_reversible();

/// Spawns the actor peers get instead of the store itself: it passes
/// `replicate_atom` and `unreplicate_atom` on to `store` and answers for it,
/// and `(adopt_atom, owner, code)` (a handoff) and `create_atom` (a game
/// placed here by a draining peer) on to the node's `supervisor`.
/// The store is detached, and CAF 0.17 keeps a detached actor that another
/// node ever saw (as a handle or as the sender of a message) from finishing
/// until the network layer stops, which only happens after the actor system
/// waited for it: a deadlock at shutdown. This scheduled stand-in avoids it.
caf::actor spawn_backup_keeper(caf::actor_system& sys, caf::actor store,
                               caf::actor supervisor);

/// The name under which a node offers its peer endpoint (the keeper above)
/// to peers.
inline constexpr const char* peer_endpoint_service = "peer_endpoint";

} // namespace parlor::game_server
