#!/usr/bin/env node
// Builds the browser UI into OUTDIR (default build/web, relative to the current directory):
//   app.js (+ app.js.map)  web/src/main.js bundled with the phoenix client, minified
//   style.css              web/style.css, minified
//   index.html, favicon.svg and any other static file at the top of web/, copied as they are
// The node serves OUTDIR: index.html for "/" and "/g/CODE", the other files by name.
//
// Usage: node web/build.mjs [OUTDIR]      (CMake passes an absolute OUTDIR)
import { copyFile, mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const webDir = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(process.cwd(), process.argv[2] || "build/web");

// Top-level files of web/ that are copied verbatim (style.css is minified instead).
const STATIC_EXT = new Set([".html", ".svg", ".png", ".ico", ".webmanifest"]);

async function main() {
  const started = Date.now();
  await mkdir(outDir, { recursive: true });

  const common = {
    bundle: true,
    minify: true,
    sourcemap: true,
    target: "es2020",
    logLevel: "warning",
    legalComments: "none",
    absWorkingDir: webDir,
  };
  const builds = [
    esbuild.build({
      ...common,
      entryPoints: [path.join(webDir, "src/main.js")],
      outfile: path.join(outDir, "app.js"),
      format: "iife",
      platform: "browser",
    }),
    esbuild.build({
      ...common,
      entryPoints: [path.join(webDir, "style.css")],
      outfile: path.join(outDir, "style.css"),
      sourcemap: false,
      // color-mix() has a plain fallback in the sheet; keep both.
      target: ["chrome100", "firefox100", "safari15"],
    }),
  ];

  const entries = await readdir(webDir, { withFileTypes: true });
  const copies = entries
    .filter((e) => e.isFile() && STATIC_EXT.has(path.extname(e.name)))
    .map((e) => copyFile(path.join(webDir, e.name), path.join(outDir, e.name)));

  await Promise.all([...builds, ...copies]);
  const copied = copies.length;
  const shown = path.relative(process.cwd(), outDir);
  console.log(`web: built ${!shown || shown.startsWith("..") ? outDir : shown} ` +
    `(app.js, style.css, ${copied} static file${copied === 1 ? "" : "s"}) in ${Date.now() - started} ms`);
}

main().catch((err) => {
  // esbuild has already printed its diagnostics (logLevel "warning").
  console.error(`web build failed: ${err && err.message ? err.message : err}`);
  process.exit(1);
});
