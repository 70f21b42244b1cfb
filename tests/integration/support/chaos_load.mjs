// The chaos test's players: many concurrent tic-tac-toe games, each with its two players and a
// few spectators, every one of them on its own socket to a node picked at random. They behave as
// a real client does under faults: a socket that dies, a request that gets no answer or a channel
// that errors makes them reconnect (possibly to another node) and rejoin with their token.
//
// Everything they learn goes into a History the checker reads afterwards:
//   games: code -> { acks: [{version, cell, mark, board, node}],      acknowledged changes
//                    observations: [{...summary, seg, via}],          every STATE seen
//                    segments: {seg: joinVersion},                    one per successful join
//                    anomalies: [text] }                              e.g. a seat not given back
// A summary is the part of STATE the checker compares: version, board as 9 characters
// ("X.O......"), status, turn, winner, the seated players' ids and the host.
import { delay } from "./node.mjs";
import { Link } from "./link.mjs";

const MOVE_TIMEOUT_MS = 4000;

export function summarize(state) {
  return {
    version: state.version,
    board: state.view.board.map((c) => c || ".").join(""),
    status: state.status,
    turn: state.turn,
    winner: state.winner,
    x: state.players.X ? state.players.X.id : null,
    o: state.players.O ? state.players.O.id : null,
    host: state.host ? state.host.node : null,
  };
}

export function newHistory() {
  return {
    games: new Map(),
    uncertainCreates: 0, // create requests whose answer never came: games we may not know of
    stats: { creates: 0, acked: 0, sessions: 0, replyFirst: 0, joinErrors: {}, moveErrors: {} },
  };
}

function bump(counts, key) {
  counts[key] = (counts[key] || 0) + 1;
}

/**
 * Runs games until `createUntil` (ms since the epoch): `concurrency` games at a time, a finished
 * game replaced by a new one. Games in progress then play on until they finish or `hardStop`.
 * Resolves with the History.
 */
export async function runLoad({ cluster, rng, createUntil, hardStop, concurrency = 12, thinkMs = [30, 250] }) {
  const history = newHistory();
  const ctx = { cluster, history, hardStop, thinkMs, nextSeg: 1 };
  let nextGame = 0;
  const lane = async (laneNo) => {
    for (let i = 0; i < 100000 && Date.now() < createUntil; i++) {
      const id = nextGame++;
      await playGame(ctx, rng.fork(`game-${id}`), id);
      if (Date.now() < createUntil) await delay(rng.int(0, 200) + laneNo);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => lane(i)));
  return history;
}

function nodeOf(ctx, rng) {
  const name = rng.pick(ctx.cluster.names);
  return { name, wsUrl: ctx.cluster.wsUrl(name) };
}

/** One game: create it (X), then X, O and the spectators play and watch until it finishes. */
async function playGame(ctx, rng, id) {
  const x = { name: `x${id}`, token: null };
  const code = await create(ctx, rng, x);
  if (!code) return;
  const game = { code, acks: [{ version: 1, cell: null, mark: null, board: ".........", node: null }],
    observations: [], segments: {}, anomalies: [] };
  ctx.history.games.set(code, game);
  ctx.history.stats.creates += 1;
  let seated;
  let oHoldsSeat = false;
  const oSeated = new Promise((resolve) => { seated = resolve; });
  const o = { name: `o${id}`, token: null };
  const watchers = Array.from({ length: rng.int(0, 2) }, (_, i) => ({ name: `s${id}-${i}`, token: null }));
  const players = Promise.all([
    playSeat(ctx, rng.fork("X"), game, "X", x, () => {}),
    playSeat(ctx, rng.fork("O"), game, "O", o, () => { oHoldsSeat = true; seated(); }),
  ]).then(seated); // O may never get its seat before the end: release the spectators
  // Spectators join once O holds its seat, or they would take it.
  await Promise.all([players, ...watchers.map((w, i) => oSeated.then(() =>
    oHoldsSeat && playSeat(ctx, rng.fork(`s${i}`), game, null, w, () => {})))]);
}

/** Creates a game on some node; resolves its code, or null after too many failures. */
async function create(ctx, rng, x) {
  for (let attempt = 0; attempt < 20 && Date.now() < ctx.hardStop; attempt++) {
    if (attempt > 0) await delay(rng.int(100, 500));
    const link = await Link.open(nodeOf(ctx, rng), { name: x.name, token: x.token });
    if (!link) continue;
    try {
      const lobby = await link.join("lobby");
      if (lobby.status !== "ok") continue;
      x.token = x.token || lobby.response.player.token;
      const r = await link.request(lobby.joinRef, "lobby", "create", { game: "tictactoe" });
      if (r.status === "ok") return r.response.code;
      // No answer, or the gateway gave up waiting: the game may exist all the same.
      bump(ctx.history.stats.joinErrors, `create:${r.status === "error" ? r.response?.reason : r.status}`);
      if (r.status !== "error" || ["timeout", "unavailable"].includes(r.response?.reason)) ctx.history.uncertainCreates += 1;
    } finally {
      link.close();
    }
  }
  return null;
}

/**
 * One player (seat "X"/"O") or spectator (seat null) of `game`, reconnecting until the game is
 * seen finished or the run's hard stop. `onSeated` is called once the seat is confirmed.
 */
async function playSeat(ctx, rng, game, seat, who, onSeated) {
  for (let attempt = 0; attempt < 400 && Date.now() < ctx.hardStop; attempt++) {
    if (attempt > 0) await delay(rng.int(50, 400));
    const node = nodeOf(ctx, rng);
    const link = await Link.open(node, { name: who.name, token: who.token });
    if (!link) continue;
    try {
      if (await session(ctx, rng, game, seat, who, onSeated, link, node.name)) return;
    } finally {
      link.close();
    }
  }
}

/** One connection's life; resolves true when done with the game, false to reconnect. */
async function session(ctx, rng, game, seat, who, onSeated, link, nodeName) {
  const { history } = ctx;
  if (!who.token) {
    const lobby = await link.join("lobby");
    if (lobby.status !== "ok") return false;
    who.token = lobby.response.player.token;
  }
  const seg = ctx.nextSeg++;
  history.stats.sessions += 1;
  const seen = new Map(); // version -> summary, on this connection
  let latest = null;
  let errored = null;
  const waiters = new Set();
  const wake = () => { for (const w of waiters) w(); };
  const observe = (summary, via) => {
    game.observations.push({ ...summary, seg, via });
    seen.set(summary.version, summary);
    if (!latest || summary.version > latest.version) latest = summary;
    wake();
  };
  /** Resolves true once a state newer than `version` arrived (or the channel failed). */
  const waitNewer = (version, ms) => new Promise((resolve) => {
    const check = () => {
      if (errored || (latest && latest.version > version)) { finish(); resolve(true); }
    };
    const timer = setTimeout(() => { finish(); resolve(false); }, ms);
    const finish = () => { clearTimeout(timer); waiters.delete(check); };
    waiters.add(check);
    check();
  });

  const topic = `game:${game.code}`;
  const j = await link.join(topic, {}, {
    onState: (state) => observe(summarize(state), "state"),
    onError: (why) => { errored = why; wake(); },
  });
  if (j.status !== "ok") {
    bump(history.stats.joinErrors, j.status === "error" ? j.response?.reason : j.status);
    return false;
  }
  const joined = summarize(j.response.state);
  game.segments[seg] = joined.version;
  observe(joined, "join");
  if (seat && j.response.seat !== seat)
    game.anomalies.push(`${who.name} rejoined on ${nodeName} as ${j.response.seat}, not ${seat} (v${joined.version})`);
  if (seat === "O" && j.response.seat === "O") onSeated();

  for (let step = 0, idle = 0; step < 300; step++) {
    if (Date.now() >= ctx.hardStop) return true;
    if (errored) return false;
    if (latest.status === "finished") return true;
    if (seat && latest.status === "playing" && latest.turn === seat) {
      await delay(rng.int(ctx.thinkMs[0], ctx.thinkMs[1]));
      if (errored) return false;
      const free = [...latest.board].flatMap((c, i) => (c === "." ? [i] : []));
      if (free.length === 0) return false; // cannot be: rejoin rather than send nonsense
      const cell = rng.pick(free);
      const before = latest.version;
      const r = await link.request(j.joinRef, topic, "move", { cell }, MOVE_TIMEOUT_MS);
      if (r.status === "ok") {
        const version = r.response.version;
        // The state of `version` usually came first; for a game hosted on another node the
        // reply may overtake it (the checker then compares the cell alone).
        const board = seen.get(version)?.board ?? null;
        if (board === null) history.stats.replyFirst += 1;
        game.acks.push({ version, cell, mark: seat, board, node: nodeName });
        history.stats.acked += 1;
        continue;
      }
      bump(history.stats.moveErrors, r.status === "error" ? r.response?.reason : r.status);
      const stale = ["not_your_turn", "cell_taken", "waiting_for_players", "game_over"];
      if (r.status === "error" && stale.includes(r.response?.reason) && (await waitNewer(before, 2000))) continue;
      return false; // no answer, unavailable, or a refusal we cannot explain: rejoin
    }
    if (!(await waitNewer(latest.version, 3000)) && !errored) {
      // Quiet for 3 s: is the node still there? A frozen one does not answer.
      const hb = await link.heartbeat();
      if (hb.status !== "ok" || ++idle > 5) return false;
    }
  }
  return false;
}

/**
 * The final audit: joins every game from every node (a fresh spectator each time) and returns
 * finals: code -> {node: summary | {error}}. Sockets are changed every 40 joins to stay far
 * below the per-socket frame rate.
 */
export async function auditGames(cluster, codes, { retries = 3 } = {}) {
  const finals = new Map(codes.map((c) => [c, {}]));
  await Promise.all(cluster.names.map(async (name) => {
    const node = { name, wsUrl: cluster.wsUrl(name) };
    for (let i = 0; i < codes.length; i += 40) {
      const batch = codes.slice(i, i + 40);
      let link = null;
      for (let tries = 0; tries < 10 && !link; tries++) link = await Link.open(node, { name: "auditor" });
      if (!link) {
        for (const code of batch) finals.get(code)[name] = { error: "cannot connect" };
        continue;
      }
      await Promise.all(batch.map(async (code) => {
        let last = null;
        for (let t = 0; t <= retries; t++) {
          if (t > 0) await delay(500);
          const j = await link.join(`game:${code}`, {}, {}, 5000);
          if (j.status === "ok") { finals.get(code)[name] = summarize(j.response.state); return; }
          last = j.status === "error" ? j.response?.reason : j.status;
        }
        finals.get(code)[name] = { error: last };
      }));
      link.close();
      await delay(100);
    }
  }));
  return finals;
}
