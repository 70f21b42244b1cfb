#pragma once

#include "parlor/core/host_port.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace parlor::node {

/// A cluster address, `host:port`.
using endpoint = core::host_port;

/// Everything a node is configured with. Defaults are the contract's.
struct node_config {
  std::string name; // empty: host name + cluster port, filled in later
  std::string region = "local";
  std::string http_host = "0.0.0.0";
  uint16_t http_port = 4000;
  /// `--admin-port`: /metrics and /api/admin on a listener of their own.
  std::optional<uint16_t> admin_port;
  std::string admin_host = "127.0.0.1";
  std::string cluster_host = "127.0.0.1";
  uint16_t cluster_port = 4370;
  std::vector<endpoint> seeds;
  /// DNS name whose A/AAAA records are cluster members (empty: none).
  std::string dns;
  /// Their cluster port; 0: this node's own cluster port.
  uint16_t dns_port = 0;
  uint32_t dns_interval_ms = 5000;
  std::string data_dir = "./data";
  std::optional<std::string> cluster_secret;
  /// Mutual TLS on cluster links: all three files, or none (plain links).
  std::string cluster_tls_cert;
  std::string cluster_tls_key;
  std::string cluster_tls_ca;
  /// `--allowed-origins`; empty: the default rule (`gateway::origin_allowed`).
  std::vector<std::string> allowed_origins;
  std::string web_root; // empty: <binary dir>/../web
  std::string log_level = "info";
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t max_connections = 18'000;
  /// `--max-connections-per-address`; 0 = no limit.
  uint32_t max_connections_per_address = 1000;
  uint32_t socket_rate = 50;
  /// `--create-rate`: games one player may create a minute (bursts of as
  /// many); 0 = no limit.
  uint32_t create_rate = 30;
  /// `--token-max-age-days`: how long a player token stays good.
  uint32_t token_max_age_days = 30;
  /// `--sync`: "full" (the log is synced before every acknowledgement) or
  /// "normal" (synced about once a second).
  std::string sync = "full";
  uint32_t idle_timeout_ms = 60'000;
  uint32_t finished_ttl_s = 1800;
  uint32_t idle_game_ttl_s = 1800;
  uint32_t threads = 0; // 0: one per core
  bool help = false;
  bool version = false;
};

/// Where an option's value came from, for error messages.
enum class source : uint8_t { flag, env, file };

/// The outcome of `parse_config`: a config or one line naming the problem.
struct parse_result {
  node_config config;
  std::string error;
  explicit operator bool() const noexcept {
    return error.empty();
  }
};

/// Reads a config file's text, or none if it cannot be read.
using file_reader = std::function<std::optional<std::string>(const std::string&)>;

/// Parses the command line (`--key=value`), `PARLOR_<KEY>` environment
/// variables and a `--config=FILE` (`key = value` lines, `#` comments).
/// Flags win over env, env over the file.
parse_result parse_config(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env,
                          const file_reader& read_file);

/// The `--help` text, generated from the options `parse_config` takes.
std::string help_text();

} // namespace parlor::node
