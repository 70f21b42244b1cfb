// A smoke run of the peer driver (bench/peers/driver.mjs) on the two systems that need no
// package of their own: Parlor (phoenix client) and the floor (parlor-echo relaying the frames
// of each move). Colyseus and boardgame.io need `npm ci` in bench/peers and are run by
// bench/run-all, not here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { NODE_BIN } from "./support/node.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DRIVER = path.join(ROOT, "bench/peers/driver.mjs");
const ECHO = process.env.PARLOR_ECHO_BIN || path.join(path.dirname(NODE_BIN), "parlor-echo");

function driver(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [DRIVER, ...args], { timeout: 90000 }, (err, stdout, stderr) =>
      resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

test("peer driver: Parlor and the floor play every move, with CPU per move and steal per step", { timeout: 100000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "parlor-peers-test-"));
  try {
    const out = path.join(dir, "peers.json");
    const { code, stderr } = await driver(["--systems=parlor,floor", "--games=4", "--rates=100,200",
      "--duration=1", "--warmup=0", "--keep-going", "--no-pin", "--max-seconds=70",
      `--parlor-bin=${NODE_BIN}`, `--echo-bin=${ECHO}`, `--parlor-data-base=${dir}`, `--out=${out}`]);
    assert.equal(code, 0, stderr);
    const r = JSON.parse(await readFile(out, "utf8"));
    assert.deepEqual(Object.keys(r.systems), ["parlor", "floor"]);
    for (const [name, sys] of Object.entries(r.systems)) {
      assert.equal(sys.error, undefined, `${name}: ${sys.error}`);
      assert.equal(sys.steps.length, 2, name);
      for (const s of sys.steps) {
        assert.equal(s.errors, 0, `${name} @${s.rate}: ${JSON.stringify(s.error_reasons)}`);
        // One second at the rate (a shared machine may lag the open loop a little).
        assert.ok(s.completed >= 0.5 * s.rate, `${name} @${s.rate}: ${s.completed} moves completed`);
        assert.equal(s.opponent.n, s.completed, name);
        assert.ok(s.opponent.p50 > 0 && s.opponent.p50 <= s.opponent.p99, name);
        assert.equal(typeof s.cpu_s_per_1000, "number", name);
        assert.equal(s.steal_pct.length, os.cpus().length, name);
        // Judged (true/false), or not judged because the host took too much of a core.
        assert.ok(s.sustained === true || s.sustained === false || (s.sustained === null && /^host steal/.test(s.not_judged)),
          `${name} @${s.rate}: ${s.sustained} ${s.not_judged}`);
      }
    }
    // Games end after at most nine moves and are replaced: Parlor's cost a round trip and CPU,
    // the floor's nothing (it prices the moves alone).
    assert.ok(r.systems.parlor.restart.cpu_s >= 0);
    assert.ok(r.systems.floor.restart.cpu_ms_per_game < 0.05, JSON.stringify(r.systems.floor.restart));
    assert.ok(r.systems.floor.steps.every((s) => s.restarts > 0));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("peer driver: an unknown system is refused before anything starts", async () => {
  const { code, stderr } = await driver(["--systems=parlor,nope"]);
  assert.equal(code, 2);
  assert.match(stderr, /unknown system nope \(parlor, colyseus, bgio, floor\)/);
});
