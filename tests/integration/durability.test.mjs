// Durability (contract §5): restarts, corrupt databases and rolling deploys with real processes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { delay, refusedStart } from "./support/node.mjs";
import { createGame, lobbyPlayer } from "./support/players.mjs";
import { perTest } from "./support/scope.mjs";

const T = { timeout: 90000 };
const { node, connect, tempDir, forget } = perTest();

/** A player: connects and joins the lobby. */
async function player(n, name) {
  return lobbyPlayer(await connect(n, { name }), name);
}

test("restart: SIGKILL of a lone node after 3 moves; restarted, the game is back as it was", T, async () => {
  const dataDir = await tempDir();
  const a = await node({ name: "solo", dataDir });
  const x = await player(a, "alice");
  const code = await createGame(x);
  const o = await player(a, "bob");
  const jx = await x.c.join(`game:${code}`);
  const jo = await o.c.join(`game:${code}`);
  assert.equal(jo.response.seat, "O");
  let version = 0;
  for (const [p, j, cell] of [[x, jx, 4], [o, jo, 0], [x, jx, 8]]) {
    const r = await p.c.request(j.joinRef, `game:${code}`, "move", { cell });
    assert.equal(r[4].status, "ok");
    version = r[4].response.version;
  }
  a.kill("SIGKILL");
  forget(a);
  await a.kill();
  const again = await node({ name: "solo", dataDir });
  const back = await connect(again, { name: "alice", token: x.token });
  const j = await back.join(`game:${code}`);
  assert.equal(j.status, "ok", JSON.stringify(j.response));
  assert.equal(j.response.seat, "X");
  assert.equal(j.response.state.version, version);
  assert.deepEqual(j.response.state.view.board, ["O", null, null, null, "X", null, null, null, "X"]);
  assert.equal(j.response.state.turn, "O");
});

test("a corrupt database stops the node with a clear error and is left untouched", T, async () => {
  const dataDir = await tempDir();
  const junk = Buffer.from("this is not an SQLite database, just some bytes\n".repeat(100));
  await writeFile(path.join(dataDir, "parlor.db"), junk);
  const { exit, stderr } = await refusedStart(dataDir);
  assert.equal(exit.signal ?? null, null);
  assert.ok(exit.code === 1 || exit.code === 2, `exit ${JSON.stringify(exit)}: ${stderr}`);
  assert.match(stderr, /parlor\.db/);
  assert.match(stderr, /not a database/);
  assert.deepEqual(await readFile(path.join(dataDir, "parlor.db")), junk);
});

// Tic-tac-toe moves that end in a draw: every game lasts the full nine moves.
const DRAW = [0, 1, 2, 4, 3, 5, 7, 6, 8];

test("rolling deploy: every node restarted in turn under load; no acknowledged move lost, one owner per game", T, async (t) => {
  const names = ["roll-a", "roll-b", "roll-c"];
  const dataDirs = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await tempDir()])));
  const live = new Map();
  const first = await node({ name: names[0], dataDir: dataDirs[names[0]] });
  live.set(names[0], first);
  for (const n of names.slice(1))
    live.set(n, await node({ name: n, dataDir: dataDirs[n], seeds: first.clusterAddr }));
  const clusterPorts = Object.fromEntries([...live].map(([n, x]) => [n, Number(x.clusterAddr.split(":").pop())]));
  const anyLive = (except) => {
    const pool = [...live.values()].filter((n) => n.name !== except);
    return pool[Math.floor(Math.random() * pool.length)];
  };

  // Six games, two created on each node; X and O connect wherever they like.
  const games = [];
  for (const creatorNode of [...live.values(), ...live.values()]) {
    const x = await player(creatorNode, "x");
    const code = await createGame(x);
    games.push({ code, x: { token: x.token, name: "x" }, o: null, acked: [], lastVersion: 1 });
    x.c.close();
  }

  let stopping = null;
  let retries = 0;
  let handed = 0;
  let deployDone = 0;
  /** Plays one move of `g`, retrying through other nodes until it is acknowledged. */
  const playMove = async (g, i) => {
    const mark = i % 2 === 0 ? "X" : "O";
    const cell = DRAW[i];
    const deadline = Date.now() + 20000;
    for (let attempt = 0; ; attempt++) {
      assert.ok(Date.now() < deadline, `game ${g.code}: move ${i} not acknowledged within 20 s`);
      const who = mark === "X" ? g.x : g.o;
      try {
        const n = anyLive(stopping);
        const c = await connect(n, { name: who.name, ...(who.token ? { token: who.token } : {}) });
        try {
          const j = await c.join(`game:${g.code}`, {});
          if (j.status !== "ok") throw new Error(`join: ${JSON.stringify(j.response)}`);
          const state = j.response.state;
          if (state.view.board[cell] === mark) return; // applied, but the reply was lost
          const r = await c.request(j.joinRef, `game:${g.code}`, "move", { cell });
          if (r[4].status !== "ok") throw new Error(`move: ${JSON.stringify(r[4])}`);
          g.acked.push({ cell, mark, version: r[4].response.version });
          return;
        } finally {
          c.close();
        }
      } catch (err) {
        if (attempt > 200) throw err;
        retries += 1;
        await delay(50);
      }
    }
  };
  const playGame = async (g) => {
    // O takes its seat first (the join that fills it is a change too).
    for (;;) {
      try {
        const c = await connect(anyLive(stopping), { name: "o" });
        const lobby = await c.join("lobby");
        const j = await c.join(`game:${g.code}`);
        if (j.status === "ok" && j.response.seat === "O") {
          g.o = { token: lobby.response.player.token, name: "o" };
          c.close();
          break;
        }
        c.close();
      } catch { /* a node went away: try another */ }
      await delay(50);
    }
    for (let i = 0; i < DRAW.length; i++) {
      await playMove(g, i);
      await delay(250);
    }
  };

  // The deploy: SIGTERM and restart each node in turn while the games run.
  const deploy = async () => {
    for (const name of names) {
      await delay(400);
      stopping = name;
      const old = live.get(name);
      live.delete(name);
      const exit = await old.stop();
      forget(old);
      assert.equal(exit.code, 0, `${name} exit`);
      const drained = old.logs().match(/drain: handed (\d+) game/);
      assert.ok(drained, `${name} logged no drain:\n${old.logs()}`);
      handed += Number(drained[1]);
      const seed = [...live.values()][0];
      const fresh = await node({ name, dataDir: dataDirs[name], clusterPort: clusterPorts[name], seeds: seed.clusterAddr });
      live.set(name, fresh);
      stopping = null;
      // Wait for the full mesh again before the next node goes.
      for (const deadline = Date.now() + 10000; ;) {
        const lists = await Promise.all([...live.values()].map(async (n) =>
          (await (await fetch(`${n.url}/api/cluster`)).json()).members.length));
        if (lists.every((k) => k === 3)) break;
        assert.ok(Date.now() < deadline, "no full mesh after a restart");
        await delay(50);
      }
    }
  };
  const started = Date.now();
  const gamesDone = [];
  await Promise.all([
    deploy().then(() => { deployDone = Date.now(); }),
    ...games.map((g) => playGame(g).then(() => gamesDone.push(Date.now()))),
  ]);
  t.diagnostic(`3 rolling restarts took ${deployDone - started} ms; the games finished after ` +
    `${Math.min(...gamesDone) - started}..${Math.max(...gamesDone) - started} ms; ${retries} move attempts retried; ${handed} games handed over by draining nodes`);
  assert.ok(handed > 0, "no game was handed over on SIGTERM");
  // The load really overlapped the whole deploy.
  assert.ok(Math.min(...gamesDone) > deployDone, "a game finished before the deploy did");

  // Every game finished with every acknowledged move, and all nodes agree on its one owner.
  for (const g of games) {
    const hosts = new Set();
    for (const n of live.values()) {
      const c = await connect(n, { name: "auditor" });
      const j = await c.join(`game:${g.code}`);
      assert.equal(j.status, "ok", `${g.code} on ${n.name}: ${JSON.stringify(j.response)}`);
      const s = j.response.state;
      hosts.add(s.host.node);
      for (const m of g.acked)
        assert.equal(s.view.board[m.cell], m.mark, `${g.code}: acknowledged move ${JSON.stringify(m)} lost`);
      assert.equal(s.status, "finished");
      assert.equal(s.winner, "draw");
      assert.equal(s.version, 11); // created, O seated, nine moves
      c.close();
    }
    assert.equal(hosts.size, 1, `${g.code} owned by ${[...hosts]}`);
    assert.ok(g.acked.length >= 1);
  }
});
