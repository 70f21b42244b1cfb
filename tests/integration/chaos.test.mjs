// Chaos: a 3-node cluster under mixed load (concurrent games, spectators, new creates) while a
// seeded nemesis kills, freezes, restarts and drains one node at a time. Afterwards the checker
// proves, per game, that every acknowledged move is in the final state, that versions are
// contiguous and never diverge, and that every node leads to the same single owner.
//
//   short run (ctest):  45 s of faults, seed 1
//   long run:           PARLOR_CHAOS_SECONDS=600 PARLOR_CHAOS_SEED=7 node --test tests/integration/chaos.test.mjs
// Node logs and the client history of a run are kept in a directory the test prints when it
// fails or when the run is long (PARLOR_CHAOS_KEEP=1 keeps them always).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { delay } from "./support/node.mjs";
import { ChaosCluster } from "./support/chaos_cluster.mjs";
import { runNemesis } from "./support/nemesis.mjs";
import { auditGames, runLoad } from "./support/chaos_load.mjs";
import { checkChaos } from "./support/chaos_checker.mjs";
import { seededRng } from "./support/rng.mjs";

const SECONDS = Number(process.env.PARLOR_CHAOS_SECONDS || 45);
const SEED = Number(process.env.PARLOR_CHAOS_SEED || 1);
const LONG = SECONDS > 120;
const KEEP = LONG || process.env.PARLOR_CHAOS_KEEP === "1";
const CONCURRENCY = Number(process.env.PARLOR_CHAOS_GAMES || 12);
// After the faults, games in progress may play on this long; then the audit (3 nodes × games).
const PLAY_ON_MS = 20000;

test(`chaos: ${SECONDS} s of faults on 3 nodes under load, seed ${SEED}`, { timeout: (SECONDS + 150) * 1000 }, async (t) => {
  const logDir = await mkdtemp(path.join(tmpdir(), `parlor-chaos-seed${SEED}-`));
  const rng = seededRng(SEED);
  const cluster = await ChaosCluster.start({ names: ["chaos-a", "chaos-b", "chaos-c"], logDir });
  let passed = false;
  try {
    const start = Date.now();
    const createUntil = start + SECONDS * 1000;
    const [history, nemesis] = await Promise.all([
      runLoad({ cluster, rng: rng.fork("load"), createUntil, hardStop: createUntil + PLAY_ON_MS, concurrency: CONCURRENCY }),
      runNemesis({ cluster, rng: rng.fork("nemesis"), durationMs: SECONDS * 1000, note: LONG ? (l) => t.diagnostic(l) : () => {} }),
    ]);
    const faultsDone = Date.now();
    const settleMs = await cluster.settle(30000);
    await delay(1000); // superseded copies stop, backups settle
    const codes = [...history.games.keys()];
    const finals = await auditGames(cluster, codes);
    const gauges = await cluster.gamesGauges();
    const verdict = checkChaos({ games: history.games, finals, gauges, uncertainCreates: history.uncertainCreates });

    const faults = Object.entries(nemesis.counts).map(([k, n]) => `${k} ${n}`).join(", ");
    const summary = [
      `seed ${SEED}, ${SECONDS} s of faults (run ${((faultsDone - start) / 1000).toFixed(0)} s, settled ${settleMs} ms after)`,
      `faults: ${faults} (incidents: ${nemesis.incidents.length})`,
      `games: ${verdict.games}, moves acknowledged: ${verdict.acked}, client sessions: ${history.stats.sessions}, ` +
        `unanswered creates: ${history.uncertainCreates}`,
      `lost: ${verdict.lost}, gaps: ${verdict.gaps}, divergent: ${verdict.divergent}, ` +
        `duplicate owners: ${verdict.duplicateOwners}, disagreements: ${verdict.disagreements}, anomalies: ${verdict.anomalies}`,
      `move errors: ${JSON.stringify(history.stats.moveErrors)}, join errors: ${JSON.stringify(history.stats.joinErrors)}`,
      `GameServers per node: ${JSON.stringify(gauges)}`,
    ];
    for (const line of summary) t.diagnostic(line);
    for (const line of nemesis.incidents) t.diagnostic(`incident: ${line}`);
    for (const v of verdict.violations.slice(0, 30)) t.diagnostic(`violation ${v.kind} ${v.code ?? ""}: ${v.detail}`);

    await writeFile(path.join(logDir, "summary.txt"), [...summary, "", ...nemesis.log, "",
      ...nemesis.incidents.map((l) => `incident: ${l}`),
      ...verdict.violations.map((v) => `violation ${v.kind} ${v.code ?? ""}: ${v.detail}`)].join("\n") + "\n");
    await writeFile(path.join(logDir, "history.json"), JSON.stringify({
      seed: SEED, seconds: SECONDS, uncertainCreates: history.uncertainCreates, stats: history.stats,
      games: Object.fromEntries(history.games), finals: Object.fromEntries(finals), gauges,
    }));

    assert.ok(verdict.games > 0 && verdict.acked > 0, "the load made no progress");
    assert.ok(Object.values(nemesis.counts).reduce((a, b) => a + b, 0) > 0, "no fault was injected");
    assert.deepEqual(nemesis.incidents, [], "the cluster misbehaved under a fault");
    assert.ok(verdict.ok, `the checker found ${verdict.violations.length} violation(s), first: ` +
      JSON.stringify(verdict.violations.slice(0, 5)));
    passed = true;
  } finally {
    await cluster.stopAll();
    await cluster.flushLogs();
    if (passed && !KEEP) await rm(logDir, { recursive: true, force: true });
    else t.diagnostic(`node logs, history and summary in ${logDir}`);
    await Promise.all([...cluster.members.values()].map((m) => rm(m.dataDir, { recursive: true, force: true })));
  }
});
