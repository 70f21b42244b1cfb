// Cluster behaviour (contract §5) with three real parlor-node processes on loopback:
// full mesh from one seed, cross-node play, node loss, restart, foreign secrets.
import { after, afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { delay, startNode } from "./support/node.mjs";
import { connectPhoenix, disconnectAll, joinChannel, push } from "./support/phx.mjs";

const T = { timeout: 60000 };
const nodes = new Set();

afterEach(async () => {
  await disconnectAll();
  await Promise.all([...nodes].map((n) => n.stop().catch(() => {})));
  nodes.clear();
});
after(() => disconnectAll());

async function node(opts) {
  const n = await startNode(opts);
  nodes.add(n);
  return n;
}

async function members(n) {
  const res = await fetch(`${n.url}/api/cluster`, { signal: AbortSignal.timeout(2000) });
  assert.equal(res.status, 200);
  const body = await res.json();
  return body.members.map((m) => m.name).sort();
}

/** Polls until every node lists exactly `names`; returns the milliseconds it took. */
async function converge(list, names, timeoutMs = 5000) {
  const start = Date.now();
  const want = [...names].sort();
  for (;;) {
    const seen = await Promise.all(list.map((n) => members(n).catch(() => [])));
    if (seen.every((s) => JSON.stringify(s) === JSON.stringify(want))) return Date.now() - start;
    if (Date.now() - start > timeoutMs)
      assert.fail(`no convergence on ${JSON.stringify(want)} within ${timeoutMs} ms: ${JSON.stringify(seen)}`);
    await delay(50);
  }
}

async function threeNodes(prefix) {
  const a = await node({ name: `${prefix}-a`, region: "fra" });
  const b = await node({ name: `${prefix}-b`, region: "iad", seeds: a.clusterAddr });
  // c knows only b: it must learn a through b (full mesh, no relaying).
  const c = await node({ name: `${prefix}-c`, region: "sin", seeds: b.clusterAddr });
  return [a, b, c];
}

async function player(n, name) {
  const socket = await connectPhoenix(n, { name });
  const lobby = await joinChannel(socket, "lobby");
  assert.equal(lobby.status, "ok");
  return { socket, lobby: lobby.channel, me: lobby.response.player, node: lobby.response.node };
}

async function create(p) {
  const r = await push(p.lobby, "create", { game: "tictactoe" });
  assert.equal(r.status, "ok", JSON.stringify(r.response));
  return r.response.code;
}

test("nodes seeded with one member converge to a full mesh within 5 s", T, async (t) => {
  const start = Date.now();
  const list = await threeNodes("mesh");
  const ms = await converge(list, list.map((n) => n.name));
  t.diagnostic(`full mesh ${ms} ms after the third node answered /healthz`);
  const total = Date.now() - start;
  assert.ok(total < 15000, `start-up plus convergence took ${total} ms`);
  const body = await (await fetch(`${list[2].url}/api/cluster`)).json();
  assert.equal(body.node, "mesh-c");
  assert.equal(body.region, "sin");
  for (const m of body.members) {
    assert.equal(m.status, "up");
    assert.match(m.http, /^127\.0\.0\.1:\d+$/);
  }
  const a = body.members.find((m) => m.name === "mesh-a");
  assert.equal(a.region, "fra");
  assert.equal(a.http, `127.0.0.1:${list[0].port}`);
});

test("a game created on one node is joined and played from the others at once", T, async () => {
  const [a, b, c] = await threeNodes("play");
  await converge([a, b, c], [a.name, b.name, c.name]);
  const alice = await player(a, "alice");
  const bob = await player(b, "bob");
  const carol = await player(c, "carol");
  assert.equal(bob.node, b.name);
  for (let round = 0; round < 5; round++) {
    const code = await create(alice);
    // Right after create, on another node: must never miss.
    const jb = await joinChannel(bob.socket, `game:${code}`);
    assert.equal(jb.status, "ok", `round ${round}: ${JSON.stringify(jb.response)}`);
    assert.equal(jb.response.seat, "O");
    assert.deepEqual(jb.response.state.host, { node: a.name, region: "fra" });
    const ja = await joinChannel(alice.socket, `game:${code}`);
    assert.equal(ja.response.seat, "X");
    const jc = await joinChannel(carol.socket, `game:${code}`);
    assert.equal(jc.status, "ok");
    assert.equal(jc.response.seat, null);
    // X wins along the top row; moves come from nodes a and b.
    const script = [[ja, 0], [jb, 3], [ja, 1], [jb, 4], [ja, 2]];
    let version = 2;
    for (const [who, cell] of script) {
      const r = await push(who.channel, "move", { cell });
      assert.equal(r.status, "ok", JSON.stringify(r.response));
      assert.equal(r.response.version, ++version);
    }
    // Every member on every node sees the final state.
    for (const j of [ja, jb, jc]) {
      const s = await j.waitForState((st) => st.version === version);
      assert.equal(s.winner, "X");
      assert.equal(s.status, "finished");
      assert.deepEqual(s.view.board.slice(0, 3), ["X", "X", "X"]);
    }
    // Every version reached carol on node c, in order.
    const seen = jc.states.map((s) => s.version).filter((v) => v > 2);
    assert.deepEqual(seen, [3, 4, 5, 6, 7]);
    for (const j of [ja, jb, jc]) j.channel.leave();
  }
});

test("losing a node: members drop it within 5 s, its games answer not_found, others play on", T, async (t) => {
  const [a, b, c] = await threeNodes("kill");
  await converge([a, b, c], [a.name, b.name, c.name]);
  const alice = await player(a, "alice");
  const bob = await player(b, "bob");
  const onA = await create(alice); // hosted on a
  const onB = await create(bob); // hosted on b
  const carol = await player(c, "carol");
  const dave = await player(c, "dave");
  const j1 = await joinChannel(carol.socket, `game:${onA}`);
  assert.equal(j1.response.seat, "O");

  // Kill b, which hosts onB but not onA.
  const killedAt = Date.now();
  b.kill("SIGKILL");
  nodes.delete(b);
  await converge([a, c], [a.name, c.name], 5000);
  const detected = Date.now() - killedAt;
  t.diagnostic(`SIGKILL noticed by every survivor after ${detected} ms`);
  assert.ok(detected < 5000, `node loss noticed after ${detected} ms`);

  // The game hosted on a stays playable from c.
  const jx = await joinChannel(alice.socket, `game:${onA}`);
  const r1 = await push(jx.channel, "move", { cell: 4 });
  assert.equal(r1.status, "ok");
  const r2 = await push(j1.channel, "move", { cell: 0 });
  assert.equal(r2.status, "ok");
  // The game hosted on b gets a clear answer, not a hang.
  const gone = await joinChannel(dave.socket, `game:${onB}`);
  assert.equal(gone.status, "error");
  assert.equal(gone.response.reason, "not_found");
});

test("a frozen node (SIGSTOP) is declared down within 5 s and rejoins when it resumes", T, async (t) => {
  const a = await node({ name: "stop-a" });
  const b = await node({ name: "stop-b", seeds: a.clusterAddr });
  await converge([a, b], ["stop-a", "stop-b"]);
  const stoppedAt = Date.now();
  b.proc.kill("SIGSTOP");
  try {
    await converge([a], ["stop-a"], 6000);
    const detected = Date.now() - stoppedAt;
    t.diagnostic(`SIGSTOP noticed after ${detected} ms`);
    assert.ok(detected < 5000, `frozen node noticed after ${detected} ms`);
  } finally {
    b.proc.kill("SIGCONT");
  }
  await converge([a, b], ["stop-a", "stop-b"], 10000);
});

test("a node restarted under the same name rejoins the cluster", T, async () => {
  const a = await node({ name: "re-a" });
  const b = await node({ name: "re-b", seeds: a.clusterAddr });
  await converge([a, b], ["re-a", "re-b"]);
  const dataDir = b.dataDir;
  b.kill("SIGKILL");
  nodes.delete(b);
  await converge([a], ["re-a"]);
  const b2 = await node({ name: "re-b", seeds: a.clusterAddr, dataDir });
  await converge([a, b2], ["re-a", "re-b"]);
  // And it works: a game from a is playable through the new b.
  const alice = await player(a, "alice");
  const code = await create(alice);
  const bob = await player(b2, "bob");
  const j = await joinChannel(bob.socket, `game:${code}`);
  assert.equal(j.response.seat, "O");
});

test("a node with another cluster secret is refused, with a log line on both sides", T, async () => {
  const a = await node({ name: "sec-a" });
  const b = await node({ name: "sec-b", seeds: a.clusterAddr, secret: "another-secret" });
  await delay(1500);
  assert.deepEqual(await members(a), ["sec-a"]);
  assert.deepEqual(await members(b), ["sec-b"]);
  assert.match(a.logs(), /refused node 'sec-b'.*secret/);
  assert.match(b.logs(), /refused 127\.0\.0\.1:\d+: it does not hold this cluster's secret/);
});

test("--dns: a node joins the addresses a DNS name resolves to, and re-polls", T, async () => {
  // `localhost` comes from /etc/hosts: a real getaddrinfo answer without a DNS server.
  // Borrow a free cluster port from a short-lived node.
  const probe = await node({ name: "dns-probe" });
  const port = Number(probe.clusterAddr.split(":").pop());
  await probe.stop();
  nodes.delete(probe);
  // b polls a name that leads nowhere yet...
  const b = await node({ name: "dns-b", args: [`--dns=localhost:${port}`, "--dns-interval-ms=200"] });
  await delay(500);
  assert.deepEqual(await members(b), ["dns-b"]);
  // ...until a node listens there: b never heard of it but finds it by polling.
  const a = await node({ name: "dns-a", clusterPort: port });
  await converge([a, b], ["dns-a", "dns-b"], 5000);
  assert.match(b.logs(), new RegExp(`DNS localhost -> .*127\\.0\\.0\\.1:${port}`));
});
