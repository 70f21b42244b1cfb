// The chaos checker must be able to fail: fabricated histories with a lost acknowledgement, a
// gap, a divergent version and two owners are each caught, and a clean one passes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkChaos } from "./support/chaos_checker.mjs";

const X = "px";
const O = "po";

/** A summary of STATE as chaos_load.mjs records it. */
function st(version, board, host = "n1", extra = {}) {
  const marks = [...board].filter((c) => c !== ".").length;
  const status = version === 1 ? "waiting" : extra.status || "playing";
  return { version, board, status, turn: version === 1 ? null : marks % 2 === 0 ? "X" : "O",
    winner: null, x: X, o: version === 1 ? null : O, host, ...extra };
}

const create = { version: 1, cell: null, mark: null, board: ".........", node: null };

/** One game seen by one connection from v1 to v5, with its acks; final v5 on three nodes. */
function cleanRun() {
  const states = [st(1, "........."), st(2, "........."), st(3, "....X...."), st(4, "O...X...."), st(5, "O...X...X")];
  return {
    games: {
      ABCD: {
        acks: [create,
          { version: 3, cell: 4, mark: "X", board: "....X....", node: "n1" },
          { version: 4, cell: 0, mark: "O", board: "O...X....", node: "n2" },
          { version: 5, cell: 8, mark: "X", board: null, node: "n3" }],
        observations: states.map((s, i) => ({ ...s, seg: 1, via: i === 0 ? "join" : "state" })),
        segments: { 1: 1 },
        anomalies: [],
      },
    },
    finals: { ABCD: { n1: st(5, "O...X...X"), n2: st(5, "O...X...X"), n3: st(5, "O...X...X") } },
    gauges: { n1: 1, n2: 0, n3: 0 },
    uncertainCreates: 0,
  };
}

test("a clean history passes", () => {
  const v = checkChaos(cleanRun());
  assert.deepEqual(v.violations, []);
  assert.equal(v.ok, true);
  assert.equal(v.games, 1);
  assert.equal(v.acked, 3);
});

test("a lost acknowledged move is caught (final state older than the ack)", () => {
  const run = cleanRun();
  // The node that took over had only v4: the acked v5 (X at 8) is gone.
  run.finals.ABCD = { n1: st(4, "O...X...."), n2: st(4, "O...X...."), n3: st(4, "O...X....") };
  const v = checkChaos(run);
  assert.equal(v.ok, false);
  assert.equal(v.lost, 1);
  assert.match(v.violations.find((x) => x.kind === "lost").detail, /v5 X@8.*at v4/);
});

test("a lost ack is caught even when later moves hide the version (a different mark at the cell)", () => {
  const run = cleanRun();
  // v5 was redone differently after a failover (X at 2, not 8), and the game went on.
  const f = st(6, "O.X.X...O");
  run.finals.ABCD = { n1: f, n2: f, n3: f };
  const v = checkChaos(run);
  assert.equal(v.lost, 1);
  assert.ok(v.violations.some((x) => x.kind === "lost" && /cell 8/.test(x.detail)));
});

test("a game gone from every node loses its acks", () => {
  const run = cleanRun();
  run.finals.ABCD = { n1: { error: "not_found" }, n2: { error: "not_found" }, n3: { error: "not_found" } };
  const v = checkChaos(run);
  assert.equal(v.lost, 4); // create and three moves
  assert.ok(v.violations.some((x) => x.kind === "owners" && /not joinable/.test(x.detail)));
});

test("a gap in one connection's versions is caught", () => {
  const run = cleanRun();
  // The connection saw v3 and then v5: the broadcast of v4 was missed.
  run.games.ABCD.observations = run.games.ABCD.observations.filter((o) => o.version !== 4);
  const v = checkChaos(run);
  assert.equal(v.ok, false);
  assert.equal(v.gaps, 1);
  assert.match(v.violations.find((x) => x.kind === "gap").detail, /saw v3 then v5/);
});

test("a board whose mark count does not fit its version is a gap", () => {
  const run = cleanRun();
  run.games.ABCD.observations.push({ ...st(6, "O...X...X"), seg: 2, via: "join" });
  run.games.ABCD.segments[2] = 6;
  const v = checkChaos(run);
  assert.ok(v.gaps >= 1);
  assert.ok(v.violations.some((x) => x.kind === "gap" && /v6 has 3 marks/.test(x.detail)));
});

test("two different states for one version are caught", () => {
  const run = cleanRun();
  // Another connection saw v4 with O in cell 1 (a lost write redone differently).
  run.games.ABCD.observations.push({ ...st(4, ".O..X...."), seg: 2, via: "join" });
  run.games.ABCD.segments[2] = 4;
  const v = checkChaos(run);
  assert.equal(v.ok, false);
  assert.ok(v.divergent >= 1);
});

test("two owners are caught: by the host the nodes name, and by GameServers running twice", () => {
  const run = cleanRun();
  run.finals.ABCD.n3 = st(5, "O...X...X", "n2");
  let v = checkChaos(run);
  assert.equal(v.ok, false);
  assert.equal(v.duplicateOwners, 1);
  assert.match(v.violations.find((x) => x.kind === "owners").detail, /owned by n1 and n2/);

  const again = cleanRun();
  again.gauges = { n1: 1, n2: 1, n3: 0 }; // one game, two GameServers
  v = checkChaos(again);
  assert.equal(v.duplicateOwners, 1);
  again.uncertainCreates = 1; // ... unless a create whose answer was lost made the second
  assert.equal(checkChaos(again).ok, true);
});

test("nodes that disagree on a game's state are caught", () => {
  const run = cleanRun();
  run.finals.ABCD.n2 = st(6, "O...XO..X");
  const v = checkChaos(run);
  assert.equal(v.ok, false);
  assert.equal(v.disagreements, 1);
});
