#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace parlor::ctl {

/// `http://HOST:PORT` split up (the only form parlorctl needs).
struct endpoint {
  std::string host;
  std::string port;
};

/// Parses `http://HOST[:PORT][/]` or `HOST:PORT`; none if malformed.
std::optional<endpoint> parse_url(const std::string& url);

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
