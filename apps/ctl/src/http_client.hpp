#pragma once

#include "parlor/core/host_port.hpp"

#include <chrono>
#include <string>

namespace parlor::ctl {

/// A node's HTTP address.
using endpoint = core::host_port;

/// A node's answer: its status and body.
struct http_answer {
  unsigned status = 0;
  std::string body;
};

/// One HTTP/1.1 request with a deadline. Throws `std::runtime_error`
/// naming the endpoint when it cannot connect, send or read in time.
http_answer http_request(const endpoint& to, const std::string& method,
                         const std::string& target,
                         const std::string& authorization,
                         std::chrono::milliseconds timeout);

} // namespace parlor::ctl
