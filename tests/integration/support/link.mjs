// A lean Phoenix v2 client for long-running load: one WebSocket, requests with their own
// timeout, and per-topic handlers for broadcasts and channel errors. Unlike RawClient it keeps no
// frame history (a chaos run receives hundreds of thousands of frames) and never throws on a
// dead socket: a request then resolves {status: "closed"} or {status: "timeout"}.
import WebSocket from "ws";
import { socketUrl } from "./phx.mjs";

export class Link {
  /** Opens a socket to `node` ({wsUrl}) with connect params; resolves a Link or null. */
  static open(node, params, timeoutMs = 3000) {
    return new Promise((resolve) => {
      const ws = new WebSocket(socketUrl(node, params), { handshakeTimeout: timeoutMs });
      const timer = setTimeout(() => { ws.terminate(); resolve(null); }, timeoutMs);
      ws.once("open", () => { clearTimeout(timer); resolve(new Link(ws)); });
      ws.once("unexpected-response", (req) => { clearTimeout(timer); req.destroy(); resolve(null); });
      ws.on("error", () => { clearTimeout(timer); resolve(null); });
    });
  }

  constructor(ws) {
    this.ws = ws;
    this.nextRef = 1;
    this.pending = new Map(); // ref -> {resolve, timer}
    this.topics = new Map(); // topic -> {joinRef, onState, onError}
    this.closed = false;
    ws.on("message", (data) => this.onFrame(data));
    ws.on("close", () => this.onClosed());
  }

  onFrame(data) {
    let frame;
    try { frame = JSON.parse(data.toString()); } catch { return; }
    if (!Array.isArray(frame)) return;
    const [joinRef, ref, topic, event, payload] = frame;
    if (event === "phx_reply") {
      const p = this.pending.get(ref);
      if (!p) return;
      this.pending.delete(ref);
      clearTimeout(p.timer);
      p.resolve({ status: payload.status, response: payload.response });
      return;
    }
    const t = this.topics.get(topic);
    if (!t) return;
    if (event === "state") t.onState(payload);
    else if ((event === "phx_error" || event === "phx_close") && (joinRef === null || joinRef === t.joinRef)) {
      this.topics.delete(topic);
      t.onError(event);
    }
  }

  onClosed() {
    this.closed = true;
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.resolve({ status: "closed" }); }
    this.pending.clear();
    const topics = [...this.topics.values()];
    this.topics.clear();
    for (const t of topics) t.onError("closed");
  }

  /** Sends a request; resolves {status, response}, {status: "timeout"} or {status: "closed"}. */
  request(joinRef, topic, event, payload = {}, timeoutMs = 4000) {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return Promise.resolve({ status: "closed" });
    const ref = String(this.nextRef++);
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.pending.delete(ref); resolve({ status: "timeout" }); }, timeoutMs);
      this.pending.set(ref, { resolve, timer });
      this.ws.send(JSON.stringify([joinRef, ref, topic, event, payload]));
    });
  }

  /**
   * Joins `topic`; handlers {onState(state), onError(why)} are registered before the join is
   * sent, so no broadcast is missed. Resolves {status, response, joinRef}.
   */
  async join(topic, payload = {}, handlers = {}, timeoutMs = 4000) {
    const joinRef = String(this.nextRef); // the join's own ref, as Phoenix does
    this.topics.set(topic, { joinRef, onState: handlers.onState || (() => {}), onError: handlers.onError || (() => {}) });
    const r = await this.request(joinRef, topic, "phx_join", payload, timeoutMs);
    if (r.status !== "ok") this.topics.delete(topic);
    return { ...r, joinRef };
  }

  heartbeat(timeoutMs = 3000) {
    return this.request(null, "phoenix", "heartbeat", {}, timeoutMs);
  }

  /** Closes at once: a frozen node would never answer a close handshake. */
  close() {
    this.topics.clear();
    this.ws.terminate();
  }
}
