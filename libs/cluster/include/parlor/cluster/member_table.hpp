#pragma once

#include "parlor/cluster/member.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace parlor::cluster {

/// The live members as this node sees them: written by the cluster agent,
/// read by HTTP threads (`/api/cluster`). Thread-safe.
class member_table {
public:
  void set_self(member m);
  void up(member m);
  void down(const std::string& name);
  /// Sets the status (`up`, `draining`) of this node or a peer.
  void set_status(const std::string& name, const std::string& status);

  /// This node first, then the peers sorted by name.
  std::vector<member> all() const;

  /// Renders `/api/cluster`.
  std::string to_json() const;

private:
  mutable std::mutex mtx_;
  member self_;
  std::map<std::string, member> peers_;
};

} // namespace parlor::cluster
