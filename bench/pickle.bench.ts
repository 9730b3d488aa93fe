"use greenlet";
/**
 * Pickling benchmark (run through the register loader):
 *   node --import tsgreenlet/register bench/pickle.bench.ts [runs]
 * A task suspended 100 frames deep, each frame holding 100 objects (10,000 objects with shared
 * references: every object points at the previous one). Per run, side by side in this process:
 *   - pickle + unpickle of the greenlet   vs   v8.serialize + v8.deserialize of an equivalent
 *     plain graph (the same objects in an array of per-frame records)          target <= 3x
 *   - resuming the unpickled copy (first switch, runs to the end)   vs   resuming the original
 *                                                                                target <= 2x
 * Prints JSON lines; figures are medians over `runs`.
 */
import v8 from "node:v8";
import { Greenlet, getcurrent } from "tsgreenlet";
import { pickle, unpickle } from "tsgreenlet/pickle";

const runs = Math.max(5, Number(process.argv[2] ?? 15));
const DEPTH = 100;
const PER_FRAME = 100;
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const now = () => Number(process.hrtime.bigint()) / 1e6;
const emit = (o: object) => console.log(JSON.stringify({ node: process.version, ...o }));

interface Item { id: number; label: string; score: number; prev: Item | null }

/** Every level keeps its items in a local; the plain twin records them for v8.serialize. */
function level(depth: number, prev: Item | null, twin: { depth: number; items: Item[] }[]): number {
  const items: Item[] = [];
  for (let i = 0; i < PER_FRAME; i++) {
    prev = { id: depth * PER_FRAME + i, label: `item ${depth}/${i}`, score: i * 1.5, prev };
    items.push(prev);
  }
  twin.push({ depth, items });
  if (depth === 1) return getcurrent().parent!.switch("suspended") as number;
  const below = level(depth - 1, prev, twin);
  return below + items.length;
}

function makeTask(): { g: Greenlet; twin: { depth: number; items: Item[] }[] } {
  const twin: { depth: number; items: Item[] }[] = [];
  const g = new Greenlet(level);
  if (g.switch(DEPTH, null, twin) !== "suspended") throw new Error("task did not suspend");
  return { g, twin };
}

const pk: number[] = [], v8t: number[] = [], ratios: number[] = [];
const resumeCopy: number[] = [], resumeOrig: number[] = [], rratios: number[] = [];
let bytes = 0, v8bytes = 0;
for (let r = 0; r < runs + 2; r++) {
  const { g, twin } = makeTask();
  const t0 = now();
  const b = pickle(g);
  const copy = unpickle(b);
  const t1 = now();
  const vb = v8.serialize(twin);
  v8.deserialize(vb);
  const t2 = now();
  // Resume both: alternate the order so neither always runs first.
  let tc: number, to: number, rc: unknown, ro: unknown;
  if (r % 2) {
    const a = now(); rc = copy.switch(1); const m = now(); ro = g.switch(1); const e = now(); tc = m - a; to = e - m;
  } else {
    const a = now(); ro = g.switch(1); const m = now(); rc = copy.switch(1); const e = now(); to = m - a; tc = e - m;
  }
  if (rc !== ro || rc !== 1 + (DEPTH - 1) * PER_FRAME) throw new Error(`results differ: copy ${String(rc)} original ${String(ro)}`);
  if (r < 2) continue; // warm-up
  bytes = b.length; v8bytes = vb.length;
  pk.push(t1 - t0); v8t.push(t2 - t1); ratios.push((t1 - t0) / (t2 - t1));
  resumeCopy.push(tc); resumeOrig.push(to); rratios.push(tc / to);
}
emit({ bench: "pickle-throughput", subject: "pickle+unpickle, 100 frames, 10,000 objects", baseline: "v8.serialize+deserialize of the same graph",
  subjectMs: +median(pk).toFixed(3), baselineMs: +median(v8t).toFixed(3), ratio: +median(ratios).toFixed(2), target: 3, met: median(ratios) <= 3,
  pickleBytes: bytes, v8Bytes: v8bytes, runs });
emit({ bench: "pickle-resume", subject: "first switch into the unpickled copy (runs to the end)", baseline: "first switch into the original",
  subjectMs: +median(resumeCopy).toFixed(3), baselineMs: +median(resumeOrig).toFixed(3), ratio: +median(rratios).toFixed(2), target: 2, met: median(rratios) <= 2, runs });
