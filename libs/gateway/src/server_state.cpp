#include "server_state.hpp"

#include "parlor/games/catalog.hpp"

namespace parlor::gateway {

namespace {

router_config make_router_config(const http_options& opts,
                                 const gateway_env& env, surface serves) {
  router_config cfg;
  cfg.serves = serves;
  cfg.files = static_files::load(opts.web_root);
  cfg.cluster_json = opts.cluster_json;
  cfg.games_json = games::catalog_json().dump();
  cfg.metrics = [m = env.metrics] { return m->render(); };
  cfg.admin = static_cast<bool>(opts.admin);
  cfg.admin_secret = opts.admin_secret;
  cfg.allowed_origins = opts.allowed_origins;
  return cfg;
}

} // namespace

server_state::server_state(boost::asio::io_context& io,
                           caf::actor_system& actor_sys,
                           std::shared_ptr<const gateway_env> gw_env,
                           http_options options)
  : ioc(io),
    sys(actor_sys),
    env(std::move(gw_env)),
    opts(std::move(options)),
    routes(make_router_config(opts, *env,
                              opts.admin_port ? surface::players
                                              : surface::everything)),
    admin_routes(make_router_config(opts, *env, surface::operators)) {
  // nop
}

std::vector<std::shared_ptr<local_socket>> server_state::open_sessions() const {
  std::vector<std::shared_ptr<local_socket>> result;
  std::lock_guard<std::mutex> guard{sessions_mtx_};
  for (auto& entry : sessions_)
    if (auto s = entry.second.lock())
      result.push_back(std::move(s));
  return result;
}

void server_state::remove_session(local_socket* s) {
  std::vector<std::function<void()>> waiting;
  {
    std::lock_guard<std::mutex> guard{sessions_mtx_};
    sessions_.erase(s);
    if (sessions_.empty())
      waiting.swap(on_empty_);
  }
  for (auto& done : waiting)
    done();
}

void server_state::when_no_sessions(std::function<void()> done) {
  {
    std::lock_guard<std::mutex> guard{sessions_mtx_};
    if (!sessions_.empty()) {
      on_empty_.push_back(std::move(done));
      return;
    }
  }
  done();
}

} // namespace parlor::gateway
