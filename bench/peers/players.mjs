// A driver worker (worker thread of driver.mjs): plays a share of the games against one
// system with its official client, and runs the open loop for its share of the rate.
//
// The main thread (driver.mjs) only starts servers, reads /proc and aggregates, so its work
// never delays a move. With --workers > 1 the games are spread over several workers, each
// with its own heap: a garbage collection pause then delays only the moves of its own games,
// but every extra event loop costs driver CPU (on the 2-core test machine one worker was best).
//
// Messages from driver.mjs (each answered with {id, ok, ...} or {id, error}):
//   {cmd: "open"}                      open this worker's games; resolves when all are playing
//   {cmd: "restartAll"}                replace every game once, one after the other (to price
//                                      a new game)
//   {cmd: "step", rate, duration, record, at}
//                                      open loop at `rate` for `duration` s, starting at the
//                                      shared instant `at` (ms, Date.now()), then drain
//   {cmd: "close"}                     disconnect everything
import { parentPort, workerData } from "node:worker_threads";
import { createRequire } from "node:module";
import { performance, PerformanceObserver } from "node:perf_hooks";
import { sleep, within } from "./timing.mjs";

const require = createRequire(import.meta.url);
const { system, info, games, firstGame, seed, moveTimeoutMs } = workerData;

// A small deterministic PRNG (xorshift32) so every system gets the same move choices.
function prng(s) {
  let x = (s >>> 0) || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 4294967296;
  };
}
const rand = prng(seed);

const gcPauses = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (gcPauses.length < 1e6) gcPauses.push(e.duration);
}).observe({ entryTypes: ["gc"] });

/**
 * Resolves `wait(what)` once both `flags` are set (checked on every `check()`), within 5 s.
 */
function bothSet(flags) {
  let wake = null;
  return {
    check() {
      if (wake) wake();
    },
    wait(what) {
      return within(5000, new Promise((resolve) => {
        wake = () => { if (flags[0] && flags[1]) resolve(); };
        wake();
      }), what).finally(() => { wake = null; });
    },
  };
}

const SEAT = { X: 0, O: 1 };

/**
 * Follows the states both players of a Parlor or Colyseus game see (`version`, `status`, and
 * the board that `boardOf` reads): `onState(p, st)` records them and reports the pending move;
 * `wait(what)` resolves with the game's version once both show it playing.
 */
function versionWatch(hooks, slot, gen, boardOf) {
  const versions = [0, 0];
  const playing = [false, false];
  const start = bothSet(playing);
  return {
    onState(p, st) {
      if (slot.gen !== gen || !st) return;
      if (st.version > versions[p]) versions[p] = st.version;
      if (st.status === "playing" || st.status === "finished") playing[p] = true;
      const pend = slot.pending;
      if (pend && st.version >= pend.expected) {
        const v = boardOf(st)?.[pend.cell];
        hooks.seen(slot, p, st.version, v ? SEAT[v] : null); // null or "": empty
      }
      start.check();
    },
    async wait(what) {
      await start.wait(what);
      return Math.max(versions[0], versions[1]);
    },
  };
}

/** Throws once `slot` moved on to a newer game attempt than `gen` (an abandoned one). */
function stillCurrent(slot, gen) {
  if (slot.gen !== gen) throw new Error("superseded by a newer attempt");
}

// ---- clients -------------------------------------------------------------------------------
//
// open(slot) makes the slot's two players; newGame(slot) creates a game, seats both players,
// and resolves with the game's version once both clients show it playing; move(slot, seat,
// cell) sends a move and reports through hooks.ack(slot, gen) / hooks.seen(slot, player,
// version, owner) / hooks.fail(slot, gen, why); close(slot) disconnects. `owner` is the seat
// (0 = X, 1 = O, null = empty) the reporting client shows at the pending move's cell, so the
// driver checks that the move really landed.

function parlorClient(hooks) {
  const { Socket } = require("phoenix");
  const WebSocket = require("ws");
  const pushP = (channel, event, payload) => new Promise((resolve, reject) => {
    channel.push(event, payload, moveTimeoutMs)
      .receive("ok", resolve)
      .receive("error", (r) => reject(new Error(`${event}: ${JSON.stringify(r)}`)))
      .receive("timeout", () => reject(new Error(`${event}: timeout`)));
  });
  const joinP = (channel) => new Promise((resolve, reject) => {
    channel.join(moveTimeoutMs)
      .receive("ok", resolve)
      .receive("error", (r) => reject(new Error(`join ${channel.topic}: ${JSON.stringify(r)}`)))
      .receive("timeout", () => reject(new Error(`join ${channel.topic}: timeout`)));
  });
  return {
    ackFromState: false,
    async open(slot) {
      const mk = (name) => new Promise((resolve, reject) => {
        const socket = new Socket(`ws://127.0.0.1:${info.port}/socket`, {
          transport: WebSocket,
          params: { name },
          timeout: moveTimeoutMs,
          heartbeatIntervalMs: 30000,
          reconnectAfterMs: () => 60000,
          rejoinAfterMs: () => 60000,
        });
        const refs = [];
        refs.push(socket.onOpen(() => { socket.off(refs); resolve(socket); }));
        refs.push(socket.onError((e) => {
          socket.off(refs);
          socket.disconnect();
          reject(new Error(`phoenix socket error ${e && e.message ? e.message : e}`));
        }));
        socket.connect();
      });
      const sockets = await within(10000, Promise.all([mk(`x${slot.idx}`), mk(`o${slot.idx}`)]), "parlor connect");
      const lobby = sockets[0].channel("lobby", {});
      await joinP(lobby);
      slot.sys = { sockets, lobby, channels: [null, null] };
    },
    async newGame(slot) {
      const s = slot.sys;
      const gen = slot.gen;
      for (const ch of s.channels) if (ch) ch.leave();
      const { code } = await pushP(s.lobby, "create", { game: "tictactoe" });
      stillCurrent(slot, gen);
      const topic = `game:${code}`;
      const watch = versionWatch(hooks, slot, gen, (st) => st.view?.board);
      const onState = (p, st) => watch.onState(p, st);
      const channels = s.sockets.map((sock) => sock.channel(topic, {}));
      s.channels = channels;
      channels.forEach((ch, p) => ch.on("state", (st) => onState(p, st)));
      for (let p = 0; p < 2; p++) {
        const r = await joinP(channels[p]);
        onState(p, r.state);
      }
      return watch.wait("parlor game start");
    },
    move(slot, seat, cell) {
      const gen = slot.gen;
      slot.sys.channels[seat].push("move", { cell }, moveTimeoutMs)
        .receive("ok", () => hooks.ack(slot, gen))
        .receive("error", (r) => hooks.fail(slot, gen, `refused:${r && r.reason}`))
        .receive("timeout", () => hooks.fail(slot, gen, "timeout"));
    },
    extensions(slot) {
      return slot.sys.sockets[0].conn.extensions;
    },
    async close(slot) {
      if (!slot.sys) return;
      await Promise.all(slot.sys.sockets.map((sock) => new Promise((resolve) => {
        const t = setTimeout(resolve, 1000);
        sock.disconnect(() => { clearTimeout(t); resolve(); });
      })));
    },
  };
}

async function colyseusClient(hooks) {
  const { Client } = await import("@colyseus/sdk");
  return {
    ackFromState: false,
    async open(slot) {
      slot.sys = { clients: [new Client(info.endpoint), new Client(info.endpoint)], rooms: [null, null] };
    },
    async newGame(slot) {
      const s = slot.sys;
      for (const room of s.rooms) if (room) room.leave(true).catch(() => {});
      s.rooms = [null, null];
      const gen = slot.gen;
      const watch = versionWatch(hooks, slot, gen, (st) => st.board);
      const onState = (p, st) => watch.onState(p, st);
      const x = await s.clients[0].create("tictactoe");
      stillCurrent(slot, gen);
      s.rooms[0] = x;
      x.onStateChange((st) => onState(0, st));
      const o = await s.clients[1].joinById(x.roomId);
      stillCurrent(slot, gen);
      s.rooms[1] = o;
      o.onStateChange((st) => onState(1, st));
      if (x.state) onState(0, x.state);
      if (o.state) onState(1, o.state);
      return watch.wait("colyseus game start");
    },
    move(slot, seat, cell) {
      const gen = slot.gen;
      slot.sys.rooms[seat].request("move", { cell }, { timeout: moveTimeoutMs })
        .then(() => hooks.ack(slot, gen), (e) => hooks.fail(slot, gen, `refused:${e && (e.reason || e.message)}`));
    },
    extensions(slot) {
      const ext = slot.sys.rooms[0].connection.transport.ws.extensions;
      return typeof ext === "string" ? ext : JSON.stringify(ext); // global WebSocket: an object
    },
    async close(slot) {
      if (!slot.sys) return;
      await Promise.all(slot.sys.rooms.map((r) => (r ? within(2000, r.leave(true), "leave").catch(() => {}) : null)));
    },
  };
}

async function bgioClient(hooks) {
  const { TicTacToe, requireBgio } = await import("./bgio-game.mjs");
  const { Client, LobbyClient } = requireBgio("boardgame.io/client");
  const { SocketIO } = requireBgio("boardgame.io/multiplayer");
  const server = info.endpoint;
  return {
    ackFromState: true, // the mover's own client state update from the server is its ack
    async open(slot) {
      slot.sys = { lobby: new LobbyClient({ server }), clients: null, subs: [null, null] };
    },
    async newGame(slot) {
      const s = slot.sys;
      const gen = slot.gen;
      const { matchID } = await s.lobby.createMatch("tictactoe", { numPlayers: 2 });
      stillCurrent(slot, gen);
      const joins = await Promise.all(["0", "1"].map((playerID, p) =>
        s.lobby.joinMatch("tictactoe", matchID, { playerID, playerName: `${p ? "o" : "x"}${slot.idx}` })));
      stillCurrent(slot, gen);
      const ready = [false, false];
      const start = bothSet(ready);
      // A client's state before the server's sync of this match: its local initial state, or the
      // previous match's (updateMatchID keeps the store). The sync replaces it; messages of other
      // matches are dropped by the transport, so the first new state is this match's.
      const stale = [null, null];
      const onState = (p, st) => {
        if (!st || slot.gen !== gen || s.clients[p].matchID !== matchID) return;
        if (!ready[p] && s.clients[p].store.getState() !== stale[p] && st._stateID === 0
            && st.ctx.gameover === undefined) {
          ready[p] = true;
          start.check();
        }
        const pend = slot.pending;
        if (pend && st._stateID >= pend.expected) {
          const v = st.G.cells[pend.cell];
          hooks.seen(slot, p, st._stateID, v == null ? null : Number(v));
        }
      };
      if (!s.clients) {
        // Each player is its own boardgame.io client with its own socket.io connection
        // (forceNew: socket.io would otherwise multiplex all clients of this process over one
        // connection), WebSocket transport only (no long-polling first).
        s.clients = joins.map((j) => Client({
          game: TicTacToe,
          multiplayer: SocketIO({ server, socketOpts: { transports: ["websocket"], forceNew: true, perMessageDeflate: false } }),
          matchID,
          playerID: j.playerID,
          credentials: j.playerCredentials,
          debug: false,
        }));
        s.clients.forEach((c) => c.start());
      } else {
        // The same clients move to the new match, as boardgame.io's React wrapper does when its
        // matchID / credentials props change.
        s.clients.forEach((c, p) => {
          c.updateMatchID(matchID);
          c.updateCredentials(joins[p].playerCredentials);
        });
      }
      s.clients.forEach((c, p) => {
        stale[p] = c.store.getState();
        if (s.subs[p]) s.subs[p]();
        s.subs[p] = c.subscribe((st) => onState(p, st));
      });
      await start.wait("bgio game start");
      return 0;
    },
    move(slot, seat, cell) {
      slot.sys.clients[seat].moves.play(cell);
    },
    extensions(slot) {
      return slot.sys.clients[0].transport.socket.io.engine.transport.ws.extensions;
    },
    async close(slot) {
      if (!slot.sys || !slot.sys.clients) return;
      for (const c of slot.sys.clients) c.stop();
    },
  };
}

/**
 * The floor: no game server at all, the raw stack Parlor's gateway is built on (parlor-echo,
 * Beast over TCP, one thread) relaying each move's frame to the mover (its ack) and to the
 * opponent (its state), the same bytes to both, sized like Parlor's state frame. Clients are
 * plain `ws` connections, the transport the phoenix client uses above. A new game costs
 * nothing here (no round trip): the floor prices the moves alone.
 */
function floorClient(hooks) {
  const WebSocket = require("ws");
  // The mover's frame is about the size of Parlor's tic-tac-toe state broadcast (what the two
  // players receive), so the floor writes what Parlor writes; it reads more than Parlor's
  // ~40-byte move, which only raises the floor.
  const PAD = "x".repeat(300);
  const onFrame = (slot, p, data) => {
    const text = String(data);
    if (text[0] !== ">") return;
    const m = JSON.parse(text.slice(1));
    if (m.slot !== slot.idx) {
      hooks.fail(slot, slot.gen, "floor: a frame of another pair");
      return;
    }
    if (m.gen !== slot.gen) return; // a move of an abandoned attempt, arriving late
    if (m.v > slot.sys.version) slot.sys.version = m.v;
    const pend = slot.pending;
    // Whether the frame is the pending move's (its cell), as the other clients read the board.
    hooks.seen(slot, p, m.v, pend && m.cell === pend.cell ? m.seat : null);
  };
  const closeAll = (sockets) => Promise.all(sockets.map((ws) => new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    const t = setTimeout(() => { ws.terminate(); resolve(); }, 1000);
    ws.once("close", () => { clearTimeout(t); resolve(); });
    ws.close();
  })));
  return {
    ackFromState: true, // the mover's own copy of the relayed frame is its ack
    async open(slot) {
      const key = `${process.pid}-${slot.idx}`;
      const sockets = [];
      // Each connection sends "=KEY" (echoed); the second completes the pair and parlor-echo
      // then sends "+KEY" to both.
      const pairedOn = [];
      const mk = (p) => new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${info.port}/`, { perMessageDeflate: false });
        sockets.push(ws);
        ws.on("error", (e) => reject(e)); // stays: later errors end in "close", moves time out
        const paired = new Promise((ok) => {
          ws.on("message", (d) => {
            const text = String(d);
            if (text === `+${key}`) ok();
            else if (text[0] === ">") onFrame(slot, p, d);
          });
        });
        pairedOn[p] = paired;
        ws.once("open", () => ws.send(`=${key}`));
        ws.once("message", (d) => (String(d) === `=${key}` ? resolve(ws) : reject(new Error(`floor pairing: ${d}`))));
      });
      try {
        // One after the other: the first waits for its partner, the second completes the pair.
        await within(10000, mk(0), "floor connect");
        await within(10000, mk(1), "floor connect");
        await within(10000, Promise.all(pairedOn), "floor pairing");
      } catch (e) {
        await closeAll(sockets);
        throw e;
      }
      slot.sys = { sockets, version: 0 };
    },
    async newGame(slot) {
      if (!slot.sys.sockets.every((ws) => ws.readyState === WebSocket.OPEN)) throw new Error("floor connection closed");
      return slot.sys.version;
    },
    move(slot, seat, cell) {
      const v = slot.pending.expected;
      slot.sys.sockets[seat].send(`>${JSON.stringify({ slot: slot.idx, gen: slot.gen, v, cell, seat, pad: PAD })}`);
    },
    extensions(slot) {
      return slot.sys.sockets[0].extensions;
    },
    async close(slot) {
      if (slot.sys) await closeAll(slot.sys.sockets);
    },
  };
}

const CLIENTS = { parlor: parlorClient, colyseus: colyseusClient, bgio: bgioClient, floor: floorClient };

// ---- the game slots ------------------------------------------------------------------------

const LINES = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 3, 6], [1, 4, 7], [2, 5, 8], [0, 4, 8], [2, 4, 6]];
function finished(board) {
  for (const [a, b, c] of LINES) if (board[a] !== null && board[a] === board[b] && board[a] === board[c]) return true;
  return board.every((v) => v !== null);
}

let rec = null; // the record moves, errors and restarts are counted in
const slots = [];

const hooks = {
  ack(slot, gen) {
    const p = slot.pending;
    if (!p || gen !== p.gen || p.ackAt) return;
    p.ackAt = performance.now();
    maybeDone(slot);
  },
  seen(slot, player, version, owner) {
    const p = slot.pending;
    if (!p || version < p.expected) return;
    const now = performance.now();
    if (player === p.seat) {
      if (client.ackFromState && !p.ackAt) {
        p.ackAt = now;
        if (owner !== p.seat) p.bad = "mover state does not show the move";
      }
    } else if (!p.oppAt) {
      p.oppAt = now;
      if (owner !== p.seat) p.bad = "opponent state does not show the move";
    }
    maybeDone(slot);
  },
  fail(slot, gen, why) {
    const p = slot.pending;
    if (!p || gen !== p.gen) return;
    clearTimeout(p.timer);
    slot.pending = null;
    countError(p.rec, why);
    restart(slot);
  },
};
const client = await CLIENTS[system](hooks);

function countError(r, why) {
  if (!r) return;
  r.errors += 1;
  r.error_reasons[why] = (r.error_reasons[why] || 0) + 1;
}

function maybeDone(slot) {
  const p = slot.pending;
  if (!p || !p.ackAt || !p.oppAt) return;
  clearTimeout(p.timer);
  slot.pending = null;
  if (p.bad) {
    countError(p.rec, p.bad);
    restart(slot);
    return;
  }
  if (p.rec) {
    p.rec.ack.push((p.ackAt - p.t0) * 1000);
    p.rec.opp.push((p.oppAt - p.t0) * 1000);
    p.rec.completed += 1;
  }
  slot.board[p.cell] = p.seat;
  slot.toMove = 1 - p.seat;
  slot.version = p.expected;
  if (finished(slot.board)) restart(slot);
  else slot.busy = false;
}

function issue(slot) {
  const empty = [];
  for (let i = 0; i < 9; i++) if (slot.board[i] === null) empty.push(i);
  const cell = empty[Math.floor(rand() * empty.length)];
  const seat = slot.toMove;
  slot.busy = true;
  const p = { gen: slot.gen, cell, seat, expected: slot.version + 1, t0: performance.now(), ackAt: 0, oppAt: 0, rec, bad: null, timer: null };
  slot.pending = p;
  p.timer = setTimeout(() => hooks.fail(slot, p.gen, "timeout"), moveTimeoutMs);
  try {
    client.move(slot, seat, cell);
  } catch (e) {
    hooks.fail(slot, p.gen, `send:${e.message}`);
  }
}

async function restart(slot) {
  slot.ready = false;
  slot.busy = true;
  const r = rec;
  if (r) r.restarts += 1;
  for (let attempt = 0; attempt < 4; attempt++) {
    slot.gen += 1;
    try {
      const version = await within(10000, client.newGame(slot), `${system} new game`);
      slot.board = Array(9).fill(null);
      slot.toMove = 0;
      slot.version = version;
      slot.ready = true;
      slot.busy = false;
      slot.dead = false;
      return;
    } catch (e) {
      countError(r, `setup:${e.message.slice(0, 80)}`);
      await sleep(200);
    }
  }
  slot.dead = true;
}

async function allReady(ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (slots.every((s) => s.dead || (s.ready && !s.busy))) return true;
    await sleep(5);
  }
  return false;
}

/** Open loop at `rate` for `seconds` from `at` (Date.now() ms); counts into `r`. */
async function openLoop(rate, seconds, r, at) {
  const wait = at - Date.now();
  if (wait > 0) await sleep(wait);
  const interval = 1000 / rate;
  const total = Math.round(rate * seconds);
  const G = slots.length;
  let k = 0;
  let rr = 0;
  const t0 = performance.now();
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (k < total && t0 + k * interval <= now) {
        if (r.lags.length < 200000) r.lags.push((now - (t0 + k * interval)) * 1000);
        let found = null;
        for (let i = 0; i < G; i++) {
          const s = slots[(rr + i) % G];
          if (s.ready && !s.busy && !s.dead) {
            found = s;
            rr = (rr + i + 1) % G;
            break;
          }
        }
        if (found) {
          r.moves += 1;
          issue(found);
        } else {
          r.skipped += 1;
        }
        k += 1;
      }
      if (k >= total) {
        r.window_s = (performance.now() - t0) / 1000;
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, t0 + k * interval - performance.now()));
    };
    tick();
  });
}

const newRec = () => ({ moves: 0, completed: 0, skipped: 0, errors: 0, error_reasons: {}, restarts: 0, ack: [], opp: [], lags: [], window_s: 0 });

// ---- commands ------------------------------------------------------------------------------

async function handle(msg) {
  switch (msg.cmd) {
    case "open": {
      for (let i = 0; i < games; i++) {
        slots.push({ idx: firstGame + i, sys: null, ready: false, busy: true, dead: false, gen: 0, board: Array(9).fill(null), toMove: 0, version: 0, pending: null });
      }
      const queue = [...slots];
      await Promise.all(Array.from({ length: Math.min(4, slots.length) }, async () => {
        while (queue.length) {
          const slot = queue.shift();
          await within(15000, client.open(slot), `${system} open`);
          await restart(slot);
        }
      }));
      if (!(await allReady(10000)) || slots.some((s) => s.dead)) throw new Error("some games could not be opened");
      let extensions;
      try {
        extensions = client.extensions(slots[0]);
      } catch (e) {
        extensions = `unknown (${e.message})`;
      }
      return { extensions };
    }
    case "restartAll": {
      // One game after the other, as finished games are replaced during a step.
      const r = newRec();
      rec = r;
      for (const s of slots) await restart(s);
      rec = null;
      return { restarts: r.restarts, errors: r.errors };
    }
    case "step": {
      await allReady(moveTimeoutMs + 2000);
      const r = newRec();
      rec = r;
      const gc0 = gcPauses.length;
      await openLoop(msg.rate, msg.duration, r, msg.at);
      // Drain: the moves issued in the window finish (or time out), finished games are replaced.
      await allReady(moveTimeoutMs + 5000);
      rec = null;
      const gc = gcPauses.slice(gc0);
      if (!msg.record) return { moves: r.moves };
      return {
        moves: r.moves, completed: r.completed, skipped: r.skipped, errors: r.errors,
        error_reasons: r.error_reasons, restarts: r.restarts, window_s: r.window_s,
        ack: Float64Array.from(r.ack), opp: Float64Array.from(r.opp), lags: Float64Array.from(r.lags),
        gc: { count: gc.length, total_ms: gc.reduce((a, b) => a + b, 0), max_ms: Math.max(0, ...gc) },
      };
    }
    case "close": {
      await within(10000, Promise.all(slots.map((s) => client.close(s).catch(() => {}))), "close").catch(() => {});
      return {};
    }
    default:
      throw new Error(`unknown command ${msg.cmd}`);
  }
}

parentPort.on("message", async (msg) => {
  try {
    const res = await handle(msg);
    parentPort.postMessage({ id: msg.id, ok: true, ...res });
  } catch (e) {
    parentPort.postMessage({ id: msg.id, ok: false, error: e.message });
  }
});
parentPort.postMessage({ id: 0, ok: true, ready: true });
