"use greenlet";
import v8 from "node:v8";
import { Greenlet, getcurrent } from "tsgreenlet";
import { pickle, unpickle } from "tsgreenlet/pickle";
const DEPTH = 100, PER_FRAME = 100;
interface Item { id: number; label: string; score: number; prev: Item | null }
function level(depth: number, prev: Item | null, twin: { depth: number; items: Item[] }[]): number {
  const items: Item[] = [];
  for (let i = 0; i < PER_FRAME; i++) { prev = { id: depth * PER_FRAME + i, label: `item ${depth}/${i}`, score: i * 1.5, prev }; items.push(prev); }
  twin.push({ depth, items });
  if (depth === 1) return getcurrent().parent!.switch("suspended") as number;
  return level(depth - 1, prev, twin) + items.length;
}
const now = () => Number(process.hrtime.bigint()) / 1e6;
const med = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
const P: number[] = [], U: number[] = [], V: number[] = [], S: number[] = [], J: number[] = [], JP: number[] = [];
for (let r = 0; r < 300; r++) {
  const twin: { depth: number; items: Item[] }[] = [];
  const g = new Greenlet(level); g.switch(DEPTH, null, twin);
  const t0 = now(); const b = pickle(g); const t1 = now(); unpickle(b); const t2 = now();
  const vb = v8.serialize(twin); v8.deserialize(vb); const t3 = now();
  const txt = Buffer.from(b).toString(); const t4 = now(); const o = JSON.parse(txt.slice(txt.indexOf("\n") + 1)); const t5 = now(); JSON.stringify(o); const t6 = now();
  if (r >= 5) { P.push(t1 - t0); U.push(t2 - t1); V.push(t3 - t2); JP.push(t5 - t4); J.push(t6 - t5); }
}
console.log(`pickle ${med(P).toFixed(2)} unpickle ${med(U).toFixed(2)} v8 ${med(V).toFixed(2)} | JSON.parse ${med(JP).toFixed(2)} JSON.stringify ${med(J).toFixed(2)}`);
