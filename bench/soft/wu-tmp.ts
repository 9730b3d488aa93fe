"use greenlet";
import { add } from "./compute.marked.ts";
class Shape1 { m(x: number): number { return x + 1; } }
class Shape3 { v = 3; m(x: number): number { return x + this.v; } }
function* countTo(n: number): Generator<number> { for (let i = 0; i < n; i++) yield i; }
const shapes: Record<string, { m(x: number): number }[]> = {
  cls: [new Shape1()], clsthis: [new Shape3()], arrow: [{ m: (x: number) => x + 4 }], lit: [{ m(x: number) { return x + 5; } }],
  bound: [{ m: add.bind(null, 6) }], builtin: [{ m: Math.abs }], tagged: [{ m: add as (x: number) => number }],
  fn: [{ m: function (this: unknown, x: number) { return x + 7; } }],
};
export function wu(kind: string): number {
  let t = 0;
  if (kind === "gen") { for (let k = 0; k < 300; k++) for (const x of countTo(2)) t += x; return t; }
  if (kind === "forof") { for (let k = 0; k < 300; k++) for (const x of [1, 2]) t += shapes.cls![0]!.m(x); return t; }
  const cs = shapes[kind] ?? [];
  for (let k = 0; k < 300; k++) for (const o of cs) t += o.m(k) | 0;
  return t;
}
