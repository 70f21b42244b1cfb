// Parlor browser client: plain DOM on top of the stock Phoenix Channels client.
//
// Routes: "/" is the home page, "/g/CODE" a game (pushState navigation, popstate handled).
//
// Stable DOM hooks (tests/e2e rely on them; keep them when restyling):
//   body[data-view]          "home" | "game": which view is shown
//   #home-view, #game-view   the two views; the other one is `hidden`
//   #name                    display name input (1–32 characters), kept in localStorage
//   #new-game                button: create a tic-tac-toe game (seating by invitation), then
//                            open /g/CODE
//   #join-code, #join        4-letter code input (upper-cased as you type) and its button
//   #home-note, #home-error  info / error messages on the home page
//   #conn                    connection pill; data-state = idle|connecting|connected|reconnecting
//   #code                    the big 4-letter game code
//   #share-link, #copy       link to share, copy button: href and text = origin + "/g/" + code,
//                            + "#invite=" + secret when this browser knows the game's invite
//                            secret (the creator does; so does whoever opened such a link)
//   #status                  status line; data-status = joining|waiting|playing|finished,
//                            data-tone = turn|win|lose|neutral
//   #you                     "You are X" / "You are O" / "You are watching"; data-seat = X|O|""
//   #board                   the board; data-version = applied STATE version
//     [data-cell="0".."8"]   buttons, text "X" | "O" | ""; data-mark = X|O; class "win" on the
//                            winning line; enabled only when you may play that cell
//   #players                 li[data-seat="X"|"O"] > [data-name]; data-me on your seat,
//                            data-turn on the seat to move, data-empty on a free seat
//   #game-error              polite message for a refused move (role=alert)
//   #game-missing            "No such game" panel (join answered not_found)
//   #node-line               footer: "You are on node N (region R) · game hosted on node H (region HR)"

import { Socket } from "phoenix";
import {
  boardOf, normaliseCode, reasonText, statusLine, validName, winningLine,
} from "./tictactoe.js";

const LS_NAME = "parlor.name";
const LS_TOKEN = "parlor.token";
const LS_INVITE = "parlor.invite."; // + code: the game's invite secret, when this browser has it
const PUSH_TIMEOUT_MS = 10000;

const $ = (id) => document.getElementById(id);

const storage = {
  get(key) {
    try { return localStorage.getItem(key); } catch { return null; }
  },
  set(key, value) {
    try {
      if (value == null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch { /* private mode: keep going without persistence */ }
  },
};

const app = {
  socket: null,
  socketName: null, // the name the socket connects with
  everConnected: false,
  connState: "idle",
  lobby: null,
  me: null, // {id, name} from the lobby join reply
  node: null, // {node, region} the socket is connected to
  game: null, // see openGame()
};

/** The invite secret this browser holds for game `code`, or null. */
function inviteFor(code) {
  return storage.get(LS_INVITE + code);
}

/**
 * Takes the invite secret from a share link's fragment (`#invite=SECRET`): the fragment never
 * reaches a server or a Referer header. Remembered per code, so a reload or a later visit by
 * code keeps the seat's key; the fragment is then dropped from the address bar.
 */
function takeInviteFromURL(code) {
  const match = location.hash.match(/^#invite=([A-Za-z0-9_-]{1,128})$/);
  if (match) storage.set(LS_INVITE + code, match[1]);
  return Boolean(match);
}

// ---- connection ----------------------------------------------------------

function storedName() {
  const name = (storage.get(LS_NAME) || "").trim();
  return validName(name) ? name : null;
}

function socketURL() {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/socket`;
}

/** Connects (or reconnects under a new name) and joins the lobby. Needs a valid stored name. */
function ensureSocket() {
  const name = storedName();
  if (!name) return null;
  if (app.socket) {
    if (app.socketName !== name) {
      // New display name: reconnect; the phoenix client rejoins every channel by itself.
      app.socketName = name;
      const socket = app.socket;
      socket.disconnect(() => socket.connect());
      setConn("connecting");
    }
    return app.socket;
  }

  app.socketName = name;
  const socket = new Socket(socketURL(), {
    // A function, so every (re)connect sends the current name and the latest token.
    params: () => {
      const params = { name: app.socketName };
      const token = storage.get(LS_TOKEN);
      if (token) params.token = token;
      return params;
    },
  });
  socket.onOpen(() => {
    app.everConnected = true;
    setConn("connected");
  });
  socket.onError(() => setConn(app.everConnected ? "reconnecting" : "connecting"));
  socket.onClose(() => setConn(app.everConnected ? "reconnecting" : "connecting"));
  app.socket = socket;

  const lobby = socket.channel("lobby", {});
  lobby.join(PUSH_TIMEOUT_MS)
    .receive("ok", (reply) => {
      // Fires again after every rejoin.
      const player = reply && reply.player;
      if (player) {
        app.me = { id: player.id, name: player.name };
        if (player.token) storage.set(LS_TOKEN, player.token);
      }
      app.node = { node: reply && reply.node, region: reply && reply.region };
      renderFooter();
      if (app.game) renderGame();
    })
    .receive("error", (reply) => showHomeError(reasonText(reply && reply.reason)));
  app.lobby = lobby;

  setConn("connecting");
  socket.connect();
  return socket;
}

function setConn(state) {
  app.connState = state;
  const el = $("conn");
  el.dataset.state = state;
  el.textContent = {
    idle: "Offline",
    connecting: "Connecting…",
    connected: "Connected",
    reconnecting: "Reconnecting…",
  }[state];
  if (app.game) renderBoard();
}

// ---- routing -------------------------------------------------------------

function navigate(path) {
  if (location.pathname !== path) history.pushState(null, "", path);
  route();
}

function route() {
  const match = location.pathname.match(/^\/g\/([A-Za-z]{4})\/?$/);
  if (match) {
    const code = match[1].toUpperCase();
    takeInviteFromURL(code);
    if (location.pathname !== `/g/${code}` || location.hash) history.replaceState(null, "", `/g/${code}`);
    if (storedName()) {
      showGame(code);
    } else {
      showHome({ code, note: `Enter your name to join game ${code}.` });
    }
    return;
  }
  if (location.pathname !== "/") history.replaceState(null, "", "/");
  showHome({});
}

function showView(view) {
  document.body.dataset.view = view;
  $("home-view").hidden = view !== "home";
  $("game-view").hidden = view !== "game";
}

// ---- home ----------------------------------------------------------------

function showHome({ code, note }) {
  leaveGame();
  showView("home");
  document.title = "Parlor";
  const nameInput = $("name");
  if (!nameInput.value) nameInput.value = storage.get(LS_NAME) || "";
  if (code) $("join-code").value = code;
  $("home-note").hidden = !note;
  $("home-note").textContent = note || "";
  showHomeError(null);
  setBusy($("new-game"), false);
  if (storedName()) ensureSocket();
  renderFooter();
  if (!nameInput.value) nameInput.focus();
}

/** Reads, validates and saves the name field. Returns the name or null (and says why). */
function takeName() {
  const input = $("name");
  const name = input.value.trim();
  const ok = validName(name);
  input.closest(".field").classList.toggle("invalid", !ok);
  $("name-hint").textContent = ok
    ? "1–32 characters. Other players see it."
    : "Please enter a name of 1–32 characters.";
  if (!ok) {
    input.focus();
    return null;
  }
  storage.set(LS_NAME, name);
  return name;
}

function showHomeError(text) {
  const el = $("home-error");
  el.hidden = !text;
  el.textContent = text || "";
}

function setBusy(button, busy) {
  button.disabled = busy;
  button.setAttribute("aria-busy", busy ? "true" : "false");
}

function createGame() {
  showHomeError(null);
  if (!takeName()) return;
  ensureSocket();
  const button = $("new-game");
  setBusy(button, true);
  const done = () => setBusy(button, false);
  // Invite seating (contract §9): the free seat goes to whoever has the share link, not to
  // whoever guesses the 4-letter code.
  app.lobby.push("create", { game: "tictactoe", seating: "invite" }, PUSH_TIMEOUT_MS)
    .receive("ok", (reply) => {
      done();
      if (reply && /^[A-Z]{4}$/.test(reply.code)) {
        if (typeof reply.invite === "string") storage.set(LS_INVITE + reply.code, reply.invite);
        navigate(`/g/${reply.code}`);
      } else showHomeError("The server sent an unexpected answer. Please try again.");
    })
    .receive("error", (reply) => {
      done();
      showHomeError(reasonText(reply && reply.reason));
    })
    .receive("timeout", () => {
      done();
      showHomeError("The server did not answer. Check your connection and try again.");
    });
}

function joinByCode() {
  showHomeError(null);
  const code = normaliseCode($("join-code").value);
  $("join-code").value = code;
  if (!takeName()) return;
  if (code.length !== 4) {
    showHomeError("A game code has 4 letters.");
    $("join-code").focus();
    return;
  }
  navigate(`/g/${code}`);
}

// ---- game ----------------------------------------------------------------

function shareURL(code) {
  const invite = inviteFor(code);
  return `${location.origin}/g/${code}${invite ? `#invite=${invite}` : ""}`;
}

function showGame(code) {
  showView("game");
  document.title = `Parlor · ${code}`;
  if (app.game && app.game.code === code) {
    renderGame();
    return;
  }
  leaveGame();
  const socket = ensureSocket();
  const invite = inviteFor(code);
  const channel = socket.channel(`game:${code}`, invite ? { invite } : {});
  const game = {
    code,
    channel,
    seat: undefined, // from the join reply: "X" | "O" | null
    state: null, // the STATE shown
    version: 0, // its version
    sinceJoin: 0, // highest version seen since the current (re)join was sent
    joined: false,
    everJoined: false,
    missing: false,
    notFound: 0, // not_found answers to rejoins in a row
    pendingCell: null, // cell of the move in flight
    awaitVersion: 0, // version acknowledged for our last move, until its STATE arrives
    errorTimer: null,
  };
  app.game = game;

  channel.on("state", (state) => applyState(game, state, false));
  channel.onError(() => {
    game.joined = false;
    game.sinceJoin = 0;
    if (app.game === game) renderGame();
  });
  channel.join(PUSH_TIMEOUT_MS)
    .receive("ok", (reply) => {
      // Fires on the first join and again on every automatic rejoin.
      if (app.game !== game) return;
      game.joined = true;
      game.everJoined = true;
      game.notFound = 0;
      game.missing = false;
      game.seat = reply && reply.seat !== undefined ? reply.seat : null;
      if (!applyState(game, reply && reply.state, true)) renderGame();
    })
    .receive("error", (reply) => {
      if (app.game !== game) return;
      const reason = reply && reply.reason;
      if (reason === "not_found") game.notFound += 1;
      // A game we were in can be briefly unknown while it moves to another node (failover
      // takes up to 5 s; the client retries after 1, 2, 5 s): give it a few tries first.
      if (reason === "not_found" && (!game.everJoined || game.notFound >= 4)) {
        game.missing = true;
        channel.leave(); // stop the client's automatic rejoin attempts
        renderGame();
      } else {
        // e.g. the game moves to another node: the client retries the join by itself.
        showGameError(reason === "not_found" ? "Looking for the game…" : reasonText(reason));
      }
    })
    .receive("timeout", () => {
      if (app.game === game) showGameError("Still trying to reach the game…");
    });

  $("code").textContent = code;
  const link = $("share-link");
  link.href = shareURL(code);
  link.textContent = shareURL(code);
  link.title = shareURL(code);
  $("copy").textContent = "Copy link";
  showGameError(null);
  renderGame();
}

/**
 * Shows `state` unless it is older than what is on screen. Broadcasts and join replies can
 * interleave, so a broadcast must be newer than the shown version. A join reply is the
 * server's current state: it wins unless a newer broadcast arrived since that join was sent
 * (that also lets a game restored on another node replace what we showed).
 * Returns true when it rendered.
 */
function applyState(game, state, fromJoin) {
  if (!state || typeof state.version !== "number") return false;
  if (fromJoin) {
    if (state.version < game.sinceJoin) return false;
  } else {
    game.sinceJoin = Math.max(game.sinceJoin, state.version);
    if (state.version <= game.version) return false;
  }
  game.state = state;
  game.version = state.version;
  if (app.game === game) renderGame();
  return true;
}

function leaveGame() {
  const game = app.game;
  if (!game) return;
  app.game = null;
  clearTimeout(game.errorTimer);
  game.channel.leave();
}

/** The seat the player holds in `game`: from the join reply, else by player id. */
function mySeat(game) {
  if (game.seat === "X" || game.seat === "O") return game.seat;
  const players = game.state && game.state.players;
  if (players && app.me) {
    for (const seat of ["X", "O"]) {
      if (players[seat] && players[seat].id === app.me.id) return seat;
    }
  }
  return game.seat === undefined ? undefined : null;
}

function canPlay(game, seat, board, cell) {
  const state = game.state;
  return Boolean(
    state && game.joined && app.connState === "connected" &&
    state.status === "playing" && seat && state.turn === seat &&
    board[cell] === null && game.pendingCell === null && game.version >= game.awaitVersion,
  );
}

function renderGame() {
  const game = app.game;
  if (!game) return;
  $("game-missing").hidden = !game.missing;
  $("game-main").hidden = game.missing;
  if (game.missing) {
    $("missing-text").textContent =
      `There is no game with the code ${game.code}. It may have ended, or the code is mistyped.`;
    renderFooter();
    return;
  }
  const state = game.state;
  const seat = mySeat(game);

  const status = $("status");
  const line = game.joined || state
    ? statusLine(state, seat)
    : { text: "Joining game…", tone: "neutral" };
  status.textContent = line.text;
  status.dataset.tone = line.tone;
  status.dataset.status = state ? state.status : "joining";
  $("game-main").dataset.phase = state ? state.status : "joining";

  const you = $("you");
  you.dataset.seat = seat || "";
  if (seat === undefined) you.textContent = "";
  else if (seat === null) you.textContent = "You are watching";
  else you.textContent = `You are ${seat}`;

  renderBoard();
  renderPlayers(state, seat);
  renderFooter();
}

function renderBoard() {
  const game = app.game;
  if (!game) return;
  const state = game.state;
  const seat = mySeat(game);
  const board = boardOf(state);
  const finished = Boolean(state && state.status === "finished");
  const win = finished && (state.winner === "X" || state.winner === "O") ? winningLine(board) : null;
  const boardEl = $("board");
  boardEl.dataset.version = state ? String(state.version) : "";
  boardEl.classList.toggle("finished", finished);
  for (const cellEl of boardEl.querySelectorAll("[data-cell]")) {
    const cell = Number(cellEl.dataset.cell);
    const mark = board[cell];
    if (cellEl.textContent !== (mark || "")) cellEl.textContent = mark || "";
    if (mark) cellEl.dataset.mark = mark;
    else delete cellEl.dataset.mark;
    const playable = canPlay(game, seat, board, cell);
    cellEl.disabled = !playable;
    cellEl.classList.toggle("playable", playable);
    cellEl.classList.toggle("pending", game.pendingCell === cell);
    cellEl.classList.toggle("win", Boolean(win && win.includes(cell)));
    cellEl.setAttribute("aria-label", `Cell ${cell + 1}: ${mark || "empty"}`);
  }
}

function renderPlayers(state, seat) {
  const players = (state && state.players) || {};
  for (const li of $("players").querySelectorAll("[data-seat]")) {
    const s = li.dataset.seat;
    const player = players[s] || null;
    const nameEl = li.querySelector("[data-name]");
    nameEl.textContent = player ? player.name : "Waiting for a player…";
    nameEl.title = player ? player.name : "";
    toggleData(li, "empty", !player);
    toggleData(li, "me", seat === s);
    toggleData(li, "turn", Boolean(state && state.status === "playing" && state.turn === s));
    for (const tag of li.querySelectorAll(".tag")) tag.remove();
    if (state && state.status === "finished" && state.winner === s) addTag(li, "winner", "tag-winner");
    if (seat === s) addTag(li, "you");
  }
}

function addTag(li, text, extra) {
  const tag = document.createElement("span");
  tag.className = extra ? `tag ${extra}` : "tag";
  tag.textContent = text;
  li.appendChild(tag);
}

function toggleData(el, key, on) {
  if (on) el.dataset[key] = "";
  else delete el.dataset[key];
}

function renderFooter() {
  const el = $("node-line");
  const parts = [];
  if (app.node && app.node.node) {
    parts.push(`You are on node ${app.node.node} (region ${app.node.region})`);
  }
  const host = app.game && app.game.state && app.game.state.host;
  if (host && host.node) parts.push(`game hosted on node ${host.node} (region ${host.region})`);
  el.textContent = parts.length ? parts.join(" · ") : "Not connected";
}

function makeMove(cell) {
  const game = app.game;
  if (!game || game.pendingCell !== null) return;
  game.pendingCell = cell;
  showGameError(null);
  renderBoard();
  const done = () => {
    if (game.pendingCell === cell) game.pendingCell = null;
    if (app.game === game) renderBoard();
  };
  game.channel.push("move", { cell }, PUSH_TIMEOUT_MS)
    .receive("ok", (reply) => {
      // Keep the board locked until the STATE with our move arrives.
      if (reply && typeof reply.version === "number") {
        game.awaitVersion = Math.max(game.awaitVersion, reply.version);
      }
      done();
    })
    .receive("error", (reply) => {
      done();
      if (app.game === game) showGameError(reasonText(reply && reply.reason));
    })
    .receive("timeout", () => {
      done();
      if (app.game === game) showGameError("The move timed out. Check your connection and try again.");
    });
}

function showGameError(text) {
  const el = $("game-error");
  el.hidden = !text;
  el.textContent = text || "";
  const game = app.game;
  if (game) {
    clearTimeout(game.errorTimer);
    if (text) {
      game.errorTimer = setTimeout(() => {
        if (el.textContent === text) el.hidden = true;
      }, 5000);
    }
  }
}

async function copyLink() {
  const game = app.game;
  if (!game) return;
  const url = shareURL(game.code);
  let ok = false;
  try {
    await navigator.clipboard.writeText(url);
    ok = true;
  } catch {
    // Not a secure context (plain http on a LAN address): fall back to a selection copy.
    const area = document.createElement("textarea");
    area.value = url;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { ok = document.execCommand("copy"); } catch { ok = false; }
    area.remove();
  }
  const button = $("copy");
  button.textContent = ok ? "Copied!" : "Copy failed";
  setTimeout(() => { button.textContent = "Copy link"; }, 1800);
}

// ---- wiring --------------------------------------------------------------

function init() {
  $("name-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (takeName()) ensureSocket();
  });
  $("name").addEventListener("input", () => {
    const name = $("name").value.trim();
    if (validName(name)) {
      storage.set(LS_NAME, name); // remembered as typed; the socket picks it up on the next action
      $("name").closest(".field").classList.remove("invalid");
      $("name-hint").textContent = "1–32 characters. Other players see it.";
    }
  });
  $("new-game").addEventListener("click", createGame);
  $("join-form").addEventListener("submit", (event) => {
    event.preventDefault();
    joinByCode();
  });
  $("join-code").addEventListener("input", (event) => {
    const input = event.target;
    const code = normaliseCode(input.value);
    if (input.value !== code) input.value = code;
  });
  $("board").addEventListener("click", (event) => {
    const cellEl = event.target.closest("[data-cell]");
    if (cellEl && !cellEl.disabled) makeMove(Number(cellEl.dataset.cell));
  });
  $("copy").addEventListener("click", copyLink);
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-link]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(new URL(link.href).pathname);
  });
  window.addEventListener("popstate", route);
  route();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
