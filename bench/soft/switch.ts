"use greenlet";
/**
 * Soft-switch round-trip benchmarks (run through the register loader):
 *   node --import tsgreenlet/register bench/soft/switch.ts [runs]
 * Prints JSON lines. Every figure is a ratio against a baseline measured side by side in the same
 * process (interleaved batches, process CPU time), median over `runs` batches.
 *   roundtrip: main -> g -> main, g loops `main.switch()`   vs   generator `it.next()` round trip
 *   deep:      same round trip with g suspended 1,000 frames deep   vs   depth 1
 */
import { Greenlet, getcurrent } from "tsgreenlet";
// The baseline stays a native generator: generators of marked code are rewritten.
import { forever as gen } from "./generators.native.ts";

const runs = Math.max(5, Number(process.argv[2] ?? 15));
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
// CPU time of this process, not wall time: the machine is shared, and a wall clock counts the
// time other processes held the core. Both sides of every ratio are measured the same way.
const now = () => { const u = process.cpuUsage(); return BigInt(u.user + u.system) * 1000n; };
const emit = (o: object) => console.log(JSON.stringify({ node: process.version, ...o }));

const main = getcurrent();

function bottom(): void {
  for (;;) main.switch();
}
function down(n: number): number {
  if (n <= 1) { bottom(); return 0; }
  return down(n - 1) + 1;
}
function makeGreenlet(depth: number): Greenlet {
  const g = new Greenlet(() => down(depth));
  g.switch(); // start it: it is now suspended in bottom(), `depth` frames deep
  return g;
}

function timeGreenlet(g: Greenlet, n: number): number {
  const t0 = now();
  for (let i = 0; i < n; i++) g.switch();
  return Number(now() - t0) / n;
}
function timeGenerator(it: Generator<undefined, never, unknown>, n: number): number {
  const t0 = now();
  for (let i = 0; i < n; i++) it.next();
  return Number(now() - t0) / n;
}

function compare(bench: string, label: string, base: () => number, subject: () => number, baseLabel: string, target: number) {
  base(); subject(); base(); subject(); // warm-up
  const b: number[] = [], s: number[] = [], r: number[] = [];
  for (let i = 0; i < runs; i++) {
    const x = i % 2 ? (s.push(subject()), b.push(base())) : (b.push(base()), s.push(subject()));
    void x;
    r.push(s[i]! / b[i]!);
  }
  const ratio = median(r);
  emit({ bench, subject: label, baseline: baseLabel, runs, subjectNs: +median(s).toFixed(1), baselineNs: +median(b).toFixed(1),
         ratio: +ratio.toFixed(3), ratioOfMedians: +(median(s) / median(b)).toFixed(3), target, met: ratio <= target });
}

{
  const g = makeGreenlet(1);
  const it = gen(); it.next();
  const N = 1_000_000;
  compare("soft-roundtrip", "greenlet switch round trip (depth 1)", () => timeGenerator(it, N), () => timeGreenlet(g, N), "generator next() round trip", 2.5);
}
{
  const shallow = makeGreenlet(1);
  const deep = makeGreenlet(1000);
  if (deep.frames.length < 1000) throw new Error(`deep greenlet has only ${deep.frames.length} frames`);
  const N = 200_000;
  compare("soft-deep", "round trip suspended 1000 frames deep", () => timeGreenlet(shallow, N), () => timeGreenlet(deep, N), "same at depth 1", 1.5);
}
