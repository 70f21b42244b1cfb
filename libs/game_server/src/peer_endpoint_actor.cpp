#include "parlor/game_server/peer_endpoint_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/result.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace parlor::game_server {

namespace {

/// Asks `dst` and answers the current request with its reply. Not
/// `delegate`: the store must never be seen by another node, not even as
/// the sender of a reply.
template <class T, class Self, class Handle, class Msg>
caf::result<T> relay(Self* self, const Handle& dst, Msg&& msg) {
  auto rp = self->template make_response_promise<T>();
  self->request(dst, caf::infinite, std::forward<Msg>(msg))
    .then([=](T& x) mutable { rp.deliver(std::move(x)); },
          [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

peer_endpoint_actor::behavior_type
peer_endpoint_impl(peer_endpoint_actor::pointer self, store::store_actor store,
                   supervisor_actor supervisor) {
  return {
    [=](store::replicate_msg& msg) {
      return relay<caf::ok_atom>(self, store, std::move(msg));
    },
    [=](store::unreplicate_msg& msg) { self->send(store, std::move(msg)); },
    [=](adopt_msg& msg) {
      return relay<caf::ok_atom>(self, supervisor, std::move(msg));
    },
    [=](create_msg& msg) {
      return relay<std::string>(self, supervisor, std::move(msg));
    },
  };
}

} // namespace

peer_endpoint_actor spawn_peer_endpoint(caf::actor_system& sys,
                                        store::store_actor store,
                                        supervisor_actor supervisor) {
  return sys.spawn(peer_endpoint_impl, std::move(store),
                   std::move(supervisor));
}

} // namespace parlor::game_server
