#include "parlor/store/store_actor.hpp"

#include "parlor/store/checkpoint_actor.hpp"
#include "parlor/store/store.hpp"

#include "actor_fixture.hpp"

#include <filesystem>
#include <thread>
#include <linux/capability.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace parlor;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// A fresh directory, removed at the end of the test.
struct temp_dir {
  fs::path path;
  explicit temp_dir(const std::string& name)
    : path(fs::temp_directory_path()
           / ("parlor-store-actor-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

} // namespace

namespace {

/// Threads of this process under Linux's idle scheduling policy.
int idle_threads() {
  int n = 0;
  for (auto& task : fs::directory_iterator{"/proc/self/task"})
    if (sched_getscheduler(std::stoi(task.path().filename().string()))
        == SCHED_IDLE)
      ++n;
  return n;
}

} // namespace

TEST_CASE_METHOD(test::actor_fixture,
                 "the store's checkpoints run on a thread at idle priority",
                 "[store][actor]") {
  temp_dir dir{"idle"};
  auto st = store::spawn_store(sys, dir.path);
  // The checkpointer sets its policy when it starts, on its own thread.
  for (int i = 0; i < 200 && idle_threads() == 0; ++i)
    std::this_thread::sleep_for(10ms);
  CHECK(idle_threads() == 1);
  // Durable writes do not wait for it.
  ask<caf::ok_atom>(st, store::save_msg{"ABCD", "tictactoe", 1, false,
                                        R"({"v":1})", 1});
  CHECK(store::store{dir.path}.load("ABCD").version == 1);
  stop(st);
}

namespace {

/// Runs `idle_priority_reversible` in a child process without CAP_SYS_NICE
/// and with RLIMIT_NICE at `nice_limit`: 1 if reversible, 0 if not, 3 if
/// the child could not set itself up that way.
int reversible_without_cap(rlim_t nice_limit) {
  auto pid = ::fork();
  if (pid == 0) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct caps[2]{};
    if (::syscall(SYS_capget, &header, caps) != 0)
      ::_exit(3);
    caps[CAP_SYS_NICE / 32].effective &= ~(1u << (CAP_SYS_NICE % 32));
    if (::syscall(SYS_capset, &header, caps) != 0)
      ::_exit(3);
    rlimit limit{};
    ::getrlimit(RLIMIT_NICE, &limit);
    limit.rlim_cur = nice_limit;
    if (limit.rlim_max < nice_limit)
      limit.rlim_max = nice_limit;
    if (::setrlimit(RLIMIT_NICE, &limit) != 0)
      ::_exit(3);
    ::_exit(store::idle_priority_reversible() ? 1 : 0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

TEST_CASE("a thread may go back from idle priority only with the right to "
          "raise its priority", "[store]") {
  CHECK(reversible_without_cap(0) == 0);
  // Raising RLIMIT_NICE's hard limit needs privileges: root here and in CI.
  auto with_limit = reversible_without_cap(20);
  if (with_limit == 3)
    WARN("cannot raise RLIMIT_NICE here: the permitted case is not checked");
  else
    CHECK(with_limit == 1);
}

TEST_CASE_METHOD(test::actor_fixture,
                 "the store commits queued writes together, answers each, "
                 "and reads see every earlier write",
                 "[store][actor]") {
  temp_dir tmp{"batch"};
  auto& dir = tmp.path;
  auto st = store::spawn_store(sys, dir);
  // 300 writes in flight at once (three games, and copies for a peer),
  // then a read: it is answered after them and sees the last versions.
  std::vector<decltype(self->request(st, caf::infinite, store::save_msg{}))>
    writes;
  const char* codes[] = {"AAAA", "BBBB", "CCCC"};
  for (uint64_t v = 1; v <= 100; ++v)
    for (auto* code : codes)
      writes.push_back(self->request(
        st, caf::infinite,
        store::save_msg{code, "tictactoe", v, false,
                        R"({"v":)" + std::to_string(v) + "}", 1}));
  auto copy = self->request(
    st, caf::infinite,
    store::replicate_msg{"n2", {"DDDD", "tictactoe", 9, false, R"({"v":9})",
                                1}});
  auto read = self->request(st, caf::infinite, store::load_atom_v,
                            std::string{"BBBB"});
  int ok = 0;
  for (auto& w : writes)
    w.receive([&](caf::ok_atom) { ++ok; },
              [&](caf::error& e) { FAIL(sys.render(e)); });
  CHECK(ok == 300);
  copy.receive([&](caf::ok_atom) { ++ok; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
  read.receive([&](std::string& data) { CHECK(data == R"({"v":100})"); },
               [&](caf::error& e) { FAIL(sys.render(e)); });
  CHECK(ok == 301);
  {
    store::store db{dir};
    for (auto* code : codes)
      CHECK(db.load(code).version == 100);
    CHECK(db.load_replicas("n2").size() == 1);
  }
  stop(st);
}
