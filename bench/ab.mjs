#!/usr/bin/env node
// A/B of the marked variant of one compute workload between two checkouts of this repository,
// fresh processes alternating between them (each checkout built, with node_modules):
//   node bench/ab.mjs <procs> <workload> <dirA> <dirB>
// e.g. git worktree add /tmp/base <commit> && ln -s "$PWD/node_modules" /tmp/base/node_modules &&
//      (cd /tmp/base && npx tsc -p tsconfig.build.json) && node bench/ab.mjs 7 calls-method /tmp/base .
// Prints the median and the samples (ms of process CPU time) per checkout.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const [procs, workload, a, b] = process.argv.slice(2);
if (!procs || !workload || !a || !b) {
  console.error("usage: node bench/ab.mjs <procs> <workload> <dirA> <dirB>");
  process.exit(2);
}
const dirs = [resolve(a), resolve(b)];
const median = (xs) => { const s = [...xs].sort((x, y) => x - y); return s[s.length >> 1]; };
const ms = new Map(dirs.map((d) => [d, []]));
for (let p = 0; p < Number(procs); p++) {
  for (const d of p % 2 ? [...dirs].reverse() : dirs) {
    const r = spawnSync(process.execPath, ["--import", "tsgreenlet/register", "bench/soft/compute-child.mjs", "marked", workload], { cwd: d, encoding: "utf8" });
    if (r.status !== 0) { console.error(`${d}: exit ${r.status}\n${r.stderr}`); process.exit(1); }
    ms.get(d).push(JSON.parse(r.stdout.trim().split("\n").pop()).ms);
  }
}
for (const d of dirs) console.log(workload, d, "median", median(ms.get(d)).toFixed(1), ms.get(d).map(Math.round).join(","));
