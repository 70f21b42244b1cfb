// The nemesis of the chaos test: for a given time it picks, with a seeded RNG, a node and a fault
// and injects it, one node at a time (the durability promise covers the loss of any ONE node),
// waiting for the cluster to settle (every node up, healthy and seeing the others) before the
// next fault.
//
// Faults:
//   kill     SIGKILL, down for a while, restarted with the same data directory, name and ports
//   freeze   SIGSTOP for a while (longer or shorter than the 3 s heartbeat timeout), then SIGCONT
//   restart  SIGTERM (the node drains and exits 0), then started again
//   drain    `parlorctl drain`, keeps running for a while, then `parlorctl resume`
//
// Partitions are not injected: without netem they would need a network namespace per node.
import { delay } from "./node.mjs";

export const FAULT_KINDS = ["kill", "freeze", "restart", "drain"];
const SETTLE_TIMEOUT_MS = 30000;

/**
 * Runs faults until `durationMs` has passed (the fault in progress is completed and mended).
 * Returns { counts: {kind: n}, incidents: [text], log: [text] }; an incident is something the
 * cluster did wrong (an unclean exit, a refused drain, a node that did not recover).
 */
export async function runNemesis({ cluster, rng, durationMs, kinds = FAULT_KINDS, note = () => {} }) {
  const counts = Object.fromEntries(kinds.map((k) => [k, 0]));
  const incidents = [];
  const log = [];
  const start = Date.now();
  const say = (text) => {
    const line = `+${((Date.now() - start) / 1000).toFixed(1)}s ${text}`;
    log.push(line);
    note(line);
  };
  const incident = (text) => {
    incidents.push(text);
    say(`INCIDENT ${text}`);
  };

  for (let round = 0; round < 100000 && Date.now() - start < durationMs; round++) {
    await delay(rng.int(500, 2500)); // calm between faults
    if (Date.now() - start >= durationMs) break;
    const kind = rng.pick(kinds);
    const name = rng.pick(cluster.names);
    const hold = holdFor(kind, rng);
    say(`${kind} ${name} for ${hold} ms`);
    counts[kind] += 1;
    try {
      await inject(cluster, kind, name, hold, incident);
    } catch (err) {
      incident(`${kind} ${name}: ${err.message.split("\n")[0]}`);
    }
    try {
      const ms = await cluster.settle(SETTLE_TIMEOUT_MS);
      say(`settled ${ms} ms after ${kind} ${name}`);
    } catch (err) {
      incident(`after ${kind} ${name}: ${err.message.split("\n")[0]}`);
      if (!(await mend(cluster, say))) {
        incident("the cluster could not be mended; the nemesis stops");
        break;
      }
    }
  }
  return { counts, incidents, log };
}

function holdFor(kind, rng) {
  switch (kind) {
    case "kill": return rng.int(300, 3000);
    case "freeze": return rng.next() < 0.5 ? rng.int(500, 2500) : rng.int(3500, 7000);
    case "restart": return rng.int(100, 1500);
    default: return rng.int(500, 3000);
  }
}

async function inject(cluster, kind, name, hold, incident) {
  switch (kind) {
    case "kill":
      await cluster.kill(name);
      await delay(hold);
      await cluster.restart(name);
      return;
    case "freeze":
      cluster.freeze(name);
      await delay(hold);
      cluster.thaw(name);
      return;
    case "restart": {
      let info;
      try {
        info = await cluster.terminate(name);
      } catch (err) {
        incident(`SIGTERM ${name}: ${err.message.split("\n")[0]}`);
        await cluster.kill(name);
      }
      if (info && (info.code !== 0 || info.signal)) incident(`SIGTERM ${name}: exit ${JSON.stringify(info)}`);
      await delay(hold);
      await cluster.restart(name);
      return;
    }
    case "drain": {
      const drained = await cluster.drain(name);
      if (drained.code !== 0) incident(`drain ${name}: exit ${drained.code} ${drained.stderr.trim()}`);
      await delay(hold);
      const resumed = await cluster.resume(name);
      if (resumed.code !== 0) incident(`resume ${name}: exit ${resumed.code} ${resumed.stderr.trim()}`);
      return;
    }
    default:
      throw new Error(`unknown fault ${kind}`);
  }
}

/** Brings every node back (thaw, restart, resume); true if the cluster then settles. */
async function mend(cluster, say) {
  for (const name of cluster.names) {
    const m = cluster.members.get(name);
    if (m.frozen) cluster.thaw(name);
    if (!m.proc) await cluster.restart(name).catch((err) => say(`restart ${name} failed: ${err.message.split("\n")[0]}`));
    else await cluster.resume(name);
  }
  try {
    await cluster.settle(SETTLE_TIMEOUT_MS);
    return true;
  } catch {
    return false;
  }
}
