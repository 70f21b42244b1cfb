// Tic-tac-toe over the stock phoenix JS client (contract §4), against a real parlor-node.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createHmac } from "node:crypto";
import { CLUSTER_SECRET, startNode, withNode } from "./support/node.mjs";
import { RawClient, connectPhoenix, disconnect, disconnectAll, joinChannel, push } from "./support/phx.mjs";

const T = { timeout: 30000 };

// A failed test must not leave clients retrying against its stopped node.
afterEach(() => disconnectAll());
const EMPTY = Array(9).fill(null);

/** A connected player: socket, lobby reply, and helpers. */
async function player(node, name, token) {
  const params = token === undefined ? { name } : { name, token };
  const socket = await connectPhoenix(node, params);
  const lobby = await joinChannel(socket, "lobby");
  assert.equal(lobby.status, "ok", `${name}: lobby join ${JSON.stringify(lobby.response)}`);
  const { player: me, node: nodeName, region } = lobby.response;
  return { name, socket, lobby: lobby.channel, me, nodeName, region, games: new Map() };
}

async function create(p) {
  const r = await push(p.lobby, "create", { game: "tictactoe" });
  assert.equal(r.status, "ok", `${p.name}: create ${JSON.stringify(r.response)}`);
  assert.match(r.response.code, /^[A-Z]{4}$/);
  return r.response.code;
}

/** Joins game:CODE; asserts ok and returns the joinChannel() result (with seat and state). */
async function join(p, code) {
  const j = await joinChannel(p.socket, `game:${code}`);
  assert.equal(j.status, "ok", `${p.name}: join game:${code} ${JSON.stringify(j.response)}`);
  p.games.set(code, j);
  return { ...j, seat: j.response.seat, state: j.response.state };
}

function move(p, code, payload) {
  return push(p.games.get(code).channel, "move", payload);
}

/** Plays `cell` and asserts it is accepted with version `expected`. */
async function play(p, code, cell, expected) {
  const r = await move(p, code, { cell });
  assert.deepEqual(r, { status: "ok", response: { version: expected } }, `${p.name} plays ${cell}`);
}

async function refused(p, code, payload, reason) {
  const r = await move(p, code, payload);
  assert.deepEqual(r, { status: "error", response: { reason } }, `${p.name} moves ${JSON.stringify(payload)}`);
}

/** The current STATE of a game, as seen by a fresh join of `p` (same token, new socket). */
async function peek(node, p, code) {
  const other = await player(node, p.name, p.me.token);
  try {
    const j = await join(other, code);
    return j.state;
  } finally {
    await disconnect(other.socket);
  }
}

function assertStateShape(state, code, node) {
  assert.equal(state.code, code);
  assert.equal(state.game, "tictactoe");
  assert.equal(typeof state.version, "number");
  assert.ok(["waiting", "playing", "finished"].includes(state.status), state.status);
  assert.ok(state.players && "X" in state.players && "O" in state.players, "players has X and O");
  assert.deepEqual(state.host, { node: node.name, region: node.region });
  assert.ok(Array.isArray(state.view.board) && state.view.board.length === 9, "board has 9 cells");
}

async function closeAll(...players) {
  await Promise.all(players.filter(Boolean).map((p) => disconnect(p.socket)));
}

/** Alice creates and joins (X), Bob joins (O): a game in play at version 2. */
async function startedGame(node) {
  const alice = await player(node, "alice");
  const bob = await player(node, "bob");
  const code = await create(alice);
  await join(alice, code);
  const b = await join(bob, code);
  assert.equal(b.seat, "O");
  assert.equal(b.state.version, 2);
  return { alice, bob, code };
}

test("create, join as X, join as O: the game starts and X is told", T, () =>
  withNode({ name: "game-node", region: "fra" }, async (node) => {
    const alice = await player(node, "alice");
    const bob = await player(node, "bob");
    assert.equal(alice.nodeName, "game-node");
    assert.equal(alice.region, "fra");
    assert.notEqual(alice.me.id, bob.me.id);

    const code = await create(alice);
    const a = await join(alice, code);
    assert.equal(a.seat, "X");
    assertStateShape(a.state, code, node);
    assert.equal(a.state.version, 1, "the creator's join fills no seat");
    assert.equal(a.state.status, "waiting");
    assert.deepEqual(a.state.players, { X: { id: alice.me.id, name: "alice" }, O: null });
    assert.equal(a.state.winner, null);
    assert.deepEqual(a.state.view.board, EMPTY);

    const b = await join(bob, code);
    assert.equal(b.seat, "O");
    assertStateShape(b.state, code, node);
    assert.equal(b.state.version, 2);
    assert.equal(b.state.status, "playing");
    assert.equal(b.state.turn, "X");
    assert.equal(b.state.winner, null);
    assert.deepEqual(b.state.players, {
      X: { id: alice.me.id, name: "alice" },
      O: { id: bob.me.id, name: "bob" },
    });

    const seen = await a.waitForState((s) => s.version === 2);
    assert.deepEqual(seen, b.state, "alice's broadcast equals bob's join reply");
    await closeAll(alice, bob);
  }));

test("a full game to an X win", T, () => withNode({}, async (node) => {
  const { alice, bob, code } = await startedGame(node);
  await play(alice, code, 0, 3);
  await play(bob, code, 3, 4);
  await play(alice, code, 1, 5);
  await play(bob, code, 4, 6);
  await play(alice, code, 2, 7);

  for (const p of [alice, bob]) {
    const final = await p.games.get(code).waitForState((s) => s.version === 7);
    assert.equal(final.status, "finished");
    assert.equal(final.winner, "X");
    assert.equal(final.turn, null);
    assert.deepEqual(final.view.board, ["X", "X", "X", "O", "O", null, null, null, null]);
    const versions = p.games.get(code).states.map((s) => s.version);
    assert.deepEqual(versions.filter((v) => v >= 3), [3, 4, 5, 6, 7], `${p.name} saw every move once, in order`);
  }
  const after = await peek(node, alice, code);
  assert.equal(after.version, 7);
  assert.equal(after.winner, "X");
  await closeAll(alice, bob);
}));

test("a draw", T, () => withNode({}, async (node) => {
  const { alice, bob, code } = await startedGame(node);
  const moves = [0, 1, 2, 4, 3, 5, 7, 6, 8];
  for (let i = 0; i < moves.length; i++) {
    await play(i % 2 === 0 ? alice : bob, code, moves[i], 3 + i);
  }
  const final = await alice.games.get(code).waitForState((s) => s.version === 11);
  assert.equal(final.status, "finished");
  assert.equal(final.winner, "draw");
  assert.equal(final.turn, null);
  assert.deepEqual(final.view.board, ["X", "O", "X", "X", "O", "O", "O", "X", "X"]);
  await refused(alice, code, { cell: 0 }, "game_over");
  await closeAll(alice, bob);
}));

test("every illegal move is refused with its reason and changes nothing", T, () =>
  withNode({}, async (node) => {
    const alice = await player(node, "alice");
    const bob = await player(node, "bob");
    const carol = await player(node, "carol");
    const code = await create(alice);
    await join(alice, code);

    // Waiting for O.
    await refused(alice, code, { cell: 0 }, "waiting_for_players");
    await refused(alice, code, { cell: 9 }, "bad_move"); // bad_move comes first
    assert.equal((await peek(node, alice, code)).version, 1);

    await join(bob, code);
    const c = await join(carol, code);
    assert.equal(c.seat, null, "the third player is a spectator");
    assert.equal(c.state.version, 2, "a spectator fills no seat");

    // Malformed payloads.
    for (const payload of [{ cell: 9 }, { cell: -1 }, { cell: "a" }, { cell: "4" }, { cell: 1.5 },
      { cell: null }, { cell: [4] }, {}]) {
      await refused(alice, code, payload, "bad_move");
    }
    await refused(carol, code, { cell: 9 }, "bad_move"); // before not_a_player
    await refused(carol, code, { cell: 0 }, "not_a_player");
    await refused(bob, code, { cell: 0 }, "not_your_turn");
    assert.equal((await peek(node, alice, code)).version, 2);

    await play(alice, code, 4, 3);
    await refused(bob, code, { cell: 4 }, "cell_taken");
    await refused(alice, code, { cell: 4 }, "not_your_turn"); // before cell_taken
    await play(bob, code, 0, 4);
    await play(alice, code, 2, 5);
    await play(bob, code, 1, 6);
    await play(alice, code, 6, 7); // 2-4-6: X wins
    const final = await alice.games.get(code).waitForState((s) => s.version === 7);
    assert.equal(final.winner, "X");

    await refused(alice, code, { cell: 8 }, "game_over");
    await refused(bob, code, { cell: 8 }, "game_over");
    await refused(bob, code, { cell: 4 }, "game_over"); // before cell_taken
    await refused(carol, code, { cell: 8 }, "not_a_player"); // before game_over
    await refused(alice, code, { cell: "x" }, "bad_move"); // before game_over

    const after = await peek(node, alice, code);
    assert.equal(after.version, 7, "refused moves change nothing");
    assert.deepEqual(after.view.board, ["O", "O", "X", null, "X", null, "X", null, null]);
    // No broadcast followed a refused move.
    assert.deepEqual(alice.games.get(code).states.map((s) => s.version).filter((v) => v > 2), [3, 4, 5, 6, 7]);
    await closeAll(alice, bob, carol);
  }));

test("a spectator receives every state broadcast", T, () => withNode({}, async (node) => {
  const { alice, bob, code } = await startedGame(node);
  const carol = await player(node, "carol");
  const c = await join(carol, code);
  assert.equal(c.seat, null);
  assert.equal(c.state.version, 2);
  assert.equal(c.state.players.O.name, "bob");
  await play(alice, code, 8, 3);
  await play(bob, code, 0, 4);
  const seen = await c.waitForState((s) => s.version === 4);
  assert.deepEqual(seen.view.board, ["O", null, null, null, null, null, null, null, "X"]);
  assert.deepEqual(c.states.map((s) => s.version).filter((v) => v > 2), [3, 4]);
  await closeAll(alice, bob, carol);
}));

test("a token brings the same player and seat back on a new connection", T, () =>
  withNode({}, async (node) => {
    const alice = await player(node, "alice");
    const code = await create(alice);
    await join(alice, code);
    const { id, token } = alice.me;
    await disconnect(alice.socket);

    // Back while still waiting: X again, and O stays free.
    const alice2 = await player(node, "alice", token);
    assert.equal(alice2.me.id, id, "same player id");
    const a2 = await join(alice2, code);
    assert.equal(a2.seat, "X");
    assert.equal(a2.state.version, 1, "rejoining fills no seat");
    assert.equal(a2.state.status, "waiting");
    assert.equal(a2.state.players.O, null);

    const bob = await player(node, "bob");
    const b = await join(bob, code);
    assert.equal(b.seat, "O");
    await play(alice2, code, 4, 3);
    const bobToken = bob.me.token;
    await disconnect(bob.socket);

    // Bob comes back mid-game and can move.
    const bob2 = await player(node, "bob", bobToken);
    assert.equal(bob2.me.id, b.state.players.O.id);
    const b2 = await join(bob2, code);
    assert.equal(b2.seat, "O");
    assert.equal(b2.state.version, 3);
    assert.equal(b2.state.turn, "O");
    await play(bob2, code, 0, 4);
    await alice2.games.get(code).waitForState((s) => s.version === 4);
    await closeAll(alice2, bob2);
  }));

test("the same player on two connections holds one seat", T, () => withNode({}, async (node) => {
  const alice = await player(node, "alice");
  const code = await create(alice);
  await join(alice, code);
  const twin = await player(node, "alice", alice.me.token);
  const t = await join(twin, code);
  assert.equal(t.seat, "X");
  assert.equal(t.state.players.O, null, "the second connection does not take O");
  const bob = await player(node, "bob");
  assert.equal((await join(bob, code)).seat, "O");
  await play(twin, code, 0, 3); // either connection can move for X
  await alice.games.get(code).waitForState((s) => s.version === 3);
  await closeAll(alice, twin, bob);
}));

test("an invalid or foreign token makes a new player", T, async () => {
  const other = await startNode({ secret: "some-other-cluster-secret" });
  let foreign;
  try {
    const stranger = await player(other, "stranger");
    foreign = stranger.me;
    await disconnect(stranger.socket);
  } finally {
    await other.stop();
  }
  await withNode({}, async (node) => {
    const alice = await player(node, "alice");
    for (const token of ["garbage", `${alice.me.token}x`, foreign.token, ""]) {
      const p = await player(node, "mallory", token);
      assert.notEqual(p.me.id, alice.me.id, `token ${JSON.stringify(token)}`);
      assert.notEqual(p.me.id, foreign.id, `token ${JSON.stringify(token)}`);
      assert.equal(p.me.name, "mallory");
      assert.equal(typeof p.me.token, "string");
      assert.ok(p.me.token.length > 0);
      await disconnect(p.socket);
    }
    await closeAll(alice);
  });
});

/** A token for `id` signed with the integration cluster secret, issued at `issuedS`. */
function tokenFor(id, issuedS) {
  const body = `v2.${Buffer.from(id).toString("base64url")}.${issuedS}`;
  return `${body}.${createHmac("sha256", CLUSTER_SECRET).update(body).digest("base64url")}`;
}

test("tokens expire after --token-max-age-days, and every lobby join hands out a fresh one", T, () =>
  withNode({ args: ["--token-max-age-days=2"] }, async (node) => {
    const alice = await player(node, "alice");
    const nowS = Math.floor(Date.now() / 1000);
    const [, , issued] = alice.me.token.split(".");
    assert.ok(Math.abs(Number(issued) - nowS) <= 5, `issued ${issued}, now ${nowS}`);
    // Signed one day ago: still good, and the lobby answers a fresh token for the same id.
    const dayOld = await player(node, "alice", tokenFor(alice.me.id, nowS - 86400));
    assert.equal(dayOld.me.id, alice.me.id);
    assert.ok(Number(dayOld.me.token.split(".")[2]) >= nowS, "a fresh token");
    // Signed three days ago, or an hour in the future: a new player.
    for (const issuedS of [nowS - 3 * 86400, nowS + 3600]) {
      const p = await player(node, "alice", tokenFor(alice.me.id, issuedS));
      assert.notEqual(p.me.id, alice.me.id, `issued ${issuedS}`);
      await disconnect(p.socket);
    }
    await closeAll(alice, dayOld);
  }));

/** Plays `GAMES` games to an X win at once; asserts each saw only its own states. */
async function parallelGames(node, GAMES) {
  const results = await Promise.all(Array.from({ length: GAMES }, async (_, i) => {
    const x = await player(node, `x${i}`);
    const o = await player(node, `o${i}`);
    try {
      const code = await create(x);
      await join(x, code);
      const oj = await join(o, code);
      assert.equal(oj.seat, "O");
      // X wins on the first column; O plays the middle column.
      const moves = [[x, 0], [o, 1], [x, 3], [o, 4], [x, 6]];
      for (let m = 0; m < moves.length; m++) await play(moves[m][0], code, moves[m][1], 3 + m);
      const finals = await Promise.all([x, o].map((p) =>
        p.games.get(code).waitForState((s) => s.version === 7, 10000)));
      for (const f of finals) {
        assert.equal(f.winner, "X");
        assert.deepEqual(f.view.board, ["X", "O", null, "X", "O", null, "X", null, null]);
      }
      // Nobody saw another game's broadcast.
      for (const p of [x, o]) {
        assert.ok(p.games.get(code).states.every((s) => s.code === code), `${p.name} only sees ${code}`);
      }
      return code;
    } finally {
      await closeAll(x, o);
    }
  }));
  assert.equal(new Set(results).size, GAMES, "every game has its own code");
}

test("30 games in parallel", { timeout: 60000 }, () => withNode({}, (node) => parallelGames(node, 30)));

// The default runs actors on the io thread; --threads=N runs them on a pool
// of CAF workers (and the store on a thread of its own). Both must play and
// stop cleanly.
for (const threads of ["0", "2"]) {
  test(`--threads=${threads}: games play and SIGTERM stops the node with exit code 0`, { timeout: 60000 },
    async () => {
      const node = await startNode({ args: [`--threads=${threads}`] });
      let stopped = false;
      try {
        await parallelGames(node, 10);
        await disconnectAll();
        const info = await node.stop();
        stopped = true;
        assert.deepEqual(info, { code: 0, signal: null }, node.describe());
      } finally {
        if (!stopped) await node.stop();
      }
    });
}

// ---- seats by invitation (contract §9) ---------------------------------------------------

test("an invite game seats only the holder of its secret; the code alone watches", T, () =>
  withNode({}, async (node) => {
    const alice = await player(node, "alice");
    const r = await push(alice.lobby, "create", { game: "tictactoe", seating: "invite" });
    assert.equal(r.status, "ok", JSON.stringify(r.response));
    const { code, invite } = r.response;
    assert.match(code, /^[A-Z]{4}$/);
    assert.match(invite, /^[0-9a-f]{24}$/, "at least 64 random bits, URL-safe");
    const a = await join(alice, code);
    assert.equal(a.seat, "X", "the creator is seated without the secret");
    assert.equal(JSON.stringify(a.state).includes(invite), false, "STATE never carries the secret");

    // A guesser with the code and no secret, or a wrong one, watches; the seat stays free.
    const mallory = await player(node, "mallory");
    const m = await join(mallory, code);
    assert.equal(m.seat, null);
    assert.equal(m.state.status, "waiting");
    assert.equal(m.state.players.O, null);
    const eve = await player(node, "eve");
    const e = await joinChannel(eve.socket, `game:${code}`, { invite: "0".repeat(24) });
    assert.equal(e.status, "ok");
    assert.equal(e.response.seat, null);
    const refusedMove = await push(e.channel, "move", { cell: 0 });
    assert.deepEqual(refusedMove, { status: "error", response: { reason: "not_a_player" } });

    // The friend with the secret takes O and the game starts.
    const bob = await player(node, "bob");
    const b = await joinChannel(bob.socket, `game:${code}`, { invite });
    assert.equal(b.status, "ok", JSON.stringify(b.response));
    assert.equal(b.response.seat, "O");
    assert.equal(b.response.state.status, "playing");
    assert.deepEqual(b.response.state.players.O, { id: bob.me.id, name: "bob" });
    await m.waitForState((s) => s.status === "playing");

    // The same secret, used again once the seats are full, seats nobody.
    const carol = await player(node, "carol");
    const c = await joinChannel(carol.socket, `game:${code}`, { invite });
    assert.equal(c.response.seat, null);
    await closeAll(alice, mallory, eve, bob, carol);
  }));

test("seating defaults to open, and a bad seating is refused without creating a game", T, () =>
  withNode({}, async (node) => {
    const alice = await player(node, "alice");
    const open = await push(alice.lobby, "create", { game: "tictactoe", seating: "open" });
    assert.equal(open.status, "ok");
    assert.equal("invite" in open.response, false, "an open game has no secret");
    const plain = await push(alice.lobby, "create", { game: "tictactoe" });
    assert.equal("invite" in plain.response, false);
    await join(alice, plain.response.code);
    const bob = await player(node, "bob");
    assert.equal((await join(bob, plain.response.code)).seat, "O", "open seating as §4");

    for (const seating of ["closed", 1, null, ["invite"]]) {
      const bad = await push(alice.lobby, "create", { game: "tictactoe", seating });
      assert.equal(bad.status, "error", `seating ${JSON.stringify(seating)}`);
      assert.equal(bad.response.reason, "bad_options");
      assert.equal(typeof bad.response.detail, "string");
    }
    const before = await (await fetch(`${node.url}/metrics`)).text();
    const created = Number(before.match(/^parlor_games_created_total (\d+)/m)[1]);
    assert.equal(created, 2, "the refused creates made no game");
    await closeAll(alice, bob);
  }));

test("an invite game keeps its secret across a restart", T, async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), "parlor-invite-"));
  const node = await startNode({ name: "invite-solo", dataDir });
  let restarted;
  try {
    const alice = await player(node, "alice");
    const { response: { code, invite } } = await push(alice.lobby, "create", { game: "tictactoe", seating: "invite" });
    await join(alice, code);
    await closeAll(alice);
    await node.stop();
    restarted = await startNode({ name: "invite-solo", dataDir });
    const mallory = await player(restarted, "mallory");
    assert.equal((await join(mallory, code)).seat, null, "still seats only by invitation");
    const bob = await player(restarted, "bob");
    const b = await joinChannel(bob.socket, `game:${code}`, { invite });
    assert.equal(b.response.seat, "O");
    await closeAll(mallory, bob);
  } finally {
    if (restarted) await restarted.stop();
    else await node.stop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("more than 20 not_found joins in a minute: that socket's joins get rate_limited", T, () =>
  withNode({}, async (node) => {
    const alice = await player(node, "alice");
    const code = await create(alice);
    const guesser = await RawClient.connect(node, { name: "guesser" });
    const taken = new Set([code]);
    const unused = [];
    for (let i = 0; unused.length < 21; i++) {
      const guess = String.fromCharCode(65 + (i % 26), 65 + Math.floor(i / 26) % 26, 81, 90);
      if (!taken.has(guess)) unused.push(guess);
    }
    for (const guess of unused) {
      const j = await guesser.join(`game:${guess}`);
      assert.deepEqual(j.response, { reason: "not_found" }, guess);
    }
    // The 22nd join, even of a real code, is refused; so is a malformed one.
    const refusedJoin = await guesser.join(`game:${code}`);
    assert.equal(refusedJoin.status, "error");
    assert.deepEqual(refusedJoin.response, { reason: "rate_limited" });
    assert.deepEqual((await guesser.join("game:zz")).response, { reason: "rate_limited" });
    // The lobby and other sockets are not affected.
    assert.equal((await guesser.join("lobby")).status, "ok");
    const bob = await player(node, "bob");
    assert.equal((await join(bob, code)).seat, "O");
    guesser.close();
    await closeAll(alice, bob);
  }));

test("one player creates at most --create-rate games a minute (default 30); others are not held up", T, () =>
  withNode({}, async (node) => {
    const alice = await player(node, "alice");
    for (let i = 0; i < 30; i++) await create(alice);
    const refused = await push(alice.lobby, "create", { game: "tictactoe" });
    assert.deepEqual(refused, { status: "error", response: { reason: "rate_limited" } });
    // A second socket of the same player shares the budget; another player has their own.
    const again = await player(node, "alice", alice.me.token);
    assert.deepEqual(await push(again.lobby, "create", { game: "tictactoe" }),
      { status: "error", response: { reason: "rate_limited" } });
    const bob = await player(node, "bob");
    await create(bob);
    await closeAll(alice, again, bob);
  }));

test("GET /api/games lists the kinds; connect4 plays to a win; bad options make no game", T, () =>
  withNode({}, async (node) => {
    const catalog = await (await fetch(`${node.url}/api/games`)).json();
    const kinds = catalog.games.map((g) => g.game);
    assert.deepEqual(kinds, ["connect4", "tictactoe"]);
    const c4 = catalog.games[0];
    assert.deepEqual(c4.seats, ["R", "Y"]);
    assert.equal(c4.min_seats, 2);
    assert.equal(c4.max_seats, 2);
    assert.equal(c4.hidden, false);
    assert.equal(c4.options.turn_seconds.type, "integer");

    const alice = await player(node, "alice");
    for (const [options, detail] of [[{ turn_seconds: -1 }, /0 to 86400/],
      [{ colour: "red" }, /unknown option "colour"/], [[1], /object/]]) {
      const r = await push(alice.lobby, "create", { game: "connect4", options });
      assert.equal(r.status, "error");
      assert.equal(r.response.reason, "bad_options");
      assert.match(r.response.detail, detail);
    }
    const r = await push(alice.lobby, "create", { game: "connect4", options: { turn_seconds: 60 } });
    assert.equal(r.status, "ok", JSON.stringify(r.response));
    const bob = await player(node, "bob");
    const a = await join(alice, r.response.code);
    const b = await join(bob, r.response.code);
    assert.equal(a.seat, "R");
    assert.equal(b.seat, "Y");
    assert.deepEqual(b.state.seats, ["R", "Y"]);
    assert.deepEqual(b.state.acting, ["R"]);
    assert.equal(b.state.round, 1);
    // A 60 s clock: the deadline is about a minute ahead.
    assert.ok(Math.abs(b.state.deadline - (Date.now() + 60000)) < 5000, String(b.state.deadline));
    // R drops four in column 0; Y plays column 1.
    let last;
    for (const [who, column] of [[a, 0], [b, 1], [a, 0], [b, 1], [a, 0], [b, 1]]) {
      last = await push(who.channel, "move", { column });
      assert.equal(last.status, "ok", JSON.stringify(last.response));
    }
    assert.deepEqual((await push(b.channel, "move", { column: 1 })).response, { reason: "not_your_turn" });
    assert.deepEqual((await push(a.channel, "move", { cell: 1 })).response, { reason: "bad_move" });
    assert.equal((await push(a.channel, "move", { column: 0 })).status, "ok");
    const final = await b.waitForState((s) => s.status === "finished");
    assert.equal(final.winner, "R");
    assert.deepEqual(final.acting, []);
    assert.equal(final.deadline, null);
    assert.equal(final.view.board[2][0], "R");
    assert.equal(final.view.board[5][1], "Y");
    // A full column is the game's own reason.
    const again = await push(alice.lobby, "create", { game: "connect4" });
    const a2 = await join(alice, again.response.code);
    const b2 = await join(bob, again.response.code);
    for (let i = 0; i < 6; i++)
      assert.equal((await push((i % 2 ? b2 : a2).channel, "move", { column: 3 })).status, "ok");
    assert.deepEqual((await push(a2.channel, "move", { column: 3 })).response, { reason: "column_full" });
  }));
