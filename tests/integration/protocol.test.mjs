// Phoenix Channels v2 over raw WebSocket frames (contract §4), against a real parlor-node.
import { test } from "node:test";
import assert from "node:assert/strict";
import { delay, withNode } from "./support/node.mjs";
import { RawClient, openWebSocket, socketUrl } from "./support/phx.mjs";

const T = { timeout: 30000 };

/** Asserts `client` still works: a heartbeat round trip. */
async function assertServes(client) {
  const frame = await client.heartbeat();
  assert.deepEqual(frame.slice(2), ["phoenix", "phx_reply", { status: "ok", response: {} }]);
}

test("heartbeat is answered", T, () => withNode({}, async (node) => {
  const c = await RawClient.connect(node);
  c.send([null, "1", "phoenix", "heartbeat", {}]);
  const frame = await c.reply("1");
  assert.deepEqual(frame, [null, "1", "phoenix", "phx_reply", { status: "ok", response: {} }]);
  c.close();
}));

test("connect params: a missing, empty or too long name is refused with 403", T, () =>
  withNode({}, async (node) => {
    for (const [label, params] of [
      ["missing", {}],
      ["empty", { name: "" }],
      ["33 characters", { name: "a".repeat(33) }],
    ]) {
      const { ws, status } = await openWebSocket(socketUrl(node, params));
      if (ws) ws.terminate();
      assert.equal(status, 403, `name ${label}`);
    }
    // Only invisible characters (zero-width space, right-to-left override) is no name.
    for (const name of ["\u200b\u200b", "\u202e", "   "]) {
      const { ws, status } = await openWebSocket(socketUrl(node, { name }));
      if (ws) ws.terminate();
      assert.equal(status, 403, `name ${JSON.stringify(name)}`);
    }
    // 1 and 32 characters are fine; characters, not bytes.
    for (const name of ["a", "b".repeat(32), "é".repeat(32)]) {
      const c = await RawClient.connect(node, { name });
      await assertServes(c);
      c.close();
    }
  }));

test("an upgrade whose Origin is another site, or null, is refused with 403 (contract §9)", T, async () => {
  await withNode({}, async (node) => {
    const url = socketUrl(node, { name: "alice" });
    const status = async (origin) => {
      const { ws, status: code } = await openWebSocket(url, origin ? { origin } : {});
      if (ws) ws.terminate();
      return code;
    };
    assert.equal(await status(null), 101, "no Origin: not a browser");
    assert.equal(await status(node.url), 101, "the node's own page");
    assert.equal(await status("http://localhost:5173"), 101, "localhost, any port");
    assert.equal(await status("https://evil.example"), 403);
    assert.equal(await status("null"), 403);
  });
  await withNode({ args: ["--allowed-origins=https://play.example.com"] }, async (node) => {
    const url = socketUrl(node, { name: "alice" });
    const { ws, status } = await openWebSocket(url, { origin: "https://play.example.com" });
    if (ws) ws.terminate();
    assert.equal(status, 101, "a listed origin");
    const other = await openWebSocket(url, { origin: node.url });
    if (other.ws) other.ws.terminate();
    assert.equal(other.status, 403, "with a list, only what it names");
  });
});

test("an undecodable text frame closes that socket (not 1000); others keep being served", T, () =>
  withNode({}, async (node) => {
    const bystander = await RawClient.connect(node, { name: "bystander" });
    const bad = await RawClient.connect(node, { name: "mallory" });
    bad.send("this is not json");
    const { code } = await bad.waitClosed();
    assert.notEqual(code, 1000, "close code");

    await assertServes(bystander);
    const fresh = await RawClient.connect(node, { name: "carol" });
    await assertServes(fresh);
    bystander.close();
    fresh.close();
  }));

test("a frame nested 200,000 deep with a numeric ref closes its socket with 1007; the node lives", T, () =>
  // A 1 MB frame limit lets the nesting through the size check: it once
  // crashed the node (a recursive dump of the payload overflowed the stack).
  withNode({ args: ["--max-frame-bytes=1000000"] }, async (node) => {
    const bystander = await RawClient.connect(node, { name: "bystander" });
    const bad = await RawClient.connect(node, { name: "mallory" });
    const levels = 200000;
    bad.send(`[null,1,"lobby","x",{"a":${"[".repeat(levels)}${"]".repeat(levels)}}]`);
    const { code } = await bad.waitClosed();
    assert.equal(code, 1007, "close code");
    await assertServes(bystander);
    // Nesting within the limit is still a frame (an unknown topic here).
    bystander.send(`["1","2","nope","x",{"a":${"[".repeat(20)}${"]".repeat(20)}}]`);
    const reply = await bystander.reply("2");
    assert.equal(reply[4].status, "error");
    bystander.close();
  }));

test("a decodable frame with a bad field gets an error phx_reply for its ref", T, () =>
  withNode({}, async (node) => {
    const cases = [
      ["topic is a number", (ref) => [ref, ref, 42, "phx_join", {}]],
      ["event is a number", (ref) => [null, ref, "phoenix", 7, {}]],
      ["payload is a string", (ref) => [ref, ref, "lobby", "phx_join", "x"]],
    ];
    for (const [label, make] of cases) {
      const c = await RawClient.connect(node);
      const ref = c.ref();
      c.send(make(ref));
      const frame = await c.waitFor((f) => f[3] === "phx_reply" && f[1] === ref,
        { what: `error reply (${label})` });
      assert.equal(frame[4].status, "error", label);
      assert.equal(typeof frame[4].response, "object", `${label}: response is an object`);
      c.close();
    }
    // Without a ref there is nothing to reply to; the node keeps serving.
    const c = await RawClient.connect(node);
    c.send([null, null, 42, "phx_join", {}]);
    c.send(["x"]);
    c.send({ not: "an array" });
    const other = await RawClient.connect(node, { name: "bob" });
    await assertServes(other);
    other.close();
    c.close();
  }));

// A JSON array of the wrong length decodes, and its ref is at hand: the contract's "decodable
// frame with a bad field" reading says reply, not close.
test("a frame with four elements and a ref gets an error phx_reply", T, () =>
  withNode({}, async (node) => {
    const c = await RawClient.connect(node);
    c.send(["1", "1", "lobby", "phx_join"]);
    const frame = await c.reply("1", { what: "error reply to a 4-element frame" });
    assert.equal(frame[4].status, "error");
    c.close();
    const other = await RawClient.connect(node, { name: "bob" });
    await assertServes(other);
    other.close();
  }));

test("joining an unknown topic is refused: unmatched topic", T, () =>
  withNode({}, async (node) => {
    const c = await RawClient.connect(node);
    const { frame, status, response } = await c.join("foo:bar");
    assert.equal(frame[2], "foo:bar");
    assert.equal(status, "error");
    assert.deepEqual(response, { reason: "unmatched topic" });
    await assertServes(c);
    c.close();
  }));

test("a push to a topic that was not joined is refused: unmatched topic", T, () =>
  withNode({}, async (node) => {
    const c = await RawClient.connect(node);
    const frame = await c.request("9", "game:ABCD", "move", { cell: 0 });
    assert.equal(frame[2], "game:ABCD");
    assert.equal(frame[4].status, "error");
    assert.deepEqual(frame[4].response, { reason: "unmatched topic" });
    const lobbyPush = await c.request(null, "lobby", "create", { game: "tictactoe" });
    assert.equal(lobbyPush[4].status, "error");
    assert.deepEqual(lobbyPush[4].response, { reason: "unmatched topic" });
    await assertServes(c);
    c.close();
  }));

test("an oversized frame closes that socket with 1009; the node keeps serving", T, () =>
  withNode({}, async (node) => {
    const bystander = await RawClient.connect(node, { name: "bystander" });
    // Several tries and sizes: the client must receive the close frame even though it is
    // still sending when the node gives up on the frame (the node must not reset the TCP
    // connection under it, which shows as 1006).
    for (const size of [128 * 1024, 1024 * 1024, 1024 * 1024, 1024 * 1024, 1024 * 1024, 1024 * 1024]) {
      const big = await RawClient.connect(node);
      big.send(JSON.stringify([null, "1", "phoenix", "heartbeat", { pad: "x".repeat(size) }]));
      const { code } = await big.waitClosed(10000);
      assert.equal(code, 1009, `close code after a ${size}-byte frame`);
    }
    await assertServes(bystander);
    const fresh = await RawClient.connect(node, { name: "carol" });
    await assertServes(fresh);
    bystander.close();
    fresh.close();
  }));

test("replies of every frame-length encoding arrive whole: 7-bit, 16-bit and 64-bit lengths", T, () =>
  withNode({}, async (node) => {
    const c = await RawClient.connect(node);
    const sizes = [];
    c.ws.on("message", (data) => sizes.push(data.length));
    const reply = (ref) => JSON.stringify([null, ref, "phoenix", "phx_reply", { status: "ok", response: {} }]);
    const overhead = reply("").length;
    // Around the limits of RFC 6455's payload length forms: 125 | 126..65535 | 65536..
    const targets = [1 + overhead, 125, 126, 127, 65535, 65536, 65550];
    for (const size of targets) {
      const ref = "x".repeat(size - overhead);
      assert.equal(reply(ref).length, size);
      c.send([null, ref, "phoenix", "heartbeat", {}]);
      const frame = await c.reply(ref);
      assert.deepEqual(frame, JSON.parse(reply(ref)), `reply of ${size} bytes`);
    }
    assert.deepEqual(sizes, targets, "payload lengths as received");
    await assertServes(c);
    c.close();
  }));

/** The value of an unlabelled sample in the node's /metrics. */
async function metric(node, name) {
  const body = await (await fetch(`${node.url}/metrics`)).text();
  const line = body.split("\n").find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} in /metrics`);
  return Number(line.split(" ")[1]);
}

test("a client that stops reading is closed with 1008 once 1024 frames wait; what it got came whole and in order",
  { timeout: 60000 }, () =>
  // 6,000 frames from one socket: far over the per-socket rate, which is not tested here.
  withNode({ args: ["--socket-rate=0"] }, async (node) => {
    const bystander = await RawClient.connect(node, { name: "bystander" });
    const slow = await RawClient.connect(node, { name: "slow" });
    const before = await metric(node, "parlor_messages_in_total");
    slow.ws.pause(); // reads nothing more from its TCP socket
    // 4 KB replies (refs are echoed): far more than the kernel's socket buffers, the
    // node's 64 KB write buffer and 1024 queued frames hold.
    const pad = "r".repeat(4000);
    const n = 6000;
    for (let i = 1; i <= n; i++) slow.send([null, `${i}-${pad}`, "phoenix", "heartbeat", {}]);
    // Every heartbeat read: the node has answered (or dropped) them all.
    const deadline = Date.now() + 30000;
    while ((await metric(node, "parlor_messages_in_total")) < before + n) {
      assert.ok(Date.now() < deadline, "the node reads every heartbeat within 30 s");
      await delay(100);
    }
    await assertServes(bystander); // meanwhile everyone else is served
    slow.ws.resume();
    const { code, reason } = await slow.waitClosed(20000);
    assert.equal(code, 1008, "close code");
    assert.equal(reason, "client too slow");
    // What arrived is a prefix of the replies, each whole, none twice.
    assert.ok(slow.frames.length > 1024, `${slow.frames.length} replies before the close`);
    assert.ok(slow.frames.length < n, `${slow.frames.length} replies: some were dropped`);
    slow.frames.forEach((f, i) => {
      assert.deepEqual(f, [null, `${i + 1}-${pad}`, "phoenix", "phx_reply", { status: "ok", response: {} }],
        `reply ${i + 1}`);
    });
    await assertServes(bystander);
    bystander.close();
  }));

test("over --socket-rate a frame gets rate_limited for its ref; bursts of twice the rate pass (contract §9)",
  T, () => withNode({ args: ["--socket-rate=20"] }, async (node) => {
    const c = await RawClient.connect(node, { name: "flood" });
    const n = 200;
    for (let i = 1; i <= n; i++) c.send([null, String(i), "phoenix", "heartbeat", {}]);
    c.send([null, null, "phoenix", "heartbeat", {}]); // no ref: nothing to answer
    await c.reply(String(n), { timeoutMs: 10000 });
    const replies = c.frames.filter((f) => f[3] === "phx_reply");
    assert.equal(replies.length, n, "one reply per frame with a ref");
    const ok = replies.filter((f) => f[4].status === "ok");
    const limited = replies.filter((f) => f[4].status === "error");
    // A full bucket holds 40; a few more may refill while the frames arrive.
    assert.ok(ok.length >= 40 && ok.length <= 60, `${ok.length} answered ok`);
    for (const f of limited) {
      assert.deepEqual(f.slice(2), ["phoenix", "phx_reply",
        { status: "error", response: { reason: "rate_limited" } }]);
    }
    // The first 40 are the ones answered ok, in order.
    assert.deepEqual(ok.slice(0, 40).map((f) => f[1]), Array.from({ length: 40 }, (_, i) => String(i + 1)));
    // Another socket is served meanwhile, and this one again after a pause.
    const other = await RawClient.connect(node, { name: "other" });
    await assertServes(other);
    await delay(1100);
    await assertServes(c);
    assert.ok(await metric(node, "parlor_rate_limited_total") >= n - 60);
    c.close();
    other.close();
  }));

test("a socket that floods for 10 s is closed with 1008; one under --socket-rate=0 never is (contract §9)",
  { timeout: 40000 }, async () => {
    // 200 frames a second for at most 21 s against the default 50/s.
    const flood = async (node) => {
      const c = await RawClient.connect(node, { name: "flood" });
      const started = Date.now();
      for (let i = 1; !c.closeInfo && Date.now() - started < 21000; i++) {
        c.send([null, String(i), "phoenix", "heartbeat", {}]);
        await delay(5);
      }
      return { c, seconds: (Date.now() - started) / 1000 };
    };
    await withNode({}, async (node) => {
      const { c, seconds } = await flood(node);
      const { code, reason } = await c.waitClosed(2000);
      assert.equal(code, 1008);
      assert.equal(reason, "rate limit exceeded");
      // Not before 10 s; the upper bound leaves room for a busy host (ctest -j2 runs fuzzers
      // beside it), where the 1 ms pause per refused frame makes the node read later.
      assert.ok(seconds >= 10 && seconds < 20, `closed after ${seconds} s`);
      const other = await RawClient.connect(node, { name: "other" });
      await assertServes(other);
      other.close();
    });
    await withNode({ args: ["--socket-rate=0"] }, async (node) => {
      const c = await RawClient.connect(node, { name: "bench" });
      const n = 2000;
      for (let i = 1; i <= n; i++) c.send([null, String(i), "phoenix", "heartbeat", {}]);
      await c.reply(String(n), { timeoutMs: 10000 });
      assert.equal(c.frames.filter((f) => f[4]?.status === "ok").length, n);
      c.close();
    });
  });

test("lobby join answers the player, node and region", T, () =>
  withNode({ name: "proto-node", region: "fra" }, async (node) => {
    const c = await RawClient.connect(node, { name: "alice" });
    const { frame, joinRef, status, response } = await c.join("lobby");
    assert.equal(frame[0], joinRef, "reply carries the join_ref");
    assert.equal(frame[2], "lobby");
    assert.equal(status, "ok");
    assert.equal(typeof response.player.id, "string");
    assert.ok(response.player.id.length > 0);
    assert.equal(response.player.name, "alice");
    assert.equal(typeof response.player.token, "string");
    assert.ok(response.player.token.length > 0);
    assert.equal(response.node, "proto-node");
    assert.equal(response.region, "fra");
    c.close();
  }));

test("lobby create: unknown game is refused, tictactoe gives a 4-letter code", T, () =>
  withNode({}, async (node) => {
    const c = await RawClient.connect(node);
    const { joinRef } = await c.join("lobby");
    const bad = await c.request(joinRef, "lobby", "create", { game: "chess" });
    assert.equal(bad[0], joinRef);
    assert.deepEqual(bad[4], { status: "error", response: { reason: "unknown_game" } });
    const good = await c.request(joinRef, "lobby", "create", { game: "tictactoe" });
    assert.equal(good[4].status, "ok");
    assert.match(good[4].response.code, /^[A-Z]{4}$/);
    c.close();
  }));

test("joining a game that does not exist: not_found", T, () =>
  withNode({}, async (node) => {
    const c = await RawClient.connect(node);
    const { status, response } = await c.join("game:ZZZZ");
    assert.equal(status, "error");
    assert.deepEqual(response, { reason: "not_found" });
    c.close();
  }));

test("a second phx_join of a joined topic closes the old join, then answers the new one", T, () =>
  withNode({}, async (node) => {
    const c = await RawClient.connect(node);
    const first = await c.join("lobby");
    assert.equal(first.status, "ok");
    const mark = c.frames.length;
    const second = await c.join("lobby");
    assert.equal(second.status, "ok");
    const closeIdx = c.frames.findIndex((f, i) =>
      i >= mark && Array.isArray(f) && f[3] === "phx_close" && f[2] === "lobby");
    const replyIdx = c.frames.findIndex((f, i) =>
      i >= mark && Array.isArray(f) && f[3] === "phx_reply" && f[1] === second.joinRef);
    assert.ok(closeIdx >= 0, `phx_close for the old join; got ${JSON.stringify(c.frames.slice(mark))}`);
    assert.equal(c.frames[closeIdx][0], first.joinRef, "phx_close carries the old join_ref");
    assert.ok(closeIdx < replyIdx, "phx_close comes before the new join's reply");
    assert.equal(c.frames[replyIdx][0], second.joinRef);
    // The new join works.
    const created = await c.request(second.joinRef, "lobby", "create", { game: "tictactoe" });
    assert.equal(created[4].status, "ok");
    c.close();
  }));

test("phx_leave closes the channel; pushes to it are then unmatched", T, () =>
  withNode({}, async (node) => {
    const c = await RawClient.connect(node);
    const { joinRef } = await c.join("lobby");
    const left = await c.request(joinRef, "lobby", "phx_leave", {});
    assert.equal(left[4].status, "ok");
    const after = await c.request(joinRef, "lobby", "create", { game: "tictactoe" });
    assert.deepEqual(after[4], { status: "error", response: { reason: "unmatched topic" } });
    c.close();
  }));

test("more than 100 joined topics: too many channels joined", { timeout: 60000 }, () =>
  // 200 creates and joins in a row from one socket: over the per-socket and per-player rates.
  withNode({ args: ["--socket-rate=0", "--create-rate=0"] }, async (node) => {
    const c = await RawClient.connect(node);
    const lobby = await c.join("lobby");
    assert.equal(lobby.status, "ok");
    // 100 distinct topics that can be joined: the lobby plus 99 games made here, then one more.
    const codes = [];
    for (let i = 0; i < 100; i++) {
      const r = await c.request(lobby.joinRef, "lobby", "create", { game: "tictactoe" });
      assert.equal(r[4].status, "ok", `create #${i + 1}`);
      codes.push(r[4].response.code);
    }
    assert.equal(new Set(codes).size, 100, "codes are unique");
    for (let i = 0; i < 99; i++) {
      const j = await c.join(`game:${codes[i]}`);
      assert.equal(j.status, "ok", `join #${i + 2} (game:${codes[i]}): ${JSON.stringify(j.response)}`);
    }
    const extra = await c.join(`game:${codes[99]}`);
    assert.equal(extra.status, "error", "the 101st join is refused");
    assert.deepEqual(extra.response, { reason: "too many channels joined" });
    // Leaving one makes room again.
    const leave = await c.request(lobby.joinRef, "lobby", "phx_leave", {});
    assert.equal(leave[4].status, "ok");
    const again = await c.join(`game:${codes[99]}`);
    assert.equal(again.status, "ok");
    c.close();
  }));
