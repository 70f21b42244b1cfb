// A cluster of named parlor-node processes that a chaos test can break and mend: each node keeps
// its name, data directory, HTTP port and cluster port across restarts, so clients reconnect to
// the same addresses, as they would to a host that came back.
//
//   const cluster = await ChaosCluster.start({ names: ["ch-a", "ch-b", "ch-c"], logDir });
//   cluster.kill("ch-b"); await cluster.restart("ch-b"); await cluster.settle();
//
// Every incarnation's output is appended to LOGDIR/NAME.log when it exits (and by flushLogs()),
// so a failed or long run can be read afterwards.
import { execFile } from "node:child_process";
import { appendFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CLUSTER_SECRET, NODE_BIN, delay, startNode } from "./node.mjs";

export const CTL_BIN = process.env.PARLOR_CTL_BIN || path.join(path.dirname(NODE_BIN), "parlorctl");

// Games must not be reaped during a run: the audit joins every game at the end.
const NODE_ARGS = ["--idle-game-ttl-s=0"];
const HTTP_TIMEOUT_MS = 1500;

export class ChaosCluster {
  /** Starts the nodes one after the other, each seeded with the first; waits for a full mesh. */
  static async start({ names, logDir }) {
    const cluster = new ChaosCluster(names, logDir);
    for (const name of names) {
      const dataDir = await mkdtemp(path.join(tmpdir(), `parlor-chaos-${name}-`));
      const seeds = cluster.members.size ? [...cluster.members.values()][0].clusterAddr : undefined;
      const proc = await startNode({ name, dataDir, seeds, args: NODE_ARGS });
      cluster.members.set(name, {
        name, dataDir, httpPort: proc.port, clusterPort: proc.clusterPort,
        clusterAddr: proc.clusterAddr, proc, frozen: false, incarnation: 1,
      });
    }
    await cluster.settle();
    return cluster;
  }

  constructor(names, logDir) {
    this.names = names;
    this.logDir = logDir;
    this.members = new Map();
  }

  url(name) {
    return `http://127.0.0.1:${this.members.get(name).httpPort}`;
  }

  wsUrl(name) {
    return `ws://127.0.0.1:${this.members.get(name).httpPort}/socket/websocket`;
  }

  /** SIGKILL; resolves once the process is gone. */
  async kill(name) {
    const m = this.members.get(name);
    if (!m.proc) return;
    if (m.frozen) this.thaw(name); // a stopped process dies on SIGKILL too, but keep state simple
    await m.proc.kill();
    await this.retire(m);
  }

  /** SIGTERM: the node drains and exits; resolves with its exit {code, signal}. */
  async terminate(name) {
    const m = this.members.get(name);
    const info = await m.proc.stop({ timeoutMs: 20000 });
    await this.retire(m);
    return info;
  }

  freeze(name) {
    const m = this.members.get(name);
    m.proc.proc.kill("SIGSTOP");
    m.frozen = true;
  }

  thaw(name) {
    const m = this.members.get(name);
    m.proc.proc.kill("SIGCONT");
    m.frozen = false;
  }

  /** Starts the node again with its data directory, name and both ports. */
  async restart(name) {
    const m = this.members.get(name);
    const seeds = [...this.members.values()].map((x) => x.clusterAddr).join(",");
    let lastErr;
    // The old process's ports may linger a moment (TIME_WAIT is fine, but a slow exit is not).
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        m.proc = await startNode({
          name, dataDir: m.dataDir, httpPort: m.httpPort, clusterPort: m.clusterPort, seeds, args: NODE_ARGS,
        });
        m.incarnation += 1;
        return;
      } catch (err) {
        lastErr = err;
        await delay(500);
      }
    }
    throw lastErr;
  }

  isRunning(name) {
    return Boolean(this.members.get(name).proc);
  }

  /** `parlorctl drain NAME` (asked through another node); resolves {code, stdout, stderr}. */
  drain(name) {
    return this.ctl(["drain", name, `--url=${this.url(this.otherThan(name))}`]);
  }

  resume(name) {
    return this.ctl(["resume", name, `--url=${this.url(this.otherThan(name))}`]);
  }

  otherThan(name) {
    return this.names.find((n) => n !== name && this.isRunning(n) && !this.members.get(n).frozen) || name;
  }

  ctl(args) {
    return new Promise((resolve) => {
      execFile(CTL_BIN, [...args, `--cluster-secret=${CLUSTER_SECRET}`], { timeout: 30000 },
        (err, stdout, stderr) => resolve({ code: err ? (err.code ?? err.signal) : 0, stdout, stderr }));
    });
  }

  /** /api/cluster of `name` as {member: status}, or null when it does not answer. */
  async view(name) {
    try {
      const res = await fetch(`${this.url(name)}/api/cluster`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
      const body = await res.json();
      return Object.fromEntries(body.members.map((x) => [x.name, x.status]));
    } catch {
      return null;
    }
  }

  async healthz(name) {
    try {
      const res = await fetch(`${this.url(name)}/healthz`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
      return `${res.status} ${(await res.text()).trim()}`;
    } catch (err) {
      return `no answer (${err.cause?.code || err.name})`;
    }
  }

  /**
   * Waits until every node runs, answers /healthz "ok" and lists every node as "up". Resolves
   * with the milliseconds it took; rejects after `timeoutMs` naming what was still wrong.
   */
  async settle(timeoutMs = 30000) {
    const start = Date.now();
    let last = "";
    while (Date.now() - start < timeoutMs) {
      const problems = [];
      for (const name of this.names) {
        const m = this.members.get(name);
        if (!m.proc) { problems.push(`${name} not running`); continue; }
        if (m.frozen) { problems.push(`${name} frozen`); continue; }
        const h = await this.healthz(name);
        if (h !== "200 ok") problems.push(`${name} /healthz ${h}`);
        const v = await this.view(name);
        const want = this.names.every((n) => v && v[n] === "up");
        if (!want) problems.push(`${name} sees ${JSON.stringify(v)}`);
      }
      if (problems.length === 0) return Date.now() - start;
      last = problems.join("; ");
      await delay(100);
    }
    throw new Error(`cluster did not settle within ${timeoutMs} ms: ${last}`);
  }

  /** The `parlor_games` gauge of every node: games hosted there right now. */
  async gamesGauges() {
    const out = {};
    for (const name of this.names) {
      const res = await fetch(`${this.url(name)}/metrics`, { signal: AbortSignal.timeout(5000) });
      const m = (await res.text()).match(/^parlor_games (\d+)/m);
      out[name] = m ? Number(m[1]) : null;
    }
    return out;
  }

  /** Writes the output of the running incarnations to the log directory. */
  async flushLogs() {
    for (const m of this.members.values()) if (m.proc) await this.saveLog(m, m.proc, "running");
  }

  async saveLog(m, proc, how) {
    if (!this.logDir) return;
    const header = `===== ${m.name} incarnation ${m.incarnation} (${how}) =====\n`;
    await appendFile(path.join(this.logDir, `${m.name}.log`), header + proc.logs()).catch(() => {});
  }

  async retire(m) {
    const info = await m.proc.exited;
    await this.saveLog(m, m.proc, `exited code ${info.code} signal ${info.signal}`);
    m.proc = null;
    m.frozen = false;
  }

  /** Stops every node (SIGCONT first for a frozen one). */
  async stopAll() {
    await Promise.all([...this.members.values()].map(async (m) => {
      if (!m.proc) return;
      if (m.frozen) this.thaw(m.name);
      await m.proc.stop().catch(() => m.proc.kill());
      await this.retire(m);
    }));
  }
}
