#pragma once

#include <caf/type_id.hpp>

/// CAF type ID ranges, one per library, so that every block can assert it
/// stays inside its own range.
namespace parlor::core {

constexpr caf::type_id_t cluster_ids_begin = caf::first_custom_type_id;
constexpr caf::type_id_t cluster_ids_end = cluster_ids_begin + 20;
constexpr caf::type_id_t pubsub_ids_begin = cluster_ids_end;
constexpr caf::type_id_t pubsub_ids_end = pubsub_ids_begin + 20;
constexpr caf::type_id_t registry_ids_begin = pubsub_ids_end;
constexpr caf::type_id_t registry_ids_end = registry_ids_begin + 20;
constexpr caf::type_id_t store_ids_begin = registry_ids_end;
constexpr caf::type_id_t store_ids_end = store_ids_begin + 20;
constexpr caf::type_id_t game_server_ids_begin = store_ids_end;
constexpr caf::type_id_t game_server_ids_end = game_server_ids_begin + 30;
constexpr caf::type_id_t gateway_ids_begin = game_server_ids_end;
constexpr caf::type_id_t gateway_ids_end = gateway_ids_begin + 20;

} // namespace parlor::core
