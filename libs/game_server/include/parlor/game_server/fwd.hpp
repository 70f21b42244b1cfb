#pragma once

#include "parlor/core/type_ids.hpp"
#include "parlor/games/errc.hpp"

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/fwd.hpp>
#include <caf/type_id.hpp>

#include <cstdint>

namespace parlor::game_server {

/// Why the game server layer refused a request (besides `games::errc`).
enum class errc : uint8_t {
  none = 0,
  /// `create` named a game type nobody registered.
  unknown_game,
  /// The database refused a write: the change was not made.
  storage_failed,
  /// No free code was found after many tries.
  no_free_code,
  /// The node is shutting down and takes no new games.
  shutting_down,
  /// Exit reason of a game nobody was connected to for too long.
  abandoned,
  /// The game's backup did not confirm a change (it is being declared down,
  /// or this node was cut off): the change was neither acknowledged nor
  /// shown, and the game takes no other until a backup confirms it.
  unconfirmed,
};

struct join_msg;
struct joined_msg;
struct move_msg;
struct create_msg;
struct adopt_msg;
struct backup_msg;

} // namespace parlor::game_server

CAF_ERROR_CODE_ENUM(parlor::games::errc, "game")
CAF_ERROR_CODE_ENUM(parlor::game_server::errc, "gameserver")

CAF_BEGIN_TYPE_ID_BLOCK(parlor_game_server, parlor::core::game_server_ids_begin)
  CAF_ADD_TYPE_ID(parlor_game_server, (parlor::game_server::join_msg))
  CAF_ADD_TYPE_ID(parlor_game_server, (parlor::game_server::joined_msg))
  CAF_ADD_TYPE_ID(parlor_game_server, (parlor::game_server::move_msg))
  CAF_ADD_TYPE_ID(parlor_game_server, (parlor::game_server::create_msg))
  CAF_ADD_TYPE_ID(parlor_game_server, (parlor::game_server::adopt_msg))
  CAF_ADD_TYPE_ID(parlor_game_server, (parlor::game_server::backup_msg))
  CAF_ADD_ATOM(parlor_game_server, parlor::game_server, state_atom, "state")
  CAF_ADD_ATOM(parlor_game_server, parlor::game_server, persist_atom, "persist")
  CAF_ADD_ATOM(parlor_game_server, parlor::game_server, restore_atom, "restore")
  CAF_ADD_ATOM(parlor_game_server, parlor::game_server, stats_atom, "stats")
  CAF_ADD_ATOM(parlor_game_server, parlor::game_server, drain_atom, "drain")
  CAF_ADD_ATOM(parlor_game_server, parlor::game_server, resume_atom, "resume")
  CAF_ADD_ATOM(parlor_game_server, parlor::game_server, leave_atom, "leave")
  CAF_ADD_ATOM(parlor_game_server, parlor::game_server, vacant_atom, "vacant")
  CAF_ADD_ATOM(parlor_game_server, parlor::game_server, retire_atom, "retire")
  CAF_ADD_ATOM(parlor_game_server, parlor::game_server, reap_atom, "reap")
  CAF_ADD_ATOM(parlor_game_server, parlor::game_server, failover_atom, "failover")
  CAF_ADD_ATOM(parlor_game_server, parlor::game_server, recopy_atom, "recopy")
  CAF_ADD_ATOM(parlor_game_server, parlor::game_server, clock_atom, "clock")
CAF_END_TYPE_ID_BLOCK(parlor_game_server)

static_assert(caf::id_block::parlor_game_server::end
              <= parlor::core::game_server_ids_end);
