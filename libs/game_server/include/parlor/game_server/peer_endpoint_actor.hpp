#pragma once

#include "parlor/game_server/messages.hpp"
#include "parlor/game_server/supervisor_actor.hpp"
#include "parlor/store/store_actor.hpp"

namespace parlor::game_server {

/// The name under which a node offers its peer endpoint to peers.
inline constexpr const char* peer_endpoint_service = "peer_endpoint";

/// Spawns the node's endpoint for its peers (`peer_endpoint_actor`): it
/// passes `replicate_msg` and `unreplicate_msg` on to `store` and answers
/// for it, and `adopt_msg` (a handoff) and `create_msg` (a game placed here
/// by a draining peer) on to `supervisor`.
///
/// Why not hand peers the store itself: the store may be detached, and
/// CAF 0.17 keeps a detached actor that another node ever saw (as a handle
/// or as the sender of a message) from finishing until the network layer
/// stops, which only happens after the actor system waited for it: a
/// deadlock at shutdown. This scheduled stand-in avoids it.
peer_endpoint_actor spawn_peer_endpoint(caf::actor_system& sys,
                                        store::store_actor store,
                                        supervisor_actor supervisor);

} // namespace parlor::game_server
