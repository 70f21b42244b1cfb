#pragma once

#include "parlor/game_server/fwd.hpp"

#include <filesystem>

namespace parlor::game_server {

/// Opens the database in `data_dir` (throws `store::store_error` with a clear
/// message if it cannot) and spawns a detached actor that owns it:
///
/// - `(save_atom, std::string code, std::string kind, uint64_t version,
///   bool finished, std::string data)` → `caf::ok_atom`, or
///   `errc::storage_failed`.
/// - `(load_atom)` → `std::vector<std::string>`: the saved data of every
///   unfinished game.
/// - `(load_atom, std::string code)` → `std::string`: the saved data of one
///   game, empty if none.
caf::actor spawn_store(caf::actor_system& sys,
                       const std::filesystem::path& data_dir);

} // namespace parlor::game_server
