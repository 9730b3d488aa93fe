"use greenlet";
/**
 * Memory of 100,000 suspended shallow greenlets (heapUsed delta after gc):
 *   node --expose-gc --import tsgreenlet/register bench/soft/memory.ts
 */
import { Greenlet, getcurrent } from "tsgreenlet";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) { console.error("run with --expose-gc"); process.exit(2); }
const COUNT = Number(process.argv[2] ?? 100_000);
const main = getcurrent();

function park(i: number): number {
  let x = i;
  for (;;) x += main.switch() as number;
}

function spawn(i: number): Greenlet {
  const g = new Greenlet(() => park(i));
  g.switch();
  return g;
}

function collect() { for (let i = 0; i < 3; i++) gc!(); }

// Warm the code paths first so their compiled code / feedback is not counted.
{ const w: Greenlet[] = []; for (let i = 0; i < 100; i++) w.push(spawn(i)); }
collect();
const before = process.memoryUsage().heapUsed;
const keep: Greenlet[] = new Array(COUNT);
for (let i = 0; i < COUNT; i++) {
  keep[i] = spawn(i);
}
collect();
const after = process.memoryUsage().heapUsed;
// Sanity: they really are suspended and resumable.
keep[COUNT - 1]!.switch(1);
const mb = (after - before) / 1048576;
console.log(JSON.stringify({ node: process.version, bench: "soft-memory", count: COUNT, frames: keep[0]!.frames.length,
  heapDeltaMB: +mb.toFixed(1), bytesPerGreenlet: Math.round((after - before) / COUNT), target: 100, met: mb < 100 }));
