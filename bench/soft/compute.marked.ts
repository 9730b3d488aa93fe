"use greenlet";
// Keep this file identical to compute.plain.ts except for the directive line and the import below (bench/run.mjs checks).
import { addLib } from "./compute-lib.marked.ts";
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export function add(a: number, b: number): number {
  return a + b;
}

export function loop(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s = add(s, i);
  return s;
}

export function loopCalls(reps: number, n: number): number {
  let t = 0;
  for (let r = 0; r < reps; r++) t += loop(n);
  return t;
}

export function mulf(a: number, b: number): number {
  return a * b;
}

export function longLoop(n: number): number {
  let si = 0;
  let sf = 0.5;
  for (let i = 0; i < n; i++) {
    si = (add(si, i) | 0) ^ (i & 7);
    sf = sf + mulf(i, 0.25) * 1e-9;
  }
  return si + sf;
}

// The same loops calling through an object: the callee is unknown to the transform, so every
// call keeps its resume point (callee token + unwinding test). Measures the instrumented shape.
export const ops = { add, mulf };

export function loopDyn(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s = ops.add(s, i);
  return s;
}

export function loopCallsDyn(reps: number, n: number): number {
  let t = 0;
  for (let r = 0; r < reps; r++) t += loopDyn(n);
  return t;
}

export function longLoopDyn(n: number): number {
  let si = 0;
  let sf = 0.5;
  for (let i = 0; i < n; i++) {
    si = (ops.add(si, i) | 0) ^ (i & 7);
    sf = sf + ops.mulf(i, 0.25) * 1e-9;
  }
  return si + sf;
}

// Calls of an imported function: a direct call by name (V8 keeps its call feedback and can
// inline), but the transform cannot see the callee, so the callee token and unwinding test stay.
export function loopImported(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s = addLib(s, i);
  return s;
}

export function loopCallsImported(reps: number, n: number): number {
  let t = 0;
  for (let r = 0; r < reps; r++) t += loopImported(n);
  return t;
}

// The same loop calling a class method: `acc.add` is read from the prototype, a constant V8
// knows, so the lowered `f.call(acc, ...)` is still inlined (unlike an own data property above).
export class Acc {
  add(a: number, b: number): number {
    return a + b;
  }
}
const acc = new Acc();

export function loopMethod(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s = acc.add(s, i);
  return s;
}

export function loopCallsMethod(reps: number, n: number): number {
  let t = 0;
  for (let r = 0; r < reps; r++) t += loopMethod(n);
  return t;
}

// The same loop switching away once, in its first iteration (bench "resumed"): the marked twin
// runs in a greenlet whose `host.switch()` goes to main and comes back, so the other 9,999
// iterations run in the function's resume function. The plain twin gets no host.
export function loopResumed(n: number, host: { switch(): unknown } | undefined): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0 && host !== undefined) host.switch();
    s = acc.add(s, i);
  }
  return s;
}

export function loopCallsResumed(reps: number, n: number, host?: { switch(): unknown }): number {
  let t = 0;
  for (let r = 0; r < reps; r++) t += loopResumed(n, host);
  return t;
}

// A nested function declaration reading and updating a let of its parent: it exists before the
// let is declared (function declarations are created when their scope is entered), so under the
// transform its references keep a temporal-dead-zone check (transformer/core/tdz.ts); the plain
// twin has V8's own hole checks on the captured let.
export function loopHoisted(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) step(i);
  return s;
  function step(i: number): void {
    s = add(s, i);
  }
}

export function loopCallsHoisted(reps: number, n: number): number {
  let t = 0;
  for (let r = 0; r < reps; r++) t += loopHoisted(n);
  return t;
}

// Constructing objects whose constructor calls (so it has a resume point): the `new` site stores
// the callee token, the constructor checks it and runs its body in a try/finally.
export class Vec {
  readonly x: number;
  readonly y: number;
  constructor(x: number, y: number) {
    this.x = x;
    this.y = acc.add(y, x) & 0xffff;
  }
}

export function loopNew(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s = new Vec(i, s).y;
  return s;
}

export function loopCallsNew(reps: number, n: number): number {
  let t = 0;
  for (let r = 0; r < reps; r++) t += loopNew(n);
  return t;
}

// A static method of a class (`Calc.add`): an own data property of the class, so the lowered
// `.call` is not inlined; the transform tags receiver-free static methods for direct calls.
export class Calc {
  static add(a: number, b: number): number {
    return a + b;
  }
}

export function loopStatic(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s = Calc.add(s, i);
  return s;
}

export function loopCallsStatic(reps: number, n: number): number {
  let t = 0;
  for (let r = 0; r < reps; r++) t += loopStatic(n);
  return t;
}

// A small helper that sums an array with a call-free for-of, called in a loop: the loop takes
// its native form after one check per call that the iterable is not a rewritten generator
// (RT.isGen; over a generator the lowered form, whose next() is a switch point).
export function sumOf(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
export function loopForOf(n: number): number {
  const xs = [1, 2, 3, 4, 5, 6, 7, 8];
  let t = 0;
  for (let i = 0; i < n; i++) t += sumOf(xs) + i;
  return t;
}
export function loopCallsForOf(reps: number, n: number): number {
  let t = 0;
  for (let r = 0; r < reps; r++) t += loopForOf(n);
  return t;
}

// Run before every measurement (compute-child.mjs): member calls, for-of loops and `new` over
// callees, iterables and classes of many shapes, as an application shows the code it shares
// between call sites (runtime helpers, their type feedback). A fresh process running one loop
// would otherwise let V8 specialise shared code to that loop's single shape. Session 7 found a
// shared tag test that looked free here and made member calls 5.7x slower after a few shapes.
class Shape1 { m(x: number): number { return x + 1; } }
class Shape2 extends Shape1 { override m(x: number): number { return x + 2; } }
class Shape3 { v = 3; m(x: number): number { return x + this.v; } }
function* countTo(n: number): Generator<number> { for (let i = 0; i < n; i++) yield i; }
// Shapes of the workloads' callees, but not those functions: their own type feedback stays theirs.
function plus8(x: number): number { return x + 8; }
function plus9(a: number, x: number): number { return a + x; }
class Shape4 { x: number; constructor(x: number, s: Shape1) { this.x = s.m(x); } }
export function warmup(): number {
  const callees: { m(x: number): number }[] = [new Shape1(), new Shape2(), new Shape3(), { m: (x: number) => x + 4 },
    { m(x: number) { return x + 5; } }, { m: plus9.bind(null, 6) }, { m: Math.abs }, { m: plus8 },
    { m: function (this: unknown, x: number) { return x + 7; } }];
  let t = 0;
  for (let k = 0; k < 300; k++) {
    for (const o of callees) t += typeof o.m === "function" ? o.m(k) | 0 : 0;
    const iterables: Iterable<unknown>[] = [[1, 2], [0.5, 1.5], ["a", "b"], [{}, []], new Set([3]), new Map([[4, 4]]).keys(), "xy", countTo(2)];
    for (const it of iterables) for (const x of it) t += callees[k % callees.length]!.m(typeof x === "number" ? x : 1) | 0;
    t += new Shape3().m(k) + new Shape4(k, callees[0] as Shape1).x;
  }
  return t;
}
