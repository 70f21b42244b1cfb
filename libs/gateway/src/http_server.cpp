#include "parlor/gateway/http_server.hpp"

#include "listener.hpp"
#include "server_state.hpp"

namespace parlor::gateway {

struct http_server::impl {
  std::shared_ptr<server_state> state;
  std::shared_ptr<gateway::listener> listener;
  /// With `admin_port` only.
  std::shared_ptr<gateway::listener> admin;
  uint16_t admin_port = 0;
};

http_server::http_server(boost::asio::io_context& ioc, caf::actor_system& sys,
                         std::shared_ptr<const gateway_env> env,
                         http_options opts)
  : impl_(std::make_shared<impl>()) {
  impl_->state = std::make_shared<server_state>(ioc, sys, std::move(env),
                                                std::move(opts));
  impl_->listener = std::make_shared<listener>(impl_->state);
  if (impl_->state->opts.admin_port)
    impl_->admin = std::make_shared<listener>(impl_->state, true);
}

http_server::~http_server() = default;

uint16_t http_server::start() {
  auto& opts = impl_->state->opts;
  auto port = impl_->listener->open(opts.host, opts.port);
  if (impl_->admin)
    impl_->admin_port = impl_->admin->open(opts.admin_host, *opts.admin_port);
  // The accept loops belong to the io thread, which may be running already.
  impl_->listener->run();
  if (impl_->admin)
    impl_->admin->run();
  return port;
}

uint16_t http_server::admin_port() const {
  return impl_->admin_port;
}

void http_server::set_draining(bool draining) {
  impl_->state->draining = draining;
}

void http_server::set_ready(bool ready) {
  impl_->state->ready = ready;
}

void http_server::stop(uint16_t close_code) {
  impl_->state->stopping = true;
  impl_->listener->close();
  if (impl_->admin)
    impl_->admin->close();
  for (auto& s : impl_->state->open_sessions())
    s->close(close_code, "server shutting down");
}

void http_server::abort() {
  for (auto& s : impl_->state->open_sessions())
    s->abort();
}

void http_server::when_no_sessions(std::function<void()> done) {
  impl_->state->when_no_sessions(std::move(done));
}

std::size_t http_server::session_count() const {
  return impl_->state->session_count();
}

} // namespace parlor::gateway
