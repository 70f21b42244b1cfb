// Peer benchmark driver: the same tic-tac-toe on Parlor, Colyseus 0.18 and boardgame.io 0.50,
// played by each system's official client, open loop, one system after the other; and
// "floor", the frames of each move relayed by parlor-echo with no game behind them (the raw
// stack's cost, the floor every system's CPU and latency sits on).
//
//   node bench/peers/driver.mjs --systems=parlor,floor,colyseus,bgio --games=20 \
//     --rates=250,500,1000,2000 --duration=5 --out=peers.json \
//     [--parlor-bin=build/bin/parlor-node] [--echo-bin=build/bin/parlor-echo]
//     [--server-core=1 --driver-core=0] [--no-pin]
//     [--workers=1] [--warmup=2] [--max-seconds=290] [--seed=1] [--parlor-threads=0]
//     [--parlor-data-base=DIR] [--quiet-wait=S --quiet-level=0.15] [--keep-going]
//     [--steal-limit=2 --steal-tries=1]
//
// See README.md for what is measured and the fairness settings. In short, for each system:
//   1. start its server alone, pinned to --server-core (taskset), and read its idle RSS;
//   2. open G games, each with two players, each player its own client and connection, spread
//      over --workers worker threads (players.mjs) on the driver core; read the RSS again
//      (-> RSS per game) and replace every game a few times (-> the CPU cost of a new game);
//   3. for each offered rate R (moves/s over all games): a scheduler issues moves at evenly
//      spaced instants for --duration seconds, whatever the replies do. Each instant goes to
//      the next game (round robin) that is ready, i.e. not waiting for its previous move and
//      not being replaced; when none is ready, the instant is "skipped". A move is done when
//      the mover learned it was accepted (ack) and the opponent's client shows it (opponent).
//      A finished game is replaced by a new one (setup time is not in any latency). Server
//      CPU (utime+stime from /proc) is read around each step.
//   4. a step "sustains" R when achieved >= 95% of R, p99(opponent) < 10 x p50(opponent) and
//      no errors; stepping stops at the first step that does not (unless --keep-going). A step
//      that misses while its least disturbed attempt still had more than --steal-limit % of a
//      pinned core stolen is not judged (sustained: null) and does not stop the stepping.
import { spawn, execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync, existsSync, statSync, rmSync } from "node:fs";
import { Worker } from "node:worker_threads";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { sleep, within } from "./timing.mjs";
import { cpuTicks, judgeStep, leastDisturbed, stealPct, worstSteal } from "../host.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "../..");
const NODE22 = path.join(HERE, "node_modules/.bin/node");

// ---- options -------------------------------------------------------------------------------

const args = {};
for (const a of process.argv.slice(2)) {
  const m = a.match(/^--([^=]+)(?:=(.*))?$/);
  if (!m) {
    console.error(`unknown argument ${a}`);
    process.exit(2);
  }
  args[m[1]] = m[2] === undefined ? true : m[2];
}
const OPT = {
  systems: String(args.systems || "parlor,floor,colyseus,bgio").split(",").filter(Boolean),
  games: Number(args.games || 20),
  rates: String(args.rates || "250,500,1000,2000").split(",").map(Number).filter((r) => r > 0),
  duration: Number(args.duration || 5),
  warmup: Number(args.warmup ?? 2),
  out: args.out || null,
  parlorBin: path.resolve(args["parlor-bin"] || process.env.PARLOR_NODE_BIN || path.join(REPO, "build/bin/parlor-node")),
  parlorThreads: Number(args["parlor-threads"] ?? 0),
  echoBin: path.resolve(args["echo-bin"] || process.env.PARLOR_ECHO_BIN || path.join(REPO, "build/bin/parlor-echo")),
  // Where Parlor's SQLite data directory is made (a fresh one per run). /dev/shm takes the
  // disk out of its per-move write.
  parlorDataBase: args["parlor-data-base"] || os.tmpdir(),
  serverCore: Number(args["server-core"] ?? 1),
  driverCore: Number(args["driver-core"] ?? 0),
  pin: !args["no-pin"],
  maxSeconds: Number(args["max-seconds"] || 290),
  seed: Number(args.seed || 1),
  moveTimeoutMs: Number(args["move-timeout-ms"] || 5000),
  // Worker threads the players are spread over (each its own heap and event loop, all on the
  // driver core): a garbage collection pause in one delays only its own games' moves, but
  // every extra event loop costs driver CPU; on a 2-core machine 1 measured best.
  workers: Number(args.workers || 1),
  // On a shared machine: before each step, wait up to this many seconds for the two cores to
  // be quiet (other processes using < --quiet-level of a core, summed over both), 0 = never wait.
  quietWait: Number(args["quiet-wait"] || 0),
  quietLevel: Number(args["quiet-level"] || 0.15),
  // Go on stepping after a failing step (to see where throughput saturates on a noisy
  // machine); max_sustained still only counts steps before the first failure.
  keepGoing: !!args["keep-going"],
  // On a shared host: a step during which the hypervisor took more than --steal-limit percent
  // of the server's or the driver's core ("steal" in /proc/stat) is measured again, up to
  // --steal-tries attempts in all; the attempt with the least steal is kept (whatever its
  // numbers) and the others are listed under the step's `disturbed`.
  // (A flag given without a value reads `true`: refused below.)
  stealLimit: typeof args["steal-limit"] === "boolean" ? NaN : Number(args["steal-limit"] ?? 2),
  stealTries: typeof args["steal-tries"] === "boolean" ? NaN : Number(args["steal-tries"] ?? 1),
};
// The cores whose steal counts: the server's and the driver's (every core when not pinned;
// OPT.pin may still be turned off below, on a one-core machine).
const watchedCores = () => (OPT.pin ? [OPT.serverCore, OPT.driverCore] : undefined);
if (!(OPT.stealLimit >= 0 && OPT.stealLimit <= 100) || !(Number.isInteger(OPT.stealTries) && OPT.stealTries >= 1)) {
  console.error("--steal-limit is a percentage (0-100), --steal-tries a whole number >= 1");
  process.exit(2);
}
for (const s of OPT.systems) {
  if (!["parlor", "colyseus", "bgio", "floor"].includes(s)) {
    console.error(`unknown system ${s} (parlor, colyseus, bgio, floor)`);
    process.exit(2);
  }
}
if (!(OPT.games >= 1 && OPT.games <= 2000)) throw new Error("--games must be 1..2000");
if (!(OPT.duration > 0 && OPT.duration <= 120)) throw new Error("--duration must be 0..120 s");
if (OPT.rates.length === 0 || OPT.rates.length > 50) throw new Error("--rates: 1..50 rates");

// The client libraries run as they would in a production build (boardgame.io's client skips
// its development-only checks and logging); the worker threads inherit this.
if (!process.env.NODE_ENV) process.env.NODE_ENV = "production";

const T_START = Date.now();
const DEADLINE = T_START + OPT.maxSeconds * 1000; // every loop below is bounded by this
const pastDeadline = () => Date.now() > DEADLINE;
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

const log = (...a) => console.error(`[${((Date.now() - T_START) / 1000).toFixed(1)}s]`, ...a);

// ---- /proc readings ------------------------------------------------------------------------

function procCpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime + stime, all threads
}
function procRssBytes(pid) {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)\s+kB/m);
  return m ? Number(m[1]) * 1024 : null;
}
/** Busy seconds per core (all but idle and iowait; steal counts as busy) of a cpuTicks() reading. */
function busySeconds(ticks) {
  return ticks.map((t) => (t ? t.busy / CLK_TCK : 0));
}
function driverCpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Waits (at most --quiet-wait seconds) until processes other than the server and this driver
 * use less than --quiet-level cores on the two pinned cores, sampled over 0.5 s.
 * Resolves {waited_s, other_load} (the last sample).
 */
async function waitQuiet(serverPid) {
  if (!(OPT.quietWait > 0) || !OPT.pin) return null;
  const t0 = Date.now();
  const cores = [OPT.serverCore, OPT.driverCore];
  let other = null;
  while (!pastDeadline()) {
    const b0 = busySeconds(cpuTicks());
    const own0 = procCpuSeconds(serverPid) + driverCpuSeconds();
    const w0 = performance.now();
    await sleep(500);
    const b1 = busySeconds(cpuTicks());
    const own = procCpuSeconds(serverPid) + driverCpuSeconds() - own0;
    const wall = (performance.now() - w0) / 1000;
    other = Math.max(0, cores.reduce((a, c) => a + (b1[c] - b0[c]), 0) - own) / wall;
    if (other < OPT.quietLevel || Date.now() - t0 > OPT.quietWait * 1000) break;
  }
  return { waited_s: (Date.now() - t0) / 1000, other_load: Math.round(other * 100) / 100 };
}

// ---- percentiles ---------------------------------------------------------------------------

function summary(samples) {
  if (samples.length === 0) return { n: 0, p50: null, p90: null, p99: null, p999: null, max: null };
  const a = Float64Array.from(samples).sort();
  const q = (p) => a[Math.min(a.length - 1, Math.max(0, Math.ceil((p / 100) * a.length) - 1))];
  const r = (x) => Math.round(x);
  return { n: a.length, p50: r(q(50)), p90: r(q(90)), p99: r(q(99)), p999: r(q(99.9)), max: r(a[a.length - 1]) };
}

// ---- servers -------------------------------------------------------------------------------

const liveProcs = new Set();
const tempDirs = new Set();
process.on("exit", () => {
  for (const p of liveProcs) {
    try { p.kill("SIGKILL"); } catch { /* gone */ }
  }
  for (const d of tempDirs) {
    try { rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ }
  }
});
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    log(`${sig}: stopping servers`);
    process.exit(130);
  });
}

/**
 * Starts `cmd args` pinned to the server core (taskset execs it, so the pid is the server's).
 * Resolves {proc, pid, port, output()} once a "listening on HOST:PORT" line that is not the
 * cluster listener appears.
 */
function startServer(name, cmd, cmdArgs, { cwd, env } = {}) {
  const argv = OPT.pin ? ["taskset", ["-c", String(OPT.serverCore), cmd, ...cmdArgs]] : [cmd, cmdArgs];
  const proc = spawn(argv[0], argv[1], {
    cwd: cwd || HERE,
    env: { ...process.env, ...(env || {}) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  liveProcs.add(proc);
  let out = "";
  const exited = new Promise((resolve) => proc.on("exit", (code, signal) => {
    liveProcs.delete(proc);
    resolve({ code, signal });
  }));
  return within(20000, new Promise((resolve, reject) => {
    let started = false;
    const check = () => {
      if (started) return;
      const lines = out.split("\n").filter((l) => /listening on [^\s]*:\d+/.test(l) && !/cluster/i.test(l));
      if (lines.length) {
        const port = Number(lines[0].match(/listening on [^\s]*:(\d+)/)[1]);
        started = true;
        resolve({ name, proc, pid: proc.pid, port, exited, output: () => out });
      }
    };
    const onData = (d) => {
      out += d;
      if (out.length > 65536) out = out.slice(-32768); // keep the tail only
      check();
    };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", onData);
    proc.on("error", reject);
    exited.then((info) => reject(new Error(`${name} exited during startup (${JSON.stringify(info)}):\n${out}`)));
  }), `${name} start`).catch((err) => {
    proc.kill("SIGKILL");
    throw err;
  });
}

async function stopServer(srv) {
  if (!srv || srv.proc.exitCode !== null || srv.proc.signalCode !== null) return;
  srv.proc.kill("SIGTERM");
  const r = await Promise.race([srv.exited, sleep(5000).then(() => null)]);
  if (r === null) {
    srv.proc.kill("SIGKILL");
    await Promise.race([srv.exited, sleep(2000)]);
  }
}

// ---- servers of the three systems ----------------------------------------------------------
//
// start() starts the server and resolves {srv, info}; `info` is what the clients need to
// connect (players.mjs). cleanup() runs after the server stopped.

const SERVERS = {
  parlor: () => {
    let dataDir = null;
    return {
      async start() {
        if (!existsSync(OPT.parlorBin)) throw new Error(`parlor-node not found at ${OPT.parlorBin} (--parlor-bin)`);
        dataDir = await mkdtemp(path.join(OPT.parlorDataBase, "parlor-peers-"));
        tempDirs.add(dataDir);
        const srv = await startServer("parlor", OPT.parlorBin, [
          "--name=peers", "--http-host=127.0.0.1", "--http-port=0", "--cluster-host=127.0.0.1",
          "--cluster-port=0", `--data-dir=${dataDir}`, "--cluster-secret=bench",
          `--threads=${OPT.parlorThreads}`,
          "--socket-rate=0", // the driver's sockets move faster than a player may
          "--create-rate=0", // and create games faster
          "--max-connections-per-address=0", // from one address
          // The peers keep games in memory: Parlor in its cheapest durable mode, no sync
          // per commit (the default --sync=full's cost: bench/move_rtt.mjs).
          "--sync=normal",
        ], { cwd: REPO });
        for (let i = 0; ; i++) { // ready once /healthz answers
          try {
            const r = await fetch(`http://127.0.0.1:${srv.port}/healthz`, { signal: AbortSignal.timeout(1000) });
            if (r.status === 200) break;
          } catch { /* not yet */ }
          if (i === 100) {
            await stopServer(srv);
            throw new Error("parlor-node started but /healthz never said ok");
          }
          await sleep(50);
        }
        return { srv, info: { port: srv.port } };
      },
      async cleanup() {
        if (dataDir) await rm(dataDir, { recursive: true, force: true }).catch(() => {});
        tempDirs.delete(dataDir);
      },
    };
  },
  // The raw stack's floor: parlor-echo relaying each move frame (players.mjs, floorClient).
  floor: () => ({
    async start() {
      if (!existsSync(OPT.echoBin)) throw new Error(`parlor-echo not found at ${OPT.echoBin} (--echo-bin)`);
      const srv = await startServer("floor", OPT.echoBin, ["--host=127.0.0.1", "--port=0"], { cwd: REPO });
      return { srv, info: { port: srv.port } };
    },
    async cleanup() {},
  }),
  colyseus: () => nodeServer("colyseus", "colyseus-server.mjs"),
  bgio: () => nodeServer("bgio", "bgio-server.mjs"),
};

/** A JS peer server: `script` run by the local Node 22, started the same way for both. */
function nodeServer(name, script) {
  return {
    async start() {
      if (!existsSync(NODE22)) throw new Error(`${NODE22} missing: run npm ci in bench/peers`);
      const srv = await startServer(name, NODE22, [path.join(HERE, script), "--port=0"],
        { env: { NODE_ENV: "production" } });
      return { srv, info: { endpoint: `http://127.0.0.1:${srv.port}` } };
    },
    async cleanup() {},
  };
}

// ---- driver workers ------------------------------------------------------------------------

/** Starts W worker threads (players.mjs) sharing the G games; resolves with a pool. */
async function startWorkers(name, info) {
  const W = Math.min(OPT.workers, OPT.games);
  const workers = [];
  let first = 0;
  for (let w = 0; w < W; w++) {
    const games = Math.floor(OPT.games / W) + (w < OPT.games % W ? 1 : 0);
    const worker = new Worker(new URL("./players.mjs", import.meta.url), {
      workerData: { system: name, info, games, firstGame: first, seed: OPT.seed + w, moveTimeoutMs: OPT.moveTimeoutMs },
    });
    first += games;
    const pending = new Map();
    let nextId = 1;
    let dead = null;
    const ready = new Promise((resolve, reject) => {
      worker.on("message", (m) => {
        if (m.id === 0) return resolve();
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        if (m.ok) p.resolve(m);
        else p.reject(new Error(`worker ${w}: ${m.error}`));
      });
      const fail = (e) => {
        dead = e;
        reject(e);
        for (const p of pending.values()) p.reject(e);
        pending.clear();
      };
      worker.on("error", fail);
      worker.on("exit", (code) => fail(new Error(`worker ${w} exited (${code})`)));
    });
    const call = (msg, ms) => {
      if (dead) return Promise.reject(dead);
      const id = nextId++;
      const p = new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
      worker.postMessage({ ...msg, id });
      return within(ms, p, `worker ${w} ${msg.cmd}`);
    };
    workers.push({ worker, games, ready, call });
  }
  await within(20000, Promise.all(workers.map((w) => w.ready)), "workers start");
  return {
    /** Sends `msg` to every worker (with its share of `rate` if given); resolves all answers. */
    all(msg, ms) {
      return Promise.all(workers.map((w) => w.call(msg.rate ? { ...msg, rate: (msg.rate * w.games) / OPT.games } : msg, ms)));
    },
    async stop() {
      await Promise.all(workers.map((w) => w.worker.terminate().catch(() => {})));
    },
  };
}

async function runSystem(name) {
  const result = {
    server: null, ws_extensions: null, rss_idle: null, rss_open: null, rss_per_game: null, open_s: null,
    restart: null, idle_core_util: null, steps: [], max_sustained: null, stopped: null,
  };
  let srv = null;
  let server = null;
  let pool = null;
  try {
    server = SERVERS[name]();
    log(`${name}: starting server`);
    const started = await server.start();
    srv = started.srv;
    result.server = { pid: srv.pid, port: srv.port, comm: readFileSync(`/proc/${srv.pid}/comm`, "utf8").trim() };
    try {
      result.server.affinity = execFileSync("taskset", ["-cp", String(srv.pid)]).toString().trim().split(": ").pop();
    } catch { /* no taskset */ }
    pool = await startWorkers(name, started.info);
    await sleep(500);
    result.rss_idle = procRssBytes(srv.pid);

    // Open G games (each worker its share).
    const tOpen = performance.now();
    const opened = await pool.all({ cmd: "open" }, 120000);
    result.open_s = (performance.now() - tOpen) / 1000;
    result.ws_extensions = opened[0].extensions;
    await sleep(500);
    result.rss_open = procRssBytes(srv.pid);
    result.rss_per_game = Math.round((result.rss_open - result.rss_idle) / OPT.games);
    log(`${name}: ${OPT.games} games open in ${result.open_s.toFixed(2)} s; RSS idle ${(result.rss_idle / 1048576).toFixed(1)} MiB, with games ${(result.rss_open / 1048576).toFixed(1)} MiB`);

    // Idle: G games open, nobody moving. This fixed cost is inside the per-move CPU figures.
    {
      const c0 = procCpuSeconds(srv.pid);
      const w0 = performance.now();
      await sleep(2000);
      result.idle_core_util = (procCpuSeconds(srv.pid) - c0) / ((performance.now() - w0) / 1000);
    }

    // Warm-up (not recorded) at the first rate.
    if (OPT.warmup > 0) {
      await pool.all({ cmd: "step", rate: OPT.rates[0], duration: OPT.warmup, record: false, at: Date.now() + 50 }, (OPT.warmup + 30) * 1000);
    }

    // The CPU cost of replacing a game (after the warm-up, so JIT compilation is not in it):
    // every game replaced once, one after the other (in each worker), in rounds until the
    // server used enough CPU to measure (/proc counts in clock ticks of 1/CLK_TCK s); the idle
    // cost over that time is taken off.
    {
      const c0 = procCpuSeconds(srv.pid);
      const w0 = performance.now();
      let rounds = 0;
      let errors = 0;
      while (rounds < 20 && !pastDeadline()) {
        const res = await pool.all({ cmd: "restartAll" }, 120000);
        errors += res.reduce((a, r) => a + r.errors, 0);
        rounds += 1;
        if (procCpuSeconds(srv.pid) - c0 >= 0.5 || performance.now() - w0 > 10000) break;
      }
      const wall = (performance.now() - w0) / 1000;
      const cpu = procCpuSeconds(srv.pid) - c0;
      const n = rounds * OPT.games;
      const net = Math.max(0, cpu - result.idle_core_util * wall);
      result.restart = { games: n, rounds, wall_s: wall, cpu_s: cpu, cpu_ms_per_game: (net / n) * 1000, errors };
    }

    for (const rate of OPT.rates) {
      // The step, the wait for a quiet machine and the drain must all fit.
      if (Date.now() + (OPT.duration + OPT.quietWait + OPT.moveTimeoutMs / 1000 + 5) * 1000 > DEADLINE) {
        result.stopped = result.stopped ? `${result.stopped}; deadline` : "deadline";
        break;
      }
      // One attempt at the step; a step the host disturbed (more than --steal-limit % of the
      // server's or the driver's core stolen) is measured again, up to --steal-tries attempts
      // in all, and the attempt with the least steal is kept whatever its numbers.
      const measure = async () => {
        const quiet = await waitQuiet(srv.pid);
        const cpu0 = procCpuSeconds(srv.pid);
        const drv0 = driverCpuSeconds();
        const ticks0 = cpuTicks();
        const w0 = performance.now();
        const res = await pool.all({ cmd: "step", rate, duration: OPT.duration, record: true, at: Date.now() + 20 },
          (OPT.duration + OPT.moveTimeoutMs / 1000 + 60) * 1000);
        const wall = (performance.now() - w0) / 1000;
        const cpu = procCpuSeconds(srv.pid) - cpu0;
        const drv = driverCpuSeconds() - drv0;
        const ticks1 = cpuTicks();
        const [cores0, cores1] = [busySeconds(ticks0), busySeconds(ticks1)];
        const sum = (k) => res.reduce((a, r) => a + r[k], 0);
        const cat = (k) => {
          const out = new Float64Array(res.reduce((a, r) => a + r[k].length, 0));
          let o = 0;
          for (const r of res) { out.set(r[k], o); o += r[k].length; }
          return out;
        };
        const errorReasons = {};
        for (const r of res) for (const [k, v] of Object.entries(r.error_reasons)) errorReasons[k] = (errorReasons[k] || 0) + v;
        const moves = sum("moves");
        const completed = sum("completed");
        const restarts = sum("restarts");
        const errors = sum("errors");
        const ack = summary(cat("ack"));
        const opp = summary(cat("opp"));
        // Over the window the workers really sent in (longer than --duration if they lagged).
        const achieved = moves / Math.max(OPT.duration, ...res.map((r) => r.window_s));
        const step = {
          rate,
          achieved: Math.round(achieved * 10) / 10,
          moves,
          completed,
          skipped: sum("skipped"),
          errors,
          error_reasons: errorReasons,
          restarts,
          ack,
          opponent: opp,
          server_cpu_s: cpu,
          cpu_s_per_1000: completed ? (cpu / completed) * 1000 : null,
          cpu_s_per_1000_excl_restarts: completed && result.restart
            ? (Math.max(0, cpu - (restarts * result.restart.cpu_ms_per_game) / 1000) / completed) * 1000 : null,
          server_core_util: cpu / wall,
          driver_core_util: drv / wall,
          wall_s: wall,
          sched_lag_us: summary(cat("lags")),
          driver_gc: {
            count: res.reduce((a, r) => a + r.gc.count, 0),
            total_ms: Math.round(res.reduce((a, r) => a + r.gc.total_ms, 0) * 10) / 10,
            max_ms: Math.round(Math.max(...res.map((r) => r.gc.max_ms)) * 10) / 10,
          },
          rss_end: procRssBytes(srv.pid),
          loadavg: os.loadavg(),
          steal_pct: stealPct(ticks0, ticks1),
          quiet_wait: quiet,
        };
        if (OPT.pin) {
          // Busy time of the two cores not explained by the server / the driver (other load).
          const sc = OPT.serverCore;
          const dc = OPT.driverCore;
          step.other_load_server_core = Math.max(0, (cores1[sc] - cores0[sc]) - cpu) / wall;
          step.other_load_driver_core = Math.max(0, (cores1[dc] - cores0[dc]) - drv) / wall;
        }
        return { step, achieved, ack, opp, errors, quiet };
      };
      const kept = await leastDisturbed(async () => {
        const m = await measure();
        m.steal_pct = m.step.steal_pct;
        return m;
      }, {
        limit: OPT.stealLimit, tries: OPT.stealTries, cores: watchedCores(),
        more: () => Date.now() + (OPT.duration + OPT.quietWait + OPT.moveTimeoutMs / 1000 + 5) * 1000 <= DEADLINE,
        summarize: (a) => ({ steal_pct: a.step.steal_pct, achieved: a.step.achieved, opponent: a.step.opponent,
          cpu_s_per_1000: a.step.cpu_s_per_1000 }),
        onRetry: (a) => log(`${name} @${rate}/s: host steal ${a.step.steal_pct.join(" / ")} % > ${OPT.stealLimit} %: measuring again`),
      });
      const { step, achieved, ack, opp, errors, quiet } = kept;
      if (kept.disturbed) step.disturbed = kept.disturbed;
      // A step that misses while the host still took more than --steal-limit % of a pinned core
      // in its least disturbed attempt is not judged (sustained: null): its tail and rate
      // measure the host as much as the server. A step that passes anyway counts.
      const judged = judgeStep({ rate, achieved, p50: opp.p50, p99: opp.p99, errors, stealLimit: OPT.stealLimit,
        stolen: worstSteal(step.steal_pct, watchedCores()) });
      const why = judged.why;
      step.sustained = judged.sustained;
      step.fail_reasons = why;
      if (judged.notJudged) step.not_judged = judged.notJudged;
      result.steps.push(step);
      log(`${name} @${rate}/s: achieved ${step.achieved}, ack p50/p99 ${ack.p50}/${ack.p99} us, opp p50/p99 ${opp.p50}/${opp.p99} us, ` +
        `cpu ${step.cpu_s_per_1000 == null ? "-" : step.cpu_s_per_1000.toFixed(3)} s/1000, skipped ${step.skipped}, errors ${errors}, ` +
        `driver gc max ${step.driver_gc.max_ms} ms, ` +
        `other load ${step.other_load_server_core == null ? "-" : `${step.other_load_server_core.toFixed(2)}/${step.other_load_driver_core.toFixed(2)}`}` +
        `${quiet ? ` (waited ${quiet.waited_s.toFixed(1)} s)` : ""}` +
        `${why.length ? ` -> ${step.sustained === null ? `NOT JUDGED (${step.not_judged}; ` : "FAIL ("}${why.join("; ")})` : ""}`);
      if (step.sustained) {
        if (!result.stopped) result.max_sustained = rate;
        result.max_sustained_any = Math.max(result.max_sustained_any || 0, rate);
      } else if (step.sustained === null) {
        result.not_judged = [...(result.not_judged ?? []), rate];
      } else if (!result.stopped) {
        result.stopped = `first failing step at ${rate}/s`;
        if (!OPT.keepGoing) break;
      }
      // Past saturation there is nothing more to learn.
      if (OPT.keepGoing && achieved < 0.5 * rate) break;
    }
  } catch (e) {
    result.error = e.message;
    if (srv && (srv.proc.exitCode !== null || srv.proc.signalCode !== null)) {
      result.error = `server exited (code ${srv.proc.exitCode}, signal ${srv.proc.signalCode}): ${e.message}`;
    }
    log(`${name}: ${e.stack || e.message}`);
    if (srv) log(`${name} server output:\n${srv.output().slice(-3000)}`);
  } finally {
    if (pool) {
      await pool.all({ cmd: "close" }, 15000).catch(() => {});
      await pool.stop();
    }
    if (srv) result.server_output_tail = srv.output().slice(-1500);
    await stopServer(srv);
    if (server) await server.cleanup();
  }
  return result;
}

// ---- main ----------------------------------------------------------------------------------

function pkgVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(HERE, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

function machine() {
  const cpus = os.cpus();
  let node22 = null;
  try { node22 = execFileSync(NODE22, ["--version"]).toString().trim(); } catch { /* missing */ }
  const binInfo = (file) => {
    try {
      const st = statSync(file);
      return { path: file, bytes: st.size, mtime: st.mtime.toISOString() };
    } catch {
      return null; // missing
    }
  };
  const parlorBin = binInfo(OPT.parlorBin);
  const echoBin = binInfo(OPT.echoBin);
  return {
    cores: cpus.length,
    cpu_model: cpus[0] && cpus[0].model,
    mem_bytes: os.totalmem(),
    kernel: `${os.type()} ${os.release()}`,
    loadavg_at_start: os.loadavg(),
    node: { driver: process.version, servers: node22 },
    // Which WebSocket the Colyseus SDK picks in the driver: the global one (Node >= 22, undici)
    // if there is one, else the `ws` package (which phoenix and socket.io-client use here).
    colyseus_sdk_websocket: globalThis.WebSocket ? "global WebSocket (undici)" : "ws",
    packages: Object.fromEntries(["@colyseus/core", "@colyseus/ws-transport", "@colyseus/schema", "@colyseus/sdk",
      "boardgame.io", "socket.io", "socket.io-client", "phoenix", "ws", "node"].map((n) => [n, pkgVersion(n)])),
    parlor_bin: parlorBin,
    echo_bin: echoBin,
  };
}

const fmtUs = (v) => (v == null ? "-" : v >= 10000 ? `${(v / 1000).toFixed(1)}ms` : `${v}`);

function printTable(out) {
  const rows = [["system", "rate", "achieved", "skipped", "err", "ack p50", "p99", "p999", "opp p50", "p99", "p999", "cpu s/1k", "srv core", "drv core", "drv gc", "ok"]];
  for (const [name, r] of Object.entries(out.systems)) {
    for (const s of r.steps) {
      rows.push([name, String(s.rate), String(s.achieved), String(s.skipped), String(s.errors),
        fmtUs(s.ack.p50), fmtUs(s.ack.p99), fmtUs(s.ack.p999), fmtUs(s.opponent.p50), fmtUs(s.opponent.p99), fmtUs(s.opponent.p999),
        s.cpu_s_per_1000 == null ? "-" : s.cpu_s_per_1000.toFixed(3),
        `${Math.round(s.server_core_util * 100)}%`, `${Math.round(s.driver_core_util * 100)}%`,
        `${Math.round(s.driver_gc.max_ms)}ms`, s.sustained ? "yes" : s.sustained === null ? "host" : "NO"]);
    }
  }
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(`\nlatency in microseconds (mover->ack, mover->opponent), G=${out.params.games} games, ${out.params.duration} s per rate;` +
    " cpu s/1k = server CPU seconds per 1,000 moves; srv/drv core = share of the pinned core used; drv gc = longest driver GC pause");
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  "));
  console.log("");
  for (const [name, r] of Object.entries(out.systems)) {
    const mib = (b) => (b == null ? "-" : `${(b / 1048576).toFixed(1)} MiB`);
    console.log(`${name.padEnd(9)} max sustained ${r.max_sustained == null ? "none" : `${r.max_sustained}/s`}` +
      `${out.params.keepGoing ? ` (any step: ${r.max_sustained_any ? `${r.max_sustained_any}/s` : "none"})` : ""}` +
      `  RSS idle ${mib(r.rss_idle)}, with ${out.params.games} games ${mib(r.rss_open)}, per game ${r.rss_per_game == null ? "-" : `${(r.rss_per_game / 1024).toFixed(1)} KiB`}` +
      `  new game ${r.restart ? `${r.restart.cpu_ms_per_game.toFixed(2)} ms CPU` : "-"}` +
      `  idle ${r.idle_core_util == null ? "-" : `${(r.idle_core_util * 100).toFixed(1)}% core`}` +
      `${r.not_judged ? `  (not judged, host disturbed: ${r.not_judged.map((x) => `${x}/s`).join(", ")})` : ""}` +
      `${r.stopped ? `  (${r.stopped})` : ""}${r.error ? `  ERROR ${r.error}` : ""}`);
  }
}

if (OPT.pin) {
  if (os.cpus().length < 2) {
    log("fewer than 2 cores: not pinning");
    OPT.pin = false;
  } else {
    execFileSync("taskset", ["-acp", String(OPT.driverCore), String(process.pid)], { stdio: "ignore" });
  }
}

const out = {
  machine: machine(),
  params: { ...OPT, clk_tck: CLK_TCK, node_env: process.env.NODE_ENV, started: new Date(T_START).toISOString() },
  systems: {},
};
for (const name of OPT.systems) {
  if (pastDeadline()) break;
  out.systems[name] = await runSystem(name);
  await sleep(500);
}
out.params.finished = new Date().toISOString();
out.params.total_s = (Date.now() - T_START) / 1000;
printTable(out);
if (OPT.out) {
  await writeFile(OPT.out, JSON.stringify(out, null, 2) + "\n");
  log(`wrote ${OPT.out}`);
}
process.exit(0);
