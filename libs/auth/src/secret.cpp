#include "parlor/auth/secret.hpp"

#include "parlor/auth/token.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace parlor::auth {

namespace {

std::string trim(std::string s) {
  auto ws = " \t\r\n";
  s.erase(s.find_last_not_of(ws) + 1);
  s.erase(0, s.find_first_not_of(ws));
  return s;
}

std::optional<std::string> read_secret(const std::filesystem::path& path) {
  std::ifstream in{path};
  if (!in)
    return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  return trim(buf.str());
}

[[noreturn]] void fail(const std::string& what,
                       const std::filesystem::path& path) {
  throw std::runtime_error(what + " " + path.string() + ": "
                           + std::strerror(errno));
}

} // namespace

std::filesystem::path default_secret_path() {
  const char* home = std::getenv("HOME");
  std::filesystem::path dir = home && *home ? home : ".";
  return dir / ".parlor" / "cluster-secret";
}

std::string load_secret(const std::filesystem::path& path) {
  auto s = read_secret(path);
  if (!s)
    fail("cannot read the cluster secret file", path);
  if (s->empty())
    throw std::runtime_error("the cluster secret file " + path.string()
                             + " is empty");
  return *s;
}

std::string load_or_create_secret(const std::filesystem::path& path) {
  if (read_secret(path))
    return load_secret(path);
  auto dir = path.parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
      throw std::runtime_error("cannot create " + dir.string() + ": "
                               + ec.message());
    ::chmod(dir.c_str(), 0700);
  }
  // Write a private temporary file, then link() it into place: link fails
  // when another process won the race, and then we read its secret.
  auto tmp = path;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + random_hex(8);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    fail("cannot create", tmp);
  auto secret = random_hex(32);
  auto line = secret + "\n";
  bool written = ::write(fd, line.data(), line.size())
                   == static_cast<ssize_t>(line.size())
                 && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    fail("cannot write", tmp);
  }
  int rc = ::link(tmp.c_str(), path.c_str());
  int saved = errno;
  ::unlink(tmp.c_str());
  if (rc != 0 && saved != EEXIST) {
    errno = saved;
    fail("cannot create", path);
  }
  if (auto s = read_secret(path); s && !s->empty())
    return *s;
  throw std::runtime_error("cannot read the cluster secret file "
                           + path.string());
}

} // namespace parlor::auth
