#pragma once

#include <filesystem>
#include <string>

namespace parlor::auth {

/// Returns the default secret file, `$HOME/.parlor/cluster-secret`.
std::filesystem::path default_secret_path();

/// Reads the cluster secret from `path`, creating it first (random, mode
/// 0600, atomically) when it does not exist, like Erlang's cookie: nodes
/// started at once by one user end up with the same secret.
/// Throws `std::runtime_error` naming the problem when that fails.
std::string load_or_create_secret(const std::filesystem::path& path);

/// Reads the cluster secret from `path` (for tools: never creates it).
/// Throws `std::runtime_error` naming the file when it is missing or empty.
std::string load_secret(const std::filesystem::path& path);

} // namespace parlor::auth
