#pragma once

#include "local_socket.hpp"
#include "router.hpp"

#include "parlor/gateway/http_server.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace parlor::gateway {

/// Open connections per remote address (`--max-connections-per-address`).
class address_counts {
public:
  /// Counts one more connection from `address` unless `limit` are open
  /// (0: no limit); whether it did.
  bool add(const std::string& address, std::size_t limit) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& n = counts_[address];
    if (limit != 0 && n >= limit)
      return false;
    ++n;
    return true;
  }

  void remove(const std::string& address) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (auto i = counts_.find(address); i != counts_.end() && --i->second == 0)
      counts_.erase(i);
  }

private:
  std::mutex mtx_;
  std::unordered_map<std::string, std::size_t> counts_;
};

/// One open connection of a server, counted while it lives: the HTTP
/// session holds it, then the WebSocket session it becomes.
class connection_slot {
public:
  explicit connection_slot(std::atomic<std::size_t>& open) : open_(&open) {
    // nop
  }

  connection_slot(connection_slot&& other) noexcept
    : open_(std::exchange(other.open_, nullptr)),
      per_address_(std::exchange(other.per_address_, nullptr)),
      address_(std::move(other.address_)) {
    // nop
  }

  connection_slot& operator=(connection_slot&&) = delete;

  ~connection_slot() {
    if (open_)
      open_->fetch_sub(1, std::memory_order_relaxed);
    if (per_address_)
      per_address_->remove(address_);
  }

  /// Also counts the connection for `address` in `counts` (already added).
  void count_address(address_counts& counts, std::string address) {
    per_address_ = &counts;
    address_ = std::move(address);
  }

private:
  std::atomic<std::size_t>* open_;
  address_counts* per_address_ = nullptr;
  std::string address_;
};

/// What the listener and every session of one `http_server` share (Beast's
/// `shared_state`). The flags and the session list are thread-safe; the
/// rest does not change after construction.
class server_state {
public:
  server_state(boost::asio::io_context& io, caf::actor_system& actor_sys,
               std::shared_ptr<const gateway_env> gw_env, http_options options);

  // -- constant after construction -------------------------------------------

  /// Run by exactly one thread.
  boost::asio::io_context& ioc;
  caf::actor_system& sys;
  std::shared_ptr<const gateway_env> env;
  http_options opts;
  /// Loaded with the web client at construction.
  const router routes;
  /// What the admin listener (`--admin-port`) answers.
  const router admin_routes;

  // -- flags ------------------------------------------------------------------

  std::atomic<bool> ready{false};
  std::atomic<bool> draining{false};
  /// Set once by `http_server::stop`; sessions accepted later close at once.
  std::atomic<bool> stopping{false};

  node_status status() const {
    node_status s{ready, draining, stopping, {}};
    if (opts.storage_fault)
      if (auto reason = opts.storage_fault->reason())
        s.storage_fault = std::move(*reason);
    return s;
  }

  // -- connections ------------------------------------------------------------

  /// A slot for a new connection from `address`, or none when
  /// `max_connections` are open, or `max_connections_per_address` from that
  /// address (the connection is then refused).
  std::optional<connection_slot> take_slot(const std::string& address) {
    auto n = open_connections_.fetch_add(1, std::memory_order_relaxed);
    connection_slot slot{open_connections_};
    if (opts.max_connections != 0 && n >= opts.max_connections)
      return std::nullopt; // the slot gives its count back
    if (!per_address_.add(address, opts.max_connections_per_address))
      return std::nullopt;
    slot.count_address(per_address_, address);
    return slot;
  }

  /// A slot on the admin listener: counted apart (at most
  /// `max_admin_connections`), so that players filling the node's
  /// connections never lock operators out.
  std::optional<connection_slot> take_admin_slot() {
    auto n = admin_connections_.fetch_add(1, std::memory_order_relaxed);
    connection_slot slot{admin_connections_};
    if (n >= max_admin_connections)
      return std::nullopt;
    return slot;
  }

  static constexpr std::size_t max_admin_connections = 64;

  std::size_t open_connections() const {
    return open_connections_.load(std::memory_order_relaxed);
  }

  // -- WebSocket sessions -----------------------------------------------------

  void add_session(local_socket* s, std::weak_ptr<local_socket> w) {
    std::lock_guard<std::mutex> guard{sessions_mtx_};
    sessions_.emplace(s, std::move(w));
  }

  /// Forgets `s`; runs the `when_no_sessions` callbacks if it was the last.
  void remove_session(local_socket* s);

  /// Calls `done` once no session is open: at once if none is, else on the
  /// thread that removes the last one.
  void when_no_sessions(std::function<void()> done);

  /// The sessions still alive, kept alive by the returned pointers.
  std::vector<std::shared_ptr<local_socket>> open_sessions() const;

  std::size_t session_count() const {
    std::lock_guard<std::mutex> guard{sessions_mtx_};
    return sessions_.size();
  }

private:
  std::atomic<std::size_t> admin_connections_{0};
  std::atomic<std::size_t> open_connections_{0};
  address_counts per_address_;
  mutable std::mutex sessions_mtx_;
  std::unordered_map<local_socket*, std::weak_ptr<local_socket>> sessions_;
  std::vector<std::function<void()>> on_empty_;
};

} // namespace parlor::gateway
