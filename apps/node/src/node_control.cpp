#include "parlor/node/node_control.hpp"

#include "parlor/cluster/fwd.hpp"
#include "parlor/game_server/fwd.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace parlor::node {

namespace {

using nlohmann::json;

/// The steps of one shutdown, each a message to the actor that runs it:
/// the drain's answer, then `close_atom` when the last socket ended or
/// `timeout_atom` when a bound passed.
struct shutdown_run {
  std::shared_ptr<const front_door> door;
  shutdown_bounds bounds;
  std::function<void()> done;
  bool dropped = false;
};

void close_front(caf::event_based_actor* self,
                 const std::shared_ptr<shutdown_run>& run) {
  spdlog::info("shutting down");
  run->door->close_sessions();
  run->door->when_no_sessions([me = caf::actor{self}] {
    caf::anon_send(me, caf::close_atom_v);
  });
  self->delayed_send(self, run->bounds.close, caf::timeout_atom_v);
}

void finish(caf::event_based_actor* self, std::shared_ptr<shutdown_run> run) {
  if (auto done = std::exchange(run->done, nullptr))
    done();
  self->quit();
}

caf::behavior shutdown_actor(caf::event_based_actor* self,
                             drain_target supervisor,
                             std::shared_ptr<shutdown_run> run) {
  // Sockets keep working while games are handed over, so that players of
  // handed-over games get phx_error and rejoin the new owner through this
  // node; then they are closed.
  self->request(supervisor, run->bounds.drain, game_server::drain_atom_v)
    .then(
      [=](uint64_t handed) {
        spdlog::info("drain: handed {} game(s) to other nodes", handed);
        close_front(self, run);
      },
      [=](caf::error& err) {
        spdlog::warn("drain incomplete: {}", self->system().render(err));
        close_front(self, run);
      });
  return {
    [=](caf::close_atom) { finish(self, run); },
    [=](caf::timeout_atom) {
      if (run->dropped)
        return finish(self, run);
      run->dropped = true;
      spdlog::warn("sockets did not close in time: dropping them");
      run->door->drop_sessions();
      self->delayed_send(self, run->bounds.drop, caf::timeout_atom_v);
    },
  };
}

} // namespace

node_control::node_control(caf::actor_system& sys, std::string node_name,
                           drain_target supervisor, status_target agent,
                           front_door door)
  : sys_(sys),
    name_(std::move(node_name)),
    supervisor_(std::move(supervisor)),
    agent_(std::move(agent)),
    door_(std::make_shared<const front_door>(std::move(door))) {
  // nop
}

void node_control::admin(const std::string& action,
                         const std::map<std::string, std::string>& params,
                         admin_reply reply) const {
  auto node = params.find("node");
  if (node == params.end() || node->second != name_)
    return reply(409, json{{"error", "wrong_node"}, {"node", name_}}.dump());
  if (action == "drain") {
    spdlog::info("admin: drain requested");
    return drain(admin_drain, [reply, name = name_](uint64_t handed,
                                                    std::string err) {
      if (!err.empty()) {
        spdlog::warn("admin drain incomplete: {}", err);
        return reply(500, json{{"error", "drain_incomplete"},
                               {"detail", err},
                               {"node", name}}
                            .dump());
      }
      spdlog::info("drain: handed {} game(s) to other nodes", handed);
      reply(200, json{{"node", name}, {"status", "draining"},
                      {"handed", handed}}
                   .dump());
    });
  }
  if (action == "resume") {
    spdlog::info("admin: resume requested");
    resume();
    return reply(200, json{{"node", name_}, {"status", "up"}}.dump());
  }
  reply(404, json{{"error", "unknown_action"}}.dump());
}

void node_control::mark_draining() const {
  door_->set_draining(true);
  caf::anon_send(agent_, cluster::status_atom_v, std::string{"draining"});
}

void node_control::drain(std::chrono::milliseconds bound,
                         std::function<void(uint64_t, std::string)> then) const {
  mark_draining();
  sys_.spawn([supervisor = supervisor_, bound,
              then = std::move(then)](caf::event_based_actor* self) {
    self->request(supervisor, bound, game_server::drain_atom_v)
      .then([=](uint64_t handed) { then(handed, {}); },
            [=](caf::error& err) { then(0, self->system().render(err)); });
  });
}

void node_control::resume() const {
  caf::anon_send(supervisor_, game_server::resume_atom_v);
  caf::anon_send(agent_, cluster::status_atom_v, std::string{"up"});
  door_->set_draining(false);
}

void node_control::shut_down(shutdown_bounds bounds,
                             std::function<void()> done) const {
  mark_draining();
  auto run = std::make_shared<shutdown_run>();
  run->door = door_;
  run->bounds = bounds;
  run->done = std::move(done);
  sys_.spawn(shutdown_actor, supervisor_, std::move(run));
}

} // namespace parlor::node
