// The cluster port (issue 24, finding 3; contract §8): nothing reaches BASP before a peer is
// authenticated, handshakes have deadlines, refused peers are disconnected without disturbing
// healthy links, and --cluster-tls-* makes every link mutual TLS.
import { after, afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { CLUSTER_SECRET, NODE_BIN, REPO_ROOT, delay } from "./support/node.mjs";
import { connectPhoenix, disconnectAll, joinChannel, push } from "./support/phx.mjs";
import { perTest } from "./support/scope.mjs";

const run = promisify(execFile);
const CTL_BIN = process.env.PARLOR_CTL_BIN || path.join(REPO_ROOT, "build/bin/parlorctl");
const T = { timeout: 90000 };
afterEach(() => disconnectAll());
after(() => disconnectAll());
const { node, tempDir } = perTest();

async function members(n) {
  const res = await fetch(`${n.url}/api/cluster`, { signal: AbortSignal.timeout(2000) });
  return (await res.json()).members.map((m) => m.name).sort();
}

async function converge(list, names, timeoutMs = 8000) {
  const want = JSON.stringify([...names].sort());
  const start = Date.now();
  for (;;) {
    const seen = await Promise.all(list.map((n) => members(n).catch(() => [])));
    if (seen.every((s) => JSON.stringify(s) === want)) return;
    if (Date.now() - start > timeoutMs) assert.fail(`no convergence on ${want}: ${JSON.stringify(seen)}`);
    await delay(50);
  }
}

async function rssKiB(n) {
  const status = await readFile(`/proc/${n.proc.pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+)/)[1]);
}

function clusterPort(n) {
  return Number(n.clusterAddr.split(":").pop());
}

/**
 * Opens a raw TCP connection to `port`, writes `bytes`, and resolves with how the connection
 * ended: {closedAfterMs} once the node closed it, or {open: true} if it was still open after
 * `waitMs` (then this side closes it).
 */
function rawProbe(port, bytes, waitMs) {
  return new Promise((resolve) => {
    const start = Date.now();
    const s = net.connect({ host: "127.0.0.1", port }, () => { if (bytes.length) s.write(bytes); });
    const timer = setTimeout(() => { s.destroy(); resolve({ open: true }); }, waitMs);
    const done = () => { clearTimeout(timer); resolve({ closedAfterMs: Date.now() - start }); };
    s.on("data", () => {});
    s.on("end", done);
    s.on("error", done);
    s.on("close", done);
  });
}

/** A BASP header: client handshake announcing `payloadLen` bytes of payload. */
function baspHeader(payloadLen) {
  const h = Buffer.alloc(32);
  h[0] = 0x01; // client_handshake
  h.writeUInt32BE(payloadLen, 4);
  return h;
}

/** Alice on `a` and Bob on `b` in one game; `move()` plays the next cell and checks the ack. */
async function crossNodeGame(a, b) {
  const lobbyOf = async (n, name) => {
    const socket = await connectPhoenix(n, { name });
    const lobby = await joinChannel(socket, "lobby");
    assert.equal(lobby.status, "ok");
    return { socket, lobby: lobby.channel };
  };
  const alice = await lobbyOf(a, "alice");
  const bob = await lobbyOf(b, "bob");
  const created = await push(alice.lobby, "create", { game: "tictactoe" });
  assert.equal(created.status, "ok");
  const code = created.response.code;
  const ja = await joinChannel(alice.socket, `game:${code}`);
  const jb = await joinChannel(bob.socket, `game:${code}`);
  assert.equal(jb.response.seat, "O");
  // X and O alternate on cells that never end the game: 0 1 2 4 3 5 7 6 8 would; keep to 4 moves.
  const script = [[ja, 0], [jb, 1], [ja, 2], [jb, 4]];
  let i = 0;
  return async function move() {
    const [who, cell] = script[i++];
    const r = await push(who.channel, "move", { cell });
    assert.equal(r.status, "ok", JSON.stringify(r.response));
    return r.response.version;
  };
}

test("a BASP header sent to the cluster port allocates nothing and is disconnected at once", T, async (t) => {
  const a = await node({ name: "cp-a" });
  const b = await node({ name: "cp-b", seeds: a.clusterAddr });
  await converge([a, b], [a.name, b.name]);
  const move = await crossNodeGame(a, b);
  assert.equal(await move(), 3);
  const before = await rssKiB(a);
  // Eight headers each announcing 256 MiB: before, each one added ~262 MB of RSS and its
  // connection stayed open.
  const probes = await Promise.all(
    Array.from({ length: 8 }, () => rawProbe(clusterPort(a), baspHeader(256 * 1024 * 1024), 3000)));
  for (const p of probes) assert.ok(p.closedAfterMs !== undefined && p.closedAfterMs < 2000, JSON.stringify(p));
  const grown = (await rssKiB(a)) - before;
  t.diagnostic(`RSS grew ${grown} KiB; closed after ${probes.map((p) => p.closedAfterMs).join(", ")} ms`);
  assert.ok(grown < 32 * 1024, `RSS grew by ${grown} KiB`);
  assert.match(a.logs(), /refused a peer at 127\.0\.0\.1:\d+: not a Parlor cluster greeting/);
  const metrics = await (await fetch(`${a.url}/metrics`)).text();
  assert.ok(Number(metrics.match(/^parlor_cluster_refused_total (\d+)$/m)[1]) >= 8, metrics);
  assert.ok(Number(metrics.match(/^parlor_cluster_links (\d+)$/m)[1]) >= 1, metrics);
  // The healthy link did not notice.
  assert.equal(await move(), 4);
  await converge([a, b], [a.name, b.name], 1000);
});

test("a greeting that stops half-way, or never starts, is disconnected at the deadline", T, async () => {
  const a = await node({ name: "cp-slow" });
  const [half, silent] = await Promise.all([
    rawProbe(clusterPort(a), Buffer.from("PRLRL"), 9000),
    rawProbe(clusterPort(a), Buffer.alloc(0), 9000),
  ]);
  for (const p of [half, silent]) {
    assert.ok(p.closedAfterMs !== undefined, "still open after 9 s");
    assert.ok(p.closedAfterMs >= 4000 && p.closedAfterMs < 8000, `closed after ${p.closedAfterMs} ms`);
  }
  assert.match(a.logs(), /the greeting did not finish within 5000 ms/);
});

async function genCerts(dir, nodes) {
  const { stdout } = await run(CTL_BIN, ["gen-certs", dir, `--nodes=${nodes}`]);
  return stdout.trim().split("\n");
}

function tlsArgs(dir, n) {
  return [`--cluster-tls-cert=${dir}/node${n}.pem`, `--cluster-tls-key=${dir}/node${n}.key`,
    `--cluster-tls-ca=${dir}/ca.pem`];
}

test("mutual TLS: members of the CA mesh; another CA's node and a plain node are refused; the game plays on", T, async () => {
  const dir = await tempDir();
  const files = await genCerts(dir, 2);
  assert.deepEqual(files.map((f) => path.basename(f)),
    ["ca.pem", "ca.key", "node1.pem", "node1.key", "node2.pem", "node2.key"]);
  const rogueDir = await tempDir();
  await genCerts(rogueDir, 1);

  const a = await node({ name: "tls-a", args: tlsArgs(dir, 1) });
  assert.match(a.logs(), /cluster endpoint .* \(node-to-node, mutual TLS\)/);
  const b = await node({ name: "tls-b", seeds: a.clusterAddr, args: tlsArgs(dir, 2) });
  await converge([a, b], [a.name, b.name]);
  const move = await crossNodeGame(a, b);
  assert.equal(await move(), 3);

  // Same secret, but a certificate of another CA; and a node without TLS.
  const rogue = await node({ name: "tls-rogue", seeds: a.clusterAddr, args: tlsArgs(rogueDir, 1) });
  const plain = await node({ name: "tls-plain", seeds: a.clusterAddr });
  assert.equal(await move(), 4);
  await delay(1500);
  await converge([a, b], [a.name, b.name], 1000);
  assert.deepEqual(await members(rogue), [rogue.name]);
  assert.deepEqual(await members(plain), [plain.name]);
  assert.match(a.logs(), /refused a peer at 127\.0\.0\.1:\d+: TLS: .*(unknown ca|certificate)/);
  assert.match(a.logs(), /refused a peer at 127\.0\.0\.1:\d+: it does not use TLS, which this node requires/);
  assert.match(rogue.logs(), /refused 127\.0\.0\.1:\d+: TLS: certificate verify failed/);
  assert.equal(await move(), 5);
});

test("TLS flags: all three or none; unusable files are named and the node exits 2", T, async () => {
  const dir = await tempDir();
  await genCerts(dir, 2);
  const start = async (args) => {
    try {
      await run(NODE_BIN, ["--http-port=0", "--cluster-port=0", `--data-dir=${dir}/data`,
        `--cluster-secret=${CLUSTER_SECRET}`, ...args], { timeout: 10000 });
      return { code: 0, stderr: "" };
    } catch (err) {
      return { code: err.code, stderr: err.stderr };
    }
  };
  let r = await start([`--cluster-tls-cert=${dir}/node1.pem`]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--cluster-tls-cert, --cluster-tls-key and --cluster-tls-ca go together/);
  r = await start([`--cluster-tls-cert=${dir}/node1.pem`, `--cluster-tls-key=${dir}/node2.key`,
    `--cluster-tls-ca=${dir}/ca.pem`]);
  assert.ok(r.code === 1 || r.code === 2, `exit ${r.code}`);
  assert.match(r.stderr, /cannot use --cluster-tls-key=.*node2\.key/);
  r = await start([`--cluster-tls-cert=${dir}/missing.pem`, `--cluster-tls-key=${dir}/node1.key`,
    `--cluster-tls-ca=${dir}/ca.pem`]);
  assert.match(r.stderr, /cannot use --cluster-tls-cert=.*missing\.pem/);
  // gen-certs never writes over a CA.
  await assert.rejects(run(CTL_BIN, ["gen-certs", dir]), /exists/);
});
