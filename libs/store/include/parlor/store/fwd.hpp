#pragma once

#include "parlor/core/type_ids.hpp"

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/type_id.hpp>

#include <cstdint>

namespace parlor::store {

/// Why the store actor refused a request.
enum class errc : uint8_t {
  none = 0,
  /// The database refused the request (logged with SQLite's reason): a
  /// write was not made.
  storage_failed,
  /// A backup copy was refused: this node holds the game (as owner or as
  /// a copy) at a later incarnation, so the sender's game is stale.
  superseded,
};

struct save_msg;
struct replicate_msg;
struct unreplicate_msg;
struct forget_msg;
struct saved_games;

} // namespace parlor::store

CAF_ERROR_CODE_ENUM(parlor::store::errc, "store")

CAF_BEGIN_TYPE_ID_BLOCK(parlor_store, parlor::core::store_ids_begin)
  CAF_ADD_TYPE_ID(parlor_store, (parlor::store::save_msg))
  CAF_ADD_TYPE_ID(parlor_store, (parlor::store::replicate_msg))
  CAF_ADD_TYPE_ID(parlor_store, (parlor::store::unreplicate_msg))
  CAF_ADD_TYPE_ID(parlor_store, (parlor::store::forget_msg))
  CAF_ADD_TYPE_ID(parlor_store, (parlor::store::saved_games))
  CAF_ADD_ATOM(parlor_store, parlor::store, load_atom, "load")
  CAF_ADD_ATOM(parlor_store, parlor::store, expire_atom, "expire")
  CAF_ADD_ATOM(parlor_store, parlor::store, adopt_atom, "adopt")
  CAF_ADD_ATOM(parlor_store, parlor::store, commit_atom, "commit")
  CAF_ADD_ATOM(parlor_store, parlor::store, drop_atom, "drop")
  CAF_ADD_ATOM(parlor_store, parlor::store, probe_atom, "probe")
CAF_END_TYPE_ID_BLOCK(parlor_store)

static_assert(caf::id_block::parlor_store::end
              <= parlor::core::store_ids_end);
