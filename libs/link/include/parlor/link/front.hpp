#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace parlor::link {

/// The files of a node's mutual TLS on cluster links (PEM).
struct tls_files {
  /// This node's certificate (chain), signed by `ca`.
  std::string cert;
  /// Its private key.
  std::string key;
  /// The cluster's CA: peers must show a certificate it signed.
  std::string ca;
};

struct front_options {
  /// The cluster port every peer dials (the node's `--cluster-host/port`).
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  /// Authenticates peers (both directions) before any BASP byte passes.
  std::string secret;
  /// Mutual TLS around every link, when set.
  std::optional<tls_files> tls;
  /// Bounds each link's whole greeting (TCP connect, TLS, secret), and the
  /// time this node's own BASP takes to pick up a dialled link.
  std::chrono::milliseconds handshake_timeout = std::chrono::seconds{5};
  /// Greetings in progress from one address, and from all: more are closed
  /// at once, so that strangers can't crowd peers out.
  size_t max_pending_per_address = 8;
  size_t max_pending = 256;
};

/// Figures for /metrics and tests.
struct front_counters {
  uint64_t links_open = 0;
  uint64_t links_accepted = 0;
  uint64_t links_dialled = 0;
  /// Inbound and outbound links that failed their greeting.
  uint64_t refused = 0;
};

/// The cluster port's front door. CAF's BASP listens on loopback only;
/// peers reach it through this front, which greets each connection (mutual
/// TLS if configured, then the cluster secret, both ways; fixed-size
/// messages under one deadline) and only then splices its bytes to BASP.
/// Dialling works the same way from this side: `dial` greets the peer and
/// hands BASP a loopback port that leads there. A refused or broken greeting
/// closes that one connection; other links never notice.
///
/// Runs on a thread of its own. Thread-safe.
class front {
public:
  /// Loads the TLS files, if any. Throws `std::runtime_error` naming the
  /// file or the problem.
  explicit front(front_options opts);
  ~front();

  front(const front&) = delete;
  front& operator=(const front&) = delete;

  /// Binds the cluster port and listens. Returns the bound port. Throws
  /// `std::runtime_error` naming the problem if the address is unusable.
  uint16_t open();

  /// Starts accepting; authenticated links go on to `127.0.0.1:inner_port`
  /// (BASP).
  void start(uint16_t inner_port);

  /// What `dial` reports: a loopback address and port to connect BASP to
  /// (once, within the handshake timeout), or port 0 and why the peer could
  /// not be reached. The address is a random one of 127.0.0.0/8, so that
  /// BASP's connection cache, keyed by host and port, never mistakes a new
  /// link for an old one that had the same port.
  using dial_result = std::function<void(std::string local_host,
                                         uint16_t local_port,
                                         std::string error)>;

  /// Connects to a peer's cluster port and greets it; `done` runs once, on
  /// the front's thread.
  void dial(const std::string& host, uint16_t port, dial_result done);

  /// Closes the cluster port and every link; waits for the thread.
  void stop();

  front_counters counters() const;

  /// The front's state and thread (front.cpp).
  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace parlor::link
