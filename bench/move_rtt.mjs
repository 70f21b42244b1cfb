// Move round trip, gateway and GameServer on the same node vs on different nodes.
//
//   node bench/move_rtt.mjs [--moves=2000] [--bin=build/bin/parlor-node] [--sync=full|normal]
//                           [--flood=N] [--tls] [--json]
//
// Starts two parlor-node processes on loopback (a, b; b seeded with a). Games are
// always created on a, so a hosts them. "same": both players connect to a.
// "cross": both players connect to b, so every move crosses the a-b link twice
// (request and reply) and every broadcast once. Each move is sent only after the
// previous reply arrived; the time from send to reply is one sample. Prints
// median, p90, p99 for each, and the cross/same ratio of the medians.
//
// A third, standalone node (no peers, so no backup copy) gives "alone": the
// cost of durability on a second node is "same node" minus "alone".
//
// --tls: a and b link with mutual TLS (certificates from `parlorctl gen-certs`, next to --bin).
//
// --flood=N adds a node with the default --socket-rate (50 frames/s per socket): moves
// paced 25 ms apart (so the players stay under the limit) are measured first calm, then
// while N other sockets send heartbeats as fast as they can (contract §9: a flood from one
// socket does not delay other sockets' moves by more than a few milliseconds).
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import WebSocket from "ws";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const MOVES = Number(args.moves || 2000);
const BIN = args.bin || "build/bin/parlor-node";
const DEADLINE = Date.now() + 180_000; // the whole run is bounded

const FLOOD = Number(args.flood || 0);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let certs = null;
if (args.tls !== undefined) {
  certs = await mkdtemp(path.join(tmpdir(), "parlor-bench-certs-"));
  await promisify(execFile)(path.join(path.dirname(BIN), "parlorctl"), ["gen-certs", certs, "--nodes=2"]);
}
const tlsArgs = (n) => (certs ? [`--cluster-tls-cert=${certs}/node${n}.pem`,
  `--cluster-tls-key=${certs}/node${n}.key`, `--cluster-tls-ca=${certs}/ca.pem`] : []);

function startNode(name, seeds, limits = ["--socket-rate=0", "--create-rate=0"], extra = []) {
  return new Promise(async (resolve, reject) => {
    const dir = await mkdtemp(path.join(tmpdir(), "parlor-bench-"));
    const proc = spawn(BIN, [`--name=${name}`, ...extra, "--http-host=127.0.0.1", "--http-port=0",
      "--cluster-host=127.0.0.1", "--cluster-port=0", `--data-dir=${dir}`,
      "--cluster-secret=bench", ...limits, ...(args.sync ? [`--sync=${args.sync}`] : []),
      ...(seeds ? [`--seeds=${seeds}`] : [])],
      { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${out}`)), 15000);
    proc.stdout.on("data", (d) => {
      out += d;
      const http = out.match(/listening on [^\s]*:(\d+)/);
      const cluster = out.match(/cluster endpoint ([^\s]+)/);
      if (http && cluster) {
        clearTimeout(timer);
        resolve({ name, proc, dir, port: Number(http[1]), cluster: cluster[1] });
      }
    });
    proc.stderr.on("data", (d) => { out += d; });
  });
}

/** A raw Phoenix v2 client: call(topic, event, payload) resolves with the reply. */
function client(port, name, token) {
  const q = new URLSearchParams({ vsn: "2.0.0", name, ...(token ? { token } : {}) });
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket/websocket?${q}`);
  const pending = new Map();
  let ref = 0;
  ws.on("message", (data) => {
    const [, r, , event, payload] = JSON.parse(data);
    if (event === "phx_reply" && pending.has(r)) {
      pending.get(r)(payload);
      pending.delete(r);
    }
  });
  const call = (topic, event, payload = {}) => new Promise((resolve) => {
    const r = String(++ref);
    pending.set(r, resolve);
    ws.send(JSON.stringify(["1", r, topic, event, payload]));
  });
  return new Promise((resolve, reject) => {
    ws.on("open", () => resolve({ ws, call }));
    ws.on("error", reject);
  });
}

async function waitMesh(a, b) {
  for (;;) {
    const body = await (await fetch(`http://127.0.0.1:${a.port}/api/cluster`)).json();
    if (body.members.length === 2) return;
    if (Date.now() > DEADLINE) throw new Error("no mesh");
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function run(creatorNode, playNode, label, { moves = MOVES, gapMs = 0 } = {}) {
  const creator = await client(creatorNode.port, "alice");
  const lobby = await creator.call("lobby", "phx_join");
  const token = lobby.response.player.token;
  const alice = await client(playNode.port, "alice", token);
  const bob = await client(playNode.port, "bob");
  const samples = [];
  const script = [0, 3, 1, 4, 2]; // X wins on the fifth move
  while (samples.length < moves && Date.now() < DEADLINE) {
    const { response: { code } } = await creator.call("lobby", "create", { game: "tictactoe" });
    const topic = `game:${code}`;
    await alice.call(topic, "phx_join");
    await bob.call(topic, "phx_join");
    for (let i = 0; i < script.length; i++) {
      const who = i % 2 === 0 ? alice : bob;
      if (gapMs) await sleep(gapMs);
      const t0 = process.hrtime.bigint();
      const r = await who.call(topic, "move", { cell: script[i] });
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      if (r.status !== "ok") throw new Error(`${label}: move refused ${JSON.stringify(r)}`);
      samples.push(us);
    }
    await alice.call(topic, "phx_leave");
    await bob.call(topic, "phx_leave");
  }
  for (const c of [creator, alice, bob]) c.ws.close();
  samples.sort((x, y) => x - y);
  return { label, n: samples.length, median: pct(samples, 50), p90: pct(samples, 90), p99: pct(samples, 99) };
}

/**
 * Opens `n` sockets to `port` that send heartbeats as fast as the socket drains; returns
 * stop(), which resolves with what they sent and got back.
 */
async function flood(port, n) {
  const totals = { sent: 0, limited: 0, closed: [] };
  let running = true;
  const sockets = await Promise.all(Array.from({ length: n }, async (_, k) => {
    const c = await client(port, `flood${k}`);
    c.ws.on("message", (data) => {
      if (String(data).includes("rate_limited")) totals.limited += 1;
    });
    c.ws.on("close", (code) => totals.closed.push(code));
    let ref = 0;
    const pump = () => {
      if (!running || c.ws.readyState !== WebSocket.OPEN) return;
      if (c.ws.bufferedAmount < 1 << 20) {
        for (let i = 0; i < 200; i++) {
          c.ws.send(JSON.stringify([null, `f${++ref}`, "phoenix", "heartbeat", {}]));
          totals.sent += 1;
        }
      }
      setImmediate(pump);
    };
    pump();
    return c;
  }));
  return async () => {
    running = false;
    for (const c of sockets) c.ws.close();
    await sleep(200);
    return totals;
  };
}

const a = await startNode("bench-a", null, undefined, tlsArgs(1));
const b = await startNode("bench-b", a.cluster, undefined, tlsArgs(2));
const solo = await startNode("bench-solo");
const nodes = [a, b, solo];
try {
  await waitMesh(a, b);
  await run(a, a, "warm-up"); // JIT and connection warm-up, not reported
  await run(solo, solo, "warm-up");
  const alone = await run(solo, solo, "alone");
  const same = await run(a, a, "same node");
  const cross = await run(a, b, "cross node");
  console.log(`move round trip, ${MOVES} moves each (microseconds)`);
  for (const r of [alone, same, cross])
    console.log(`${r.label.padEnd(11)} n=${r.n}  median ${r.median.toFixed(0)}  p90 ${r.p90.toFixed(0)}  p99 ${r.p99.toFixed(0)}`);
  console.log(`backup copy: same - alone median ${(same.median - alone.median).toFixed(0)} us, ratio ${(same.median / alone.median).toFixed(2)}`);
  console.log(`cross/same median ratio ${(cross.median / same.median).toFixed(2)}`);
  let floodResult = null;
  if (FLOOD > 0) {
    const guarded = await startNode("bench-guarded", null, ["--create-rate=0"]);
    nodes.push(guarded);
    const paced = { moves: Math.min(MOVES, 400), gapMs: 25 };
    await run(guarded, guarded, "warm-up", { moves: 50, gapMs: 25 });
    const calm = await run(guarded, guarded, "paced", paced);
    const stop = await flood(guarded.port, FLOOD);
    const flooded = await run(guarded, guarded, `paced, ${FLOOD} flooding`, paced);
    const f = await stop();
    floodResult = { calm, flooded, flood: f };
    console.log(`with the rate limit, moves 25 ms apart (microseconds):`);
    for (const r of [calm, flooded])
      console.log(`${r.label.padEnd(20)} n=${r.n}  median ${r.median.toFixed(0)}  p90 ${r.p90.toFixed(0)}  p99 ${r.p99.toFixed(0)}`);
    console.log(`flooders sent ${f.sent} frames, ${f.limited} answered rate_limited, closed with ${JSON.stringify(f.closed)}`);
    console.log(`flooded - calm: median ${(flooded.median - calm.median).toFixed(0)} us, p99 ${(flooded.p99 - calm.p99).toFixed(0)} us`);
  }
  if ("json" in args) console.log(JSON.stringify({ alone, same, cross, flood: floodResult }));
} finally {
  for (const n of nodes) n.proc.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 300));
  for (const n of nodes) await rm(n.dir, { recursive: true, force: true });
  if (certs) await rm(certs, { recursive: true, force: true });
}
