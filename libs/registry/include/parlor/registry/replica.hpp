#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace parlor::registry {

/// A writer's clock. `epoch` is the start time of the writing node, `seq`
/// counts its writes: a node restarted under the same name starts a later
/// epoch, so its writes beat those of its previous life.
struct stamp {
  uint64_t epoch = 0;
  uint64_t seq = 0;
  auto operator<=>(const stamp&) const = default;
};

/// One node's word on one code.
template <class Handle>
struct record {
  Handle game{};
  /// Bumped when a game moves to another node (failover, handoff): a higher
  /// incarnation owns the code whatever the node names.
  uint64_t incarnation = 1;
  stamp version;
  /// False for a removal (a tombstone).
  bool live = true;
  bool operator==(const record&) const = default;
};

/// The state of the replicated registry: a state-based CRDT.
///
/// Keys are (code, owner node). Only the owner writes its keys, so each key
/// is a last-writer-wins register ordered by the owner's `stamp`; joining two
/// replicas keeps, per key, the record with the later stamp. That join is
/// commutative, associative and idempotent, so replicas that saw the same
/// writes in any order and any grouping hold the same state.
///
/// Which game a code names is a pure function of that state: among the live
/// records for the code, the highest incarnation wins, and between equal
/// incarnations the smaller owner name. Every replica therefore resolves a
/// clash (one code claimed on two sides of a partition) the same way once it
/// has merged both sides, without another round of messages.
template <class Handle>
class replica {
public:
  using record_type = record<Handle>;
  using owner_map = std::map<std::string, record_type>;

  struct owner_entry {
    std::string owner;
    record_type rec;
  };

  /// Joins one record; true if it changed the state.
  bool merge(const std::string& code, const std::string& owner,
             const record_type& r) {
    auto& slot = data_[code];
    auto i = slot.find(owner);
    if (i == slot.end()) {
      slot.emplace(owner, r);
      return true;
    }
    if (!newer(r, i->second))
      return false;
    i->second = r;
    return true;
  }

  /// Joins a whole replica.
  void merge(const replica& other) {
    for (auto& [code, owners] : other.data_)
      for (auto& [owner, r] : owners)
        merge(code, owner, r);
  }

  /// The owner and record that hold `code`, if any live record exists.
  std::optional<owner_entry> winner(const std::string& code) const {
    auto i = data_.find(code);
    if (i == data_.end())
      return std::nullopt;
    const std::string* best_owner = nullptr;
    const record_type* best = nullptr;
    // std::map iterates owners by ascending name: on equal incarnations the
    // first one seen (the smaller name) stays.
    for (auto& [owner, r] : i->second)
      if (r.live && (!best || r.incarnation > best->incarnation)) {
        best_owner = &owner;
        best = &r;
      }
    if (!best)
      return std::nullopt;
    return owner_entry{*best_owner, *best};
  }

  /// The record `owner` holds for `code`, live or not.
  const record_type* find(const std::string& code,
                          const std::string& owner) const {
    auto i = data_.find(code);
    if (i == data_.end())
      return nullptr;
    auto j = i->second.find(owner);
    return j == i->second.end() ? nullptr : &j->second;
  }

  /// Drops every record `owner` wrote (the node is gone; a live node sends
  /// its records again when it rejoins). Returns the codes it touched.
  std::vector<std::string> forget(const std::string& owner) {
    std::vector<std::string> codes;
    for (auto i = data_.begin(); i != data_.end();) {
      if (i->second.erase(owner) > 0)
        codes.push_back(i->first);
      i = i->second.empty() ? data_.erase(i) : std::next(i);
    }
    return codes;
  }

  /// Drops tombstones for which `pred(code, owner)` holds.
  template <class Pred>
  std::size_t prune(Pred pred) {
    std::size_t dropped = 0;
    for (auto i = data_.begin(); i != data_.end();) {
      for (auto j = i->second.begin(); j != i->second.end();)
        if (!j->second.live && pred(i->first, j->first)) {
          j = i->second.erase(j);
          ++dropped;
        } else {
          ++j;
        }
      i = i->second.empty() ? data_.erase(i) : std::next(i);
    }
    return dropped;
  }

  /// Number of codes that have a live record.
  std::size_t live_codes() const {
    std::size_t n = 0;
    for (auto& [code, owners] : data_)
      for (auto& [owner, r] : owners)
        if (r.live) {
          ++n;
          break;
        }
    return n;
  }

  const std::map<std::string, owner_map>& data() const { return data_; }

  bool operator==(const replica&) const = default;

private:
  /// Whether `a` replaces `b` for the same key. A correct writer never
  /// reuses a stamp; should it happen, the tie is still broken the same way
  /// everywhere (a removal wins, then the higher incarnation), which keeps
  /// the join a join.
  static bool newer(const record_type& a, const record_type& b) {
    if (a.version != b.version)
      return a.version > b.version;
    if (a.live != b.live)
      return !a.live;
    if (a.incarnation != b.incarnation)
      return a.incarnation > b.incarnation;
    return std::less<Handle>{}(b.game, a.game);
  }

  std::map<std::string, owner_map> data_;
};

} // namespace parlor::registry
