// Hard-switch benchmarks; prints one JSON line per measurement. Run after `npm run build` (or
// with HS_INDEX pointing at a transpiled native-hardswitch/index.ts):
//   node --expose-gc bench/hardswitch.bench.mjs
// Round trip = main -> context -> main. Medians of batches. Each round-trip line also reports
// `otherCpu`: how many CPUs other processes kept busy meanwhile (from /proc/stat, Linux), so a run
// can be classified as idle (~0) or loaded; a cross-CPU wake-up costs very differently in each.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const index = process.env.HS_INDEX
  ? pathToFileURL(process.env.HS_INDEX).href
  : new URL("../dist/native-hardswitch/index.js", import.meta.url).href;
const hs = await import(index);
if (!hs.available) {
  console.log(JSON.stringify({ unavailable: hs.reason }));
  process.exit(0);
}
if (typeof globalThis.gc !== "function") {
  console.error("run with --expose-gc");
  process.exit(2);
}
const main = hs.mainContext();
const exit = (target, value) => ({ target, value, isThrow: false });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const emit = (o) => console.log(JSON.stringify({ node: process.version, ...o }));
const now = () => process.hrtime.bigint();
// Busy CPU time of the whole machine in ms (Linux), or undefined.
function machineBusyMs() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    return (f.reduce((a, b) => a + b, 0) - f[3] - f[4]) * 10;
  } catch {
    return undefined;
  }
}

function roundTrip(label, batches = 30, perBatch = 1000) {
  const c = hs.create(() => {
    for (;;) hs.switchTo(main);
  });
  hs.switchTo(c);
  for (let i = 0; i < perBatch; i++) hs.switchTo(c); // warm-up (JIT, spin budget)
  const samples = [];
  const cpu0 = process.cpuUsage();
  const busy0 = machineBusyMs();
  const wall0 = now();
  for (let b = 0; b < batches; b++) {
    const t0 = now();
    for (let i = 0; i < perBatch; i++) hs.switchTo(c);
    samples.push(Number(now() - t0) / perBatch);
  }
  const wallMs = Number(now() - wall0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const ownMs = (cpu.user + cpu.system) / 1000;
  const busy1 = machineBusyMs();
  hs.killAll();
  emit({
    bench: "roundtrip",
    mode: label,
    medianNs: Math.round(median(samples)),
    minNs: Math.round(Math.min(...samples)),
    ownCpu: +(ownMs / wallMs).toFixed(2),
    otherCpu: busy0 === undefined ? null : +Math.max(0, (busy1 - busy0 - ownMs) / wallMs).toFixed(2),
  });
}

function generatorRoundTrip() {
  function* gen() {
    for (;;) yield 1;
  }
  const g = gen();
  const samples = [];
  for (let b = 0; b < 30; b++) {
    const t0 = now();
    for (let i = 0; i < 1_000_000; i++) g.next();
    samples.push(Number(now() - t0) / 1_000_000);
  }
  emit({ bench: "generator-next", medianNs: +median(samples).toFixed(1) });
}

function park(n) {
  const list = [];
  for (let i = 0; i < n; i++) {
    const c = hs.create(() => {
      hs.switchTo(main);
      return exit(main, 0);
    });
    hs.switchTo(c);
    list.push(c);
  }
  return list;
}

function gcPauses(label) {
  const minor = [];
  const full = [];
  for (let i = 0; i < 15; i++) {
    let t0 = performance.now();
    globalThis.gc({ type: "minor" });
    minor.push(performance.now() - t0);
    t0 = performance.now();
    globalThis.gc();
    full.push(performance.now() - t0);
  }
  emit({ bench: "gc-pause", parked: label, minorMs: +median(minor).toFixed(3), fullMs: +median(full).toFixed(3) });
}

function createCost() {
  hs.configure({ poolSize: 32 });
  // warm the pool
  for (let i = 0; i < 40; i++) hs.switchTo(hs.create(() => exit(main, 0)));
  const N = 2000;
  let t0 = now();
  const made = [];
  for (let i = 0; i < N; i++) made.push(hs.create(() => exit(main, 0)));
  const createNs = Number(now() - t0) / N;
  t0 = now();
  for (const c of made) hs.switchTo(c);
  const lifecycleNs = Number(now() - t0) / N;
  hs.configure({ lowLatency: true });
  made.length = 0;
  for (let i = 0; i < N; i++) made.push(hs.create(() => exit(main, 0)));
  t0 = now();
  for (const c of made) hs.switchTo(c);
  const lifecycleLowNs = Number(now() - t0) / N;
  hs.configure({ lowLatency: false });
  const s = hs.stats();
  emit({ bench: "create-from-pool", createNs: Math.round(createNs), startAndFinishNs: Math.round(lifecycleNs), startAndFinishLowLatencyNs: Math.round(lifecycleLowNs), threadsCreated: s.threadsCreated });
}

async function idleCpu(n) {
  const list = park(n);
  globalThis.gc();
  const wallMs = 2000;
  const c0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, wallMs));
  const d = process.cpuUsage(c0);
  emit({ bench: "idle-cpu", parked: n, wallMs, cpuMs: +((d.user + d.system) / 1000).toFixed(2) });
  return list;
}

function rssPerParked(n) {
  globalThis.gc();
  const before = process.memoryUsage().rss;
  const list = park(n);
  globalThis.gc();
  const after = process.memoryUsage().rss;
  emit({ bench: "rss-per-parked", parked: n, kib: +((after - before) / n / 1024).toFixed(1), stackSizeDefault: 256 * 1024 });
  return list;
}

// The machine's floor for a spun cross-CPU hand-off (bench/hard/cacheline-pingpong.cpp), measured
// right after the low-latency round trip it bounds. Skipped without a C++ compiler.
function cachelinePingPong() {
  const dir = mkdtempSync(join(tmpdir(), "tsgreenlet-pingpong-"));
  try {
    const exe = join(dir, "pingpong");
    const src = fileURLToPath(new URL("./hard/cacheline-pingpong.cpp", import.meta.url));
    const cc = spawnSync(process.env.CXX ?? "c++", ["-O2", "-std=c++17", "-pthread", src, "-o", exe], { encoding: "utf8" });
    if (cc.status !== 0) {
      emit({ bench: "cacheline-pingpong", skipped: `could not compile ${src}: ${(cc.stderr || String(cc.error)).trim().split("\n")[0]}` });
      return;
    }
    for (const lines of ["0", "32"]) {
      const run = spawnSync(exe, [lines], { encoding: "utf8" });
      const line = run.stdout.trim().split("\n").pop();
      if (run.status === 0 && line?.startsWith("{")) emit(JSON.parse(line));
      else emit({ bench: "cacheline-pingpong", lines: Number(lines), skipped: `exit ${run.status}` });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

roundTrip("default");
hs.configure({ followCpu: false });
roundTrip("default-followCpu-off");
hs.configure({ followCpu: true, lowLatency: true });
roundTrip("lowLatency");
hs.configure({ lowLatency: false });
cachelinePingPong();
generatorRoundTrip();
createCost();
gcPauses(0);
hs.configure({ poolSize: 0 });
const parked = rssPerParked(1000);
gcPauses(1000);
await idleCpu(0);
hs.killAll();
await idleCpu(1000);
hs.killAll();
void parked;
