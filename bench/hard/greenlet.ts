"use greenlet";
/**
 * Hard vs soft Greenlet round trips, side by side in one process (interleaved batches):
 *   node --import tsgreenlet/register bench/hard/greenlet.ts [runs] [lowLatency]
 * (with "lowLatency" the addon spins before sleeping, see docs/hardswitch.md; default: followCpu)
 * Prints JSON lines; each figure is a median over `runs` batches, and each ratio is taken per
 * batch pair against the soft round trip (same code, { stack: "soft" }) measured next to it.
 *   hard-greenlet-roundtrip: main -> g -> main with g = new Greenlet(loop, null, { stack: "hard" })
 *   hard-context-roundtrip:  the same through the low-level addon API (switchTo), to show the
 *                            Greenlet layer's own cost on top of the native handoff
 *   hard-greenlet-lifecycle: create + start + finish of a hard greenlet (pooled thread)
 */
import { Greenlet, getcurrent, hardAvailable, hardUnavailableReason } from "tsgreenlet";
import * as hs from "../../native-hardswitch/index.js";

const runs = Math.max(5, Number(process.argv[2] ?? 15));
const mode = process.argv[3] === "lowLatency" ? "lowLatency" : "default";
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const now = () => process.hrtime.bigint();
const emit = (o: object) => console.log(JSON.stringify({ node: process.version, mode, ...o }));

if (!hardAvailable) {
  emit({ bench: "hard-greenlet", unavailable: hardUnavailableReason() });
  process.exit(0);
}
const main = getcurrent();
if (mode === "lowLatency") hs.configure({ lowLatency: true });

function loop(): void {
  for (;;) main.switch();
}
function timeSwitch(g: Greenlet, n: number): number {
  const t0 = now();
  for (let i = 0; i < n; i++) g.switch();
  return Number(now() - t0) / n;
}

const soft = new Greenlet(loop, null, { stack: "soft" });
const hard = new Greenlet(loop, null, { stack: "hard" });
soft.switch();
hard.switch();
const ctxMain = hs.mainContext();
const ctx = hs.create(() => {
  for (;;) hs.switchTo(ctxMain);
});
hs.switchTo(ctx);
function timeContext(n: number): number {
  const t0 = now();
  for (let i = 0; i < n; i++) hs.switchTo(ctx);
  return Number(now() - t0) / n;
}
function timeLifecycle(n: number): number {
  const t0 = now();
  for (let i = 0; i < n; i++) new Greenlet(() => i, null, { stack: "hard" }).switch();
  return Number(now() - t0) / n;
}

const SOFT_N = 200_000;
const HARD_N = 2_000;
const softNs: number[] = [], hardNs: number[] = [], ctxNs: number[] = [], lifeNs: number[] = [], ratio: number[] = [];
timeSwitch(soft, SOFT_N); timeSwitch(hard, HARD_N); timeContext(HARD_N); timeLifecycle(200); // warm-up
for (let i = 0; i < runs; i++) {
  const s = timeSwitch(soft, SOFT_N);
  const h = timeSwitch(hard, HARD_N);
  const c = timeContext(HARD_N);
  lifeNs.push(timeLifecycle(500));
  softNs.push(s); hardNs.push(h); ctxNs.push(c); ratio.push(h / s);
}
emit({ bench: "hard-greenlet-roundtrip", runs, hardNs: Math.round(median(hardNs)), softNs: +median(softNs).toFixed(1), ratioHardOverSoft: Math.round(median(ratio)) });
emit({ bench: "hard-context-roundtrip", runs, contextNs: Math.round(median(ctxNs)), greenletLayerOverheadNs: Math.round(median(hardNs) - median(ctxNs)) });
emit({ bench: "hard-greenlet-lifecycle", runs, createStartFinishNs: Math.round(median(lifeNs)), threadsCreated: hs.stats().threadsCreated });
process.exit(0); // the two looping greenlets stay parked; exit without unwinding them
