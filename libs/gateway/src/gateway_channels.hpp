#pragma once

// The Phoenix channels a gateway serves: `lobby` (create) and `game:CODE`
// (join, move). Private to libs/gateway.

#include "gateway_state.hpp"

namespace parlor::gateway::detail {

/// `phx_join` of `lobby` or `game:CODE`; any other topic is refused.
void handle_join(self_ptr self, protocol::frame& f);

/// `create` on `lobby`: a new game, placed by the supervisor.
void handle_create(self_ptr self, const protocol::frame& f);

/// `move` on a joined `game:CODE` channel `ch`.
void handle_move(self_ptr self, protocol::frame& f, const channel& ch);

} // namespace parlor::gateway::detail
