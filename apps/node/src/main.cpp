// parlor-node: the composition root. Builds each component in dependency
// order and hands it to the next; holds no logic of its own.
#include <utility> // before Asio: Boost 1.74 in C++20 needs std::exchange

#include "parlor/auth/secret.hpp"
#include "parlor/auth/token.hpp"
#include "parlor/cluster/agent_actor.hpp"
#include "parlor/core/clock.hpp"
#include "parlor/cluster/dns_poller.hpp"
#include "parlor/game_server/peer_endpoint_actor.hpp"
#include "parlor/game_server/supervisor_actor.hpp"
#include "parlor/gateway/gateway_actor.hpp"
#include "parlor/gateway/game_watch.hpp"
#include "parlor/gateway/http_server.hpp"
#include "parlor/gateway/io_scheduler.hpp"
#include "parlor/gateway/socket_fanout.hpp"
#include "parlor/link/front.hpp"
#include "parlor/metrics/metrics.hpp"
#include "parlor/node/node_config.hpp"
#include "parlor/node/node_control.hpp"
#include "parlor/pubsub/pubsub_actor.hpp"
#include "parlor/registry/registry_actor.hpp"
#include "parlor/store/store_actor.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <csignal>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>
#include <unistd.h>

extern char** environ;

namespace {

using namespace parlor;
namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr const char* version_text = "parlor-node 0.1.0";

std::map<std::string, std::string> environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv{*e};
    if (auto eq = kv.find('='); eq != std::string::npos
                                && kv.rfind("PARLOR_", 0) == 0)
      env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return env;
}

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string default_name(uint16_t cluster_port) {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
    std::snprintf(host, sizeof(host), "node");
  return std::string{host} + ":" + std::to_string(cluster_port);
}

std::filesystem::path default_web_root() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec)
    return "web";
  return exe.parent_path().parent_path() / "web";
}

/// Asks `dst` and waits; for main-thread start-up steps only.
template <class T, class Handle, class... Ts>
T ask(caf::actor_system& sys, const Handle& dst, caf::timespan timeout,
      Ts&&... xs) {
  caf::scoped_actor self{sys};
  T result{};
  std::string error;
  self->request(dst, timeout, std::forward<Ts>(xs)...)
    .receive([&](T& x) { result = std::move(x); },
             [&](caf::error& e) { error = sys.render(e); });
  if (!error.empty())
    throw std::runtime_error(error);
  return result;
}

int run(const node::node_config& conf) {
  spdlog::set_level(spdlog::level::from_str(conf.log_level));
  core::node_info self_info;
  self_info.name = conf.name.empty() ? default_name(conf.cluster_port)
                                     : conf.name;
  self_info.region = conf.region;

  auto secret = conf.cluster_secret
                  ? *conf.cluster_secret
                  : auth::load_or_create_secret(auth::default_secret_path());

  // Declared before the actor system: the io thread runs from before the
  // first actor until after the last (the actor system's destructor waits
  // for actors, which may run on it), and Asio objects outlive every actor.
  gateway::io_loop loop;
  auto& ioc = loop.context();

  // The cluster port's front: peers are greeted (TLS, the secret) before a
  // byte reaches BASP, which listens on loopback only. Declared before the
  // actor system, which may dial through it until its last actor is gone.
  link::front_options fopts;
  fopts.host = conf.cluster_host;
  fopts.port = conf.cluster_port;
  fopts.secret = secret;
  if (!conf.cluster_tls_cert.empty())
    fopts.tls = link::tls_files{conf.cluster_tls_cert, conf.cluster_tls_key,
                                conf.cluster_tls_ca};
  link::front front{fopts};

  caf::actor_system_config cfg;
  if (conf.threads == 0) {
    // Actors take turns with the sockets on the io thread: a move is one
    // thread's work up to the store (docs/architecture.md, threads).
    gateway::run_actors_on(cfg, ioc);
  } else {
    cfg.set("scheduler.max-threads", static_cast<size_t>(conf.threads));
    // An idle worker spins 100 times, then sleeps until work comes (instead
    // of CAF's 500 further polls 50 µs apart, a wake-up every 50 µs).
    cfg.set("work-stealing.aggressive-poll-attempts", size_t{100});
    cfg.set("work-stealing.moderate-poll-attempts", size_t{0});
  }
  cfg.set("logger.verbosity", caf::atom("quiet"));
  // Messages that cross nodes must be known to every node's serializer.
  cfg.add_message_types<caf::id_block::parlor_cluster>();
  cfg.add_message_types<caf::id_block::parlor_pubsub>();
  cfg.add_message_types<caf::id_block::parlor_registry>();
  cfg.add_message_types<caf::id_block::parlor_store>();
  cfg.add_message_types<caf::id_block::parlor_game_server>();
  cfg.load<caf::io::middleman>();
  // BASP heartbeats find hung peers (SIGSTOP, silent networks); every node
  // must use the same values.
  cfg.set("middleman.heartbeat-interval", caf::timespan{500ms});
  cfg.set("middleman.connection-timeout", caf::timespan{3s});
  // Peers' messages are deserialized on the multiplexer thread rather than
  // handed to a worker thread first: one thread wake-up fewer per message
  // from another node (docs/architecture.md, cross-node moves).
  cfg.set("middleman.workers", size_t{0});
  caf::actor_system sys{cfg};

  auto metrics = std::make_shared<metrics::node_metrics>();
  metrics->cluster_links = [&front] {
    auto c = front.counters();
    return metrics::node_metrics::link_figures{c.links_open, c.refused};
  };
  // The store always has a thread of its own: a stalled disk stops moves,
  // not the io thread with every socket and /healthz on it.
  auto storage_fault = std::make_shared<core::fault_flag>();
  auto store = store::spawn_store(
    sys, conf.data_dir,
    store::store_options{store::store_thread::own,
                         conf.sync == "normal" ? store::sync_mode::normal
                                               : store::sync_mode::full,
                         storage_fault});
  auto pubsub = pubsub::spawn_pubsub(sys);
  auto watch = gateway::spawn_game_watch(sys);
  auto fanout = gateway::spawn_socket_fanout(sys, pubsub, metrics);
  // The start time orders this run's registry writes after earlier runs'.
  auto started_ms = static_cast<uint64_t>(core::unix_ms());
  auto registry = registry::spawn_registry(sys, self_info.name, started_ms);

  auto genv = std::make_shared<game_server::game_env>();
  genv->host = self_info;
  genv->store = store;
  genv->pubsub = pubsub;
  genv->metrics = metrics;
  genv->finished_ttl = std::chrono::seconds{conf.finished_ttl_s};
  genv->idle_ttl = std::chrono::seconds{conf.idle_game_ttl_s};
  auto supervisor = game_server::spawn_supervisor(sys, genv, registry);

  auto members = std::make_shared<cluster::member_table>();
  cluster::agent_config acfg;
  acfg.self = cluster::member{self_info.name, self_info.region, "", "",
                              started_ms, "up", ""};
  acfg.secret = secret;
  for (auto& seed : conf.seeds)
    acfg.seeds.push_back(core::to_string(seed));
  auto peer_endpoint
    = game_server::spawn_peer_endpoint(sys, store, supervisor);
  acfg.services.put(pubsub::service_name, pubsub);
  acfg.services.put(registry::service_name, registry);
  acfg.services.put(game_server::peer_endpoint_service, peer_endpoint);
  acfg.table = members;
  acfg.open_link = [&front](const std::string& host, uint16_t port,
                            auto done) {
    front.dial(host, port, std::move(done));
  };
  auto agent = cluster::spawn_agent(sys, acfg);
  // Everything that follows membership watches the agent before it starts:
  // broadcasts and registry replication, then backups and failover.
  caf::anon_send(agent, cluster::watch_atom_v,
                 cluster::membership_watcher{pubsub});
  caf::anon_send(agent, cluster::watch_atom_v,
                 cluster::membership_watcher{registry});
  caf::anon_send(agent, cluster::watch_atom_v,
                 cluster::membership_watcher{supervisor});
  uint16_t cluster_port = 0;

  uint16_t basp_port = 0;

  auto stop_actors = [&] {
    // Links first: no dial is left to report to a stopped agent.
    front.stop();
    if (basp_port != 0)
      sys.middleman().unpublish(agent, basp_port);
    auto stop = [](const auto&... actors) {
      (caf::anon_send_exit(actors, caf::exit_reason::user_shutdown), ...);
    };
    stop(agent, supervisor, registry, pubsub, watch, fanout, peer_endpoint,
         store);
  };

  auto env = std::make_shared<gateway::gateway_env>();
  env->node = self_info;
  env->registry = registry;
  env->supervisor = supervisor;
  env->fanout = fanout;
  env->watch = watch;
  env->signer = std::make_shared<const auth::token_signer>(
    secret, int64_t{conf.token_max_age_days} * 24 * 3600);
  env->metrics = metrics;
  env->limits.max_frame_bytes = conf.max_frame_bytes;
  env->limits.socket_rate = conf.socket_rate;
  if (conf.create_rate > 0)
    env->creates = gateway::make_create_quota(conf.create_rate);
  env->limits.idle_timeout = std::chrono::milliseconds{conf.idle_timeout_ms};

  gateway::http_options hopts;
  hopts.host = conf.http_host;
  hopts.port = conf.http_port;
  hopts.web_root = conf.web_root.empty() ? default_web_root()
                                         : std::filesystem::path{conf.web_root};
  hopts.cluster_json = [members] { return members->to_json(); };
  // parlorctl's requests, signed with the cluster secret, go to the node's
  // control (built below, once the server exists, before it accepts).
  hopts.admin_secret = secret;
  hopts.allowed_origins = conf.allowed_origins;
  hopts.admin_port = conf.admin_port;
  hopts.admin_host = conf.admin_host;
  hopts.max_connections = conf.max_connections;
  hopts.max_connections_per_address = conf.max_connections_per_address;
  hopts.storage_fault = storage_fault;
  std::optional<node::node_control> control;
  hopts.admin = [&control](const std::string& action,
                           const std::map<std::string, std::string>& params,
                           gateway::http_options::admin_reply reply) {
    control->admin(action, params, std::move(reply));
  };
  gateway::http_server server{ioc, sys, env, hopts};
  control.emplace(sys, self_info.name, supervisor, agent,
                  node::front_door{
                    [&server](bool on) { server.set_draining(on); },
                    [&server] { server.stop(); },
                    [&server] { server.abort(); },
                    [&server](std::function<void()> done) {
                      server.when_no_sessions(std::move(done));
                    }});

  uint16_t port = 0;
  try {
    port = server.start();
  } catch (...) {
    stop_actors();
    throw;
  }
  auto shown_host = conf.http_host == "0.0.0.0" ? std::string{"127.0.0.1"}
                                                : conf.http_host;
  acfg.self.http = shown_host + ":" + std::to_string(port);
  if (conf.admin_port)
    acfg.self.admin = (conf.admin_host == "0.0.0.0" ? std::string{"127.0.0.1"}
                                                    : conf.admin_host)
                      + ":" + std::to_string(server.admin_port());
  // BASP on loopback, where only the front connects: the agent is the only
  // actor published. Then the cluster port itself.
  auto published = sys.middleman().publish(agent, 0, "127.0.0.1", true);
  if (!published) {
    stop_actors();
    throw std::runtime_error("cannot open BASP on loopback: "
                             + sys.render(published.error()));
  }
  basp_port = *published;
  try {
    cluster_port = front.open();
  } catch (...) {
    stop_actors();
    throw;
  }
  front.start(basp_port);
  auto cluster_addr = conf.cluster_host + ":" + std::to_string(cluster_port);
  members->set_self(cluster::member{self_info.name, self_info.region,
                                    acfg.self.http, cluster_addr,
                                    acfg.self.started_ms, "up",
                                    acfg.self.admin});
  caf::anon_send(agent, cluster::http_atom_v, acfg.self.http,
                 acfg.self.admin);
  caf::anon_send(agent, cluster::start_atom_v, cluster_addr);
  if (!conf.dns.empty())
    cluster::spawn_dns_poller(sys, agent, conf.dns,
                              conf.dns_port != 0 ? conf.dns_port : cluster_port,
                              std::chrono::milliseconds{conf.dns_interval_ms});
  // Not "listening": the contract's one `listening` line is the HTTP one.
  spdlog::info("node {} ({}) cluster endpoint {} (node-to-node, {})",
               self_info.name, self_info.region, cluster_addr,
               fopts.tls ? "mutual TLS" : "plain TCP");
  spdlog::info("node {} ({}) HTTP listening on {}:{}", self_info.name,
               self_info.region, conf.http_host, port);
  if (conf.admin_port)
    spdlog::info("node {} admin endpoints (/metrics, /api/admin) on {}:{}",
                 self_info.name, conf.admin_host, server.admin_port());

  try {
    auto restored = ask<uint64_t>(sys, supervisor, caf::timespan{60s},
                                  game_server::restore_atom_v);
    spdlog::info("restored {} unfinished game(s) from {}", restored,
                 conf.data_dir);
    server.set_ready(true);
  } catch (const std::exception& e) {
    spdlog::error("cannot restore games: {}", e.what());
  }

  // SIGINT/SIGTERM: drain, close the sockets with 1001 so that clients
  // come back later, wait for them (bounded), then stop the actors.
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  std::promise<void> front_closed;
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec)
      return;
    spdlog::info("signal {}: draining", signo);
    control->shut_down({}, [&front_closed] { front_closed.set_value(); });
  });
  front_closed.get_future().wait();
  stop_actors();
  if (conf.threads != 0)
    gateway::release_caf_logger(ioc);
  spdlog::info("node {} stopped", self_info.name);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = node::parse_config(args, environment(), read_text_file);
  if (!parsed) {
    std::cerr << "parlor-node: " << parsed.error << '\n';
    return 2;
  }
  auto& conf = parsed.config;
  if (conf.help) {
    std::cout << node::help_text();
    return 0;
  }
  if (conf.version) {
    std::cout << version_text << '\n';
    return 0;
  }
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  try {
    return run(conf);
  } catch (const std::exception& e) {
    std::cerr << "parlor-node: " << e.what() << '\n';
    return 1;
  }
}
