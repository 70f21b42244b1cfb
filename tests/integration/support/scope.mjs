// What a test file starts (nodes, raw WebSocket clients, data directories), released after each
// test, whether it passed or not.
import { afterEach } from "node:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startNode } from "./node.mjs";
import { RawClient } from "./phx.mjs";

export function perTest() {
  const nodes = new Set();
  const clients = new Set();
  const dirs = new Set();
  afterEach(async () => {
    for (const c of clients) c.close();
    clients.clear();
    await Promise.all([...nodes].map((n) => n.stop().catch(() => {})));
    nodes.clear();
    await Promise.all([...dirs].map((d) => rm(d, { recursive: true, force: true })));
    dirs.clear();
  });
  return {
    /** Starts a node (see startNode); stopped after the test. */
    async node(opts) {
      const n = await startNode(opts);
      nodes.add(n);
      return n;
    },
    /** Forgets a node the test stopped or killed itself. */
    forget(n) {
      nodes.delete(n);
    },
    /** A raw client on node `n`; closed after the test. */
    async connect(n, params) {
      const c = await RawClient.connect(n, params);
      clients.add(c);
      return c;
    },
    /** A fresh directory; removed after the test. */
    async tempDir() {
      const d = await mkdtemp(path.join(tmpdir(), "parlor-it-"));
      dirs.add(d);
      return d;
    },
  };
}
