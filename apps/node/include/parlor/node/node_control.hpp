#pragma once

#include "parlor/cluster/fwd.hpp"
#include "parlor/game_server/fwd.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace parlor::node {

/// What `node_control` asks of the node's supervisor: a subset of
/// `game_server::supervisor_actor`, so that tests can stand in for it.
using drain_target = caf::typed_actor<
  caf::replies_to<game_server::drain_atom>::with<uint64_t>,
  caf::replies_to<game_server::resume_atom>::with<caf::ok_atom>>;

/// What `node_control` tells the cluster agent: this node's status, as
/// peers see it (a subset of `cluster::agent_actor`).
using status_target
  = caf::typed_actor<caf::reacts_to<cluster::status_atom, std::string>>;

/// The node's front door as `node_control` sees it: the HTTP server in
/// production, a recorder in tests. Every member may be called from any
/// thread.
struct front_door {
  /// `/healthz` says `draining` (true) or not.
  std::function<void(bool)> set_draining;
  /// Stops accepting and closes every WebSocket with 1001 (going away).
  std::function<void()> close_sessions;
  /// Drops the WebSockets still open, without a close handshake.
  std::function<void()> drop_sessions;
  /// Calls its argument once no WebSocket is open (at once if none is).
  std::function<void(std::function<void()>)> when_no_sessions;
};

/// How long each step of a shutdown may take.
struct shutdown_bounds {
  /// Handing every game to its backup.
  std::chrono::milliseconds drain{10'000};
  /// Clients answering the 1001 close.
  std::chrono::milliseconds close{5'000};
  /// Sessions ending once dropped.
  std::chrono::milliseconds drop{2'000};
};

/// The answer to an admin request: HTTP status and a JSON body.
using admin_reply = std::function<void(unsigned status, std::string body)>;

/// The node's operations: `parlorctl`'s admin actions (drain, resume) and
/// the shutdown on SIGTERM. Holds no state of its own besides the handles;
/// the supervisor knows whether the node drains, the agent tells peers.
class node_control {
public:
  node_control(caf::actor_system& sys, std::string node_name,
               drain_target supervisor, status_target agent, front_door door);

  /// Runs the signed `POST /api/admin/ACTION?node=NAME`: `drain` (every
  /// game to its backup, within `admin_drain`), `resume`; 409
  /// `wrong_node` if `node` names another node, 404 `unknown_action`.
  /// `reply` runs once, on any thread.
  void admin(const std::string& action,
             const std::map<std::string, std::string>& params,
             admin_reply reply) const;

  /// Draining: `/healthz` says so, peers see the status, new games go to
  /// peers and every game is handed to its backup. `then` gets how many
  /// were handed over, or an error text; it runs on an actor thread.
  void drain(std::chrono::milliseconds bound,
             std::function<void(uint64_t, std::string)> then) const;

  /// Undoes `drain`: the node takes games again.
  void resume() const;

  /// Shuts the node's front down: drains, then closes the sockets with
  /// 1001 (so that players of handed-over games rejoin elsewhere), waits
  /// for them within `bounds.close`, drops the rest and waits `bounds.drop`
  /// more. Then `done` runs, once, on an actor thread: no socket is left
  /// (every gateway actor has been told its socket is gone) or the wait
  /// gave up, and the caller may stop the actors. Each step is a message:
  /// nothing polls.
  void shut_down(shutdown_bounds bounds, std::function<void()> done) const;

  /// How long an admin `drain` may take.
  static constexpr std::chrono::milliseconds admin_drain{60'000};

private:
  /// `/healthz` and the peers hear that this node drains.
  void mark_draining() const;

  caf::actor_system& sys_;
  std::string name_;
  drain_target supervisor_;
  status_target agent_;
  std::shared_ptr<const front_door> door_;
};

} // namespace parlor::node
