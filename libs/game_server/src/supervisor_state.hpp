#pragma once

// The supervisor's state and the steps its two files share
// (supervisor_actor.cpp: games, restarts, membership; handoff.cpp: drain
// and adopt).

#include "parlor/game_server/game_table.hpp"
#include "parlor/game_server/supervisor_actor.hpp"

#include <caf/stateful_actor.hpp>

#include <chrono>
#include <map>
#include <random>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace parlor::games {
class match;
} // namespace parlor::games

namespace parlor::game_server {

using namespace std::chrono_literals;

/// How long the supervisor waits for the registry, a GameServer or a peer.
constexpr auto registry_timeout = 2s;

/// A live peer, as membership reports it.
struct peer_info {
  peer_endpoint_actor endpoint;
  bool draining = false;
};

/// Peers lost within `failover_grace` of the first of them, decided on
/// together (see `decide_failover`).
struct loss_burst {
  bool open = false;
  int64_t since_ms = 0;            ///< Unix ms of the first loss
  std::set<std::string> members;   ///< the cluster before: peers, lost ones
  std::vector<std::string> lost;
};

/// How long a loss waits for others before this node fails over. A node
/// that was frozen (or cut off) sees all its peers go at once on waking.
constexpr auto failover_grace = 300ms;

struct supervisor_state {
  std::shared_ptr<const game_env> env;
  registry::registry_actor registry;
  game_table<game_server_actor> games;
  /// Live peers by name: backup and placement candidates.
  std::map<std::string, peer_info> peers;
  bool shutting_down = false;
  loss_burst losses;
  /// Every peer was lost at once, and failover has not decided that this
  /// node carries on alone (or it decided this node was cut off): games
  /// without a backup hold their changes.
  bool isolated = false;
  /// Draining: new games go to peers, live ones are handed over.
  bool draining = false;
  /// Seeds of new games' randomness.
  std::mt19937_64 seeds{std::random_device{}()};
  static inline const char* name = "parlor.supervisor";
};

using supervisor_ptr = supervisor_actor::stateful_pointer<supervisor_state>;

/// Each live peer's name and whether it is draining (for `placement.hpp`).
std::map<std::string, bool> peer_status(const supervisor_state& st);

/// The peer endpoint of `node`, or an invalid handle.
peer_endpoint_actor endpoint_of(const supervisor_state& st,
                                const std::string& node);

/// Starts saved games (restored at start, adopted on failover or handoff)
/// and registers them at their incarnation. Returns how many were started.
uint64_t start_saved(supervisor_ptr self, const store::saved_games& saved);

/// `(drain_atom)`: hands every game with a backup to it.
caf::result<uint64_t> drain_all(supervisor_ptr self);

/// `adopt_msg`: takes one game over from the copy kept here.
caf::result<caf::ok_atom> adopt_one(supervisor_ptr self, const adopt_msg& msg);

} // namespace parlor::game_server
