#include "parlor/game_server/store_actor.hpp"

#include "parlor/store/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

namespace parlor::game_server {

namespace {

struct store_state {
  std::shared_ptr<store::store> db;
  static inline const char* name = "parlor.store";
};

// SQLite blocks: this actor runs detached, on its own thread.
caf::behavior store_impl(caf::stateful_actor<store_state>* self,
                         std::shared_ptr<store::store> db) {
  self->state.db = std::move(db);
  return {
    [=](save_atom, std::string& code, std::string& kind, uint64_t version,
        bool finished, std::string& data) -> caf::result<caf::ok_atom> {
      try {
        self->state.db->save(store::snapshot{std::move(code), std::move(kind),
                                             version, finished,
                                             std::move(data), 0});
        return caf::ok_atom_v;
      } catch (const std::exception& e) {
        spdlog::error("store: {}", e.what());
        return caf::error{errc::storage_failed};
      }
    },
    [=](load_atom) -> caf::result<std::vector<std::string>> {
      try {
        std::vector<std::string> result;
        for (auto& s : self->state.db->load_active())
          result.push_back(std::move(s.data));
        return result;
      } catch (const std::exception& e) {
        spdlog::error("store: {}", e.what());
        return caf::error{errc::storage_failed};
      }
    },
    [=](load_atom, const std::string& code) -> caf::result<std::string> {
      try {
        return self->state.db->load(code).data;
      } catch (const std::exception& e) {
        spdlog::error("store: {}", e.what());
        return caf::error{errc::storage_failed};
      }
    },
  };
}

} // namespace

caf::actor spawn_store(caf::actor_system& sys,
                       const std::filesystem::path& data_dir) {
  auto db = std::make_shared<store::store>(data_dir);
  return sys.spawn<caf::detached>(store_impl, std::move(db));
}

} // namespace parlor::game_server
