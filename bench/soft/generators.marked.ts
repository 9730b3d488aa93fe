"use greenlet";
// Rewritten generators (marked) and their consumers: bench/soft/generators.ts compares them with
// the identical untransformed functions of generators.native.ts. Keep the functions below `---`
// identical to those of generators.native.ts (bench/run.mjs checks).
// ---
export function* range(n: number): Generator<number, void, unknown> {
  for (let i = 0; i < n; i++) yield i;
}

export function sumRange(n: number): number {
  let s = 0;
  for (const x of range(n)) s += x;
  return s;
}

export function* forever(): Generator<undefined, never, unknown> {
  for (;;) yield undefined;
}

export function nextLoop(it: Generator<undefined, never, unknown>, n: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (it.next().done !== true) k++;
  return k;
}

/** A for-of with no call inside: over a rewritten generator it takes the lowered form (isGen check). */
export function sumEach(it: Iterable<number>): number {
  let s = 0;
  for (const x of it) s += x;
  return s;
}
