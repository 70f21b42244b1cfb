#include "parlor/node/node_control.hpp"

#include "actor_fixture.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <optional>
#include <vector>

using namespace parlor;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

/// What the stand-ins saw, in order: "draining(true)", "status:up",
/// "supervisor:drain", "close", ... Thread-safe.
struct journal {
  mutable std::mutex mtx;
  std::vector<std::string> events;

  void add(std::string e) {
    std::lock_guard<std::mutex> guard{mtx};
    events.push_back(std::move(e));
  }

  bool has(const std::string& e) const {
    std::lock_guard<std::mutex> guard{mtx};
    return std::find(events.begin(), events.end(), e) != events.end();
  }

  std::size_t count(const std::string& e) const {
    std::lock_guard<std::mutex> guard{mtx};
    return static_cast<std::size_t>(
      std::count(events.begin(), events.end(), e));
  }
};

/// A supervisor that hands `handed` games over, or fails the drain when
/// `handed` is empty.
node::drain_target::behavior_type
supervisor(node::drain_target::pointer, std::shared_ptr<journal> j,
           std::optional<uint64_t> handed) {
  return {
    [=](game_server::drain_atom) -> caf::result<uint64_t> {
      j->add("supervisor:drain");
      if (handed)
        return *handed;
      return caf::make_error(caf::sec::runtime_error, "stuck");
    },
    [=](game_server::resume_atom) {
      j->add("supervisor:resume");
      return caf::ok_atom_v;
    },
  };
}

node::status_target::behavior_type agent(node::status_target::pointer,
                                         std::shared_ptr<journal> j) {
  return {
    [=](cluster::status_atom, const std::string& status) {
      j->add("status:" + status);
    },
  };
}

/// A front door whose sockets end when the test says so.
struct door_stand_in {
  explicit door_stand_in(std::shared_ptr<journal> log) : j(std::move(log)) {
    // nop
  }

  std::shared_ptr<journal> j;
  /// Set: dropping the sockets ends them (else nothing ends them).
  bool drop_ends_sockets = false;
  std::mutex mtx;
  std::function<void()> on_empty;

  void end_sockets() {
    std::function<void()> f;
    {
      std::lock_guard<std::mutex> guard{mtx};
      f = std::exchange(on_empty, nullptr);
    }
    if (f)
      f();
  }

  node::front_door door() {
    return {
      [this](bool on) { j->add(on ? "draining(true)" : "draining(false)"); },
      [this] { j->add("close"); },
      [this] {
        j->add("drop");
        if (drop_ends_sockets)
          end_sockets();
      },
      [this](std::function<void()> done) {
        j->add("wait");
        std::lock_guard<std::mutex> guard{mtx};
        on_empty = std::move(done);
      },
    };
  }
};

struct control_fixture : test::actor_fixture {
  std::shared_ptr<journal> j = std::make_shared<journal>();
  door_stand_in front{j};
  node::drain_target sup;
  node::status_target agt;
  std::optional<node::node_control> control;

  explicit control_fixture(std::optional<uint64_t> handed = 2) {
    sup = sys.spawn(supervisor, j, handed);
    agt = sys.spawn(agent, j);
    control.emplace(sys, "n1", sup, agt, front.door());
  }

  ~control_fixture() {
    stop(sup, agt);
  }

  /// Runs an admin action and waits for its answer.
  std::pair<unsigned, json>
  admin(const std::string& action, std::map<std::string, std::string> params) {
    auto answer = std::make_shared<std::promise<std::pair<unsigned, json>>>();
    auto got = answer->get_future();
    control->admin(action, params, [answer](unsigned status, std::string body) {
      answer->set_value({status, json::parse(body)});
    });
    REQUIRE(got.wait_for(5s) == std::future_status::ready);
    return got.get();
  }

  /// Starts a shutdown; the flag turns true when it is done.
  std::shared_ptr<std::atomic<int>> shut_down(node::shutdown_bounds b) {
    auto done = std::make_shared<std::atomic<int>>(0);
    control->shut_down(b, [done] { ++*done; });
    return done;
  }
};

} // namespace

TEST_CASE("admin requests for another node or no node get 409 wrong_node") {
  control_fixture f;
  for (auto params : {std::map<std::string, std::string>{{"node", "n2"}},
                      std::map<std::string, std::string>{}}) {
    auto [status, body] = f.admin("drain", params);
    CHECK(status == 409);
    CHECK(body == json{{"error", "wrong_node"}, {"node", "n1"}});
  }
  CHECK_FALSE(f.j->has("supervisor:drain"));
  CHECK_FALSE(f.j->has("draining(true)"));
}

TEST_CASE("an unknown admin action gets 404 and changes nothing") {
  control_fixture f;
  auto [status, body] = f.admin("explode", {{"node", "n1"}});
  CHECK(status == 404);
  CHECK(body == json{{"error", "unknown_action"}});
  CHECK(f.j->events.empty());
}

TEST_CASE("admin drain marks the node draining and reports the games "
          "handed over") {
  control_fixture f{uint64_t{3}};
  auto [status, body] = f.admin("drain", {{"node", "n1"}});
  CHECK(status == 200);
  CHECK(body == json{{"node", "n1"}, {"status", "draining"}, {"handed", 3}});
  CHECK(f.j->has("draining(true)"));
  CHECK(test::eventually([&] { return f.j->has("status:draining"); }));
  CHECK(f.j->has("supervisor:drain"));
}

TEST_CASE("a failed admin drain answers 500 drain_incomplete with the "
          "reason") {
  control_fixture f{std::nullopt};
  auto [status, body] = f.admin("drain", {{"node", "n1"}});
  CHECK(status == 500);
  CHECK(body["error"] == "drain_incomplete");
  CHECK(body["node"] == "n1");
  CHECK(body["detail"].get<std::string>().find("stuck") != std::string::npos);
}

TEST_CASE("admin resume tells the supervisor, the peers and /healthz") {
  control_fixture f;
  auto [status, body] = f.admin("resume", {{"node", "n1"}});
  CHECK(status == 200);
  CHECK(body == json{{"node", "n1"}, {"status", "up"}});
  CHECK(f.j->has("draining(false)"));
  CHECK(test::eventually([&] {
    return f.j->has("supervisor:resume") && f.j->has("status:up");
  }));
}

TEST_CASE("shutdown drains, closes the sockets and is done when the last "
          "one ends") {
  control_fixture f;
  // Long bounds: only the sockets' end can finish this run.
  auto done = f.shut_down({10s, 10s, 10s});
  REQUIRE(test::eventually([&] { return f.j->has("wait"); }));
  CHECK(f.j->has("draining(true)"));
  CHECK(f.j->has("supervisor:drain"));
  CHECK(f.j->has("close"));
  CHECK(*done == 0);
  f.front.end_sockets();
  CHECK(test::eventually([&] { return *done == 1; }));
  CHECK_FALSE(f.j->has("drop"));
  // The order: drain before the sockets close.
  std::lock_guard<std::mutex> guard{f.j->mtx};
  auto at = [&](const std::string& e) {
    return std::find(f.j->events.begin(), f.j->events.end(), e)
           - f.j->events.begin();
  };
  CHECK(at("draining(true)") < at("close"));
  CHECK(at("supervisor:drain") < at("close"));
}

TEST_CASE("shutdown drops sockets that outlive the close bound") {
  control_fixture f;
  f.front.drop_ends_sockets = true;
  auto done = f.shut_down({10s, 50ms, 10s});
  CHECK(test::eventually([&] { return *done == 1; }));
  CHECK(f.j->count("close") == 1);
  CHECK(f.j->count("drop") == 1);
}

TEST_CASE("shutdown gives up on sockets that never end, once") {
  control_fixture f;
  auto done = f.shut_down({10s, 30ms, 30ms});
  CHECK(test::eventually([&] { return *done == 1; }));
  CHECK(f.j->count("drop") == 1);
  // A socket that ends late finishes nothing twice.
  f.front.end_sockets();
  std::this_thread::sleep_for(50ms);
  CHECK(*done == 1);
}

TEST_CASE("shutdown goes on when the drain fails") {
  control_fixture f{std::nullopt};
  auto done = f.shut_down({10s, 10s, 10s});
  REQUIRE(test::eventually([&] { return f.j->has("wait"); }));
  CHECK(f.j->has("close"));
  f.front.end_sockets();
  CHECK(test::eventually([&] { return *done == 1; }));
}
