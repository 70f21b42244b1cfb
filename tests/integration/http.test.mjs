// HTTP surface of one node (contract §3) and its clean shutdown (contract §2).
import { test } from "node:test";
import assert from "node:assert/strict";
import { startNode, withNode } from "./support/node.mjs";
import { RawClient, openWebSocket, socketUrl } from "./support/phx.mjs";

const T = { timeout: 30000 };

async function get(node, path, init = {}) {
  const res = await fetch(node.url + path, { signal: AbortSignal.timeout(5000), ...init });
  return { res, body: await res.text() };
}

test("GET / and GET /g/ABCD serve the browser UI", T, () => withNode({}, async (node) => {
  const home = await get(node, "/");
  assert.equal(home.res.status, 200);
  assert.match(home.res.headers.get("content-type") || "", /^text\/html/);
  assert.match(home.body, /<html/i);
  // Contract §9: no inline script, no sniffing.
  assert.match(home.res.headers.get("content-security-policy") || "", /script-src 'self'/);
  assert.equal(home.res.headers.get("x-content-type-options"), "nosniff");

  const game = await get(node, "/g/ABCD");
  assert.equal(game.res.status, 200);
  assert.match(game.res.headers.get("content-type") || "", /^text\/html/);
  assert.equal(game.body, home.body, "/g/CODE serves the same page as /");
}));

test("the assets index.html references are served", T, () => withNode({}, async (node) => {
  const { body } = await get(node, "/");
  const refs = [...body.matchAll(/\b(?:src|href)="(\/[^"/][^"]*)"/g)].map((m) => m[1]);
  assert.ok(refs.includes("/app.js"), `index.html references /app.js (${refs.join(", ")})`);
  const types = { ".js": /javascript/, ".css": /^text\/css/, ".svg": /^image\/svg\+xml/ };
  for (const ref of new Set(refs)) {
    const { res } = await get(node, ref);
    assert.equal(res.status, 200, `GET ${ref}`);
    const ext = ref.slice(ref.lastIndexOf("."));
    if (types[ext]) assert.match(res.headers.get("content-type") || "", types[ext], `${ref} type`);
  }
}));

test("GET /healthz answers 200 ok", T, () => withNode({}, async (node) => {
  const { res, body } = await get(node, "/healthz");
  assert.equal(res.status, 200);
  assert.equal(body.trim(), "ok");
}));

test("GET /api/cluster lists the node itself", T, () =>
  withNode({ name: "http-node", region: "fra" }, async (node) => {
    const { res, body } = await get(node, "/api/cluster");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") || "", /^application\/json/);
    const info = JSON.parse(body);
    assert.equal(info.node, "http-node");
    assert.equal(info.region, "fra");
    assert.ok(Array.isArray(info.members), "members is an array");
    const me = info.members.filter((m) => m.name === info.node);
    assert.equal(me.length, 1, `exactly one member is the node: ${body}`);
    assert.equal(info.members.length, 1, "a standalone node sees only itself");
    assert.equal(me[0].region, "fra");
    assert.equal(me[0].status, "up");
    assert.equal(typeof me[0].http, "string");
    assert.match(me[0].http, /^[^\s:]+:\d+$/, "http is host:port");
    assert.ok(me[0].http.endsWith(`:${node.port}`), `http ${me[0].http} names port ${node.port}`);
  }));

test("GET /metrics answers Prometheus text", T, () => withNode({}, async (node) => {
  const { res, body } = await get(node, "/metrics");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") || "", /^text\/plain/);
  assert.match(body, /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$/m);
  // Every sample line is "name{labels} value".
  for (const line of body.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [-+0-9.eEInfNa]+( \d+)?$/, `sample: ${line}`);
  }
}));

test("unknown paths answer 404", T, () => withNode({}, async (node) => {
  for (const path of ["/nope", "/api/nope", "/nope.js"]) {
    const { res } = await get(node, path);
    assert.equal(res.status, 404, `GET ${path}`);
  }
}));

test("the node exits 0 on SIGTERM", T, async () => {
  const node = await startNode();
  const info = await node.stop({ signal: "SIGTERM" });
  assert.deepEqual(info, { code: 0, signal: null }, node.describe());
});

test("the node exits 0 on SIGINT", T, async () => {
  const node = await startNode();
  const info = await node.stop({ signal: "SIGINT" });
  assert.deepEqual(info, { code: 0, signal: null }, node.describe());
});

test("the node exits 0 on SIGTERM with clients connected", T, async () => {
  const node = await startNode();
  const { default: WebSocket } = await import("ws");
  const ws = new WebSocket(`${node.wsUrl}?vsn=2.0.0&name=alice`);
  await new Promise((resolve, reject) => { ws.on("open", resolve); ws.on("error", reject); });
  const closed = new Promise((resolve) => ws.on("close", (code) => resolve(code)));
  const info = await node.stop({ signal: "SIGTERM" });
  assert.deepEqual(info, { code: 0, signal: null }, node.describe());
  assert.equal(await closed, 1001, "sockets are closed with 1001 going away");
});

test("SIGTERM waits a bounded time for a client that never answers the close, then exits 0", T, async () => {
  const node = await startNode();
  const net = await import("node:net");
  const { port } = new URL(node.url);
  // A raw upgrade, then silence: this client never reads or answers the close frame.
  const sock = net.connect({ host: "127.0.0.1", port: Number(port) });
  await new Promise((resolve, reject) => { sock.on("connect", resolve); sock.on("error", reject); });
  sock.write("GET /socket/websocket?vsn=2.0.0&name=mute HTTP/1.1\r\nHost: x\r\n" +
    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
  const upgraded = await new Promise((resolve) => sock.once("data", (d) => resolve(d.toString())));
  assert.match(upgraded, /^HTTP\/1\.1 101/);
  sock.pause();
  const started = Date.now();
  const info = await node.stop({ signal: "SIGTERM" });
  assert.deepEqual(info, { code: 0, signal: null }, node.describe());
  sock.destroy();
  // Bounded: the close wait (5 s) plus the drop (2 s), not forever.
  assert.ok(Date.now() - started < 12000, `stopped after ${Date.now() - started} ms`);
});

test("out of file descriptors, the node backs off instead of spinning, and serves again once they free up",
  { timeout: 60000 }, async () => {
    // 40 descriptors: the node needs about 20 of its own.
    const node = await startNode({ prefix: ["prlimit", "--nofile=40:40"] });
    const net = await import("node:net");
    const socks = [];
    for (let i = 0; i < 40; i++) {
      const s = net.connect({ host: "127.0.0.1", port: node.port });
      s.on("error", () => {});
      socks.push(s);
    }
    await new Promise((r) => setTimeout(r, 500)); // the node runs out meanwhile
    const ticks = async () => {
      const { readFile } = await import("node:fs/promises");
      const f = (await readFile(`/proc/${node.proc.pid}/stat`, "utf8")).split(") ")[1].split(" ");
      return Number(f[11]) + Number(f[12]); // utime + stime, in 1/100 s
    };
    const acceptLines = () => node.logs().split("\n").filter((l) => l.includes("http accept")).length;
    const t0 = await ticks();
    const lines0 = acceptLines();
    await new Promise((r) => setTimeout(r, 2000));
    const cpu = (await ticks()) - t0;
    // An accept loop that retries at once takes the whole core (200 ticks in 2 s) and logs
    // hundreds of thousands of lines a second.
    assert.ok(lines0 >= 1, `the node says it ran out\n${node.describe()}`);
    assert.ok(cpu < 50, `node used ${cpu} ticks of CPU in 2 s while out of descriptors`);
    assert.ok(acceptLines() - lines0 <= 2, `${acceptLines() - lines0} more accept lines`);
    for (const s of socks) s.destroy();
    const deadline = Date.now() + 10000;
    let ok = false;
    while (!ok && Date.now() < deadline) {
      try {
        const res = await fetch(`${node.url}/healthz`, { signal: AbortSignal.timeout(2000) });
        ok = res.status === 200;
      } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
    assert.ok(ok, "healthz answers once descriptors are free again");
    const info = await node.stop({ signal: "SIGTERM" });
    assert.deepEqual(info, { code: 0, signal: null }, node.describe());
  });

test("malformed HTTP gets 400 and the connection closes; the node serves on (contract §9)", T, () =>
  withNode({}, async (node) => {
    const net = await import("node:net");
    for (const bytes of ["GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nHost x\r\n\r\n", "GET / HTTP/9\r\n\r\n"]) {
      const sock = net.connect({ host: "127.0.0.1", port: node.port });
      let answer = "";
      sock.on("data", (d) => { answer += d.toString(); });
      const closed = new Promise((r) => sock.on("close", r));
      sock.on("error", () => {});
      sock.write(bytes);
      await closed;
      assert.match(answer, /^HTTP\/1\.1 400 /, JSON.stringify(bytes));
    }
    const res = await fetch(`${node.url}/healthz`, { signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 200);
  }));

test("a request whose headers do not arrive within 10 s is closed (contract §9)", { timeout: 30000 }, () =>
  withNode({}, async (node) => {
    const net = await import("node:net");
    const sock = net.connect({ host: "127.0.0.1", port: node.port });
    sock.on("error", () => {});
    const closed = new Promise((r) => sock.on("close", r));
    const started = Date.now();
    sock.write("GET / HTTP/1.1\r\nHost: x\r\n"); // never the blank line
    const drip = setInterval(() => sock.write("X-Drip: 1\r\n"), 1000);
    await closed;
    clearInterval(drip);
    const took = Date.now() - started;
    assert.ok(took >= 9000 && took < 15000, `closed after ${took} ms`);
  }));

test("beyond --max-connections new connections are refused and the open ones keep working (contract §9)", T, () =>
  withNode({ args: ["--max-connections=5"] }, async (node) => {
    // The start-up's health check may still hold a keep-alive connection: fill
    // up to the refusal, which must come at the fifth or sixth connection.
    const clients = [];
    let refused = false;
    while (!refused && clients.length < 10) {
      const c = await RawClient.connect(node, { name: `p${clients.length}` }).catch(() => null);
      if (c) clients.push(c); else refused = true;
    }
    assert.ok(refused, "connections beyond the limit are refused");
    assert.ok(clients.length >= 4 && clients.length <= 5, `${clients.length} connections accepted`);
    await assert.rejects(openWebSocket(socketUrl(node, { name: "late" }), { timeoutMs: 3000 }),
      "still refused while full");
    for (const c of clients) {
      const frame = await c.heartbeat();
      assert.equal(frame[4].status, "ok");
    }
    // A freed slot takes a new connection.
    clients.pop().close();
    let late = null;
    for (let i = 0; i < 50 && !late; i++) {
      late = await RawClient.connect(node, { name: "late" }).catch(() => null);
      if (!late) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(late, "connects once a slot is free");
    late.close();
    for (const c of clients) c.close();
  }));

test("beyond --max-connections-per-address one address is refused, others are not", T, () =>
  withNode({ args: ["--max-connections-per-address=4"] }, async (node) => {
    // From 127.0.0.2, so that the start-up's health check (127.0.0.1) does not count.
    const from = (localAddress) => ({ localAddress });
    const clients = [];
    let refused = false;
    while (!refused && clients.length < 10) {
      const c = await RawClient.connect(node, { name: `p${clients.length}` }, from("127.0.0.2")).catch(() => null);
      if (c) clients.push(c); else refused = true;
    }
    assert.ok(refused, "connections beyond the limit are refused");
    assert.equal(clients.length, 4, "exactly the limit is accepted");
    // Another address connects, and the open sockets keep working.
    const other = await RawClient.connect(node, { name: "other" }, from("127.0.0.3"));
    assert.equal((await other.heartbeat())[4].status, "ok");
    for (const c of clients) assert.equal((await c.heartbeat())[4].status, "ok");
    // A freed slot takes a new connection from the full address.
    clients.pop().close();
    let again = null;
    for (let i = 0; i < 50 && !again; i++) {
      again = await RawClient.connect(node, { name: "again" }, from("127.0.0.2")).catch(() => null);
      if (!again) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(again, "connects once a slot of its address is free");
    for (const c of [...clients, other, again]) c.close();
  }));
