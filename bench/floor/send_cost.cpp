// parlor-sendcost: the kernel's floor under a broadcast. Opens N connected
// TCP pairs on loopback in this process and times plain send() calls of one
// small message to each of them, round after round: what a server pays per
// socket before any WebSocket, JSON or actor work. On loopback the sender's
// send also runs the receiver's TCP input (softirq in the sender's context)
// and, when a reader waits in epoll, its wake-up.
//
//   parlor-sendcost [--sockets=5000] [--rounds=10] [--bytes=200]
//                   [--reader=epoll|none] [--reader-cpu=K] [--gap-us=G]
//                   [--json]
//
// --reader=epoll: a thread waits in epoll_wait on the receiving ends and
// drains them, as a client process does (pin it to another core with
// --reader-cpu, the sender with taskset). --reader=none: nobody waits; the
// receiving ends are drained between rounds, outside the timing.
//
// A round is a burst (send to every socket back to back, timed as a whole:
// a broadcast; the percentiles are then over rounds, one cost per round),
// or with --gap-us=G one send at a time, G µs apart, each timed on its own:
// with a reader, every send then finds it asleep and pays its wake-up, as a
// move's sends do when clients are idle (the sender, idle too, pays for
// its own cold start as well).
// Bounded: N sends a round, then at most 5 s for the reader to drain; the
// gaps may add up to 60 s at most; and the whole run stops after 120 s
// (exit 1, "stopped at the time limit"). Sends never block (MSG_DONTWAIT):
// one that does not go out whole counts as short, and the run fails.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

/// The whole run, setup included, stops after this.
constexpr auto run_limit = std::chrono::seconds{120};

struct options {
  long sockets = 5000;
  long rounds = 10;
  long bytes = 200;
  bool reader = true;
  int reader_cpu = -1;
  long gap_us = 0;
  bool json = false;
};

[[noreturn]] void usage_error(const std::string& msg) {
  std::fprintf(stderr,
               "parlor-sendcost: %s\n"
               "usage: parlor-sendcost [--sockets=N] [--rounds=R] "
               "[--bytes=B] [--reader=epoll|none] [--reader-cpu=K] "
               "[--gap-us=G] [--json]\n",
               msg.c_str());
  std::exit(2);
}

long number(const std::string& flag, const std::string& text, long lo,
            long hi) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || v < lo || v > hi)
    usage_error("--" + flag + " must be an integer from " + std::to_string(lo)
                + " to " + std::to_string(hi) + ", not '" + text + "'");
  return v;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    auto key = a.substr(0, eq);
    auto value = eq == std::string::npos ? std::string{} : a.substr(eq + 1);
    if (key == "--json" && eq == std::string::npos)
      o.json = true;
    else if (key == "--sockets")
      o.sockets = number("sockets", value, 1, 1'000'000);
    else if (key == "--rounds")
      o.rounds = number("rounds", value, 1, 1000);
    else if (key == "--bytes")
      o.bytes = number("bytes", value, 1, 65536);
    else if (key == "--gap-us")
      o.gap_us = number("gap-us", value, 0, 1'000'000);
    else if (key == "--reader-cpu")
      o.reader_cpu
        = static_cast<int>(number("reader-cpu", value, 0, CPU_SETSIZE - 1));
    else if (key == "--reader" && (value == "epoll" || value == "none"))
      o.reader = value == "epoll";
    else if (key == "--reader")
      usage_error("--reader must be epoll or none, not '" + value + "'");
    else
      usage_error("unknown option '" + a + "'");
  }
  // Every client end takes an ephemeral port of 127.0.0.1.
  long first_port = 0, last_port = 0;
  std::ifstream range{"/proc/sys/net/ipv4/ip_local_port_range"};
  if (range >> first_port >> last_port && last_port >= first_port
      && o.sockets > last_port - first_port + 1)
    usage_error("--sockets=" + std::to_string(o.sockets) + " needs as many "
                + "ephemeral ports and 127.0.0.1 has "
                + std::to_string(last_port - first_port + 1) + " ("
                + std::to_string(first_port) + "-" + std::to_string(last_port)
                + " in net.ipv4.ip_local_port_range)");
  if (o.gap_us > 0 && o.sockets * o.rounds * o.gap_us > 60'000'000)
    usage_error("--sockets × --rounds × --gap-us is "
                + std::to_string(o.sockets * o.rounds * o.gap_us / 1'000'000)
                + " s of gaps; at most 60");
  return o;
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

/// Raises the open-file limit to the hard one; `needed` descriptors must fit.
void reserve_files(long needed) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
    fail("getrlimit");
  lim.rlim_cur = lim.rlim_max;
  bool raised = setrlimit(RLIMIT_NOFILE, &lim) == 0;
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
    fail("getrlimit");
  if (lim.rlim_cur != RLIM_INFINITY
      && static_cast<rlim_t>(needed) > lim.rlim_cur)
    usage_error("--sockets=" + std::to_string((needed - 16) / 2)
                + " needs " + std::to_string(needed)
                + " open files (a pair per socket) and this process may open "
                + std::to_string(lim.rlim_cur)
                + (raised ? " (the hard limit)" : " (raising it failed)")
                + ": at most "
                + std::to_string((static_cast<long>(lim.rlim_cur) - 16) / 2)
                + " sockets");
}

/// Closes every descriptor it holds.
struct descriptors {
  std::vector<int> fds;
  ~descriptors() {
    for (int fd : fds)
      close(fd);
  }
  int add(int fd, const char* call) {
    if (fd < 0)
      fail(call);
    fds.push_back(fd);
    return fd;
  }
};

/// Reads everything a non-blocking socket holds; returns the bytes read.
long drain(int fd) {
  char buf[16384];
  long total = 0;
  for (;;) {
    auto n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0)
      return total;
    total += n;
  }
}

void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
      rc != 0) {
    errno = rc;
    fail("cannot pin the reader to CPU " + std::to_string(cpu));
  }
}

/// The q-quantile (0..1) of `sorted`, nearest rank.
double quantile(const std::vector<double>& sorted, double q) {
  auto rank = static_cast<size_t>(q * static_cast<double>(sorted.size() - 1)
                                  + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

double micros(clock_type::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

int run(const options& o) {
  auto deadline = clock_type::now() + run_limit;
  reserve_files(2 * o.sockets + 16);
  descriptors fds;
  int listener = fds.add(socket(AF_INET, SOCK_STREAM, 0), "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
      || listen(listener, SOMAXCONN) != 0
      || getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    fail("cannot listen on 127.0.0.1");
  int ep = fds.add(epoll_create1(0), "epoll_create1");
  std::vector<int> senders, receivers;
  for (long i = 0; i < o.sockets; ++i) {
    if (clock_type::now() > deadline)
      throw std::runtime_error("stopped at the time limit while connecting ("
                               + std::to_string(i) + " sockets open)");
    int c = fds.add(socket(AF_INET, SOCK_STREAM, 0), "socket");
    if (connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      fail("connect #" + std::to_string(i));
    int s = fds.add(accept(listener, nullptr, nullptr), "accept");
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.fd = c;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) != 0)
      fail("epoll_ctl");
    senders.push_back(s);
    receivers.push_back(c);
  }

  // The reader counts bytes; a round is over when all of them arrived.
  std::atomic<long> received{0};
  std::atomic<bool> stop{false};
  std::optional<std::jthread> reader;
  std::atomic<bool> pin_failed{false};
  if (o.reader)
    reader.emplace([&] {
      if (o.reader_cpu >= 0) {
        try {
          pin(o.reader_cpu);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "parlor-sendcost: %s\n", e.what());
          pin_failed = true;
          return;
        }
      }
      std::vector<epoll_event> events(1024);
      while (!stop) {
        int k = epoll_wait(ep, events.data(), static_cast<int>(events.size()),
                           50);
        for (int i = 0; i < k; ++i)
          received += drain(events[static_cast<size_t>(i)].data.fd);
      }
    });

  std::string message(static_cast<size_t>(o.bytes), 'x');
  // Bursts: one cost per round (its time ÷ N); with gaps: one per send.
  std::vector<double> per_send_us;
  long expected = 0;
  long short_sends = 0;
  auto send_one = [&](int s) {
    expected += o.bytes;
    if (send(s, message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT)
        != static_cast<ssize_t>(message.size()))
      ++short_sends;
  };
  bool timed_out = false;
  auto over_time = [&] {
    timed_out = timed_out || clock_type::now() > deadline;
    return timed_out;
  };
  for (long round = 0; round < o.rounds && !pin_failed && !over_time();
       ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
    if (o.gap_us > 0) {
      for (int s : senders) {
        if (over_time())
          break;
        auto t0 = clock_type::now();
        send_one(s);
        per_send_us.push_back(micros(clock_type::now() - t0));
        std::this_thread::sleep_for(std::chrono::microseconds{o.gap_us});
      }
    } else {
      auto t0 = clock_type::now();
      for (int s : senders)
        send_one(s);
      per_send_us.push_back(micros(clock_type::now() - t0)
                            / static_cast<double>(o.sockets));
    }
    if (o.reader) {
      auto drained_by = clock_type::now() + std::chrono::seconds{5};
      while (received < expected && !pin_failed
             && clock_type::now() < drained_by)
        std::this_thread::sleep_for(std::chrono::milliseconds{1});
    } else {
      for (int c : receivers)
        received += drain(c);
    }
  }
  stop = true;
  reader.reset();
  if (pin_failed)
    return 1;

  if (timed_out || per_send_us.empty()) {
    std::fprintf(stderr,
                 "parlor-sendcost: stopped at the time limit (%lld s) after "
                 "%zu measurements\n",
                 static_cast<long long>(run_limit.count()),
                 per_send_us.size());
    return 1;
  }
  std::sort(per_send_us.begin(), per_send_us.end());
  auto p50 = quantile(per_send_us, 0.5);
  auto p90 = quantile(per_send_us, 0.9);
  auto p99 = quantile(per_send_us, 0.99);
  auto lo = per_send_us.front();
  auto hi = per_send_us.back();
  bool complete = received == expected && short_sends == 0;
  const char* reader_name = o.reader ? "epoll" : "none";
  // 10,000 sends at the median cost of a burst's (null with gaps).
  char broadcast_ms[32] = "null";
  if (o.gap_us == 0)
    std::snprintf(broadcast_ms, sizeof broadcast_ms, "%.1f", p50 * 10);
  if (o.json) {
    std::printf("{\"sockets\":%ld,\"rounds\":%ld,\"bytes\":%ld,"
                "\"reader\":\"%s\",\"gap_us\":%ld,"
                "\"per_send_us\":{\"p50\":%.3f,\"p90\":%.3f,"
                "\"p99\":%.3f,\"min\":%.3f,\"max\":%.3f},"
                "\"broadcast_10000_ms\":%s,"
                "\"received_bytes\":%ld,\"expected_bytes\":%ld,"
                "\"complete\":%s}\n",
                o.sockets, o.rounds, o.bytes, reader_name, o.gap_us, p50, p90,
                p99, lo, hi, broadcast_ms, received.load(), expected,
                complete ? "true" : "false");
  } else if (o.gap_us > 0) {
    std::printf("%ld sockets, %ld rounds, %ld-byte messages, reader %s, "
                "one send every %ld us\n"
                "send(): p50 %.2f us, p90 %.2f, p99 %.2f (min %.2f, max "
                "%.2f)\n",
                o.sockets, o.rounds, o.bytes, reader_name, o.gap_us, p50, p90,
                p99, lo, hi);
  } else {
    std::printf("%ld sockets, %ld rounds, %ld-byte messages, reader %s\n"
                "send(): p50 %.2f us per socket (min %.2f, max %.2f) -> "
                "10,000 sockets take %.1f ms\n",
                o.sockets, o.rounds, o.bytes, reader_name, p50, lo, hi,
                p50 * 10000 / 1000);
  }
  if (!complete) {
    std::fprintf(stderr,
                 "parlor-sendcost: %ld of %ld bytes arrived, %ld short sends\n",
                 received.load(), expected, short_sends);
    return 1;
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parlor-sendcost: %s\n", e.what());
    return 1;
  }
}
