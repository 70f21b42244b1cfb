// parlor-loadgen: drives Parlor nodes (or the echo floor) like browsers do,
// over Phoenix Channels v2, and reports throughput and latency.
#include <utility> // Boost 1.74 Asio needs std::exchange declared first in C++20.

#include "client.hpp"
#include "histogram.hpp"
#include "options.hpp"
#include "pacer.hpp"
#include "phoenix.hpp"

#include <boost/asio/io_context.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <sys/resource.h>
#include <unistd.h>

namespace {

using namespace parlor::loadgen;
using nlohmann::json;
using namespace std::chrono_literals;
namespace asio = boost::asio;

// Tic-tac-toe cells played in order: a draw, so every game has nine moves.
constexpr int draw_moves[9] = {0, 1, 2, 4, 3, 5, 7, 6, 8};
constexpr auto step_timeout = 10s;
constexpr auto setup_grace = 30s;
constexpr auto drain_grace = 2s;

json latency_json(const histogram& h) {
  return {{"count", h.count()},          {"p50", h.percentile(50)},
          {"p90", h.percentile(90)},     {"p99", h.percentile(99)},
          {"p999", h.percentile(99.9)},  {"max", h.max()},
          {"mean", std::round(h.mean())}};
}

/// The interval of a timer that ticks `rate` times a second (at least
/// 1 µs: a zero interval would spin).
std::chrono::microseconds tick_for(double rate) {
  return std::chrono::microseconds{
    std::max<int64_t>(1, static_cast<int64_t>(1e6 / rate))};
}

/// What every scenario shares: the options, the io_context, connection
/// bookkeeping, heartbeats, the progress line and the clock.
struct run_base {
  const options& o;
  asio::io_context& ioc;
  std::vector<std::shared_ptr<connection>> conns;
  std::map<std::string, uint64_t> failures;
  source_picker sources{o};
  clock_type::time_point started = clock_type::now();
  clock_type::time_point measure_from{};
  clock_type::time_point measure_until{};
  bool measuring = false;
  bool done = false;
  std::function<std::string()> progress;

  run_base(const options& opts, asio::io_context& io) : o(opts), ioc(io) {
    // nop
  }

  void fail(const std::string& what) {
    ++failures[what];
  }

  uint64_t failure_count() const {
    uint64_t n = 0;
    for (auto& [k, v] : failures)
      n += v;
    return n;
  }

  /// Opens a connection to node `url_index` as player `name`.
  std::shared_ptr<connection> open(std::size_t url_index,
                                   const std::string& name,
                                   connection::handlers h) {
    auto& url = o.urls[url_index % o.urls.size()];
    auto source = sources.next(url_index);
    auto target = url.path + "?vsn=2.0.0&name=" + name;
    auto c = connection::open(ioc, url, target, source, std::move(h));
    conns.push_back(c);
    return c;
  }

  /// Heartbeats and the progress line, once a second until `done`.
  void start_ticks() {
    bool tty = ::isatty(2) != 0;
    auto interval = std::chrono::duration_cast<clock_type::duration>(
      std::chrono::duration<double>(o.heartbeat_s));
    every(ioc, 1s, [this, tty, interval] {
      if (done)
        return false;
      for (auto& c : conns)
        c->heartbeat_if_due(interval);
      if (tty && progress) {
        auto t = std::chrono::duration<double>(clock_type::now() - started)
                   .count();
        std::fprintf(stderr, "\r[%s %6.1fs] %s   ", to_string(o.scenario), t,
                     progress().c_str());
        std::fflush(stderr);
      }
      return true;
    });
  }

  void close_all() {
    done = true;
    if (::isatty(2) && progress)
      std::fprintf(stderr, "\n");
    for (auto& c : conns)
      c->close();
  }

  double measured_seconds() const {
    return std::chrono::duration<double>(measure_until - measure_from).count();
  }

  void begin_measuring() {
    measuring = true;
    measure_from = clock_type::now();
    measure_until = measure_from
                    + std::chrono::duration_cast<clock_type::duration>(
                      std::chrono::duration<double>(o.duration_s));
  }

  json base_report() const {
    json r;
    r["scenario"] = to_string(o.scenario);
    json urls = json::array();
    for (auto& u : o.urls)
      urls.push_back("ws://" + u.host + ":" + u.port + u.path);
    r["urls"] = urls;
    r["sources"] = o.sources;
    r["sources_automatic"] = o.automatic_sources;
    r["duration_s"] = measured_seconds();
    r["connections"] = conns.size();
    r["failures"] = failures;
    r["failed"] = failure_count();
    r["frames_out"] = counters().frames_out;
    r["frames_in"] = counters().frames_in;
    return r;
  }
};

/// Opens `count` connections at `o.ramp` per second; `make(i)` opens the
/// i-th. Calls `all_started` once every one was started.
void ramp_up(run_base& run, uint32_t count, std::function<void(uint32_t)> make,
             std::function<void()> all_started) {
  auto started = std::make_shared<uint32_t>(0);
  auto t0 = clock_type::now();
  every(run.ioc, 5ms, [&run, count, started, t0, make, all_started] {
    auto elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
    auto due = std::min<uint64_t>(
      count, static_cast<uint64_t>(elapsed * run.o.ramp) + 1);
    while (*started < due)
      make((*started)++);
    if (*started < count)
      return true;
    all_started();
    return false;
  });
}

// -- idle ---------------------------------------------------------------------

struct node_memory {
  uint64_t rss = 0;
  uint64_t connections = 0;
  bool ok = false;
};

/// Reads a sample from Prometheus text: the value of a line `name VALUE`.
std::optional<double> metric(const std::string& text, const std::string& name) {
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos)
    return std::nullopt;
  return std::strtod(text.c_str() + at + name.size() + 2, nullptr);
}

std::vector<node_memory> read_memory(const options& o) {
  std::vector<node_memory> out;
  for (auto& u : o.urls) {
    node_memory m;
    try {
      auto text = "\n" + http_get(u.host, u.port, "/metrics");
      auto rss = metric(text, "process_resident_memory_bytes");
      auto conns = metric(text, "parlor_connections");
      if (rss && conns) {
        m.rss = static_cast<uint64_t>(*rss);
        m.connections = static_cast<uint64_t>(*conns);
        m.ok = true;
      }
    } catch (const std::exception&) {
      // Not a Parlor node (the echo floor): no memory figures.
    }
    out.push_back(m);
  }
  return out;
}

json run_idle(const options& o, asio::io_context& ioc) {
  run_base run{o, ioc};
  auto before = read_memory(o);
  histogram join_latency;
  uint64_t joined = 0, settled = 0, dropped = 0;
  std::vector<uint64_t> joined_on(o.urls.size(), 0);
  bool holding = false;
  run.progress = [&] {
    return "joined " + std::to_string(joined) + "/" + std::to_string(o.players)
           + "  failed " + std::to_string(run.failure_count());
  };
  run.start_ticks();
  auto t_connect = clock_type::now();
  clock_type::time_point t_connected{};
  auto start_hold = [&] {
    if (holding)
      return;
    holding = true;
    t_connected = clock_type::now();
    run.begin_measuring();
    after(ioc, std::chrono::duration_cast<std::chrono::microseconds>(
                 run.measure_until - clock_type::now()),
          [&] { ioc.stop(); });
  };
  auto settle = [&] {
    if (++settled == o.players)
      start_hold();
  };
  ramp_up(
    run, o.players,
    [&](uint32_t i) {
      auto t0 = clock_type::now();
      auto joined_here = std::make_shared<bool>(false);
      std::weak_ptr<connection> weak;
      auto c = run.open(
        i, "idle" + std::to_string(i),
        {[&, i, t0, joined_here](const std::string& err) {
           if (!err.empty()) {
             run.fail(err);
             return settle();
           }
           // Joined below, once the handshake is done.
           auto& conn = run.conns[i];
           conn->send(phx::frame("1", "1", "lobby", "phx_join"));
           (void) t0;
         },
         [&, i, t0, joined_here](std::string_view text) {
           if (*joined_here)
             return;
           auto r = phx::parse_reply(text);
           if (!r || r->ref != "1")
             return;
           *joined_here = true;
           if (r->ok) {
             ++joined;
             ++joined_on[i % o.urls.size()];
             join_latency.record(us_since(t0));
           } else {
             run.fail("lobby join: " + r->reason());
           }
           settle();
         },
         [&, joined_here](const std::string& why) {
           if (*joined_here) {
             ++dropped;
             run.fail("dropped: " + why);
           } else {
             *joined_here = true;
             run.fail("closed before joining: " + why);
             settle();
           }
         }});
      (void) c;
    },
    [] {});
  // Bounded: connecting may take at most players/ramp + a grace period.
  auto setup_limit = std::chrono::duration<double>(
                       static_cast<double>(o.players) / o.ramp)
                     + setup_grace;
  after(ioc,
        std::chrono::duration_cast<std::chrono::microseconds>(setup_limit),
        [&] {
          if (!holding) {
            run.fail("not settled before the setup deadline");
            start_hold();
          }
        });
  ioc.run();
  ioc.restart();
  auto after_mem = read_memory(o);
  auto connect_s = std::chrono::duration<double>(t_connected - t_connect)
                     .count();
  uint64_t beats = 0;
  for (auto& c : run.conns)
    beats += c->heartbeats;
  run.close_all();
  auto r = run.base_report();
  r["players"] = o.players;
  r["joined"] = joined;
  r["dropped"] = dropped;
  r["connect_s"] = connect_s;
  r["connect_rate"] = connect_s > 0 ? joined / connect_s : 0.0;
  r["heartbeats"] = beats;
  json nodes = json::array();
  for (std::size_t i = 0; i < o.urls.size(); ++i) {
    json n{{"url", "ws://" + o.urls[i].host + ":" + o.urls[i].port},
           {"joined", joined_on[i]}};
    if (before[i].ok && after_mem[i].ok) {
      n["rss_before"] = before[i].rss;
      n["rss_after"] = after_mem[i].rss;
      n["connections_after"] = after_mem[i].connections;
      auto added = after_mem[i].connections > before[i].connections
                     ? after_mem[i].connections - before[i].connections
                     : 0;
      if (added > 0)
        n["rss_per_connection"] = std::round(
          (static_cast<double>(after_mem[i].rss)
           - static_cast<double>(before[i].rss))
          / static_cast<double>(added));
    }
    nodes.push_back(n);
  }
  r["nodes"] = nodes;
  r["latency"] = {{"connect_join", latency_json(join_latency)}};
  r["primary"] = "connect_join";
  return r;
}

// -- games --------------------------------------------------------------------

struct game_slot {
  std::shared_ptr<connection> x, o;
  std::string topic;
  std::string join_x, join_o; // join refs of the game topic
  int step = 0;               // moves played in this game
  uint64_t version = 0;
  bool lobby_x = false, lobby_o = false;
  bool ready = false;         // may send the next move
  bool dead = false;
  // The move in flight.
  bool in_flight = false;
  std::string move_ref;
  uint64_t expected = 0;
  bool acked = false, seen = false;
  clock_type::time_point sent{};
  std::function<void(std::string_view)> on_x, on_o;
};

struct games_run : run_base {
  std::vector<game_slot> slots;
  histogram ack, opponent;
  uint64_t moves = 0, games_played = 0, errors = 0, timeouts = 0, unsent = 0;
  uint32_t ready_slots = 0;
  std::deque<std::size_t> ready_queue;
  bool stopping = false;
  /// Replaces the scheduling of the next move when a new game is ready
  /// (fan-out paces its moves itself).
  std::function<void(std::size_t)> ready_hook;

  using run_base::run_base;

  std::shared_ptr<connection>& mover(game_slot& s) {
    return s.step % 2 == 0 ? s.x : s.o;
  }

  void kill_slot(std::size_t i, const std::string& why) {
    auto& s = slots[i];
    if (s.dead)
      return;
    s.dead = true;
    fail(why);
  }

  /// Starts a new game in slot `i`: X creates it, X then O join.
  void new_game(std::size_t i) {
    auto& s = slots[i];
    s.step = 0;
    s.ready = false;
    s.in_flight = false;
    if (!s.topic.empty()) {
      s.x->send(phx::frame(s.join_x, s.x->next_ref(), s.topic, "phx_leave"));
      s.o->send(phx::frame(s.join_o, s.o->next_ref(), s.topic, "phx_leave"));
    }
    auto ref = s.x->next_ref();
    s.x->send(phx::frame("1", ref, "lobby", "create",
                         R"({"game":"tictactoe"})"));
    s.on_x = [this, i, ref](std::string_view text) { created(i, ref, text); };
  }

  /// The player X or O of game `g`: it joins `lobby` once connected, then
  /// hands every frame to `in_game`.
  connection::handlers player(std::size_t g, bool is_x,
                              std::function<void(std::string_view)> in_game) {
    return {[this, g, is_x](const std::string& err) {
              if (!err.empty())
                return kill_slot(g, err);
              auto& s = slots[g];
              (is_x ? s.x : s.o)->send(
                phx::frame("1", "1", "lobby", "phx_join"));
            },
            [this, g, is_x, in_game](std::string_view text) {
              auto& s = slots[g];
              bool& lobby = is_x ? s.lobby_x : s.lobby_o;
              if (lobby)
                return in_game(text);
              auto r = reply_to(g, text, "1", "lobby join");
              if (!r)
                return;
              lobby = true;
              if (s.lobby_x && s.lobby_o)
                new_game(g);
            },
            [this, g](const std::string& why) {
              kill_slot(g, "connection lost: " + why);
            }};
  }

  /// The reply to `ref` in `text` if it is one and ok; an error reply ends
  /// game slot `i` with `what`.
  std::optional<phx::reply> reply_to(std::size_t i, std::string_view text,
                                     const std::string& ref,
                                     const char* what) {
    auto r = phx::parse_reply(text);
    if (!r || r->ref != ref)
      return std::nullopt;
    if (!r->ok) {
      kill_slot(i, std::string{what} + ": " + r->reason());
      return std::nullopt;
    }
    return r;
  }

  /// X's `create` answered: X joins the game.
  void created(std::size_t i, const std::string& ref, std::string_view text) {
    auto r = reply_to(i, text, ref, "create");
    if (!r)
      return;
    auto& s = slots[i];
    s.topic = "game:" + r->response.value("code", "");
    s.join_x = s.x->next_ref();
    s.x->send(phx::frame(s.join_x, s.join_x, s.topic, "phx_join"));
    s.on_x = [this, i](std::string_view t) { x_joined(i, t); };
  }

  /// X is in: O joins.
  void x_joined(std::size_t i, std::string_view text) {
    auto& s = slots[i];
    if (!reply_to(i, text, s.join_x, "join"))
      return;
    s.join_o = s.o->next_ref();
    s.o->send(phx::frame(s.join_o, s.join_o, s.topic, "phx_join"));
    s.on_x = nullptr;
    s.on_o = [this, i](std::string_view t) { o_joined(i, t); };
  }

  /// Both seated: the game is ready for its first move.
  void o_joined(std::size_t i, std::string_view text) {
    auto& s = slots[i];
    auto r = reply_to(i, text, s.join_o, "join");
    if (!r)
      return;
    s.version = r->response["state"].value("version", uint64_t{0});
    s.on_o = nullptr;
    ++games_played;
    if (ready_hook) {
      s.ready = true;
      return ready_hook(i);
    }
    became_ready(i);
  }

  void became_ready(std::size_t i) {
    auto& s = slots[i];
    s.ready = true;
    if (!measuring) {
      if (++ready_slots == slots.size())
        start_measuring();
      return;
    }
    if (stopping)
      return;
    if (o.rate == 0)
      send_move(i);
    else
      ready_queue.push_back(i);
  }

  void send_move(std::size_t i) {
    auto& s = slots[i];
    if (s.dead || !s.ready)
      return;
    s.ready = false;
    s.in_flight = true;
    s.acked = s.seen = false;
    s.expected = s.version + 1;
    auto& m = mover(s);
    s.move_ref = m->next_ref();
    s.sent = clock_type::now();
    m->send(phx::frame(s.step % 2 == 0 ? s.join_x : s.join_o, s.move_ref,
                       s.topic, "move",
                       "{\"cell\":" + std::to_string(draw_moves[s.step])
                         + "}"));
  }

  void on_message(std::size_t i, bool from_x, std::string_view text) {
    auto& s = slots[i];
    auto& handler = from_x ? s.on_x : s.on_o;
    if (handler) {
      auto h = handler; // may replace itself
      h(text);
      return;
    }
    if (!s.in_flight)
      return;
    bool is_mover = (s.step % 2 == 0) == from_x;
    if (is_mover) {
      auto r = phx::parse_reply(text);
      if (!r || r->ref != s.move_ref)
        return;
      if (!r->ok) {
        ++errors;
        fail("move: " + r->reason());
        s.in_flight = false;
        return new_game(i);
      }
      s.acked = true;
      ack.record(us_since(s.sent));
      s.version = r->response.value("version", s.expected);
    } else {
      auto v = phx::state_version(text);
      if (!v || *v != s.expected)
        return;
      s.seen = true;
      opponent.record(us_since(s.sent));
    }
    if (!(s.acked && s.seen))
      return;
    s.in_flight = false;
    ++moves;
    if (++s.step == 9)
      return new_game(i);
    became_ready(i);
  }

  void start_measuring() {
    begin_measuring();
    ack = histogram{};
    opponent = histogram{};
    moves = 0;
    for (std::size_t i = 0; i < slots.size(); ++i) {
      if (slots[i].dead || !slots[i].ready)
        continue;
      if (o.rate == 0)
        send_move(i);
      else
        ready_queue.push_back(i);
    }
    if (o.rate > 0)
      pace();
    after(ioc, std::chrono::duration_cast<std::chrono::microseconds>(
                 measure_until - clock_type::now()),
          [this] {
            stopping = true;
            after(ioc, drain_grace, [this] { ioc.stop(); });
          });
  }

  /// Open loop: sends moves at `o.rate` per second in total, evenly spaced.
  void pace() {
    parlor::loadgen::pace(
      ioc, o.rate, [this] { return !stopping; },
      [this] {
        if (ready_queue.empty()) {
          ++unsent; // every game is busy: the rate is not reachable
          return;
        }
        auto i = ready_queue.front();
        ready_queue.pop_front();
        send_move(i);
      });
  }

  /// Moves that never completed count as timeouts; their game restarts.
  void watchdog() {
    every(ioc, 1s, [this] {
      if (stopping)
        return false;
      auto now = clock_type::now();
      for (std::size_t i = 0; i < slots.size(); ++i) {
        auto& s = slots[i];
        if (!s.dead && s.in_flight && now - s.sent > step_timeout) {
          ++timeouts;
          fail("move timed out");
          s.in_flight = false;
          new_game(i);
        }
      }
      return true;
    });
  }
};

json run_games(const options& o, asio::io_context& ioc) {
  games_run run{o, ioc};
  run.slots.resize(o.games);
  run.progress = [&] {
    char buf[160];
    std::snprintf(buf, sizeof(buf),
                  "games %u  moves %llu  ack p50 %.2f ms  opp p99 %.2f ms  "
                  "failed %llu",
                  run.ready_slots, static_cast<unsigned long long>(run.moves),
                  run.ack.percentile(50) / 1000.0,
                  run.opponent.percentile(99) / 1000.0,
                  static_cast<unsigned long long>(run.failure_count()));
    return std::string{buf};
  };
  run.start_ticks();
  run.watchdog();
  // Connections: X of game g on node g, O on node g + 1 (several nodes: O
  // plays through another node than the one hosting the game).
  ramp_up(
    run, o.games * 2,
    [&](uint32_t k) {
      auto g = k / 2;
      bool is_x = k % 2 == 0;
      auto& slot = run.slots[g];
      auto name = std::string{is_x ? "x" : "o"} + std::to_string(g);
      auto in_game = [&run, g, is_x](std::string_view text) {
        run.on_message(g, is_x, text);
      };
      (is_x ? slot.x : slot.o)
        = run.open(g + (is_x ? 0 : 1), name, run.player(g, is_x, in_game));
    },
    [] {});
  auto setup_limit = std::chrono::duration<double>(2.0 * o.games / o.ramp)
                     + setup_grace;
  after(ioc,
        std::chrono::duration_cast<std::chrono::microseconds>(setup_limit),
        [&] {
          if (!run.measuring) {
            run.fail("games not ready before the setup deadline");
            run.start_measuring();
          }
        });
  ioc.run();
  ioc.restart();
  run.close_all();
  auto r = run.base_report();
  r["games"] = o.games;
  r["games_ready"] = run.ready_slots;
  r["mode"] = o.rate > 0 ? "open" : "closed";
  r["rate"] = o.rate;
  r["moves"] = run.moves;
  r["games_played"] = run.games_played;
  r["moves_per_s"] = run.measured_seconds() > 0
                       ? run.moves / run.measured_seconds()
                       : 0.0;
  r["errors"] = run.errors;
  r["timeouts"] = run.timeouts;
  r["unsent"] = run.unsent;
  r["latency"] = {{"move_reply", latency_json(run.ack)},
                  {"move_opponent", latency_json(run.opponent)}};
  r["primary"] = "move_reply";
  return r;
}

// -- fanout -------------------------------------------------------------------

json run_fanout(const options& o, asio::io_context& ioc) {
  games_run run{o, ioc};
  run.slots.resize(1);
  auto& s = run.slots[0];
  auto rate = o.rate > 0 ? o.rate : 5.0;
  std::vector<std::shared_ptr<connection>> spectators(o.spectators);
  std::vector<std::string> joined_as(o.spectators); // join ref of the topic
  uint32_t watching = 0, target = 0;
  uint64_t received = 0, incomplete = 0, rounds = 0;
  bool move_open = false, spectators_started = false, settled = false;
  clock_type::time_point last_arrival{}, round_started{};
  histogram each, last;
  run.progress = [&] {
    char buf[160];
    std::snprintf(buf, sizeof(buf),
                  "watching %u/%u  moves %llu  last p50 %.2f ms  p99 %.2f ms",
                  watching, o.spectators,
                  static_cast<unsigned long long>(last.count()),
                  last.percentile(50) / 1000.0, last.percentile(99) / 1000.0);
    return std::string{buf};
  };
  run.start_ticks();
  auto watch = [&](std::size_t k, const std::string& old_topic) {
    auto& c = spectators[k];
    if (!c || !c->is_open())
      return;
    if (!joined_as[k].empty())
      c->send(phx::frame(joined_as[k], c->next_ref(), old_topic, "phx_leave"));
    joined_as[k] = c->next_ref();
    c->send(phx::frame(joined_as[k], joined_as[k], s.topic, "phx_join"));
  };
  auto finish_move = [&] {
    move_open = false;
    if (received < watching)
      ++incomplete;
    if (received > 0)
      last.record(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(last_arrival
                                                              - s.sent)
          .count()));
  };
  auto spectator = [&](uint32_t k) -> connection::handlers {
    return {[&, k](const std::string& err) {
              if (!err.empty()) {
                run.fail(err);
                return;
              }
              watch(k, {});
            },
            [&, k](std::string_view text) {
              if (auto v = phx::state_version(text)) {
                if (move_open && *v == s.expected) {
                  ++received;
                  last_arrival = clock_type::now();
                  each.record(us_since(s.sent));
                  if (received == watching)
                    finish_move();
                }
                return;
              }
              auto r = phx::parse_reply(text);
              if (!r || r->ref != joined_as[k])
                return;
              if (r->ok)
                ++watching;
              else
                run.fail("spectator join: " + r->reason());
            },
            [&](const std::string& why) {
              run.fail("spectator lost: " + why);
            }};
  };
  // A new game is ready (X created it, both players joined): spectators
  // join it (the first time: they connect).
  std::string old_topic;
  run.ready_hook = [&](std::size_t) {
    ++rounds;
    round_started = clock_type::now();
    if (!spectators_started) {
      spectators_started = true;
      old_topic = s.topic;
      ramp_up(run, o.spectators,
              [&](uint32_t k) {
                spectators[k] = run.open(k, "s" + std::to_string(k),
                                         spectator(k));
              },
              [] {});
      return;
    }
    watching = 0;
    for (std::size_t k = 0; k < spectators.size(); ++k)
      watch(k, old_topic);
    old_topic = s.topic;
  };
  // The players: X and O on the first node.
  auto player = [&](bool is_x) {
    return run.player(0, is_x, [&, is_x](std::string_view text) {
      if (auto handler = is_x ? s.on_x : s.on_o)
        return handler(text);
      bool is_mover = (s.step % 2 == 0) == is_x;
      if (!is_mover || !s.in_flight)
        return;
      auto r = phx::parse_reply(text);
      if (!r || r->ref != s.move_ref)
        return;
      s.in_flight = false;
      if (!r->ok) {
        ++run.errors;
        run.fail("move: " + r->reason());
        return run.new_game(0);
      }
      run.ack.record(us_since(s.sent));
      s.version = r->response.value("version", s.expected);
      ++s.step;
    });
  };
  s.x = run.open(0, "fx", player(true));
  s.o = run.open(0, "fo", player(false));
  // Moves at `rate`, each once the previous one reached every spectator
  // (or timed out) and was acknowledged.
  every(ioc, tick_for(rate), [&] {
    if (run.stopping || s.dead)
      return !run.stopping;
    auto now = clock_type::now();
    if (move_open) {
      if (now - s.sent < step_timeout)
        return true;
      finish_move();
    }
    if (s.in_flight || !s.ready || s.on_x || s.on_o)
      return true;
    if (!settled) {
      // Measure once every spectator joined or failed (bounded).
      if (watching + run.failure_count() < o.spectators
          && now - round_started < setup_grace)
        return true;
      settled = true;
      target = watching;
      run.begin_measuring();
      after(ioc, std::chrono::duration_cast<std::chrono::microseconds>(
                   run.measure_until - now),
            [&] {
              run.stopping = true;
              after(ioc, drain_grace, [&] { ioc.stop(); });
            });
    }
    if (watching < target && now - round_started < step_timeout)
      return true; // spectators still moving to the new game
    if (s.step == 9) {
      s.ready = false;
      run.new_game(0);
      return true;
    }
    received = 0;
    move_open = true;
    s.ready = true;
    run.send_move(0);
    s.ready = true; // the next move waits for this one, not for readiness
    ++run.moves;
    return true;
  });
  ioc.run();
  ioc.restart();
  run.close_all();
  auto r = run.base_report();
  r["spectators"] = o.spectators;
  r["watching"] = watching;
  r["moves"] = last.count();
  r["incomplete"] = incomplete;
  r["games_played"] = rounds;
  r["rate"] = rate;
  r["latency"] = {{"move_last_spectator", latency_json(last)},
                  {"move_each_spectator", latency_json(each)},
                  {"move_reply", latency_json(run.ack)}};
  r["primary"] = "move_last_spectator";
  return r;
}

// -- echo ---------------------------------------------------------------------

/// Starts measuring anyway (and says so) if the `count` connections have
/// not all settled by their ramp time plus the setup grace.
template <class Start>
void setup_deadline(run_base& run, uint32_t count, Start& start) {
  after(run.ioc,
        std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::duration<double>(static_cast<double>(count)
                                        / run.o.ramp)
          + setup_grace),
        [&run, &start] {
          if (!run.measuring) {
            run.fail("not connected before the setup deadline");
            start();
          }
        });
}

json run_echo(const options& o, asio::io_context& ioc) {
  run_base run{o, ioc};
  // The size of a move frame, so that the floor moves the same bytes.
  const std::string message = R"(["3","7","game:ABCD","move",{"cell":4}])";
  histogram rtt;
  uint64_t echoed = 0, unsent = 0;
  uint32_t opened = 0, settled = 0;
  bool stopping = false;
  std::vector<clock_type::time_point> sent_at(o.players);
  std::vector<char> busy(o.players, 0);
  std::deque<uint32_t> idle;
  run.progress = [&] {
    char buf[128];
    std::snprintf(buf, sizeof(buf), "open %u  echoed %llu  p50 %.3f ms  p99 %.3f ms",
                  opened, static_cast<unsigned long long>(echoed),
                  rtt.percentile(50) / 1000.0, rtt.percentile(99) / 1000.0);
    return std::string{buf};
  };
  run.start_ticks();
  auto send = [&](uint32_t k) {
    busy[k] = 1;
    sent_at[k] = clock_type::now();
    run.conns[k]->send(message);
  };
  auto start = [&] {
    run.begin_measuring();
    for (uint32_t k = 0; k < o.players; ++k)
      if (run.conns[k]->is_open()) {
        if (o.rate == 0)
          send(k);
        else
          idle.push_back(k);
      }
    if (o.rate > 0)
      pace(ioc, o.rate, [&] { return !stopping; },
           [&] {
             if (idle.empty()) {
               ++unsent;
               return;
             }
             auto k = idle.front();
             idle.pop_front();
             send(k);
           });
    after(ioc, std::chrono::duration_cast<std::chrono::microseconds>(
                 run.measure_until - clock_type::now()),
          [&] {
            stopping = true;
            after(ioc, drain_grace, [&] { ioc.stop(); });
          });
  };
  auto settle = [&] {
    if (++settled == o.players)
      start();
  };
  ramp_up(
    run, o.players,
    [&](uint32_t k) {
      run.open(k, "e" + std::to_string(k),
               {[&](const std::string& err) {
                  if (!err.empty())
                    run.fail(err);
                  else
                    ++opened;
                  settle();
                },
                [&, k](std::string_view) {
                  if (!busy[k])
                    return;
                  busy[k] = 0;
                  if (stopping)
                    return;
                  rtt.record(us_since(sent_at[k]));
                  ++echoed;
                  if (o.rate == 0)
                    send(k);
                  else
                    idle.push_back(k);
                },
                [&](const std::string& why) { run.fail("lost: " + why); }});
    },
    [] {});
  setup_deadline(run, o.players, start);
  ioc.run();
  ioc.restart();
  run.close_all();
  auto r = run.base_report();
  r["players"] = o.players;
  r["open"] = opened;
  r["mode"] = o.rate > 0 ? "open" : "closed";
  r["rate"] = o.rate;
  r["messages"] = echoed;
  r["messages_per_s"] = run.measured_seconds() > 0
                          ? echoed / run.measured_seconds()
                          : 0.0;
  r["unsent"] = unsent;
  r["latency"] = {{"rtt", latency_json(rtt)}};
  r["primary"] = "rtt";
  return r;
}

// -- echo-fanout ----------------------------------------------------------------

json run_echo_fanout(const options& o, asio::io_context& ioc) {
  run_base run{o, ioc};
  auto rate = o.rate > 0 ? o.rate : 5.0;
  // Connection 0 sends; all o.spectators + 1 receive (the echo server sends
  // a '*' frame to every connection). Padded to the size of a state frame.
  const uint32_t total = o.spectators + 1;
  const std::size_t frame_bytes = 160;
  histogram each, last;
  uint64_t seq = 0, received = 0, incomplete = 0, sent_count = 0;
  uint32_t opened = 0, settled = 0;
  bool open_round = false, stopping = false;
  clock_type::time_point sent_at{}, last_arrival{};
  run.progress = [&] {
    char buf[128];
    std::snprintf(buf, sizeof(buf),
                  "open %u  broadcasts %llu  last p50 %.2f ms  p99 %.2f ms",
                  opened, static_cast<unsigned long long>(last.count()),
                  last.percentile(50) / 1000.0, last.percentile(99) / 1000.0);
    return std::string{buf};
  };
  run.start_ticks();
  auto finish_round = [&] {
    open_round = false;
    if (received < opened)
      ++incomplete;
    if (received > 0)
      last.record(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(last_arrival
                                                              - sent_at)
          .count()));
  };
  auto start = [&] {
    run.begin_measuring();
    every(ioc, tick_for(rate),
          [&] {
            if (stopping)
              return false;
            if (open_round) {
              if (clock_type::now() - sent_at < step_timeout)
                return true;
              finish_round();
            }
            if (!run.conns[0]->is_open())
              return true;
            std::string text = "*" + std::to_string(++seq) + " ";
            text.resize(frame_bytes, '.');
            received = 0;
            open_round = true;
            ++sent_count;
            sent_at = clock_type::now();
            run.conns[0]->send(text);
            return true;
          });
    after(ioc, std::chrono::duration_cast<std::chrono::microseconds>(
                 run.measure_until - clock_type::now()),
          [&] {
            stopping = true;
            after(ioc, drain_grace, [&] { ioc.stop(); });
          });
  };
  auto settle = [&] {
    if (++settled == total)
      start();
  };
  ramp_up(
    run, total,
    [&](uint32_t k) {
      run.open(k, "f" + std::to_string(k),
               {[&](const std::string& err) {
                  if (!err.empty())
                    run.fail(err);
                  else
                    ++opened;
                  settle();
                },
                [&](std::string_view text) {
                  if (!open_round || text.empty() || text.front() != '*')
                    return;
                  auto number = text.substr(1, text.find(' ') - 1);
                  if (number != std::to_string(seq))
                    return;
                  last_arrival = clock_type::now();
                  each.record(us_since(sent_at));
                  if (++received == opened)
                    finish_round();
                },
                [&](const std::string& why) { run.fail("lost: " + why); }});
    },
    [] {});
  setup_deadline(run, total, start);
  ioc.run();
  ioc.restart();
  run.close_all();
  auto r = run.base_report();
  r["spectators"] = o.spectators;
  r["open"] = opened;
  r["broadcasts"] = last.count();
  r["sent"] = sent_count;
  r["incomplete"] = incomplete;
  r["rate"] = rate;
  r["latency"] = {{"broadcast_last", latency_json(last)},
                  {"broadcast_each", latency_json(each)}};
  r["primary"] = "broadcast_last";
  return r;
}

/// Raises the soft open-file limit as far as needed; an error text if the
/// hard limit is too low.
std::string ensure_files(uint64_t connections) {
  constexpr uint64_t spare = 64; // stdio, epoll, timers, HTTP reads
  auto needed = connections + spare;
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return {};
  if (lim.rlim_cur >= needed)
    return {};
  if (lim.rlim_max < needed)
    return std::to_string(connections) + " connections need about "
           + std::to_string(needed) + " open files, but this process may "
           + "open at most " + std::to_string(lim.rlim_max)
           + " (hard limit). Run several parlor-loadgen processes, each with "
           + "a share of the connections (and --source=127.0.0.x addresses "
           + "for more source ports); see docs/benchmarks.md";
  lim.rlim_cur = needed;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  return {};
}

void print_summary(const json& r) {
  std::printf("scenario %s: %s\n", r["scenario"].get<std::string>().c_str(),
              r["urls"].dump().c_str());
  for (auto& [key, value] : r.items()) {
    if (key == "scenario" || key == "urls" || key == "latency"
        || key == "primary" || key == "nodes" || key == "failures"
        || key == "sources" || key == "sources_automatic" || key == "p50"
        || key == "p90" || key == "p99" || key == "p999" || key == "max")
      continue;
    if (value.is_number_float())
      std::printf("  %-16s %14.2f\n", key.c_str(), value.get<double>());
    else
      std::printf("  %-16s %14s\n", key.c_str(), value.dump().c_str());
  }
  if (auto& src = r["sources"]; !src.empty())
    std::printf("  %-16s %zu address%s, %s%s%s%s\n", "sources", src.size(),
                src.size() == 1 ? "" : "es",
                src.front().get<std::string>().c_str(),
                src.size() > 1 ? " ... " : "",
                src.size() > 1 ? src.back().get<std::string>().c_str() : "",
                r["sources_automatic"].get<bool>()
                  ? " (automatic: loopback, many connections per node)"
                  : "");
  for (auto& [what, n] : r["failures"].items())
    std::printf("  failure: %s x%s\n", what.c_str(), n.dump().c_str());
  if (r.contains("nodes"))
    for (auto& n : r["nodes"])
      std::printf("  node %s\n", n.dump().c_str());
  std::printf("  %-20s %9s %9s %9s %9s %9s %9s  (microseconds)\n", "latency",
              "count", "p50", "p90", "p99", "p99.9", "max");
  for (auto& [name, l] : r["latency"].items())
    std::printf("  %-20s %9llu %9llu %9llu %9llu %9llu %9llu\n", name.c_str(),
                l["count"].get<unsigned long long>(),
                l["p50"].get<unsigned long long>(),
                l["p90"].get<unsigned long long>(),
                l["p99"].get<unsigned long long>(),
                l["p999"].get<unsigned long long>(),
                l["max"].get<unsigned long long>());
}

} // namespace

int main(int argc, char** argv) {
  auto parsed = parse_options(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed) {
    std::fprintf(stderr, "parlor-loadgen: %s\n(see parlor-loadgen --help)\n",
                 parsed.error.c_str());
    return 2;
  }
  auto& o = parsed.opts;
  if (o.help) {
    std::fputs(usage_text().c_str(), stdout);
    return 0;
  }
  choose_sources(o);
  if (auto err = ensure_files(connections_needed(o)); !err.empty()) {
    std::fprintf(stderr, "parlor-loadgen: %s\n", err.c_str());
    return 2;
  }
  json result;
  try {
    asio::io_context ioc{1};
    switch (o.scenario) {
      case scenario::idle:
        result = run_idle(o, ioc);
        break;
      case scenario::games:
        result = run_games(o, ioc);
        break;
      case scenario::fanout:
        result = run_fanout(o, ioc);
        break;
      case scenario::echo:
        result = run_echo(o, ioc);
        break;
      case scenario::echo_fanout:
        result = run_echo_fanout(o, ioc);
        break;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parlor-loadgen: %s\n", e.what());
    return 1;
  }
  print_summary(result);
  // The primary latency's percentiles also at the top level, for scripts.
  auto& primary = result["latency"][result["primary"].get<std::string>()];
  for (auto key : {"p50", "p90", "p99", "p999", "max"})
    result[key] = primary[key];
  if (o.json)
    std::printf("%s\n", result.dump().c_str());
  std::fflush(stdout);
  // Nothing measured at all: say so in the exit status too.
  return primary["count"].get<uint64_t>() > 0 ? 0 : 1;
}
