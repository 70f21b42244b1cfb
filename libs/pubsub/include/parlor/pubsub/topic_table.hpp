#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace parlor::pubsub {

/// Which subscribers listen on which topic: the pure core of the PubSub
/// actor. `Subscriber` is any ordered handle type.
template <class Subscriber>
class topic_table {
public:
  /// Adds `s` to `topic`. Returns false if it was already there.
  bool subscribe(const std::string& topic, const Subscriber& s) {
    auto added = topics_[topic].insert(s).second;
    if (added)
      ++by_subscriber_[s];
    return added;
  }

  /// Removes `s` from `topic`. Returns false if it was not there.
  bool unsubscribe(const std::string& topic, const Subscriber& s) {
    auto i = topics_.find(topic);
    if (i == topics_.end() || i->second.erase(s) == 0)
      return false;
    if (i->second.empty())
      topics_.erase(i);
    drop_count(s);
    return true;
  }

  /// Removes `s` from every topic. Returns how many it left.
  std::size_t remove(const Subscriber& s) {
    std::size_t n = 0;
    for (auto i = topics_.begin(); i != topics_.end();) {
      n += i->second.erase(s);
      i = i->second.empty() ? topics_.erase(i) : std::next(i);
    }
    by_subscriber_.erase(s);
    return n;
  }

  /// Calls `f` for each subscriber of `topic`.
  template <class F>
  void for_each(const std::string& topic, F&& f) const {
    if (auto i = topics_.find(topic); i != topics_.end())
      for (auto& s : i->second)
        f(s);
  }

  /// The number of subscribers of `topic`.
  std::size_t count(const std::string& topic) const {
    auto i = topics_.find(topic);
    return i == topics_.end() ? 0 : i->second.size();
  }

  /// Whether `s` is subscribed to anything.
  bool known(const Subscriber& s) const {
    return by_subscriber_.count(s) > 0;
  }

  /// The number of topics with at least one subscriber.
  std::size_t topic_count() const {
    return topics_.size();
  }

private:
  void drop_count(const Subscriber& s) {
    auto i = by_subscriber_.find(s);
    if (i != by_subscriber_.end() && --i->second == 0)
      by_subscriber_.erase(i);
  }

  std::map<std::string, std::set<Subscriber>> topics_;
  std::map<Subscriber, std::size_t> by_subscriber_;
};

} // namespace parlor::pubsub
