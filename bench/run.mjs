#!/usr/bin/env node
// Runs every benchmark and prints JSON lines plus a readable table.
//   node bench/run.mjs [--runs N] [--procs N]        (npm run bench)
// Children run with the same node binary as this script (process.execPath), so
//   /path/to/other/node bench/run.mjs
// benchmarks another Node version. Exits non-zero only if a soft benchmark crashes; missed
// targets are reported, not fatal. Hard-switch / Python benchmarks are optional extras.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const RUNS = Math.max(5, arg("--runs", 15));   // in-process batches for switch benchmarks
const PROCS = Math.max(5, arg("--procs", 7));  // fresh processes per variant for compute benchmarks
const node = process.execPath;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const results = [];
let crashed = false;
const emit = (o) => { const r = { node: process.version, ...o }; results.push(r); console.log(JSON.stringify(r)); };

function run(cmd, args, { optional = false, label } = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `exit ${r.status}${r.signal ? " " + r.signal : ""}: ${(r.stderr || "").trim().split("\n").slice(-3).join(" | ")}`;
    if (!optional) { crashed = true; console.error(`[bench] ${label ?? args.join(" ")} crashed: ${why}`); }
    else console.error(`[bench] optional ${label ?? args.join(" ")} failed: ${why}`);
    emit({ bench: label ?? args.join(" "), error: why, optional });
    return [];
  }
  return r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

// 0. Build if needed.
if (!existsSync(join(root, "dist/transformer/register.js"))) {
  console.error("[bench] dist missing: building");
  const b = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  if (b.status !== 0) { console.error("[bench] build failed"); process.exit(1); }
}
const REG = ["--import", "tsgreenlet/register"];

// 1 + 2. Switch round trips (same process, interleaved with their baselines).
for (const r of run(node, [...REG, "bench/soft/switch.ts", String(RUNS)], { label: "soft-switch" })) emit(r);
// 1b. Rewritten generators vs native generators (same process, interleaved).
{
  const below = (f) => readFileSync(join(here, "soft", f), "utf8").split("// ---\n")[1];
  if (below("generators.marked.ts") !== below("generators.native.ts")) {
    crashed = true; console.error("[bench] generators.marked.ts and generators.native.ts differ below their `// ---` line");
  }
  for (const r of run(node, [...REG, "bench/soft/generators.ts", String(RUNS)], { label: "generators" })) emit(r);
}
// 4. Memory.
for (const r of run(node, ["--expose-gc", ...REG, "bench/soft/memory.ts"], { label: "soft-memory" })) emit(r);

// 3. Marked-but-never-suspending code vs the same source untransformed, fresh process per measurement.
{
  // The twins must differ only in their first line (the directive) and the twin they import.
  const strip = (f) => readFileSync(join(here, "soft", f), "utf8").split("\n").slice(1).join("\n").replace(/\.(marked|plain)\b/g, ".VARIANT");
  for (const base of ["compute", "compute-lib"]) {
    if (strip(`${base}.marked.ts`) !== strip(`${base}.plain.ts`)) {
      crashed = true; console.error(`[bench] ${base}.marked.ts and ${base}.plain.ts differ beyond the directive line`);
    }
  }
  const workloads = { fib: "fib(27)", calls: "loop(10_000) x 3000", osr: "loop(30_000_000) once (OSR)",
    "calls-import": "loop(10_000) x 3000 calling an imported add", "calls-method": "loop(10_000) x 3000 via a class method acc.add", "calls-new": "loop(10_000) x 3000 of new Vec (constructor calls acc.add)", "calls-static": "loop(10_000) x 3000 via a static method Calc.add", "calls-dyn": "loop(10_000) x 3000 via ops.add (own data property)", "osr-dyn": "loop(30_000_000) once via ops.add/mulf (OSR)",
    "calls-hoisted": "loop(10_000) x 3000 via a nested function declaration updating its parent's let (TDZ checks)",
    "calls-forof": "loop(10_000) x 1000 calling a helper whose call-free for-of sums an 8-element array" };
  // PROCS fresh processes per variant, alternating which variant goes first.
  const measure = (w) => {
    const ms = { plain: [], marked: [] };
    for (let p = 0; p < PROCS; p++) {
      for (const v of p % 2 ? ["marked", "plain"] : ["plain", "marked"]) {
        const [r] = run(node, [...REG, "bench/soft/compute-child.mjs", v, w], { label: `compute ${v} ${w}` });
        if (r) ms[v].push(r.ms);
      }
    }
    return ms;
  };
  const ratios = [];
  for (const [w, desc] of Object.entries(workloads)) {
    const ms = measure(w);
    if (ms.plain.length && ms.marked.length) {
      const ratio = median(ms.marked) / median(ms.plain);
      ratios.push(ratio);
      emit({ bench: `soft-overhead-${w}`, subject: `marked ${desc}`, baseline: "same source untransformed", procs: PROCS,
             subjectMs: +median(ms.marked).toFixed(2), baselineMs: +median(ms.plain).toFixed(2), ratio: +ratio.toFixed(3),
             target: 2, met: ratio <= 2, samplesMarked: ms.marked, samplesPlain: ms.plain });
    }
  }
  // Not part of the target above (this code suspends): a loop that switches to main and back once
  // per 10,000 iterations against the same loop untransformed, which never switches.
  {
    const ms = measure("resumed");
    if (ms.plain.length && ms.marked.length) {
      emit({ bench: "soft-resumed-loop", subject: "marked loop(10_000) x 3000 via acc.add, switching to main and back in each loop's first iteration",
             baseline: "same source untransformed (no switch)", procs: PROCS, subjectMs: +median(ms.marked).toFixed(2),
             baselineMs: +median(ms.plain).toFixed(2), ratio: +(median(ms.marked) / median(ms.plain)).toFixed(3), samplesMarked: ms.marked, samplesPlain: ms.plain });
    }
  }
  if (ratios.length) {
    const m = median(ratios), worst = Math.max(...ratios);
    emit({ bench: "soft-overhead-summary", medianRatio: +m.toFixed(3), worstRatio: +worst.toFixed(3),
           target: "median <= 1.3, none > 2", met: m <= 1.3 && worst <= 2 });
  }
  // The same workloads in steady state (bench/soft/compute-steady-child.mjs: 1/10 of the size,
  // 15 batches per process, the minimum): the optimized code alone, without the tier-up a fresh
  // process measures. On Node 26 the fresh samples spread 2-18x and hide what this shows.
  const STEADY_PROCS = 3;
  const steady = [];
  for (const [w, desc] of Object.entries(workloads)) {
    const min = { plain: [], marked: [] };
    for (let p = 0; p < STEADY_PROCS; p++) {
      for (const v of p % 2 ? ["marked", "plain"] : ["plain", "marked"]) {
        const [r] = run(node, [...REG, "bench/soft/compute-steady-child.mjs", v, w, "15"], { label: `steady ${v} ${w}` });
        if (r) min[v].push(r.minMs);
      }
    }
    if (!min.plain.length || !min.marked.length) continue;
    const ratio = median(min.marked) / median(min.plain);
    steady.push(ratio);
    emit({ bench: `soft-steady-${w}`, subject: `marked ${desc} / 10, fastest of 15 batches`, baseline: "same source untransformed", procs: STEADY_PROCS,
           subjectMs: +median(min.marked).toFixed(3), baselineMs: +median(min.plain).toFixed(3), ratio: +ratio.toFixed(3), samplesMarked: min.marked, samplesPlain: min.plain });
  }
  if (steady.length) {
    emit({ bench: "soft-steady-summary", medianRatio: +median(steady).toFixed(3), worstRatio: +Math.max(...steady).toFixed(3),
           target: "median <= 1.3, none > 2", met: median(steady) <= 1.3 && Math.max(...steady) <= 2 });
  }
}

// 5. Pickling: throughput vs v8.serialize, resume after unpickle, closure-creation cost.
for (const r of run(node, [...REG, "bench/pickle.bench.ts", String(RUNS)], { label: "pickle" })) emit(r);
for (const r of run(node, ["bench/pickle-closures.bench.mjs", String(RUNS)], { label: "pickle-closures" })) emit(r);

// Optional extras: hard-switch benchmarks (another helper's) and Python greenlet reference.
if (existsSync(join(here, "hardswitch.bench.mjs"))) {
  for (const r of run(node, ["--expose-gc", "bench/hardswitch.bench.mjs"], { optional: true, label: "hardswitch" })) emit({ ...r, bench: `hardswitch-${r.bench ?? "?"}` });
}
if (existsSync(join(here, "hard", "greenlet.ts"))) {
  // Hard vs soft Greenlet round trip side by side (Greenlet API, { stack: "hard" | "soft" }).
  for (const r of run(node, [...REG, "bench/hard/greenlet.ts", String(RUNS)], { optional: true, label: "hard-greenlet" })) emit({ ...r, bench: `hardswitch-${r.bench ?? "?"}` });
}
{
  const py = "/usr/bin/python3";
  const script = ["python-greenlet.py", "python-greenlet-soft.py"].map((f) => join(here, f)).find(existsSync);
  if (!existsSync(py)) console.error("[bench] /usr/bin/python3 missing: skipping Python greenlet reference");
  else if (spawnSync(py, ["-c", "import greenlet"]).status !== 0) console.error("[bench] python greenlet missing (apt-get install -y python3-greenlet): skipping");
  else if (script) for (const r of run(py, [script], { optional: true, label: "python-greenlet" })) emit({ ...r, node: undefined, python: true });
}

// Table.
const rows = [];
const f = (x, d = 1) => (x === undefined ? "" : Number(x).toFixed(d));
for (const r of results) {
  if (r.error) { rows.push([r.bench, "ERROR", "", "", "", r.optional ? "(optional)" : "CRASH"]); continue; }
  if (r.bench === "soft-roundtrip" || r.bench === "soft-deep")
    rows.push([r.bench, `${f(r.subjectNs)} ns`, `${f(r.baselineNs)} ns (${r.baseline})`, `${f(r.ratio, 2)}x`, `<= ${r.target}x`, r.met ? "met" : "MISSED"]);
  else if (r.bench.startsWith("soft-overhead-") && r.bench !== "soft-overhead-summary")
    rows.push([r.bench, `${f(r.subjectMs)} ms`, `${f(r.baselineMs)} ms (untransformed)`, `${f(r.ratio, 2)}x`, "<= 2x", r.met ? "met" : "MISSED"]);
  else if (r.bench === "soft-overhead-summary" || r.bench === "soft-steady-summary")
    rows.push([r.bench, `median ${f(r.medianRatio, 2)}x`, `worst ${f(r.worstRatio, 2)}x`, "", r.target, r.met ? "met" : "MISSED"]);
  else if (r.bench.startsWith("soft-steady-"))
    rows.push([r.bench, `${f(r.subjectMs, 2)} ms`, `${f(r.baselineMs, 2)} ms (untransformed)`, `${f(r.ratio, 2)}x`, "", "(steady)"]);
  else if (r.bench.startsWith("generator-"))
    rows.push([r.bench, `${f(r.subjectNs)} ns`, `${f(r.baselineNs)} ns (native generator)`, `${f(r.ratio, 2)}x`, "", "(info)"]);
  else if (r.bench === "soft-memory")
    rows.push([r.bench, `${f(r.heapDeltaMB)} MB`, `${r.count} greenlets, ${r.bytesPerGreenlet} B each`, "", "< 100 MB", r.met ? "met" : "MISSED"]);
  else if (r.bench === "pickle-throughput" || r.bench === "pickle-resume")
    rows.push([r.bench, `${f(r.subjectMs, 2)} ms`, `${f(r.baselineMs, 2)} ms (${r.bench === "pickle-throughput" ? "v8.serialize+deserialize" : "original"})`, `${f(r.ratio, 2)}x`, `<= ${r.target}x`, r.met ? "met" : "MISSED"]);
  else if (r.bench.startsWith("closure-creation-"))
    rows.push([r.bench, `${f(r.subjectNs)} ns`, `${f(r.baselineNs)} ns (untransformed)`, `${f(r.ratio, 2)}x`, "", "(info)"]);
  else if (r.python)
    rows.push([`python ${r.bench} (greenlet ${r.greenlet})`, `${f(r.medianNs)} ns`, "reference", "", "", ""]);
  else if (r.bench === "hardswitch-roundtrip" && (r.mode === "default" || r.mode === "lowLatency")) {
    // Issue 3's absolute targets, with the machine's cross-CPU floor of the same run beside the
    // spun (low-latency) hand-off it bounds (bench/hard/cacheline-pingpong.cpp).
    const floor = results.find((x) => x.bench === "hardswitch-cacheline-pingpong" && x.lines === 0)?.medianNs;
    const low = r.mode === "lowLatency";
    const limit = low ? 3000 : 10000;
    rows.push([`${r.bench} ${r.mode}`, `${f(r.medianNs)} ns`, low && floor !== undefined ? `${f(floor)} ns (one cache line between the CPUs)` : "",
      low && floor !== undefined ? `${f(r.medianNs / floor, 1)}x` : "", `<= ${limit / 1000} µs`, r.medianNs <= limit ? "met" : "MISSED"]);
  } else if (r.bench === "hardswitch-cacheline-pingpong")
    rows.push([`${r.bench} (${r.lines ?? "?"} extra lines)`, r.medianNs !== undefined ? `${f(r.medianNs)} ns` : String(r.skipped), "", "", "", "(floor)"]);
  else if (r.bench.startsWith("hardswitch-"))
    rows.push([`${r.bench}${r.mode ? " " + r.mode : ""}`, r.medianNs !== undefined ? `${f(r.medianNs)} ns` : JSON.stringify(r, (k, v) => (k === "node" || k === "bench" ? undefined : v)).slice(0, 60), "", "", "", "(extra)"]);
}
const head = ["benchmark", "subject (median)", "baseline (median)", "ratio", "target", "status"];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (r) => "| " + r.map((c, i) => String(c).padEnd(w[i])).join(" | ") + " |";
console.log(`\nNode ${process.version} (${process.platform}-${process.arch}); switch runs=${RUNS}, compute procs=${PROCS}`);
console.log(line(head));
console.log("|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|");
for (const r of rows) console.log(line(r));
process.exit(crashed ? 1 : 0);
