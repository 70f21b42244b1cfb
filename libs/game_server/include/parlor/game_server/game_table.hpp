#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace parlor::game_server {

/// What a supervisor knows of one of its node's games.
template <class Handle>
struct local_game {
  /// Its GameServer; invalid while a crashed one is being restarted.
  Handle actor;
  /// Ownership generation, kept across crash restarts.
  uint64_t incarnation = 1;
  /// The node that keeps its copy; empty: none (a node alone).
  std::string backup;
  /// When it was restarted recently (see `restart_allowed`).
  std::deque<std::chrono::steady_clock::time_point> restarts;
};

/// A supervisor's games: one entry per code, found by code or by its
/// GameServer's address (for down messages). The pure core of the
/// supervisor; `Handle` is an actor handle (anything with `address()`).
template <class Handle>
class game_table {
public:
  using entry = local_game<Handle>;
  using address_type = decltype(std::declval<const Handle&>().address());

  /// Starts (or, after a crash, restarts) `code` with `actor` at
  /// `incarnation`; a restart keeps its backup and restart history.
  entry& start(const std::string& code, Handle actor, uint64_t incarnation) {
    auto& e = games_[code];
    if (e.actor)
      by_address_.erase(e.actor.address());
    e.actor = std::move(actor);
    e.incarnation = incarnation;
    by_address_[e.actor.address()] = code;
    return e;
  }

  /// The game `code`, or null.
  entry* find(const std::string& code) {
    auto i = games_.find(code);
    return i == games_.end() ? nullptr : &i->second;
  }

  /// The code of the game whose GameServer has address `addr`, if any.
  std::optional<std::string> code_of(const address_type& addr) const {
    auto i = by_address_.find(addr);
    if (i == by_address_.end())
      return std::nullopt;
    return i->second;
  }

  /// The GameServer of `code` stopped: the entry stays without an actor (a
  /// restart may fill it again, or `erase` removes it).
  void detach(const std::string& code) {
    if (auto e = find(code); e && e->actor) {
      by_address_.erase(e->actor.address());
      e->actor = Handle{};
    }
  }

  /// Forgets `code` altogether.
  void erase(const std::string& code) {
    detach(code);
    games_.erase(code);
  }

  /// Whether `code` has a running GameServer.
  bool running(const std::string& code) const {
    auto i = games_.find(code);
    return i != games_.end() && static_cast<bool>(i->second.actor);
  }

  /// The number of games with a running GameServer.
  std::size_t running_count() const noexcept {
    return by_address_.size();
  }

  /// Calls `f(code, entry)` for every game with a running GameServer.
  template <class F>
  void for_each_running(F f) {
    for (auto& [code, e] : games_)
      if (e.actor)
        f(code, e);
  }

private:
  std::map<std::string, entry> games_;
  std::map<address_type, std::string> by_address_;
};

/// Whether a game restarted at the times in `restarts` may be restarted
/// once more at `now`: fewer than `max` restarts within the last `window`.
/// If so, records `now`. Older times are dropped either way.
inline bool restart_allowed(
  std::deque<std::chrono::steady_clock::time_point>& restarts,
  std::chrono::steady_clock::time_point now, std::size_t max,
  std::chrono::steady_clock::duration window) {
  while (!restarts.empty() && now - restarts.front() > window)
    restarts.pop_front();
  if (restarts.size() >= max)
    return false;
  restarts.push_back(now);
  return true;
}

} // namespace parlor::game_server
