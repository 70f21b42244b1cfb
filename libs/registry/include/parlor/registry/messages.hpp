#pragma once

#include "parlor/registry/fwd.hpp"

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

// The registry stores GameServers as plain `caf::actor`: it lies below
// `game_server`, whose typed handle it cannot name; `game_server` casts.

namespace parlor::registry {

/// Claims `code` for a local `game` on every replica → `bool` (false: the
/// code is taken somewhere).
struct register_msg {
  std::string code;
  caf::actor game;
  uint64_t incarnation = 1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, register_msg& x) {
  return f(caf::meta::type_name("register_msg"), x.code, x.game,
           x.incarnation);
}

/// Points `code` at a local `game` unconditionally (a restarted, restored
/// or adopted game) and tells the peers.
struct replace_msg {
  std::string code;
  caf::actor game;
  /// 0: keep the incarnation this node recorded (1 if none).
  uint64_t incarnation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replace_msg& x) {
  return f(caf::meta::type_name("replace_msg"), x.code, x.game,
           x.incarnation);
}

/// Removes the entry for `code` if it still points at `game`, everywhere.
struct unregister_msg {
  std::string code;
  caf::actor game;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unregister_msg& x) {
  return f(caf::meta::type_name("unregister_msg"), x.code, x.game);
}

/// Replica → replica: `owner` claims `code` for `game` → `bool` (false: the
/// receiver knows the code for another game). `epoch` and `seq` are the
/// owner's stamp of this write (see replica.hpp).
struct claim_msg {
  std::string code;
  std::string owner;
  caf::actor game;
  uint64_t incarnation = 0;
  uint64_t epoch = 0;
  uint64_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, claim_msg& x) {
  return f(caf::meta::type_name("claim_msg"), x.code, x.owner, x.game,
           x.incarnation, x.epoch, x.seq);
}

/// Replica → replica: one record the sender owns, as it is now (a delta of
/// the CRDT; `live` false is a tombstone).
struct sync_msg {
  std::string code;
  std::string owner;
  caf::actor game;
  uint64_t incarnation = 0;
  uint64_t epoch = 0;
  uint64_t seq = 0;
  bool live = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sync_msg& x) {
  return f(caf::meta::type_name("sync_msg"), x.code, x.owner, x.game,
           x.incarnation, x.epoch, x.seq, x.live);
}

} // namespace parlor::registry
