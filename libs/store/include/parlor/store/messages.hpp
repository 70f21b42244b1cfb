#pragma once

#include "parlor/store/fwd.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace parlor::store {

/// One of this node's games, as the GameServer hands it to the store.
struct save_msg {
  std::string code;
  std::string kind;
  uint64_t version = 0;
  bool finished = false;
  /// The match, serialized by `games::match::save_text`.
  std::string data;
  uint64_t incarnation = 1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, save_msg& x) {
  return f(caf::meta::type_name("save_msg"), x.code, x.kind, x.version,
           x.finished, x.data, x.incarnation);
}

/// Owner's GameServer → backup node: keep this copy of `owner`'s game.
struct replicate_msg {
  std::string owner;
  save_msg game;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replicate_msg& x) {
  return f(caf::meta::type_name("replicate_msg"), x.owner, x.game);
}

/// Owner → former backup node: drop your copy of `code` (kept at
/// `incarnation` or older).
struct unreplicate_msg {
  std::string code;
  std::string owner;
  uint64_t incarnation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unreplicate_msg& x) {
  return f(caf::meta::type_name("unreplicate_msg"), x.code, x.owner,
           x.incarnation);
}

/// Deletes this node's game `code` if stored at `incarnation` or older (it
/// moved away, was superseded or abandoned).
struct forget_msg {
  std::string code;
  uint64_t incarnation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, forget_msg& x) {
  return f(caf::meta::type_name("forget_msg"), x.code, x.incarnation);
}

/// Saved games to start: each snapshot's data and its incarnation.
struct saved_games {
  std::vector<std::string> data;
  std::vector<uint64_t> incarnations;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, saved_games& x) {
  return f(caf::meta::type_name("saved_games"), x.data, x.incarnations);
}

} // namespace parlor::store
