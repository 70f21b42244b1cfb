#pragma once

#include <filesystem>
#include <vector>

namespace parlor::link {

/// Writes a cluster CA and `nodes` node certificates into `dir` (created if
/// missing), for trying mutual TLS on cluster links: `ca.pem`, `ca.key`,
/// `node1.pem`, `node1.key`, … (EC P-256, SHA-256, valid 365 days; keys
/// mode 0600). Refuses to overwrite any of those files. Returns the paths
/// written. Throws `std::runtime_error` naming the problem.
std::vector<std::filesystem::path>
generate_certs(const std::filesystem::path& dir, int nodes);

} // namespace parlor::link
