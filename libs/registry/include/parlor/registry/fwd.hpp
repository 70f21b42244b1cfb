#pragma once

#include "parlor/core/type_ids.hpp"

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/fwd.hpp>
#include <caf/type_id.hpp>

#include <cstdint>

namespace parlor::registry {

/// Why the registry refused a request.
enum class errc : uint8_t {
  none = 0,
  /// No game is registered under that code.
  not_found,
  /// The code is held by another game.
  code_taken,
  /// Exit reason of a GameServer whose code another node's game won (a
  /// newer incarnation, or a clash after a partition): its snapshot is
  /// obsolete.
  superseded,
};

struct register_msg;
struct replace_msg;
struct unregister_msg;
struct claim_msg;
struct sync_msg;

} // namespace parlor::registry

CAF_ERROR_CODE_ENUM(parlor::registry::errc, "registry")

CAF_BEGIN_TYPE_ID_BLOCK(parlor_registry, parlor::core::registry_ids_begin)
  CAF_ADD_TYPE_ID(parlor_registry, (parlor::registry::register_msg))
  CAF_ADD_TYPE_ID(parlor_registry, (parlor::registry::replace_msg))
  CAF_ADD_TYPE_ID(parlor_registry, (parlor::registry::unregister_msg))
  CAF_ADD_TYPE_ID(parlor_registry, (parlor::registry::claim_msg))
  CAF_ADD_TYPE_ID(parlor_registry, (parlor::registry::sync_msg))
  CAF_ADD_ATOM(parlor_registry, parlor::registry, lookup_atom, "lookup")
  CAF_ADD_ATOM(parlor_registry, parlor::registry, count_atom, "count")
  CAF_ADD_ATOM(parlor_registry, parlor::registry, prune_atom, "prune")
CAF_END_TYPE_ID_BLOCK(parlor_registry)

static_assert(caf::id_block::parlor_registry::end
              <= parlor::core::registry_ids_end);
