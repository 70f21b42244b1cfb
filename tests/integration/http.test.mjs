// HTTP surface of one node (contract §3) and its clean shutdown (contract §2).
import { test } from "node:test";
import assert from "node:assert/strict";
import { startNode, withNode } from "./support/node.mjs";

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
  const closed = new Promise((resolve) => ws.on("close", resolve));
  const info = await node.stop({ signal: "SIGTERM" });
  assert.deepEqual(info, { code: 0, signal: null }, node.describe());
  await closed;
});
