// The chaos test's checker: a pure function from what the clients logged (History, see
// chaos_load.mjs) and what the final audit found on every node to a verdict. It knows
// tic-tac-toe: version 1 is the created game, version 2 the O seat filled, and each later
// version one more mark, so the board of version V holds exactly V - 2 marks and a later board
// contains every mark of an earlier one.
//
// Violations, by kind:
//   lost       an acknowledged change is not in the final state (mark missing, final version
//              lower, a different board at the same version), or the game is gone
//   gap        one connection saw versions jump (a broadcast missed after its join), or a board
//              holds a number of marks that its version cannot have
//   divergent  two different states for one version, or a later board that lacks an earlier mark
//   owners     the nodes disagree on a game (host, version, board), or more GameServers run than
//              there are games
//   anomaly    a client-side promise broken otherwise (a seat not given back on rejoin, ...)

/**
 * input: { games: Map|object code -> {acks, observations, segments, anomalies},
 *          finals: Map|object code -> {node: summary | {error}},
 *          gauges: {node: live GameServers} (optional), uncertainCreates: N (optional) }
 * Returns { ok, games, acked, lost, gaps, divergent, duplicateOwners, disagreements, anomalies,
 *           violations: [{code, kind, detail}] }.
 */
export function checkChaos({ games, finals, gauges = null, uncertainCreates = 0 }) {
  const violations = [];
  const report = (code, kind, detail) => violations.push({ code, kind, detail });
  const gameMap = games instanceof Map ? games : new Map(Object.entries(games));
  const finalMap = finals instanceof Map ? finals : new Map(Object.entries(finals));
  let acked = 0;
  let lost = 0;
  let duplicateOwners = 0;
  let disagreements = 0;
  let alive = 0;

  for (const [code, g] of gameMap) {
    const perNode = finalMap.get(code) || {};
    const nodes = Object.keys(perNode);
    const found = nodes.filter((n) => !perNode[n].error).map((n) => [n, perNode[n]]);

    // Exactly one owner, and every node leads to the same state.
    if (found.length) alive += 1;
    if (nodes.length === 0) {
      report(code, "owners", "no node was audited");
      disagreements += 1;
    } else if (found.length !== nodes.length) {
      const missing = nodes.filter((n) => perNode[n].error).map((n) => `${n}: ${perNode[n].error}`);
      report(code, "owners", `not joinable everywhere (${missing.join(", ")})`);
      disagreements += 1;
    }
    const hosts = new Set(found.map(([, s]) => s.host));
    if (hosts.size > 1) {
      report(code, "owners", `owned by ${[...hosts].join(" and ")}`);
      duplicateOwners += 1;
    }
    const shapes = new Set(found.map(([, s]) => `${s.version}:${s.board}`));
    if (shapes.size > 1) {
      report(code, "owners", `nodes disagree: ${found.map(([n, s]) => `${n} v${s.version} ${s.board}`).join(", ")}`);
      disagreements += 1;
    }

    // Every acknowledged change is in every node's final state.
    for (const a of g.acks) {
      if (a.cell !== null) acked += 1;
      const miss = missing(a, found);
      if (miss) {
        lost += 1;
        report(code, "lost", `${describe(a)}: ${miss}`);
      }
    }

    // One state per version, contiguous versions, boards that only grow.
    const byVersion = new Map();
    const note = (version, board, key, what) => {
      const seenAs = byVersion.get(version);
      if (!seenAs) byVersion.set(version, { board, key, what });
      else if (seenAs.key !== key && key !== null && seenAs.key !== null)
        report(code, "divergent", `v${version}: ${seenAs.what} ${seenAs.key} vs ${what} ${key}`);
      else if (seenAs.key === null && key !== null) byVersion.set(version, { board, key, what });
    };
    for (const o of g.observations) note(o.version, o.board, stateKey(o), `seen (${o.via}, seg ${o.seg})`);
    for (const a of g.acks) if (a.board !== null) note(a.version, a.board, null, `acked ${describe(a)}`);
    for (const [version, { board }] of byVersion) {
      const marks = [...board].filter((c) => c !== ".").length;
      if (marks !== Math.max(0, version - 2)) report(code, "gap", `v${version} has ${marks} marks: ${board}`);
    }
    const versions = [...byVersion.keys()].sort((p, q) => p - q);
    for (let i = 1; i < versions.length; i++) {
      const earlier = byVersion.get(versions[i - 1]).board;
      const later = byVersion.get(versions[i]).board;
      if (!contains(later, earlier))
        report(code, "divergent", `v${versions[i]} ${later} lacks marks of v${versions[i - 1]} ${earlier}`);
    }
    for (const [seg, joinVersion] of Object.entries(g.segments || {})) {
      const seen = [...new Set(g.observations.filter((o) => String(o.seg) === seg && o.version >= joinVersion)
        .map((o) => o.version))].sort((p, q) => p - q);
      for (let i = 1; i < seen.length; i++)
        if (seen[i] !== seen[i - 1] + 1) report(code, "gap", `seg ${seg} joined at v${joinVersion} saw v${seen[i - 1]} then v${seen[i]}`);
    }
    for (const text of g.anomalies || []) report(code, "anomaly", text);
  }

  // More live GameServers than games means a code is owned twice somewhere (creates whose answer
  // never came may have made games nobody knows of).
  let extraServers = 0;
  if (gauges) {
    const running = Object.values(gauges).reduce((sum, n) => sum + (n || 0), 0);
    extraServers = Math.max(0, running - alive - uncertainCreates);
    if (extraServers > 0) {
      report(null, "owners", `${running} GameServers run for ${alive} games (+${uncertainCreates} unanswered creates): ${JSON.stringify(gauges)}`);
      duplicateOwners += extraServers;
    }
  }

  const count = (kind) => violations.filter((v) => v.kind === kind).length;
  return {
    ok: violations.length === 0,
    games: gameMap.size,
    acked,
    lost,
    gaps: count("gap"),
    divergent: count("divergent"),
    duplicateOwners,
    disagreements,
    anomalies: count("anomaly"),
    violations,
  };
}

/** Why acknowledged change `a` is not in the final states `found`, or null if it is. */
function missing(a, found) {
  if (found.length === 0) return "the game is gone from every node";
  for (const [node, f] of found) {
    if (f.version < a.version) return `${node} is at v${f.version}`;
    if (a.cell !== null && f.board[a.cell] !== a.mark) return `${node} has ${f.board[a.cell]} at cell ${a.cell} (${f.board})`;
    if (a.board !== null && !contains(f.board, a.board)) return `${node}'s board ${f.board} lacks marks of ${a.board}`;
    if (a.board !== null && f.version === a.version && f.board !== a.board) return `${node} has v${f.version} as ${f.board}`;
  }
  return null;
}

function describe(a) {
  return a.cell === null ? `create (v${a.version})` : `v${a.version} ${a.mark}@${a.cell}${a.node ? ` via ${a.node}` : ""}`;
}

/** What must be equal between two sightings of one version (the host may differ: handoff). */
function stateKey(s) {
  return `${s.board}|${s.status}|${s.turn}|${s.winner}|${s.x}|${s.o}`;
}

/** True if `later` has every mark of `earlier` at the same cell. */
function contains(later, earlier) {
  for (let i = 0; i < 9; i++) if (earlier[i] !== "." && later[i] !== earlier[i]) return false;
  return true;
}
