#pragma once

#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "parlor/link/front.hpp"

#include <boost/asio/ssl/context.hpp>

namespace parlor::link {

/// The TLS context of every cluster link, both ends: TLS 1.3 only, this
/// node's certificate and key, peers verified against the cluster's CA
/// (a peer without a certificate is refused). Throws `std::runtime_error`
/// naming the flag and file when one can't be used, when the key does not
/// belong to the certificate, or when the CA did not sign the certificate
/// (its peers would refuse it).
boost::asio::ssl::context make_tls_context(const tls_files& files);

} // namespace parlor::link
