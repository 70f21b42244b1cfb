// A stalled disk for the integration tests, by LD_PRELOAD: while the file
// named by $PARLOR_STALL_FILE exists, every write and sync of a file whose
// path contains "parlor.db" waits (in 20 ms steps) until it is removed, as
// a hung disk or a saturated network volume would. Nothing else is touched.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace {

bool is_database(int fd) {
  char link[64];
  char target[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  auto n = ::readlink(link, target, sizeof target - 1);
  if (n <= 0)
    return false;
  target[n] = '\0';
  return std::strstr(target, "parlor.db") != nullptr;
}

void wait_while_stalled(int fd) {
  const char* flag = std::getenv("PARLOR_STALL_FILE");
  if (flag == nullptr || !is_database(fd))
    return;
  timespec step{0, 20 * 1000 * 1000};
  while (::access(flag, F_OK) == 0)
    ::nanosleep(&step, nullptr);
}

template <class Fn>
Fn real(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

} // namespace

extern "C" {

ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t off) {
  static auto fn = real<ssize_t (*)(int, const void*, size_t, off64_t)>(
    "pwrite64");
  wait_while_stalled(fd);
  return fn(fd, buf, n, off);
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  static auto fn = real<ssize_t (*)(int, const void*, size_t, off_t)>(
    "pwrite");
  wait_while_stalled(fd);
  return fn(fd, buf, n, off);
}

int fdatasync(int fd) {
  static auto fn = real<int (*)(int)>("fdatasync");
  wait_while_stalled(fd);
  return fn(fd);
}

int fsync(int fd) {
  static auto fn = real<int (*)(int)>("fsync");
  wait_while_stalled(fd);
  return fn(fd);
}

} // extern "C"
