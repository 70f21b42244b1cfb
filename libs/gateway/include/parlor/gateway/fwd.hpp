#pragma once

#include "parlor/core/type_ids.hpp"

#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/type_id.hpp>

CAF_BEGIN_TYPE_ID_BLOCK(parlor_gateway, parlor::core::gateway_ids_begin)
  CAF_ADD_ATOM(parlor_gateway, parlor::gateway, inbound_atom, "inbound")
  CAF_ADD_ATOM(parlor_gateway, parlor::gateway, closed_atom, "closed")
  CAF_ADD_ATOM(parlor_gateway, parlor::gateway, idle_atom, "idle")
  CAF_ADD_ATOM(parlor_gateway, parlor::gateway, follow_atom, "follow")
  CAF_ADD_ATOM(parlor_gateway, parlor::gateway, unfollow_atom, "unfollow")
  CAF_ADD_ATOM(parlor_gateway, parlor::gateway, game_down_atom, "game_down")
  CAF_ADD_ATOM(parlor_gateway, parlor::gateway, sweep_atom, "sweep")
CAF_END_TYPE_ID_BLOCK(parlor_gateway)

static_assert(caf::id_block::parlor_gateway::end
              <= parlor::core::gateway_ids_end);
