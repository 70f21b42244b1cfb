// Phoenix Channels v2 test clients.
//
// RawClient: a plain `ws` WebSocket that sends and inspects exact frames
//   [join_ref, ref, topic, event, payload], for protocol edge cases.
// connectPhoenix(): the stock `phoenix` JS client (what browsers run) over `ws`, with small
//   promise helpers for join and push.
import { Socket } from "phoenix";
import WebSocket from "ws";
import { within } from "./node.mjs";

export const STEP_TIMEOUT_MS = 5000;

/** The WebSocket URL of `node` with connect params (undefined/null params are left out). */
export function socketUrl(node, params = {}) {
  const url = new URL(node.wsUrl);
  url.searchParams.set("vsn", "2.0.0");
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
  }
  return url.toString();
}

/**
 * Opens a WebSocket. Resolves {ws, status: 101} once open, or {ws: null, status} when the
 * upgrade is refused with an HTTP status; rejects on other errors or after `timeoutMs`.
 */
export function openWebSocket(url, { timeoutMs = STEP_TIMEOUT_MS, ...options } = {}) {
  return within(timeoutMs, new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on("open", () => resolve({ ws, status: 101 }));
    ws.on("unexpected-response", (req, res) => {
      res.resume();
      resolve({ ws: null, status: res.statusCode });
      req.destroy();
    });
    ws.on("error", (err) => reject(err));
  }), `WebSocket connect to ${url}`);
}

export class RawClient {
  /** Connects with connect params (default name "alice"); throws if the upgrade is refused. */
  static async connect(node, params = { name: "alice" }, options = {}) {
    const { ws, status } = await openWebSocket(socketUrl(node, params), options);
    if (!ws) throw new Error(`WebSocket upgrade refused with HTTP ${status}`);
    return new RawClient(ws);
  }

  constructor(ws) {
    this.ws = ws;
    this.frames = []; // every decoded frame received, in order
    this.waiters = new Set();
    this.nextRef = 1;
    this.closeInfo = null;
    this.closed = new Promise((resolve) => {
      ws.on("close", (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        for (const waiter of this.waiters) waiter();
      });
    });
    ws.on("error", () => { /* surfaces as close */ });
    ws.on("message", (data, isBinary) => {
      let frame;
      try {
        frame = JSON.parse(isBinary ? Buffer.from(data).toString("utf8") : data.toString());
      } catch {
        frame = { undecodable: data.toString() };
      }
      this.frames.push(frame);
      for (const waiter of this.waiters) waiter();
    });
  }

  ref() {
    return String(this.nextRef++);
  }

  /** Sends a frame: an array is JSON-encoded, a string is sent as it is. */
  send(frame) {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /**
   * Resolves with the first received frame (from index `from`) that satisfies `pred`;
   * rejects after `timeoutMs` or when the socket closes first.
   */
  waitFor(pred, { timeoutMs = STEP_TIMEOUT_MS, from = 0, what = "frame" } = {}) {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (let i = from; i < this.frames.length; i++) {
          if (Array.isArray(this.frames[i]) && pred(this.frames[i], i)) {
            done();
            resolve(this.frames[i]);
            return;
          }
        }
        if (this.closeInfo) {
          done();
          reject(new Error(`socket closed (code ${this.closeInfo.code}) while waiting for ${what}; ` +
            `received ${JSON.stringify(this.frames)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${timeoutMs} ms; received ${JSON.stringify(this.frames)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves with the phx_reply frame whose ref is `ref`. */
  reply(ref, opts = {}) {
    return this.waitFor((f) => f[1] === ref && f[3] === "phx_reply", { what: `phx_reply ref ${ref}`, ...opts });
  }

  /** Sends [joinRef, ref, topic, event, payload] with a fresh ref and resolves with its reply. */
  async request(joinRef, topic, event, payload = {}) {
    const ref = this.ref();
    this.send([joinRef, ref, topic, event, payload]);
    return this.reply(ref);
  }

  /** Joins `topic`; resolves with the reply frame (join_ref = ref of the join). */
  async join(topic, payload = {}) {
    const ref = this.ref();
    this.send([ref, ref, topic, "phx_join", payload]);
    const frame = await this.reply(ref);
    return { joinRef: ref, frame, status: frame[4].status, response: frame[4].response };
  }

  /** A heartbeat round trip; resolves with the reply frame. */
  heartbeat() {
    return this.request(null, "phoenix", "heartbeat", {});
  }

  /** Resolves with {code, reason} once closed, rejects after `timeoutMs`. */
  waitClosed(timeoutMs = STEP_TIMEOUT_MS) {
    return within(timeoutMs, this.closed, "waiting for the socket to close");
  }

  close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(1000);
    }
    if (this.ws.readyState !== WebSocket.CLOSED) {
      // Do not wait for a close handshake that may never come.
      setTimeout(() => this.ws.terminate(), 1000).unref();
    }
  }
}

// ---- the stock phoenix client ----------------------------------------------------------

/**
 * Connects the stock phoenix Socket to `node` with connect `params` and resolves once open.
 * Automatic reconnects are slowed down so a test sees a disconnect as it is.
 */
const liveSockets = new Set();

/**
 * Disconnects every phoenix socket connectPhoenix() made that is still around. Call it after
 * each test (afterEach), so a failed test leaves no client retrying against a stopped node.
 */
export async function disconnectAll() {
  const sockets = [...liveSockets];
  liveSockets.clear();
  // A channel that saw phx_error has a rejoin timer pending, which would keep the test
  // process alive for a minute after the last test.
  for (const socket of sockets) for (const channel of socket.channels) channel.rejoinTimer.reset();
  await Promise.all(sockets.map((socket) => disconnect(socket)));
}

export async function connectPhoenix(node, params, opts = {}) {
  const socket = new Socket(node.socketUrl, {
    transport: WebSocket,
    params,
    timeout: STEP_TIMEOUT_MS,
    heartbeatIntervalMs: 30000,
    reconnectAfterMs: () => 60000,
    rejoinAfterMs: () => 60000,
    ...opts,
  });
  await within(STEP_TIMEOUT_MS, new Promise((resolve, reject) => {
    const refs = [];
    refs.push(socket.onOpen(() => { socket.off(refs); resolve(); }));
    refs.push(socket.onError((err) => {
      socket.off(refs);
      socket.disconnect();
      reject(new Error(`phoenix socket error: ${err && err.message ? err.message : err}`));
    }));
    liveSockets.add(socket);
    socket.connect();
  }), "phoenix socket connect").catch((err) => {
    liveSockets.delete(socket);
    socket.disconnect();
    throw err;
  });
  return socket;
}

/**
 * Resolves with {status: "ok"|"error"|"timeout", response} for a Push (join or push).
 */
export function outcome(push) {
  return new Promise((resolve) => {
    push
      .receive("ok", (response) => resolve({ status: "ok", response }))
      .receive("error", (response) => resolve({ status: "error", response }))
      .receive("timeout", () => resolve({ status: "timeout", response: null }));
  });
}

/**
 * Joins `topic` on `socket`. Returns {channel, status, response, states}: `states` collects
 * every `state` broadcast payload the channel receives from now on. A refused join is left at
 * once so the client does not retry it.
 */
export async function joinChannel(socket, topic, params = {}) {
  const channel = socket.channel(topic, params);
  const states = [];
  const waiters = new Set();
  channel.on("state", (state) => {
    states.push(state);
    for (const waiter of waiters) waiter();
  });
  const result = await outcome(channel.join(STEP_TIMEOUT_MS));
  if (result.status !== "ok") channel.leave();

  /** Resolves with the first collected state satisfying `pred`. */
  const waitForState = (pred, timeoutMs = STEP_TIMEOUT_MS) => new Promise((resolve, reject) => {
    const check = () => {
      const found = states.find(pred);
      if (found) {
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      }
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`${topic}: no matching state broadcast within ${timeoutMs} ms; got versions ` +
        `${JSON.stringify(states.map((s) => s.version))}`));
    }, timeoutMs);
    waiters.add(check);
    check();
  });
  return { channel, ...result, states, waitForState };
}

/** Pushes `event` on `channel`; resolves with {status, response}. */
export function push(channel, event, payload) {
  return outcome(channel.push(event, payload, STEP_TIMEOUT_MS));
}

/** Disconnects a phoenix socket and resolves once its transport is closed. */
export function disconnect(socket) {
  liveSockets.delete(socket);
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 2000);
    socket.disconnect(() => { clearTimeout(timer); resolve(); });
  });
}
