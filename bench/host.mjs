// Readings of the host the benchmarks run on, shared by bench/run-all.mjs and
// bench/peers/driver.mjs.
import { readFileSync } from "node:fs";

/** Ticks per core from /proc/stat text: `steal` (time the hypervisor gave
 *  other guests), `busy` (user nice system irq softirq steal: all but idle
 *  and iowait) and `total` (those and idle, iowait; guest time is already
 *  in user). Indexed by core number. */
export function parseProcStat(text) {
  const out = [];
  for (const line of text.split("\n")) {
    const m = line.match(/^cpu(\d+)\s+(.*)$/);
    if (!m) continue;
    const v = m[2].trim().split(/\s+/).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal = 0] = v;
    const busy = user + nice + system + irq + softirq + steal;
    out[Number(m[1])] = { steal, busy, total: busy + idle + iowait };
  }
  return out;
}

/** This machine's ticks per core now. */
export function cpuTicks() {
  return parseProcStat(readFileSync("/proc/stat", "utf8"));
}

/** Percent of each core's time stolen by the host between two readings, to
 *  one decimal: on a shared host the noise that makes the tails of two runs
 *  differ. A core with no ticks in between reads 0. */
export function stealPct(before, after) {
  return Array.from(after, (t, i) => {
    const b = before[i];
    const total = t && b ? t.total - b.total : 0;
    return total > 0 ? Math.round((1000 * (t.steal - b.steal)) / total) / 10 : 0;
  });
}

/** The worst steal of a reading, over the given cores (all when none given). */
export function worstSteal(steal, cores) {
  const v = cores ? cores.map((c) => steal[c] ?? 0) : steal;
  return v.length ? Math.max(...v) : 0;
}

/**
 * Measures with `once()` (a promise of an object with `steal_pct`) until an attempt had at
 * most `limit` % stolen on the watched `cores`, `tries` attempts were made, or `more()` says
 * no. Keeps the attempt with the least steal, whatever its numbers, and lists the others
 * (as `summarize(attempt)`) under its `disturbed`.
 */
export async function leastDisturbed(once, { limit, tries, cores, more = () => true, summarize = (a) => a,
  onRetry = () => {} }) {
  const attempts = [];
  for (;;) {
    const a = await once();
    attempts.push(a);
    if (worstSteal(a.steal_pct, cores) <= limit || attempts.length >= tries || !more()) break;
    onRetry(a);
  }
  const kept = attempts.reduce((a, b) => (worstSteal(b.steal_pct, cores) < worstSteal(a.steal_pct, cores) ? b : a));
  if (attempts.length > 1) kept.disturbed = attempts.filter((a) => a !== kept).map(summarize);
  return kept;
}

/**
 * Whether an open-loop step sustained its offered `rate`: achieved >= 95 % of it, p99 under
 * 10x p50, no errors. A step that misses while the host took more than `stealLimit` % of a
 * watched core (`stolen`, the worst of them in the kept attempt) is not judged: `sustained`
 * is null and `notJudged` says why. Returns { sustained, why, notJudged }.
 */
export function judgeStep({ rate, achieved, p50, p99, errors, stolen, stealLimit }) {
  const why = [];
  if (!(achieved >= 0.95 * rate)) why.push(`achieved ${Math.round(achieved)} < 95% of ${rate}`);
  if (!(p50 > 0) || !(p99 < 10 * p50)) why.push(`p99 ${p99} >= 10 x p50 ${p50}`);
  if (errors > 0) why.push(`${errors} errors`);
  if (why.length === 0) return { sustained: true, why, notJudged: null };
  if (stolen > stealLimit) return { sustained: null, why, notJudged: `host steal ${stolen} % > ${stealLimit} %` };
  return { sustained: false, why, notJudged: null };
}
