// Minimal SVG charts for bench/run-all.mjs: no dependencies, deterministic
// output (same data, same bytes), readable on GitHub's light and dark themes.
//
// Also a command that draws a saved run's charts again (run-all draws them
// for every full run; this picks which run docs/bench shows):
//
//   node bench/charts.mjs bench/results/<stamp>.json [--out-dir=docs/bench]
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const W = 640;
const H = 360;
const M = { left: 70, right: 160, top: 40, bottom: 50 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fmt = (v) => (v >= 1000 ? `${+(v / 1000).toFixed(v >= 10000 ? 0 : 1)}k` : `${+v.toFixed(v < 10 ? 2 : 0)}`);

function frame(title, body, height = H) {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${height}" fill="#ffffff"/>
<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>
${body}</svg>
`;
}

/** Nice round ticks between lo and hi (linear). */
function linearTicks(lo, hi, count = 5) {
  const step0 = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(step0 || 1));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) || mag;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) ticks.push(+v.toFixed(10));
  return ticks;
}

/** Powers of ten (and 2x, 5x) between lo and hi (log scale). */
function logTicks(lo, hi) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) ticks.push(v);
    }
  return ticks;
}

/**
 * A line chart. series: [{ name, points: [[x, y], ...] }]; logY for latency.
 * Points with y null are skipped (e.g. a rate a system could not sustain).
 */
export function lineChart({ title, xLabel, yLabel, series, logY = false }) {
  const pts = series.flatMap((s) => s.points.filter((p) => p[1] != null && p[1] > 0));
  if (pts.length === 0) return frame(title, `<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no data</text>`);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const x0 = 0;
  const x1 = Math.max(...xs) * 1.05;
  let y0 = logY ? 10 ** Math.floor(Math.log10(Math.min(...ys))) : 0;
  let y1 = logY ? 10 ** Math.ceil(Math.log10(Math.max(...ys))) : Math.max(...ys) * 1.1;
  if (y1 === y0) y1 = y0 * 10;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x) => M.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y) => (logY
    ? M.top + ph - ((Math.log10(y) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * ph
    : M.top + ph - ((y - y0) / (y1 - y0)) * ph);
  let body = "";
  for (const t of logY ? logTicks(y0, y1) : linearTicks(y0, y1)) {
    body += `<line x1="${M.left}" x2="${M.left + pw}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#e0e0e0"/>`;
    body += `<text x="${M.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>\n`;
  }
  for (const t of linearTicks(x0, x1)) {
    body += `<text x="${sx(t).toFixed(1)}" y="${M.top + ph + 18}" text-anchor="middle">${fmt(t)}</text>\n`;
  }
  body += `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>\n`;
  body += `<text x="${M.left + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(xLabel)}</text>\n`;
  body += `<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>\n`;
  series.forEach((s, i) => {
    const color = s.color || COLORS[i % COLORS.length];
    const p = s.points.filter((q) => q[1] != null && q[1] > 0);
    if (p.length > 0) {
      const d = p.map((q, k) => `${k ? "L" : "M"}${sx(q[0]).toFixed(1)},${sy(q[1]).toFixed(1)}`).join(" ");
      body += `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>\n`;
      for (const q of p) body += `<circle cx="${sx(q[0]).toFixed(1)}" cy="${sy(q[1]).toFixed(1)}" r="3" fill="${color}"/>`;
      body += "\n";
    }
    const ly = M.top + 14 + i * 20;
    body += `<line x1="${M.left + pw + 12}" x2="${M.left + pw + 36}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`;
    body += `<text x="${M.left + pw + 42}" y="${ly}">${esc(s.name)}</text>\n`;
  });
  return frame(title, body);
}

/** A horizontal bar chart. bars: [{ name, value, label? }]. */
export function barChart({ title, unit, bars }) {
  const pw = W - 200 - 90;
  const max = Math.max(...bars.map((b) => b.value), 1e-9);
  const rowH = 36;
  let body = "";
  bars.forEach((b, i) => {
    const y = M.top + 10 + i * rowH;
    const w = (b.value / max) * pw;
    const color = b.color || COLORS[i % COLORS.length];
    body += `<text x="190" y="${(y + rowH / 2 + 4).toFixed(1)}" text-anchor="end">${esc(b.name)}</text>`;
    body += `<rect x="200" y="${(y + 4).toFixed(1)}" width="${Math.max(w, 1).toFixed(1)}" height="${(rowH - 8).toFixed(1)}" fill="${color}"/>`;
    body += `<text x="${(206 + w).toFixed(1)}" y="${(y + rowH / 2 + 4).toFixed(1)}">${esc(b.label ?? `${fmt(b.value)} ${unit}`)}</text>\n`;
  });
  return frame(title, body, M.top + 20 + bars.length * rowH);
}

/** The charts of one bench/run-all results object: { file name: SVG text }. */
export function runCharts(results) {
  const charts = {};
  const byRate = [...results.moves.steps].sort((a, b) => a.rate - b.rate);
  charts["moves-vs-floor.svg"] = lineChart({
    title: "Move → opponent vs the echo floor (open loop, 20 games)",
    xLabel: "offered rate (messages/s)", yLabel: "latency (µs, log)", logY: true,
    series: [
      { name: "Parlor p99", points: byRate.map((s) => [s.rate, s.parlor.latency.move_opponent.p99]) },
      { name: "Parlor p50", points: byRate.map((s) => [s.rate, s.parlor.latency.move_opponent.p50]) },
      { name: "echo p99", dashed: true, points: byRate.map((s) => [s.rate, s.echo.p99]) },
      { name: "echo p50", dashed: true, points: byRate.map((s) => [s.rate, s.echo.p50]) },
    ],
  });
  if (results.peers && !results.peers.error) {
    const names = { parlor: "Parlor", colyseus: "Colyseus 0.18", bgio: "boardgame.io 0.50", floor: "floor (echo relay)" };
    const sys = Object.entries(results.peers.systems);
    charts["peers-latency.svg"] = lineChart({
      title: "Mover → opponent p99 vs offered rate (20 games)",
      xLabel: "offered rate (moves/s)", yLabel: "p99 (µs, log)", logY: true,
      series: sys.map(([k, v]) => ({ name: names[k] ?? k, dashed: k === "floor",
        points: (v.steps ?? []).map((s) => [s.rate, s.opponent?.p99]) })),
    });
    // Two rates per system, each system in its own colour.
    const cpuAt = (v, rate) => v.steps?.find((s) => s.rate === rate)?.cpu_s_per_1000;
    charts["peers-cpu.svg"] = barChart({
      title: "Server CPU seconds per 1,000 moves (at 500 and 2,000 moves/s)", unit: "s",
      bars: sys.flatMap(([k, v], i) => [500, 2000]
        .filter((rate) => cpuAt(v, rate) != null)
        .map((rate) => ({ name: `${names[k] ?? k} @${rate}/s`, value: cpuAt(v, rate), color: COLORS[i % COLORS.length] }))),
    });
    charts["peers-memory.svg"] = barChart({
      title: "Server RSS per open game (2 players)", unit: "KiB",
      bars: sys.map(([k, v]) => ({ name: names[k] ?? k, value: (v.rss_per_game ?? 0) / 1024 })),
    });
  }
  return charts;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, ...rest] = process.argv.slice(2);
  const outArg = rest.find((a) => a.startsWith("--out-dir="));
  if (!file || rest.some((a) => a !== outArg)) {
    console.error("usage: node bench/charts.mjs bench/results/<stamp>.json [--out-dir=docs/bench]");
    process.exit(2);
  }
  const outDir = outArg ? outArg.slice("--out-dir=".length)
    : path.join(path.dirname(fileURLToPath(import.meta.url)), "../docs/bench");
  let results;
  try {
    results = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    console.error(`bench/charts.mjs: cannot read ${file}: ${e.message}`);
    process.exit(1);
  }
  if (!results?.moves?.steps) {
    console.error(`bench/charts.mjs: ${file} is not a bench/run-all results file`);
    process.exit(1);
  }
  const charts = runCharts(results);
  await mkdir(outDir, { recursive: true });
  for (const [name, svg] of Object.entries(charts)) await writeFile(path.join(outDir, name), svg);
  console.log(`wrote ${Object.keys(charts).join(", ")} to ${outDir}`);
}
