// Smoke runs of parlor-loadgen's scenarios (tiny counts, about a second each) against a real
// node and the echo floor, so that the benchmark tools keep working.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { NODE_BIN, startNode } from "./support/node.mjs";

const BIN_DIR = path.dirname(NODE_BIN);
const LOADGEN = process.env.PARLOR_LOADGEN_BIN || path.join(BIN_DIR, "parlor-loadgen");
const ECHO = process.env.PARLOR_ECHO_BIN || path.join(BIN_DIR, "parlor-echo");
const SENDCOST = process.env.PARLOR_SENDCOST_BIN || path.join(BIN_DIR, "parlor-sendcost");
const T = { timeout: 60000 };

let node;
let echo;
let echoUrl;

before(async () => {
  // The load generator moves faster per socket than a player may (as bench/ runs it).
  node = await startNode({ name: "loadgen-target", args: ["--socket-rate=0", "--create-rate=0"] });
  echo = spawn(ECHO, ["--host=127.0.0.1", "--port=0"], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise((resolve, reject) => {
    let out = "";
    echo.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on 127\.0\.0\.1:(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    echo.on("exit", (code) => reject(new Error(`parlor-echo exited ${code}`)));
  });
  echoUrl = `ws://127.0.0.1:${port}/`;
});

after(async () => {
  echo?.kill("SIGTERM");
  await node?.stop().catch(() => {});
});

/** Runs a tool; resolves { code, stdout, stderr, result } (result: the --json line). */
function tool(bin, args) {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 45000 }, (err, stdout, stderr) => {
      const lines = stdout.trim().split("\n");
      let result = null;
      try { result = JSON.parse(lines[lines.length - 1]); } catch { /* not --json */ }
      resolve({ code: err ? err.code : 0, stdout, stderr, result });
    });
  });
}

const loadgen = (args) => tool(LOADGEN, args);

const wsUrl = () => `--url=ws://127.0.0.1:${node.port}/socket/websocket`;

function checkPercentiles(r) {
  for (const k of ["p50", "p90", "p99", "p999", "max"]) assert.equal(typeof r[k], "number", k);
  assert.ok(r.p50 > 0 && r.p50 <= r.p90 && r.p90 <= r.p99 && r.p99 <= r.p999 && r.p999 <= r.max, JSON.stringify(r));
}

test("idle: players join the lobby and are held; memory per player is read from /metrics", T, async () => {
  const { code, stdout, result: r } = await loadgen(["idle", wsUrl(), "--players=50", "--duration=1", "--heartbeat-s=0.3", "--json"]);
  assert.equal(code, 0, stdout);
  assert.equal(r.scenario, "idle");
  assert.equal(r.joined, 50);
  assert.equal(r.failed, 0);
  assert.ok(r.heartbeats >= 50, `heartbeats ${r.heartbeats}`);
  assert.equal(r.nodes[0].connections_after, 50);
  assert.ok(r.nodes[0].rss_after > 0);
  assert.equal(typeof r.nodes[0].rss_per_connection, "number");
  assert.equal(r.latency.connect_join.count, 50);
  checkPercentiles(r);
  assert.match(stdout, /connect_join\s+50\s/);
  assert.deepEqual(r.sources, []);
  assert.equal(r.sources_automatic, false);
});

test("idle from given source addresses: all connect; an address not of this machine fails clearly", T, async () => {
  const { code, stdout, result: r } = await loadgen(["idle", wsUrl(), "--players=30", "--duration=0.5", "--source=127.0.0.2,127.0.0.3", "--json"]);
  assert.equal(code, 0, stdout);
  assert.equal(r.joined, 30);
  assert.equal(r.failed, 0, JSON.stringify(r.failures));
  assert.deepEqual(r.sources, ["127.0.0.2", "127.0.0.3"]);
  assert.equal(r.sources_automatic, false);
  assert.match(stdout, /sources\s+2 addresses, 127\.0\.0\.2 \.\.\. 127\.0\.0\.3\n/);
  // An address that is not this machine's: each connection says so (at
  // bind, or at connect where net.ipv4.ip_nonlocal_bind allows the bind).
  const bad = await loadgen(["idle", wsUrl(), "--players=3", "--duration=0.5", "--source=192.0.2.1", "--json"]);
  assert.equal(bad.code, 1, bad.stdout);
  assert.equal(bad.result.failed, 3);
  assert.match(Object.keys(bad.result.failures).join(), /^(socket|connect): /);
  // Not an IP address, or not the URL's IP version: refused up front.
  const usage = await loadgen(["idle", wsUrl(), "--players=3", "--duration=0.5", "--source=::1"]);
  assert.equal(usage.code, 2);
});

test("games: closed loop plays legal moves with no errors; open loop holds the rate", T, async () => {
  const closed = await loadgen(["games", wsUrl(), "--games=4", "--duration=1", "--json"]);
  assert.equal(closed.code, 0, closed.stdout);
  const r = closed.result;
  assert.equal(r.games_ready, 4);
  assert.equal(r.errors, 0);
  assert.equal(r.timeouts, 0);
  assert.equal(r.failed, 0, JSON.stringify(r.failures));
  assert.ok(r.moves > 50, `moves ${r.moves}`);
  assert.ok(r.games_played > 4, "games finish and new ones start");
  assert.equal(r.latency.move_opponent.count, r.moves);
  checkPercentiles(r);
  const open = await loadgen(["games", wsUrl(), "--games=4", "--rate=100", "--duration=1", "--json"]);
  assert.equal(open.code, 0, open.stdout);
  assert.equal(open.result.mode, "open");
  // The open loop offers 100 moves in the second whatever the node does:
  // each is made, still in flight at the end (at most one per game), or
  // counted unsent because no game was ready (a busy CI machine).
  const offered = open.result.moves + open.result.unsent;
  assert.ok(offered >= 80 - 4 && offered <= 110, `moves ${open.result.moves}, unsent ${open.result.unsent}`);
  assert.ok(open.result.moves >= 40, `moves ${open.result.moves}`);
  assert.equal(open.result.errors, 0);
});

test("fanout: every spectator sees every move", T, async () => {
  const { code, stdout, result: r } = await loadgen(["fanout", wsUrl(), "--spectators=30", "--rate=20", "--duration=1", "--json"]);
  assert.equal(code, 0, stdout);
  assert.equal(r.watching, 30);
  assert.equal(r.incomplete, 0);
  assert.ok(r.moves >= 10, `moves ${r.moves}`);
  assert.equal(r.latency.move_each_spectator.count, r.moves * 30);
  checkPercentiles(r);
});

test("echo: the floor answers every frame", T, async () => {
  const { code, stdout, result: r } = await loadgen(["echo", `--url=${echoUrl}`, "--players=4", "--duration=1", "--json"]);
  assert.equal(code, 0, stdout);
  assert.equal(r.open, 4);
  assert.ok(r.messages > 100, `messages ${r.messages}`);
  checkPercentiles(r);
});

test("echo-fanout: the floor sends each broadcast to every connection", T, async () => {
  const { code, stdout, result: r } = await loadgen(["echo-fanout", `--url=${echoUrl}`, "--spectators=20", "--rate=20", "--duration=1", "--json"]);
  assert.equal(code, 0, stdout);
  assert.equal(r.open, 21);
  assert.equal(r.incomplete, 0);
  assert.ok(r.broadcasts >= 10, `broadcasts ${r.broadcasts}`);
  // Everyone, the sender included, got every broadcast once.
  assert.equal(r.latency.broadcast_each.count, r.broadcasts * 21);
  checkPercentiles(r);
});

test("echo relay: paired connections get each '>' frame, the sender its echo; pairs stay apart", T, async () => {
  const { default: WebSocket } = await import("ws");
  const open = () => new Promise((resolve, reject) => {
    const ws = new WebSocket(echoUrl, { perMessageDeflate: false });
    const got = [];
    ws.on("message", (d) => got.push(String(d)));
    ws.once("open", () => resolve({ ws, got }));
    ws.once("error", reject);
  });
  const until = async (cond, what) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(cond(), what);
  };
  const closed = (x) => new Promise((r) => { x.ws.once("close", r); x.ws.close(); });
  const all = [];
  const conn = async () => { const x = await open(); all.push(x); return x; };
  try {
    const [a, b, c, d] = await Promise.all([conn(), conn(), conn(), conn()]);
    // a+b are pair "1", c+d pair "2"; the "=KEY" frame itself is echoed, and once the second
    // of a pair has sent it both get "+KEY".
    a.ws.send("=1"); c.ws.send("=2");
    await until(() => a.got.length === 1 && c.got.length === 1, "first halves registered");
    assert.deepEqual([a.got[0], c.got[0]], ["=1", "=2"]);
    b.ws.send("=1"); d.ws.send("=2");
    await until(() => [a, b, c, d].every((x) => x.got.includes(x === a || x === b ? "+1" : "+2")), "pairs formed");
    assert.deepEqual(b.got, ["=1", "+1"]);
    assert.deepEqual(d.got, ["=2", "+2"]);
    a.ws.send(">move a"); d.ws.send(">move d");
    await until(() => [a, b, c, d].every((x) => x.got.length === 3), "relayed");
    assert.deepEqual([a.got[2], b.got[2]], [">move a", ">move a"]);
    assert.deepEqual([c.got[2], d.got[2]], [">move d", ">move d"]);
    // A plain frame is only echoed; once b is gone a's '>' frames reach a alone.
    b.ws.send("plain");
    await until(() => b.got.length === 4, "echo");
    assert.equal(b.got[3], "plain");
    await closed(b);
    a.ws.send(">alone");
    c.ws.send(">still paired");
    await until(() => a.got.length === 4 && d.got.length === 4, "echo without partner; the other pair goes on");
    assert.equal(a.got[3], ">alone");
    assert.equal(d.got[3], ">still paired");
    // A connection that waited for a partner and left frees its key: the next two pair.
    const e = await conn();
    e.ws.send("=3");
    await until(() => e.got.length === 1, "e waits");
    await closed(e);
    const [f, g] = await Promise.all([conn(), conn()]);
    f.ws.send("=3");
    await until(() => f.got.length === 1, "f waits");
    g.ws.send("=3");
    await until(() => f.got.includes("+3") && g.got.includes("+3"), "f and g paired");
    g.ws.send(">g");
    await until(() => f.got.length === 3 && g.got.length === 3, "f and g relay");
    assert.deepEqual([f.got[2], g.got[2]], [">g", ">g"]);
    // Nothing reached a from the pairs after it lost its partner, and the server is still up.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(a.got.length, 4);
    assert.equal(echo.exitCode, null);
  } finally {
    for (const x of all) x.ws.close();
  }
});

test("bad usage and impossible connection counts get clear errors", T, async () => {
  const usage = await loadgen(["games", "--duration=1"]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /parlor-loadgen: --url is required/);
  const files = await loadgen(["idle", wsUrl(), "--players=1000000", "--duration=1"]);
  assert.equal(files.code, 2);
  assert.match(files.stderr, /open files.*Run several parlor-loadgen processes/s);
  const refused = await loadgen(["echo", "--url=ws://127.0.0.1:1/", "--players=2", "--duration=0.5", "--json"]);
  assert.equal(refused.code, 1);
  assert.equal(refused.result.failed, 2);
  assert.match(Object.keys(refused.result.failures).join(" "), /connect: Connection refused/);
});

test("sendcost: the kernel's send() floor, every byte delivered; bad flags refused", T, async () => {
  for (const reader of ["epoll", "none"]) {
    const { code, stderr, result: r } = await tool(SENDCOST, ["--sockets=50", "--rounds=3", "--bytes=100", `--reader=${reader}`, "--json"]);
    assert.equal(code, 0, stderr);
    assert.equal(r.reader, reader);
    assert.equal(r.complete, true);
    assert.equal(r.expected_bytes, 50 * 3 * 100);
    assert.equal(r.received_bytes, r.expected_bytes);
    assert.ok(r.per_send_us.min > 0 && r.per_send_us.min <= r.per_send_us.p50 && r.per_send_us.p50 <= r.per_send_us.max, JSON.stringify(r));
    // 10,000 sends at the median cost, in milliseconds (both printed rounded).
    assert.ok(Math.abs(r.broadcast_10000_ms - r.per_send_us.p50 * 10) <= 0.06, JSON.stringify(r));
  }
  // One send at a time, 200 µs apart: each timed on its own.
  const { code, stderr, result: g } = await tool(SENDCOST, ["--sockets=10", "--rounds=2", "--gap-us=200", "--json"]);
  assert.equal(code, 0, stderr);
  assert.equal(g.gap_us, 200);
  assert.equal(g.complete, true);
  assert.equal(g.received_bytes, 10 * 2 * 200);
  assert.equal(g.broadcast_10000_ms, null);
  const p = g.per_send_us;
  assert.ok(p.min > 0 && p.min <= p.p50 && p.p50 <= p.p90 && p.p90 <= p.p99 && p.p99 <= p.max, JSON.stringify(g));
  const long = await tool(SENDCOST, ["--sockets=1000", "--rounds=100", "--gap-us=1000"]);
  assert.equal(long.code, 2);
  assert.match(long.stderr, /--sockets × --rounds × --gap-us is 100 s of gaps; at most 60/);
  const bad = await tool(SENDCOST, ["--reader=poll"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--reader must be epoll or none, not 'poll'/);
  // More sockets than 127.0.0.1 has ephemeral ports (at most 64,512 anywhere).
  const ports = await tool(SENDCOST, ["--sockets=100000"]);
  assert.equal(ports.code, 2);
  assert.match(ports.stderr, /--sockets=100000 needs as many ephemeral ports and 127\.0\.0\.1 has \d+/);
  // More than the open-file limit allows (set low with prlimit, util-linux).
  const files = await tool("prlimit", ["--nofile=1000:1000", SENDCOST, "--sockets=600"]);
  assert.equal(files.code, 2);
  assert.match(files.stderr, /--sockets=600 needs 1216 open files \(a pair per socket\) and this process may open 1000 \(the hard limit\): at most 492 sockets/);
});
