// One measurement of one variant in a fresh process (JIT state matters):
//   node --import tsgreenlet/register bench/soft/compute-child.mjs <marked|plain> <fib|calls|osr|calls-import|calls-method|calls-static|calls-new|calls-dyn|osr-dyn|calls-hoisted|calls-forof|resumed>
// Prints one JSON line {variant, workload, ms}.
const [variant, workload] = process.argv.slice(2);
const m = await import(new URL(`./compute.${variant}.ts`, import.meta.url).href);
// Process CPU time (the machine is shared; wall time would count other processes' turns).
const now = () => { const u = process.cpuUsage(); return BigInt(u.user + u.system) * 1000n; };
// Shared code (runtime helpers, their type feedback) sees many shapes first, as in an application.
m.warmup();
let t0, result;
switch (workload) {
  case "fib": // recursive fib(27)
    t0 = now(); result = m.fib(27); break;
  case "calls": // loop with calls, never OSR'd for long: loop(10_000) x 3000
    t0 = now(); result = m.loopCalls(3000, 10_000); break;
  case "osr": // one long loop called once: V8 must OSR it
    t0 = now(); result = m.longLoop(30_000_000); break;
  case "calls-import": // as calls, the helper imported from another marked module
    t0 = now(); result = m.loopCallsImported(3000, 10_000); break;
  case "calls-method": // as calls, through a class method (read from the prototype)
    t0 = now(); result = m.loopCallsMethod(3000, 10_000); break;
  case "calls-new": // as calls, constructing a class whose constructor calls acc.add
    t0 = now(); result = m.loopCallsNew(3000, 10_000); break;
  case "calls-static": // as calls, through a static method Calc.add
    t0 = now(); result = m.loopCallsStatic(3000, 10_000); break;
  case "calls-dyn": // as calls, through ops.add: instrumented call sites
    t0 = now(); result = m.loopCallsDyn(3000, 10_000); break;
  case "calls-hoisted": // as calls, through a nested function declaration updating its parent's let (TDZ checks)
    t0 = now(); result = m.loopCallsHoisted(3000, 10_000); break;
  case "calls-forof": // a loop calling a small helper whose call-free for-of sums an 8-element array
    t0 = now(); result = m.loopCallsForOf(1000, 10_000); break;
  case "osr-dyn": // as osr, through ops.add / ops.mulf
    t0 = now(); result = m.longLoopDyn(30_000_000); break;
  case "resumed": { // as calls-method, but each loop switches to main and back in its first iteration (marked only)
    if (variant === "marked") {
      const { Greenlet, getcurrent } = await import("tsgreenlet");
      // The marked function itself is the greenlet's run: an untransformed arrow around it would
      // be a boundary, and every switch would then run main on top of the greenlet's stack.
      const g = new Greenlet(m.loopCallsResumed);
      t0 = now(); result = g.switch(3000, 10_000, getcurrent()); while (!g.dead) result = g.switch();
    } else {
      t0 = now(); result = m.loopCallsResumed(3000, 10_000);
    }
    break;
  }
  default:
    console.error(`unknown workload ${workload}`); process.exit(2);
}
const ms = Number(now() - t0) / 1e6;
console.log(JSON.stringify({ variant, workload, ms: +ms.toFixed(3), result }));
