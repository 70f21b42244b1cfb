// End to end: two players in real headless Chromium play tic-tac-toe through a real node.
//
// Needs the node to serve the built UI (web/build.mjs output) and Chromium at
// $PARLOR_CHROMIUM (default /usr/bin/chromium). Screenshots of both final pages go to
// $PARLOR_ARTIFACT_DIR (ctest sets the build directory), default <repo>/build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { REPO_ROOT, startNode } from "../integration/support/node.mjs";

const CHROMIUM = process.env.PARLOR_CHROMIUM || "/usr/bin/chromium";
const ARTIFACT_DIR = process.env.PARLOR_ARTIFACT_DIR || path.join(REPO_ROOT, "build");
// Playwright runs Chromium with a fresh temporary profile (--user-data-dir) of its own and
// deletes it on close; it refuses an explicit --user-data-dir for launch().
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const STEP_MS = 10000;

/** Opens a page in its own context (own localStorage) and records page errors. */
async function openPlayer(browser, label, viewport) {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (err) => problems.push(`${label} page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`${label} console error: ${msg.text()}`);
  });
  return { label, context, page, problems };
}

/** Launches headless Debian Chromium with the flags this machine needs. */
function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 30000 });
}

/** On the home page of `node`, enters `name`, presses New game; returns the game's code. */
async function createGame(player, node, name) {
  await player.page.goto(`${node.url}/`);
  await player.page.fill("#name", name);
  await player.page.click("#new-game");
  await player.page.waitForURL(/\/g\/[A-Z]{4}$/, { timeout: STEP_MS });
  return (await player.page.textContent("#code")).trim();
}

const boardOf = (page) =>
  page.$$eval("#board [data-cell]", (cells) => cells.map((c) => c.textContent.trim()));

/** Waits until `page` may play `cell` (its turn, cell empty) and clicks it. */
async function playCell(player, cell) {
  const locator = player.page.locator(`#board [data-cell="${cell}"]`);
  await locator.waitFor({ state: "visible" });
  await player.page.waitForFunction(
    (c) => {
      const el = document.querySelector(`#board [data-cell="${c}"]`);
      return el && !el.disabled;
    },
    cell,
    { timeout: STEP_MS },
  );
  await locator.click();
  await player.page.waitForFunction(
    (c) => document.querySelector(`#board [data-cell="${c}"]`).textContent.trim() !== "",
    cell,
    { timeout: STEP_MS },
  );
}

test("two browsers play a game to an X win", { timeout: 90000 }, async () => {
  const node = await startNode({ name: "e2e-node", region: "local" });
  let browser;
  const players = [];
  try {
    browser = await launchBrowser();
    const alice = await openPlayer(browser, "alice", { width: 1280, height: 800 });
    const bob = await openPlayer(browser, "bob", { width: 390, height: 844 });
    const carol = await openPlayer(browser, "carol", { width: 1024, height: 768 });
    players.push(alice, bob, carol);

    // Alice creates a game.
    const code = await createGame(alice, node, "Alice");
    assert.match(code, /^[A-Z]{4}$/);
    assert.equal(new URL(alice.page.url()).pathname, `/g/${code}`);
    await alice.page.waitForSelector('#status[data-status="waiting"]');
    assert.match(await alice.page.textContent("#you"), /You are X/);
    // The UI creates invite games (contract §9): the share link carries the secret.
    const link = (await alice.page.textContent("#share-link")).trim();
    assert.match(link, new RegExp(`^${node.url}/g/${code}#invite=[0-9a-f]{24}$`));
    assert.equal(await alice.page.getAttribute("#share-link", "href"), link);
    assert.match(await alice.page.textContent("#node-line"), /You are on node e2e-node \(region local\)/);

    // Carol only knows the code, typed in lower case: she watches, the seat stays free.
    await carol.page.goto(`${node.url}/`);
    await carol.page.fill("#name", "Carol");
    await carol.page.fill("#join-code", code.toLowerCase());
    await carol.page.click("#join");
    await carol.page.waitForURL(new RegExp(`/g/${code}$`), { timeout: STEP_MS });
    await carol.page.waitForSelector('#you[data-seat=""]');
    assert.match(await carol.page.textContent("#you"), /You are watching/);
    assert.match(await alice.page.textContent("#status"), /Waiting/i);

    // Bob opens the share link: he takes O, and the secret leaves his address bar.
    await bob.page.goto(link);
    await bob.page.fill("#name", "Bob");
    await bob.page.click("#join");
    await bob.page.waitForURL(new RegExp(`/g/${code}$`), { timeout: STEP_MS });
    await bob.page.waitForSelector('#status[data-status="playing"]');
    assert.match(await bob.page.textContent("#you"), /You are O/);
    assert.equal(new URL(bob.page.url()).hash, "");
    await alice.page.waitForSelector('#status[data-status="playing"]');
    assert.equal((await alice.page.textContent("#status")).trim(), "Your turn");
    assert.match(await alice.page.textContent('#players [data-seat="O"]'), /Bob/);
    assert.match(await bob.page.textContent('#players [data-seat="X"]'), /Alice/);

    // X takes the top row.
    for (const [player, cell] of [[alice, 0], [bob, 3], [alice, 1], [bob, 4], [alice, 2]]) {
      await playCell(player, cell);
    }

    const expected = ["X", "X", "X", "O", "O", "", "", "", ""];
    for (const p of [alice, bob]) {
      await p.page.waitForSelector('#status[data-status="finished"]');
      await p.page.waitForFunction(
        (want) => [...document.querySelectorAll("#board [data-cell]")]
          .map((c) => c.textContent.trim()).join(",") === want,
        expected.join(","),
        { timeout: STEP_MS },
      );
      assert.deepEqual(await boardOf(p.page), expected, `${p.label}'s board`);
      assert.match(await p.page.textContent("#status"), /X wins/, `${p.label}'s status`);
      const winCells = await p.page.$$eval("#board .win", (cells) => cells.map((c) => c.dataset.cell));
      assert.deepEqual(winCells, ["0", "1", "2"], `${p.label} highlights the winning line`);
      // No cell is playable once the game is over.
      assert.equal(await p.page.locator("#board [data-cell]:enabled").count(), 0);
    }
    assert.match(await alice.page.textContent("#status"), /you won/);
    assert.match(await bob.page.textContent("#status"), /you lost/);
    assert.match(await bob.page.textContent("#node-line"), /game hosted on node e2e-node/);

    await mkdir(ARTIFACT_DIR, { recursive: true });
    for (const p of [alice, bob]) {
      await p.page.screenshot({ path: path.join(ARTIFACT_DIR, `e2e-${p.label}.png`), fullPage: true });
    }

    // A reload keeps the same player and seat (token in localStorage).
    await alice.page.reload();
    await alice.page.waitForSelector('#status[data-status="finished"]');
    assert.match(await alice.page.textContent("#you"), /You are X/);
    assert.deepEqual(await boardOf(alice.page), expected);

    const problems = players.flatMap((p) => p.problems);
    assert.deepEqual(problems, [], "no page or console errors");
  } catch (err) {
    console.error(`e2e failed; output of ${node.describe()}`);
    for (const p of players) {
      try {
        await mkdir(ARTIFACT_DIR, { recursive: true });
        await p.page.screenshot({ path: path.join(ARTIFACT_DIR, `e2e-${p.label}-failure.png`), timeout: 5000 });
        console.error(`${p.label} at ${p.page.url()}: ${p.problems.join("; ") || "no page errors"}`);
      } catch { /* the page may be gone */ }
    }
    throw err;
  } finally {
    if (browser) await browser.close().catch(() => {});
    await node.stop().catch((err) => console.error(err.message));
  }
});

test("an unknown code shows a clear message with a link home", { timeout: 60000 }, async () => {
  const node = await startNode();
  let browser;
  try {
    browser = await launchBrowser();
    const p = await openPlayer(browser, "carol", { width: 1024, height: 768 });
    await p.page.goto(`${node.url}/`);
    await p.page.fill("#name", "Carol");
    await p.page.press("#name", "Enter");
    await p.page.goto(`${node.url}/g/ZZZZ`);
    await p.page.waitForSelector("#game-missing:not([hidden])");
    assert.match(await p.page.textContent("#game-missing"), /No such game/);
    await p.page.click('#game-missing a[href="/"]');
    await p.page.waitForSelector("#home-view:not([hidden])");
    assert.equal(new URL(p.page.url()).pathname, "/");
  } finally {
    if (browser) await browser.close().catch(() => {});
    await node.stop().catch((err) => console.error(err.message));
  }
});

/** A TCP port that was free a moment ago. */
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("after a node restart the pages reconnect, rejoin and play on", { timeout: 90000 }, async () => {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(tmpdir(), "parlor-e2e-"));
  let node = await startNode({ name: "e2e-restart", httpPort: port, dataDir });
  let browser;
  const players = [];
  try {
    browser = await launchBrowser();
    const alice = await openPlayer(browser, "alice", { width: 1024, height: 768 });
    const bob = await openPlayer(browser, "bob", { width: 1024, height: 768 });
    players.push(alice, bob);

    await createGame(alice, node, "Alice");
    await bob.page.goto((await alice.page.textContent("#share-link")).trim());
    await bob.page.fill("#name", "Bob");
    await bob.page.click("#join");
    await bob.page.waitForSelector('#status[data-status="playing"]');
    await playCell(alice, 0);
    await bob.page.waitForFunction(() => document.querySelector('#board [data-cell="0"]').textContent === "X");

    await node.stop();
    for (const p of [alice, bob]) {
      await p.page.waitForSelector('#conn[data-state="reconnecting"]', { timeout: STEP_MS });
    }
    node = await startNode({ name: "e2e-restart", httpPort: port, dataDir });
    for (const p of [alice, bob]) {
      await p.page.waitForSelector('#conn[data-state="connected"]', { timeout: 20000 });
    }
    // Bob's move after the restart reaches Alice: both rejoined the same game with their seats.
    await playCell(bob, 4);
    await alice.page.waitForFunction(() => document.querySelector('#board [data-cell="4"]').textContent === "O");
    assert.match(await alice.page.textContent("#you"), /You are X/);
    assert.match(await bob.page.textContent("#you"), /You are O/);
    assert.equal((await alice.page.textContent("#status")).trim(), "Your turn");
    assert.deepEqual(await boardOf(alice.page), ["X", "", "", "", "O", "", "", "", ""]);
  } catch (err) {
    console.error(`e2e failed; output of ${node.describe()}`);
    for (const p of players) console.error(`${p.label} at ${p.page.url()}: ${p.problems.join("; ")}`);
    throw err;
  } finally {
    if (browser) await browser.close().catch(() => {});
    await node.stop().catch((err) => console.error(err.message));
    await rm(dataDir, { recursive: true, force: true });
  }
});
