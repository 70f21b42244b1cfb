// Starts real parlor-node processes for the integration and e2e tests.
//
//   const node = await startNode({ name: "it-a", region: "fra" });
//   node.url    -> "http://127.0.0.1:PORT"      node.wsUrl -> "ws://127.0.0.1:PORT/socket/websocket"
//   await node.stop()  -> {code, signal}         (SIGTERM, then SIGKILL after a grace period)
//   node.kill()                                   (SIGKILL)
//   node.logs()        -> everything the node printed so far (stdout and stderr, interleaved)
//
// The binary is $PARLOR_NODE_BIN (ctest sets it), else <repo>/build/bin/parlor-node. Every node
// gets a fresh temporary data directory, removed after it exits. withNode() wraps a test body:
// it starts the node, prints the node's output when the body fails, and always stops the node.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const NODE_BIN = process.env.PARLOR_NODE_BIN || path.join(REPO_ROOT, "build/bin/parlor-node");
export const CLUSTER_SECRET = "parlor-integration-secret";

const START_TIMEOUT_MS = 15000;
const STOP_TIMEOUT_MS = 10000;
const LISTENING_RE = /listening on [^\s]*:(\d+)/;

let counter = 0;
const live = new Set();

// Never leave a node behind, even when a test times out or the runner exits early.
process.on("exit", () => {
  for (const proc of live) {
    try { proc.kill("SIGKILL"); } catch { /* already gone */ }
  }
});

/**
 * Starts a node and resolves once it logged its HTTP port and /healthz answers "ok".
 * opts: name, region, secret, seeds ("h:p,h:p"), httpPort (default 0), clusterPort (default 0),
 *       dataDir (reuse a directory, e.g. for restart tests; then it is not removed),
 *       args (extra flags), env (extra environment), waitHealthy (default true).
 */
export async function startNode(opts = {}) {
  counter += 1;
  const name = opts.name || `it-${process.pid}-${counter}`;
  const region = opts.region || "test";
  const ownDataDir = !opts.dataDir;
  const dataDir = opts.dataDir || (await mkdtemp(path.join(tmpdir(), "parlor-it-")));
  const args = [
    "--http-host=127.0.0.1",
    `--http-port=${opts.httpPort ?? 0}`,
    "--cluster-host=127.0.0.1",
    `--cluster-port=${opts.clusterPort ?? 0}`,
    `--data-dir=${dataDir}`,
    `--cluster-secret=${opts.secret || CLUSTER_SECRET}`,
    `--name=${name}`,
    `--region=${region}`,
    ...(opts.seeds ? [`--seeds=${opts.seeds}`] : []),
    ...(opts.args || []),
  ];

  // `opts.prefix`: a command that runs the node, e.g. ["prlimit", "--nofile=40:40"].
  const [command, ...commandArgs] = [...(opts.prefix || []), NODE_BIN, ...args];
  const proc = spawn(command, commandArgs, {
    cwd: opts.cwd || REPO_ROOT,
    env: { ...process.env, ...(opts.env || {}) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(proc);

  let output = "";
  const lineWaiters = new Set();
  const onData = (chunk) => {
    output += chunk.toString("utf8");
    for (const waiter of lineWaiters) waiter();
  };
  proc.stdout.on("data", onData);
  proc.stderr.on("data", onData);

  const exited = new Promise((resolve) => {
    proc.on("exit", (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
  });
  const spawnError = new Promise((resolve) => proc.on("error", resolve));
  let exitInfo = null;
  exited.then((info) => { exitInfo = info; });

  const logs = () => output;
  const describe = () =>
    `parlor-node ${name} (${NODE_BIN} ${args.join(" ")})\n--- node output ---\n${output}--- end ---`;

  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true }).catch(() => {});
  };

  const kill = () => {
    if (exitInfo === null) proc.kill("SIGKILL");
    return exited;
  };

  const stop = async ({ signal = "SIGTERM", timeoutMs = STOP_TIMEOUT_MS } = {}) => {
    if (exitInfo === null) {
      proc.kill(signal);
      if ((await raceTimeout(exited, timeoutMs)) === TIMED_OUT) {
        proc.kill("SIGKILL");
        await exited;
        await cleanup();
        throw new Error(`node did not exit within ${timeoutMs} ms of ${signal}\n${describe()}`);
      }
    }
    const info = await exited;
    await cleanup();
    return info;
  };

  // Wait for "listening on HOST:PORT". A cluster listener may log the same way: prefer a line
  // that does not mention the cluster, then confirm the port by asking /healthz.
  const deadline = Date.now() + START_TIMEOUT_MS;
  let port = null;
  try {
    port = await new Promise((resolve, reject) => {
      const check = () => {
        const lines = output.split("\n").filter((l) => LISTENING_RE.test(l));
        const http = lines.find((l) => /http/i.test(l)) || lines.find((l) => !/cluster/i.test(l)) || null;
        if (http) {
          finish();
          resolve(Number(http.match(LISTENING_RE)[1]));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`node did not log "listening on HOST:PORT" within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      const finish = () => {
        clearTimeout(timer);
        lineWaiters.delete(check);
      };
      lineWaiters.add(check);
      exited.then((info) => {
        finish();
        reject(new Error(`node exited during startup (code ${info.code}, signal ${info.signal})`));
      });
      spawnError.then((err) => {
        finish();
        reject(new Error(`cannot start ${NODE_BIN}: ${err.message}`));
      });
      check();
    });
    if (opts.waitHealthy !== false) await waitHealthy(port, deadline, () => exitInfo);
  } catch (err) {
    if (exitInfo === null) proc.kill("SIGKILL");
    await raceTimeout(exited, 2000);
    await cleanup();
    err.message = `${err.message}\n${describe()}`;
    throw err;
  }

  // The node-to-node endpoint, logged before the HTTP line ("cluster endpoint HOST:PORT").
  const clusterMatch = output.match(/cluster endpoint ([^\s]+):(\d+)/);
  const clusterPort = clusterMatch ? Number(clusterMatch[2]) : null;

  return {
    name,
    region,
    dataDir,
    port,
    clusterPort,
    clusterAddr: clusterPort ? `127.0.0.1:${clusterPort}` : null,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/socket/websocket`,
    socketUrl: `ws://127.0.0.1:${port}/socket`, // what the phoenix client takes
    proc,
    exited,
    logs,
    describe,
    stop,
    kill,
  };
}

async function waitHealthy(port, deadline, exitInfo) {
  let last = "no answer";
  while (Date.now() < deadline) {
    if (exitInfo()) throw new Error("node exited before /healthz answered ok");
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, {
        signal: AbortSignal.timeout(1000),
      });
      const body = await res.text();
      if (res.status === 200 && body.trim() === "ok") return;
      last = `${res.status} ${JSON.stringify(body.slice(0, 100))}`;
    } catch (err) {
      last = err.message;
    }
    await delay(50);
  }
  throw new Error(`/healthz on port ${port} did not answer 200 "ok" in time (last: ${last})`);
}

/**
 * Runs `body(node)` against a fresh node; prints the node's output if `body` throws, and always
 * stops the node (a node that does not exit on SIGTERM is reported on stderr, not failed here;
 * http.test.mjs checks clean shutdown).
 */
export async function withNode(opts, body) {
  const node = await startNode(opts);
  try {
    return await body(node);
  } catch (err) {
    console.error(`test failed; output of ${node.describe()}`);
    throw err;
  } finally {
    try {
      const info = await node.stop();
      if (info.code !== 0) {
        console.error(`warning: ${node.name} exited with code ${info.code} signal ${info.signal}`);
      }
    } catch (err) {
      console.error(`warning: ${err.message}`);
    }
  }
}

const TIMED_OUT = Symbol("timed out");

/** Resolves with `promise`'s value, or with TIMED_OUT after `ms` (the timer is cleared). */
function raceTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(resolve, ms, TIMED_OUT); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs parlor-node on `dataDir` when it is expected to refuse to start; resolves with
 * {exit: {code, signal}, stderr} (code "timeout" if it still ran after 10 s, then killed).
 */
export async function refusedStart(dataDir) {
  const proc = spawn(NODE_BIN, [`--data-dir=${dataDir}`, `--cluster-secret=${CLUSTER_SECRET}`,
    "--http-host=127.0.0.1", "--http-port=0", "--cluster-host=127.0.0.1", "--cluster-port=0"],
  { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => { stderr += d; });
  const exit = await Promise.race([
    new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal }))),
    delay(10000).then(() => { proc.kill("SIGKILL"); return { code: "timeout" }; }),
  ]);
  return { exit, stderr };
}

export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves `promise`, or rejects after `ms` with an error naming `what`. */
export function within(ms, promise, what = "operation") {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
