#pragma once

#include "parlor/core/type_ids.hpp"

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/type_id.hpp>

#include <cstdint>

namespace parlor::cluster {

/// Why the cluster agent refused a peer.
enum class errc : uint8_t {
  none = 0,
  /// The peer does not hold this cluster's secret.
  bad_secret,
  /// The handshake was not started with `hello` (or it expired).
  no_challenge,
  /// The peer claims this node's own name.
  duplicate_name,
};

struct member;
struct service_map;
struct hello_msg;
struct challenge_msg;
struct admit_msg;
struct welcome_msg;
struct peer_status_msg;
struct member_up_msg;
struct member_down_msg;
struct member_status_msg;

} // namespace parlor::cluster

CAF_ERROR_CODE_ENUM(parlor::cluster::errc, "cluster")

CAF_BEGIN_TYPE_ID_BLOCK(parlor_cluster, parlor::core::cluster_ids_begin)
  CAF_ADD_TYPE_ID(parlor_cluster, (parlor::cluster::hello_msg))
  CAF_ADD_TYPE_ID(parlor_cluster, (parlor::cluster::challenge_msg))
  CAF_ADD_TYPE_ID(parlor_cluster, (parlor::cluster::admit_msg))
  CAF_ADD_TYPE_ID(parlor_cluster, (parlor::cluster::welcome_msg))
  CAF_ADD_TYPE_ID(parlor_cluster, (parlor::cluster::peer_status_msg))
  CAF_ADD_TYPE_ID(parlor_cluster, (parlor::cluster::member_up_msg))
  CAF_ADD_TYPE_ID(parlor_cluster, (parlor::cluster::member_down_msg))
  CAF_ADD_TYPE_ID(parlor_cluster, (parlor::cluster::member_status_msg))
  CAF_ADD_ATOM(parlor_cluster, parlor::cluster, dial_atom, "dial")
  CAF_ADD_ATOM(parlor_cluster, parlor::cluster, start_atom, "start")
  CAF_ADD_ATOM(parlor_cluster, parlor::cluster, http_atom, "http")
  CAF_ADD_ATOM(parlor_cluster, parlor::cluster, watch_atom, "watch")
  CAF_ADD_ATOM(parlor_cluster, parlor::cluster, status_atom, "status")
  CAF_ADD_ATOM(parlor_cluster, parlor::cluster, link_atom, "link")
CAF_END_TYPE_ID_BLOCK(parlor_cluster)

static_assert(caf::id_block::parlor_cluster::end
              <= parlor::core::cluster_ids_end);
