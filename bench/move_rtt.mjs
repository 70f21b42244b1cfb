// Move round trip, gateway and GameServer on the same node vs on different nodes.
//
//   node bench/move_rtt.mjs [--moves=2000] [--bin=build/bin/parlor-node] [--json]
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
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import WebSocket from "ws";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const MOVES = Number(args.moves || 2000);
const BIN = args.bin || "build/bin/parlor-node";
const DEADLINE = Date.now() + 180_000; // the whole run is bounded

function startNode(name, seeds) {
  return new Promise(async (resolve, reject) => {
    const dir = await mkdtemp(path.join(tmpdir(), "parlor-bench-"));
    const proc = spawn(BIN, [`--name=${name}`, "--http-host=127.0.0.1", "--http-port=0",
      "--cluster-host=127.0.0.1", "--cluster-port=0", `--data-dir=${dir}`,
      "--cluster-secret=bench", "--socket-rate=0", ...(seeds ? [`--seeds=${seeds}`] : [])],
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

async function run(creatorNode, playNode, label) {
  const creator = await client(creatorNode.port, "alice");
  const lobby = await creator.call("lobby", "phx_join");
  const token = lobby.response.player.token;
  const alice = await client(playNode.port, "alice", token);
  const bob = await client(playNode.port, "bob");
  const samples = [];
  const script = [0, 3, 1, 4, 2]; // X wins on the fifth move
  while (samples.length < MOVES && Date.now() < DEADLINE) {
    const { response: { code } } = await creator.call("lobby", "create", { game: "tictactoe" });
    const topic = `game:${code}`;
    await alice.call(topic, "phx_join");
    await bob.call(topic, "phx_join");
    for (let i = 0; i < script.length; i++) {
      const who = i % 2 === 0 ? alice : bob;
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

const a = await startNode("bench-a");
const b = await startNode("bench-b", a.cluster);
const solo = await startNode("bench-solo");
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
  if ("json" in args) console.log(JSON.stringify({ alone, same, cross }));
} finally {
  for (const n of [a, b, solo]) n.proc.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 300));
  for (const n of [a, b, solo]) await rm(n.dir, { recursive: true, force: true });
}
