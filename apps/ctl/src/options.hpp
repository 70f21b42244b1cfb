#pragma once

#include "parlor/core/host_port.hpp"

#include <optional>
#include <string>
#include <vector>

namespace parlor::ctl {

/// Everything parlorctl is told on its command line and in its environment.
struct options {
  std::string url = "http://127.0.0.1:4000";
  std::string secret;
  /// Whether `secret` was given (else the nodes' secret file is read).
  bool secret_given = false;
  int timeout_s = 90;
  /// `gen-certs`: how many node certificates.
  int nodes = 3;
  bool json = false;
  bool help = false;
  /// The command and its arguments.
  std::vector<std::string> args;
};

/// The result of `parse_options`: options, or one line naming the problem.
struct parse_result {
  options opts;
  std::string error;
  explicit operator bool() const noexcept {
    return error.empty();
  }
};

/// Parses `--key=value` options and the command with its arguments, in any
/// order; `PARLOR_URL` and `PARLOR_CLUSTER_SECRET` count where the flags
/// are absent.
parse_result parse_options(const std::vector<std::string>& args);

/// Parses `http://HOST[:PORT][/]` or `HOST[:PORT]` (port 80 by default);
/// none if malformed.
std::optional<core::host_port> parse_url(const std::string& url);

/// The `--help` text, generated from the options `parse_options` takes.
std::string usage_text();

} // namespace parlor::ctl
