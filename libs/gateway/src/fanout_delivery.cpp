#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "parlor/gateway/fanout_delivery.hpp"

#include "local_socket.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>

namespace parlor::gateway {

void send_to_all(const shared_frame& frame,
                 const std::vector<std::shared_ptr<socket_sink>>& sinks) {
  // One hand-off per io_context (each is run by one thread) instead of one
  // post per session.
  std::vector<std::pair<boost::asio::io_context*,
                        std::vector<std::shared_ptr<local_socket>>>>
    batches;
  for (auto& s : sinks) {
    auto ws = std::dynamic_pointer_cast<local_socket>(s);
    if (!ws) {
      s->send(frame);
      continue;
    }
    auto* ctx = &ws->context();
    auto i = std::find_if(batches.begin(), batches.end(),
                          [&](auto& b) { return b.first == ctx; });
    if (i == batches.end())
      i = batches.insert(batches.end(), {ctx, {}});
    i->second.push_back(std::move(ws));
  }
  for (auto& [ctx, sessions] : batches)
    boost::asio::dispatch(*ctx, [frame, sessions = std::move(sessions)] {
      for (auto& ws : sessions)
        ws->deliver(frame);
    });
}

} // namespace parlor::gateway
