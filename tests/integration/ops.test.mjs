// Operator tools with real processes: `parlorctl status/drain/resume` against a 3-node cluster,
// and the reaper of games nobody is connected to.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { CLUSTER_SECRET, NODE_BIN, delay } from "./support/node.mjs";
import { createGame, lobbyPlayer } from "./support/players.mjs";
import { perTest } from "./support/scope.mjs";

const CTL_BIN = process.env.PARLOR_CTL_BIN || path.join(path.dirname(NODE_BIN), "parlorctl");
const T = { timeout: 90000 };
const { node, connect } = perTest();

/** Runs parlorctl; resolves { code, stdout, stderr } (never rejects on a non-zero exit). */
function ctl(args, env = {}) {
  return new Promise((resolve) => {
    execFile(CTL_BIN, args, { env: { ...process.env, ...env }, timeout: 60000 },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

/** A player: connects and joins the lobby. */
async function player(n, name) {
  return lobbyPlayer(await connect(n, { name }), name);
}

async function statusOf(n, member) {
  const body = await (await fetch(`${n.url}/api/cluster`)).json();
  return body.members.find((m) => m.name === member)?.status;
}

async function healthz(n) {
  const res = await fetch(`${n.url}/healthz`);
  return `${res.status} ${(await res.text()).trim()}`;
}

async function until(what, check, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

test("parlorctl drain hands a node's games to others without stopping it; resume takes games again", T, async () => {
  const a = await node({ name: "ops-a" });
  const b = await node({ name: "ops-b", seeds: a.clusterAddr });
  const c = await node({ name: "ops-c", seeds: a.clusterAddr });
  for (const n of [a, b, c])
    await until("a full mesh", async () => (await (await fetch(`${n.url}/api/cluster`)).json()).members.length === 3);

  // Two games hosted on a, with players on a and b.
  const x = await player(a, "xena");
  const o = await player(b, "otto");
  const games = [];
  for (let i = 0; i < 2; i += 1) {
    const code = await createGame(x);
    const jx = await x.c.join(`game:${code}`);
    const jo = await o.c.join(`game:${code}`);
    assert.equal(jo.response.state.host.node, "ops-a");
    const r = await x.c.request(jx.joinRef, `game:${code}`, "move", { cell: 4 });
    assert.equal(r[4].response.version, 3);
    games.push(code);
  }

  const st = await ctl(["status", `--url=${b.url}`]);
  assert.equal(st.code, 0, st.stderr);
  for (const name of ["ops-a", "ops-b", "ops-c"]) assert.match(st.stdout, new RegExp(`${name}\\s.*\\sup`));

  // Asked through b (any member), for a.
  const drained = await ctl(["drain", "ops-a", `--url=${b.url}`, `--cluster-secret=${CLUSTER_SECRET}`]);
  assert.equal(drained.code, 0, drained.stderr + a.logs());
  assert.match(drained.stdout, /ops-a is draining: handed 2 game\(s\)/);
  // a keeps running, out of rotation, and every member shows it draining.
  assert.equal(a.proc.exitCode, null);
  assert.equal(await healthz(a), "503 draining");
  for (const n of [a, b, c]) await until("draining status", async () => (await statusOf(n, "ops-a")) === "draining");

  // Both games now live elsewhere, at their acknowledged version, and play on.
  for (const code of games) {
    const back = await connect(b, { name: "otto", token: o.token });
    const j = await back.join(`game:${code}`);
    assert.equal(j.status, "ok", JSON.stringify(j));
    assert.equal(j.response.seat, "O");
    assert.equal(j.response.state.version, 3);
    assert.notEqual(j.response.state.host.node, "ops-a");
    const r = await back.request(j.joinRef, `game:${code}`, "move", { cell: 0 });
    assert.equal(r[4].status, "ok", JSON.stringify(r));
    assert.equal(r[4].response.version, 4);
  }
  // A game created through a's lobby is placed on another node.
  const placed = await createGame(x);
  const jp = await x.c.join(`game:${placed}`);
  assert.equal(jp.status, "ok");
  assert.notEqual(jp.response.state.host.node, "ops-a");

  const resumed = await ctl(["resume", "ops-a", `--url=${a.url}`], { PARLOR_CLUSTER_SECRET: CLUSTER_SECRET });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /ops-a is up/);
  assert.equal(await healthz(a), "200 ok");
  for (const n of [a, b, c]) await until("up status", async () => (await statusOf(n, "ops-a")) === "up");
  const local = await createGame(x);
  const jl = await x.c.join(`game:${local}`);
  assert.equal(jl.response.state.host.node, "ops-a");
});

test("parlorctl refuses a wrong secret, an unknown node and bad usage, with clear messages", T, async () => {
  const a = await node({ name: "ops-solo" });
  const wrong = await ctl(["drain", "ops-solo", `--url=${a.url}`, "--cluster-secret=not-the-secret"]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /wrong cluster secret/);
  assert.equal(await healthz(a), "200 ok"); // nothing happened
  const unknown = await ctl(["drain", "nobody", `--url=${a.url}`, `--cluster-secret=${CLUSTER_SECRET}`]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no live member named 'nobody' \(members: ops-solo\)/);
  const unreachable = await ctl(["status", "--url=http://127.0.0.1:1"]);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /cannot connect to http:\/\/127\.0\.0\.1:1/);
  for (const args of [[], ["frobnicate"], ["drain"], ["status", "--bogus"], ["status", "--url=ftp://x"]]) {
    const r = await ctl(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /^parlorctl: /);
  }
  // An unsigned admin request changes nothing either.
  const res = await fetch(`${a.url}/api/admin/drain?node=ops-solo`, { method: "POST" });
  assert.equal(res.status, 401);
  assert.equal(await healthz(a), "200 ok");
});

test("reaper: a game nobody is connected to for --idle-game-ttl-s is removed; a watched one stays", T, async () => {
  const a = await node({ name: "ops-reap", args: ["--idle-game-ttl-s=1"] });
  const x = await player(a, "xena");
  const left = await createGame(x);
  const kept = await createGame(x);
  const watcher = await player(a, "wanda");
  const jl = await watcher.c.join(`game:${left}`);
  assert.equal(jl.status, "ok");
  const jk = await watcher.c.join(`game:${kept}`);
  assert.equal(jk.status, "ok");
  const leave = await watcher.c.request(jl.joinRef, `game:${left}`, "phx_leave", {});
  assert.equal(leave[4].status, "ok");
  await delay(2500);
  const late = await player(a, "larry");
  const gone = await late.c.join(`game:${left}`);
  assert.equal(gone.status, "error");
  assert.equal(gone.response.reason, "not_found");
  const still = await late.c.join(`game:${kept}`);
  assert.equal(still.status, "ok", JSON.stringify(still));
  assert.equal(still.response.state.code, kept);
  assert.match(a.logs(), new RegExp(`game ${left}: nobody connected for 1 s: removed`));
});

test("--admin-port: /metrics and parlorctl move to their own port; the players' port answers 404 for them", T, async () => {
  const a = await node({ name: "adm-a", args: ["--admin-port=0"] });
  const b = await node({ name: "adm-b", seeds: a.clusterAddr });
  const m = a.logs().match(/admin endpoints \(\/metrics, \/api\/admin\) on 127\.0\.0\.1:(\d+)/);
  assert.ok(m, a.logs());
  const admin = `http://127.0.0.1:${m[1]}`;
  await until("b in a's members", async () => (await statusOf(a, "adm-b")) === "up");
  // Players' port: no metrics, no admin requests; the game UI and health stay.
  assert.equal((await fetch(`${a.url}/metrics`)).status, 404);
  assert.equal((await fetch(`${a.url}/`)).status, 200);
  assert.equal(await healthz(a), "200 ok");
  // An admin request there is not even looked at (without --admin-port: 401 unsigned).
  const post = (base) => fetch(`${base}/api/admin/drain?node=adm-a`, { method: "POST" });
  assert.equal((await post(a.url)).status, 404);
  assert.equal((await post(b.url)).status, 401);
  // parlorctl finds a's admin port in the member list, through either node.
  const listed = (await (await fetch(`${b.url}/api/cluster`)).json()).members.find((x) => x.name === "adm-a");
  assert.equal(listed.admin, `127.0.0.1:${m[1]}`);
  // Admin port: metrics, health, cluster, and parlorctl; no game UI, no WebSocket.
  const metrics = await fetch(`${admin}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /^# (HELP|TYPE) parlor_/m);
  assert.equal((await fetch(`${admin}/healthz`)).status, 200);
  assert.equal((await (await fetch(`${admin}/api/cluster`)).json()).node, "adm-a");
  assert.equal((await fetch(`${admin}/`)).status, 404);
  assert.equal((await fetch(`${admin}/socket/websocket?vsn=2.0.0&name=x`)).status, 404);
  const drained = await ctl(["drain", "adm-a", `--url=${b.url}`, `--cluster-secret=${CLUSTER_SECRET}`]);
  assert.equal(drained.code, 0, drained.stderr);
  await until("a draining", async () => (await statusOf(b, "adm-a")) === "draining");
  const st = await ctl(["status", `--url=${admin}`]);
  assert.equal(st.code, 0, st.stderr);
  assert.match(st.stdout, /adm-a.*draining/);
  const resumed = await ctl(["resume", "adm-a", `--url=${admin}`, `--cluster-secret=${CLUSTER_SECRET}`]);
  assert.equal(resumed.code, 0, resumed.stderr);
  // A node without the flag still serves everything on one port.
  assert.equal((await fetch(`${b.url}/metrics`)).status, 200);
});
