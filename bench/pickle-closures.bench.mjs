#!/usr/bin/env node
// Cost of closure creation in marked code (closure factories that tag each closure with its
// environment for pickling) vs the same source untransformed, in one process, interleaved.
//   node bench/pickle-closures.bench.mjs [runs] [--base DIR]
// --base DIR: also transform with the transformer in DIR/dist (e.g. a build of the commit before
// closure factories) to measure the factories' own cost. Prints JSON lines (medians over runs).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const runs = Math.max(5, Number(process.argv[2] ?? 15) || 15);
const bi = process.argv.indexOf("--base");
const baseDir = bi > 0 ? process.argv[bi + 1] : undefined;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const srcFile = join(here, "soft", "closures.src.js");
const src = readFileSync(srcFile, "utf8");
const tmp = join(here, ".tmp-closures");
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });

const variants = {};
const write = (name, code) => { const f = join(tmp, `${name}.mjs`); writeFileSync(f, code); return f; };
variants.plain = write("plain", src.replace('"use greenlet";', ""));
const { transform } = await import(pathToFileURL(join(root, "dist/transformer/core/index.js")).href);
variants.marked = write("marked", transform(src, srcFile, {}).code);
if (baseDir) {
  const base = await import(pathToFileURL(join(baseDir, "dist/transformer/core/index.js")).href);
  variants.before = write("before", base.transform(src, srcFile, {}).code);
}
const mods = {};
for (const [k, f] of Object.entries(variants)) mods[k] = await import(pathToFileURL(f).href);
rmSync(tmp, { recursive: true, force: true });

const N = 200_000;
const expected = mods.plain.work(N);
const time = (m) => { const t = process.hrtime.bigint(); const r = m.work(N); const ns = Number(process.hrtime.bigint() - t); if (r !== expected) throw new Error("result differs"); return ns / N; };
for (let w = 0; w < 5; w++) for (const m of Object.values(mods)) time(m);
const samples = Object.fromEntries(Object.keys(mods).map((k) => [k, []]));
for (let r = 0; r < runs; r++) {
  const order = r % 2 ? Object.keys(mods) : Object.keys(mods).reverse();
  for (const k of order) samples[k].push(time(mods[k]));
}
const p = median(samples.plain);
for (const k of Object.keys(mods)) {
  if (k === "plain") continue;
  console.log(JSON.stringify({ node: process.version, bench: `closure-creation-${k}`, subject: `${k} (2 closures created per iteration)`, baseline: "same source untransformed",
    subjectNs: +median(samples[k]).toFixed(2), baselineNs: +p.toFixed(2), ratio: +(median(samples[k]) / p).toFixed(2), runs }));
}
