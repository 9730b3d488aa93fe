// Steady-state twin of compute-child.mjs: the optimized code, not the warm-up. Runs one workload
// at 1/10 of the bench size `reps` times in one process and prints the minimum and the median CPU
// ms (the minimum is the least disturbed by other processes on a shared machine):
//   node --import tsgreenlet/register bench/soft/compute-steady-child.mjs <marked|plain> <workload> [reps=15]
// Compare marked and plain in alternating fresh processes; ratio = median over processes of the
// minima. Shows what fresh processes hide: e.g. on Node 26 the plain loops are slow in a fresh
// process (bimodal JIT), so fresh ratios below 1 there say nothing about optimized code.

const [variant, workload, reps = "15"] = process.argv.slice(2);
const m = await import(new URL(`./compute.${variant}.ts`, import.meta.url).href);
const now = () => { const u = process.cpuUsage(); return u.user + u.system; };
const W = {
  fib: () => m.fib(24),
  calls: () => m.loopCalls(300, 10_000),
  osr: () => m.longLoop(3_000_000),
  "calls-import": () => m.loopCallsImported(300, 10_000),
  "calls-method": () => m.loopCallsMethod(300, 10_000),
  "calls-static": () => m.loopCallsStatic(300, 10_000),
  "calls-new": () => m.loopCallsNew(300, 10_000),
  "calls-hoisted": () => m.loopCallsHoisted(300, 10_000),
  "calls-dyn": () => m.loopCallsDyn(300, 10_000),
  "osr-dyn": () => m.longLoopDyn(3_000_000),
  "calls-forof": () => m.loopCallsForOf(100, 10_000),
};
if (!(workload in W)) { console.error(`unknown workload ${workload}`); process.exit(2); }
const out = [];
for (let k = 0; k < Number(reps); k++) { const t0 = now(); W[workload](); out.push((now() - t0) / 1000); }
out.sort((a, b) => a - b);
console.log(JSON.stringify({ variant, workload, minMs: +out[0].toFixed(3), medianMs: +out[out.length >> 1].toFixed(3) }));
