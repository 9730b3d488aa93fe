/**
 * Rewritten generators vs native generators, side by side in one process (run through the
 * register loader):   node --import tsgreenlet/register bench/soft/generators.ts [runs]
 * Prints JSON lines; every figure is a ratio against the native baseline measured in interleaved
 * batches (process CPU time), median over `runs` batches.
 *   generator-for-of:  marked `for (const x of range(n)) s += x` over a rewritten generator
 *                      vs the same function untransformed over a native generator
 *   generator-native-loop: a marked for-of without calls over a rewritten generator (the
 *                      isGen check picks the lowered loop) vs the same over a native generator
 *   generator-next:    `it.next()` round trip of a rewritten generator called from marked code
 *                      vs a native generator's `it.next()` from untransformed code
 */
import * as marked from "./generators.marked.ts";
import * as native from "./generators.native.ts";

const runs = Math.max(5, Number(process.argv[2] ?? 15));
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const now = () => { const u = process.cpuUsage(); return BigInt(u.user + u.system) * 1000n; };
const emit = (o: object) => console.log(JSON.stringify({ node: process.version, ...o }));

function compare(bench: string, label: string, base: () => number, subject: () => number, baseLabel: string) {
  for (let i = 0; i < 3; i++) { base(); subject(); } // warm-up
  const b: number[] = [], s: number[] = [], r: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2) { s.push(subject()); b.push(base()); } else { b.push(base()); s.push(subject()); }
    r.push(s[i]! / b[i]!);
  }
  emit({ bench, subject: label, baseline: baseLabel, runs, subjectNs: +median(s).toFixed(2), baselineNs: +median(b).toFixed(2),
         ratio: +median(r).toFixed(3), ratioOfMedians: +(median(s) / median(b)).toFixed(3) });
}

/** ns per element of `sum(n)`, checking the result. */
const perElement = (sum: (n: number) => number, n: number) => () => {
  const t0 = now();
  const v = sum(n);
  const ns = Number(now() - t0) / n;
  if (v !== (n * (n - 1)) / 2) throw new Error(`wrong sum ${v}`);
  return ns;
};
const perNext = (loop: (it: Generator<undefined, never, unknown>, n: number) => number, it: Generator<undefined, never, unknown>, n: number) => () => {
  const t0 = now();
  const k = loop(it, n);
  const ns = Number(now() - t0) / n;
  if (k !== n) throw new Error("wrong count");
  return ns;
};

const N = 2_000_000;
compare("generator-for-of", "marked for-of summing a rewritten generator (2M yields)", perElement(native.sumRange, N), perElement(marked.sumRange, N), "untransformed for-of over a native generator");
compare("generator-native-loop", "marked for-of without calls (isGen: lowered loop) over a rewritten generator", perElement((n) => native.sumEach(native.range(n)), N), perElement((n) => marked.sumEach(marked.range(n)), N), "the same over a native generator, untransformed");
compare("generator-next", "it.next() round trip, rewritten generator, marked caller", perNext(native.nextLoop, native.forever(), N), perNext(marked.nextLoop, marked.forever(), N), "native generator next() from untransformed code");
