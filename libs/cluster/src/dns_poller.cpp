#include "parlor/cluster/dns_poller.hpp"

#include "parlor/cluster/fwd.hpp"
#include "parlor/core/host_port.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

namespace parlor::cluster {

resolved resolve_cluster_addresses(const std::string& name, uint16_t port) {
  resolved out;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC; // A and AAAA
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (int rc = getaddrinfo(name.c_str(), nullptr, &hints, &list); rc != 0) {
    out.error = gai_strerror(rc);
    return out;
  }
  for (auto* ai = list; ai != nullptr; ai = ai->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (ai->ai_family == AF_INET) {
      auto* sa = reinterpret_cast<sockaddr_in*>(ai->ai_addr);
      inet_ntop(AF_INET, &sa->sin_addr, text, sizeof text);
      out.addresses.push_back(core::to_string({text, port}));
    } else if (ai->ai_family == AF_INET6) {
      auto* sa = reinterpret_cast<sockaddr_in6*>(ai->ai_addr);
      inet_ntop(AF_INET6, &sa->sin6_addr, text, sizeof text);
      out.addresses.push_back(core::to_string({text, port}));
    }
  }
  freeaddrinfo(list);
  std::sort(out.addresses.begin(), out.addresses.end());
  out.addresses.erase(std::unique(out.addresses.begin(), out.addresses.end()),
                      out.addresses.end());
  if (out.addresses.empty())
    out.error = "no A or AAAA records";
  return out;
}

namespace {

struct poller_state {
  std::vector<std::string> last;
  std::string last_error;
  static inline const char* name = "parlor.dns";
};

caf::behavior poller_impl(caf::stateful_actor<poller_state>* self,
                          agent_actor agent, std::string name, uint16_t port,
                          std::chrono::milliseconds interval) {
  self->monitor(agent);
  self->set_down_handler([=](caf::down_msg&) { self->quit(); });
  self->send(self, dial_atom_v);
  return {
    [=](dial_atom) {
      auto found = resolve_cluster_addresses(name, port);
      auto& st = self->state;
      if (!found.error.empty()) {
        if (found.error != st.last_error)
          spdlog::warn("cluster: DNS lookup of {} failed: {} (retrying every "
                       "{} ms)",
                       name, found.error, interval.count());
        st.last_error = found.error;
      } else {
        st.last_error.clear();
        if (found.addresses != st.last) {
          std::string joined;
          for (auto& a : found.addresses)
            joined += (joined.empty() ? "" : ", ") + a;
          spdlog::info("cluster: DNS {} -> {}", name, joined);
          st.last = found.addresses;
        }
        for (auto& a : found.addresses)
          self->send(agent, dial_atom_v, a);
      }
      self->delayed_send(self, interval, dial_atom_v);
    },
  };
}

} // namespace

caf::actor spawn_dns_poller(caf::actor_system& sys, agent_actor agent,
                            std::string name, uint16_t port,
                            std::chrono::milliseconds interval) {
  return sys.spawn<caf::detached>(poller_impl, std::move(agent),
                                  std::move(name), port, interval);
}

} // namespace parlor::cluster
