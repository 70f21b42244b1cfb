// Node command line (contract §2): bad options and an unusable port fail cleanly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { CLUSTER_SECRET, NODE_BIN, REPO_ROOT } from "./support/node.mjs";

const T = { timeout: 30000 };

/** Runs the node with `args` (plus a temp data dir and a secret) until it exits (10 s max). */
async function runNode(args) {
  const dataDir = await mkdtemp(path.join(tmpdir(), "parlor-cli-"));
  const full = [`--data-dir=${dataDir}`, `--cluster-secret=${CLUSTER_SECRET}`, "--http-host=127.0.0.1",
    "--cluster-host=127.0.0.1", "--cluster-port=0", ...args];
  const proc = spawn(NODE_BIN, full, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  proc.stdout.on("data", (d) => { stdout += d; });
  proc.stderr.on("data", (d) => { stderr += d; });
  let timer;
  try {
    return await new Promise((resolve, reject) => {
      timer = setTimeout(() => {
        proc.kill("SIGKILL");
        reject(new Error(`node ${full.join(" ")} still running after 10 s\n${stdout}${stderr}`));
      }, 10000);
      proc.on("error", reject);
      proc.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr, args: full }));
    });
  } finally {
    clearTimeout(timer);
    await rm(dataDir, { recursive: true, force: true });
  }
}

function assertCleanFailure(run, mention) {
  const where = `${run.args.join(" ")}\n--- stdout ---\n${run.stdout}--- stderr ---\n${run.stderr}`;
  assert.equal(run.signal, null, `no signal: ${where}`);
  assert.ok(run.code === 1 || run.code === 2, `exit status 1 or 2, got ${run.code}: ${where}`);
  const lines = run.stderr.split("\n").filter((l) => l.trim() !== "");
  assert.ok(lines.length > 0, `a line on stderr: ${where}`);
  assert.match(lines[lines.length - 1], mention, `the last stderr line names the problem: ${where}`);
  assert.doesNotMatch(run.stderr, /terminate called|Segmentation|Aborted|core dumped/, where);
}

test("a malformed --http-port is refused", T, async () => {
  assertCleanFailure(await runNode(["--http-port=notaport"]), /http.port|port/i);
  assertCleanFailure(await runNode(["--http-port=70000"]), /http.port|port/i);
});

test("an unknown option is refused", T, async () => {
  assertCleanFailure(await runNode(["--http-port=0", "--no-such-option=1"]), /no-such-option|unknown|option/i);
});

test("an HTTP port in use is refused", T, async () => {
  const blocker = net.createServer();
  await new Promise((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = blocker.address();
    assertCleanFailure(await runNode([`--http-port=${port}`]), new RegExp(`${port}|in use|bind|address|port`, "i"));
  } finally {
    blocker.close();
  }
});
