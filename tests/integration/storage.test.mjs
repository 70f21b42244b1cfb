// Storage faults (issue 24, findings 4 and 5): what a node does when its database file is
// deleted, when its disk fills up, and whether an acknowledged move has reached the disk.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile, rm, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { NODE_BIN, delay, refusedStart } from "./support/node.mjs";
import { createGame, lobbyPlayer } from "./support/players.mjs";
import { perTest } from "./support/scope.mjs";

const run = promisify(execFile);
const T = { timeout: 60000 };
const { node, connect, tempDir, forget } = perTest();

async function player(n, name) {
  return lobbyPlayer(await connect(n, { name }), name);
}

/** Alice (X) and Bob (O) in a new game on `n`; `move(p, cell)` answers the reply payload. */
async function startedGame(n) {
  const x = await player(n, "alice");
  const o = await player(n, "bob");
  const code = await createGame(x);
  const jx = await x.c.join(`game:${code}`);
  const jo = await o.c.join(`game:${code}`);
  assert.equal(jo.response.seat, "O");
  const refs = new Map([[x, jx.joinRef], [o, jo.joinRef]]);
  const move = async (p, cell) =>
    (await p.c.request(refs.get(p), `game:${code}`, "move", { cell }))[4];
  return { x, o, code, move };
}

async function health(n) {
  const res = await fetch(`${n.url}/healthz`, { signal: AbortSignal.timeout(2000) });
  return { status: res.status, body: (await res.text()).trim() };
}

async function waitFor(what, pred, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
    await delay(50);
  }
}

/** Runs parlor-node on `dataDir`, which must refuse to start; resolves with its stderr. */
async function refused(dataDir) {
  const { exit, stderr } = await refusedStart(dataDir);
  assert.ok(exit.code === 1 || exit.code === 2, `exit ${JSON.stringify(exit)}: ${stderr}`);
  return stderr;
}

test("a deleted parlor.db: moves are refused, /healthz names it, a restart refuses to start empty", T, async () => {
  const dataDir = await tempDir();
  const a = await node({ name: "unlinked", dataDir });
  const g = await startedGame(a);
  assert.equal((await g.move(g.x, 4)).status, "ok");
  await unlink(path.join(dataDir, "parlor.db"));

  // Nothing is acknowledged into a file that no restart would read.
  const r = await g.move(g.o, 0);
  assert.deepEqual(r, { status: "error", response: { reason: "unavailable" } });
  const h = await health(a);
  assert.equal(h.status, 503);
  assert.match(h.body, /^storage: database file .*parlor\.db was deleted/);
  assert.match(a.logs(), /parlor\.db was deleted/);
  // The refused move changed nothing.
  const again = await g.move(g.o, 0);
  assert.equal(again.status, "error");

  await a.stop();
  forget(a);
  const stderr = await refused(dataDir);
  assert.match(stderr, /held a database, but .*parlor\.db is missing: refusing to start with an empty one/);
  // Deleting the marker is the operator's way to start empty on purpose.
  await unlink(path.join(dataDir, "parlor.db.created"));
  const fresh = await node({ name: "unlinked", dataDir });
  assert.equal((await health(fresh)).status, 200);
});

test("a database replaced under a running node is detected the same way", T, async () => {
  const dataDir = await tempDir();
  const a = await node({ name: "replaced", dataDir });
  const g = await startedGame(a);
  const file = path.join(dataDir, "parlor.db");
  const bytes = await readFile(file);
  await unlink(file);
  await writeFile(file, bytes);
  assert.deepEqual(await g.move(g.x, 4), { status: "error", response: { reason: "unavailable" } });
  assert.match((await health(a)).body, /was replaced by another file/);
});

test("a full disk: changes are refused with nothing changed, /healthz 503 until space is back", T, async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip("needs root to mount a small tmpfs");
    return;
  }
  const mountDir = await tempDir();
  await run("mount", ["-t", "tmpfs", "-o", "size=2m", "parlor-test", mountDir]);
  try {
    const a = await node({ name: "full", dataDir: mountDir, args: ["--create-rate=0"] });
    const x = await player(a, "alice");
    // Fill the file system to the last byte, then write until a write fails: once the
    // checkpoint cannot grow the database, the log has to grow.
    await run("sh", ["-c", `dd if=/dev/zero of=${mountDir}/filler bs=4k 2>/dev/null; true`]);
    let refused = null;
    let created = 0;
    for (let i = 0; i < 2000 && !refused; i++) {
      const r = (await x.c.request(x.lobbyRef, "lobby", "create", { game: "tictactoe" }))[4];
      if (r.status === "ok") created += 1;
      else refused = r;
    }
    t.diagnostic(`${created} games created on the full disk before a write failed`);
    assert.deepEqual(refused, { status: "error", response: { reason: "unavailable" } });
    const h = await health(a);
    assert.equal(h.status, 503);
    assert.match(h.body, /^storage: .*full/i);
    assert.match(a.logs(), /write\(s\) refused/);

    await rm(path.join(mountDir, "filler"));
    // Health comes back by itself (the store tries a write once a second), then writes work.
    await waitFor("/healthz 200 again", async () => (await health(a)).status === 200);
    const ok = (await x.c.request(x.lobbyRef, "lobby", "create", { game: "tictactoe" }))[4];
    assert.equal(ok.status, "ok", JSON.stringify(ok));
    assert.match(a.logs(), /writes work again/);
    await a.stop();
    forget(a);
  } finally {
    await run("umount", ["-l", mountDir]).catch(() => {});
  }
});

/** Counts the syncs of the write-ahead log in an strace log. */
async function walSyncs(file) {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.split("\n").filter((l) => /\b(fsync|fdatasync)\(\d+<[^>]*parlor\.db-wal>/.test(l) && / = 0$/.test(l)).length;
}

/**
 * Plays `moves` sequential moves on a node run under strace; returns the WAL syncs seen.
 * Each move is acknowledged before the next is sent, so each is a commit of its own.
 */
async function syncsDuring(sync, moves) {
  const dataDir = await tempDir();
  const traceFile = path.join(dataDir, "strace.log");
  const a = await node({
    name: `sync-${sync}`,
    dataDir,
    args: [`--sync=${sync}`],
    prefix: ["strace", "-f", "-y", "-qq", "-e", "trace=fsync,fdatasync", "-o", traceFile],
  });
  try {
    const before = await walSyncs(traceFile);
    let played = 0;
    while (played < moves) {
      const g = await startedGame(a);
      for (const [p, cell] of [[g.x, 0], [g.o, 3], [g.x, 1], [g.o, 4], [g.x, 2]]) {
        const r = await g.move(p, cell);
        assert.equal(r.status, "ok");
        played += 1;
      }
    }
    return { syncs: (await walSyncs(traceFile)) - before, played };
  } finally {
    // strace would detach from the node on SIGTERM: stop the node itself.
    const children = await readFile(`/proc/${a.proc.pid}/task/${a.proc.pid}/children`, "utf8").catch(() => "");
    for (const pid of children.trim().split(/\s+/).filter(Boolean)) {
      try { process.kill(Number(pid), "SIGTERM"); } catch { /* gone */ }
    }
    await a.stop();
    forget(a);
  }
}

test("--sync=full (the default) syncs the log before each acknowledgement; normal does not", T, async (t) => {
  const full = await syncsDuring("full", 30);
  t.diagnostic(`full: ${full.syncs} WAL syncs for ${full.played} sequential moves (and their creates and joins)`);
  assert.ok(full.syncs >= full.played, `${full.syncs} syncs for ${full.played} acknowledged moves`);
  const normal = await syncsDuring("normal", 30);
  t.diagnostic(`normal: ${normal.syncs} WAL syncs for ${normal.played} sequential moves`);
  assert.ok(normal.syncs < normal.played / 2, `${normal.syncs} syncs with --sync=normal`);
});

test("a stalled disk stops moves, not the node: /healthz and the lobby answer during a 3 s stall", T, async (t) => {
  const lib = process.env.PARLOR_STALL_LIB || path.join(path.dirname(NODE_BIN), "../lib/libparlor_stall_disk.so");
  const dataDir = await tempDir();
  const flag = path.join(dataDir, "stall");
  const a = await node({ name: "stalled", dataDir, env: { LD_PRELOAD: lib, PARLOR_STALL_FILE: flag } });
  const g = await startedGame(a);
  assert.equal((await g.move(g.x, 4)).status, "ok");

  await writeFile(flag, "");
  const stalledAt = Date.now();
  const pending = g.move(g.o, 0); // its commit waits for the disk
  const slowest = { ms: 0 };
  while (Date.now() - stalledAt < 3000) {
    const t0 = Date.now();
    const h = await health(a); // 2 s timeout: a frozen node fails here
    assert.equal(h.status, 200);
    slowest.ms = Math.max(slowest.ms, Date.now() - t0);
    await delay(100);
  }
  // A new player still gets into the lobby.
  const t0 = Date.now();
  const carol = await player(a, "carol");
  const lobbyMs = Date.now() - t0;
  assert.ok(carol.lobbyRef);
  const early = await Promise.race([pending.then(() => "answered"), delay(0).then(() => "waiting")]);
  assert.equal(early, "waiting", "the move was acknowledged while its write could not happen");
  await unlink(flag);
  assert.equal((await pending).status, "ok");
  t.diagnostic(`during the stall: slowest /healthz ${slowest.ms} ms, lobby join ${lobbyMs} ms; ` +
    `move acknowledged ${Date.now() - stalledAt} ms after the stall began`);
  assert.ok(slowest.ms < 1000, `slowest /healthz ${slowest.ms} ms`);
});
