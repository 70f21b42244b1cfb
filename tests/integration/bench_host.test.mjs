// The benchmark suite's host readings (bench/host.mjs): steal time per core from /proc/stat,
// recorded with every step of bench/run-all and of the peer driver.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpuTicks, judgeStep, leastDisturbed, parseProcStat, stealPct, worstSteal } from "../../bench/host.mjs";

// Two readings of a 2-core machine, about 1,000 ticks per core apart (1,020 and 1,000): core 0
// lost 12 ticks to the host (1.2 %), core 1 none. Fields: user nice system idle iowait irq softirq steal guest
// guest_nice.
const BEFORE = `cpu  200 0 100 1700 0 0 0 30 0 0
cpu0 100 0 50 830 0 0 0 20 0 0
cpu1 100 0 50 870 0 0 0 10 0 0
intr 12345
ctxt 678
`;
const AFTER = `cpu  900 0 400 2400 0 0 0 42 0 0
cpu0 400 0 150 1438 0 0 0 32 0 0
cpu1 500 0 250 1270 0 0 0 10 40 0
intr 23456
`;

test("parseProcStat reads steal and all ticks per core, not the summary line", () => {
  const t = parseProcStat(BEFORE);
  assert.equal(t.length, 2);
  assert.deepEqual(t[0], { steal: 20, busy: 170, total: 1000 });
  assert.deepEqual(t[1], { steal: 10, busy: 160, total: 1030 });
});

test("parseProcStat: guest time is not counted twice (it is already in user)", () => {
  // cpu1 in AFTER has 40 ticks of guest: the total is the first eight fields.
  assert.equal(parseProcStat(AFTER)[1].total, 500 + 250 + 1270 + 10);
});

test("stealPct gives each core's stolen share between two readings, to one decimal", () => {
  const pct = stealPct(parseProcStat(BEFORE), parseProcStat(AFTER));
  // core 0: 12 of 1,020 ticks; core 1: 0 of 1,000.
  assert.deepEqual(pct, [1.2, 0]);
});

test("stealPct: a core without ticks in between, or missing before, reads 0", () => {
  const t = parseProcStat(BEFORE);
  assert.deepEqual(stealPct(t, t), [0, 0]);
  assert.deepEqual(stealPct([t[0]], t), [0, 0]);
});

test("parseProcStat: a core missing from the list (offline) leaves a hole that stealPct reads as 0", () => {
  const text = "cpu0 10 0 0 90 0 0 0 0 0 0\ncpu2 10 0 0 80 0 0 0 10 0 0\n";
  const later = "cpu0 20 0 0 180 0 0 0 0 0 0\ncpu2 20 0 0 160 0 0 0 20 0 0\n";
  const a = parseProcStat(text);
  assert.equal(a.length, 3);
  assert.equal(a[1], undefined);
  assert.deepEqual(stealPct(a, parseProcStat(later)), [0, 0, 10]);
});

test("cpuTicks reads this machine: one entry per core, counters that only grow", () => {
  const a = cpuTicks();
  const b = cpuTicks();
  assert.ok(a.length >= 1);
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.ok(a[i].total > 0);
    assert.ok(b[i].total >= a[i].total && b[i].steal >= a[i].steal);
  }
  for (const v of stealPct(a, b)) assert.ok(v >= 0 && v <= 100);
});

/** A stand-in measurement: hands out the given readings in order and counts the calls. */
function attempts(...readings) {
  let i = 0;
  const once = async () => ({ n: i, steal_pct: readings[i++], p99: 1000 + i });
  return { once, calls: () => i };
}

test("worstSteal: the highest over the watched cores, all cores by default", () => {
  assert.equal(worstSteal([0.5, 3, 1]), 3);
  assert.equal(worstSteal([0.5, 3, 1], [0, 2]), 1);
  assert.equal(worstSteal([0.5], [0, 4]), 0.5);
  assert.equal(worstSteal([]), 0);
});

test("leastDisturbed: an undisturbed first attempt is kept and measured once", async () => {
  const a = attempts([0.3, 1.9], [0, 0]);
  const kept = await leastDisturbed(a.once, { limit: 2, tries: 3 });
  assert.equal(a.calls(), 1);
  assert.equal(kept.n, 0);
  assert.equal(kept.disturbed, undefined);
});

test("leastDisturbed: measures again until a quiet attempt, listing the disturbed ones", async () => {
  const a = attempts([5, 0.1], [0.2, 2.5], [1.0, 0.4], [0, 0]);
  const retried = [];
  const kept = await leastDisturbed(a.once, {
    limit: 2, tries: 5, summarize: (t) => ({ steal_pct: t.steal_pct }), onRetry: (t) => retried.push(t.n),
  });
  assert.equal(a.calls(), 3);
  assert.equal(kept.n, 2);
  assert.deepEqual(retried, [0, 1]);
  assert.deepEqual(kept.disturbed, [{ steal_pct: [5, 0.1] }, { steal_pct: [0.2, 2.5] }]);
});

test("leastDisturbed: out of tries, the least disturbed attempt is kept whatever its numbers", async () => {
  const a = attempts([9, 1], [3.5, 0], [4, 4]);
  const kept = await leastDisturbed(a.once, { limit: 2, tries: 3 });
  assert.equal(a.calls(), 3);
  assert.equal(kept.n, 1);
  assert.equal(kept.disturbed.length, 2);
});

test("leastDisturbed: only the watched cores count, and more() can stop the retries", async () => {
  // Core 2 is neither the server's nor the driver's: its steal does not call for a retry.
  const a = attempts([0, 1, 50]);
  assert.equal((await leastDisturbed(a.once, { limit: 2, tries: 3, cores: [0, 1] })).n, 0);
  assert.equal(a.calls(), 1);
  const b = attempts([7, 7], [0, 0]);
  const kept = await leastDisturbed(b.once, { limit: 2, tries: 3, more: () => false });
  assert.equal(b.calls(), 1);
  assert.equal(kept.n, 0);
});

test("judgeStep: sustained, failed, or not judged when a miss comes with host steal", () => {
  const ok = { rate: 1000, achieved: 990, p50: 400, p99: 3000, errors: 0, stolen: 0.5, stealLimit: 2 };
  assert.deepEqual(judgeStep(ok), { sustained: true, why: [], notJudged: null });
  // Passing under steal still counts.
  assert.equal(judgeStep({ ...ok, stolen: 12 }).sustained, true);
  // Each rule on its own, on a quiet host: a failure.
  const tail = judgeStep({ ...ok, p99: 4000 });
  assert.equal(tail.sustained, false);
  assert.deepEqual(tail.why, ["p99 4000 >= 10 x p50 400"]);
  assert.deepEqual(judgeStep({ ...ok, achieved: 940 }).why, ["achieved 940 < 95% of 1000"]);
  assert.deepEqual(judgeStep({ ...ok, errors: 3 }).why, ["3 errors"]);
  assert.equal(judgeStep({ ...ok, p50: null, p99: null }).sustained, false); // no moves at all
  // The same misses with more than the limit stolen: not judged, with the reasons kept.
  const host = judgeStep({ ...ok, p99: 4000, errors: 1, stolen: 6.7 });
  assert.equal(host.sustained, null);
  assert.equal(host.notJudged, "host steal 6.7 % > 2 %");
  assert.deepEqual(host.why, ["p99 4000 >= 10 x p50 400", "1 errors"]);
  // At the limit exactly: judged.
  assert.equal(judgeStep({ ...ok, p99: 4000, stolen: 2 }).sustained, false);
});
