// Deliberately NOT marked with "use greenlet": the functions in this module are
// ordinary, untransformed JavaScript, used as boundaries and as reference programs.

/** Calls `fn` with each of `items`, from an untransformed frame. */
export function callEachUntransformed<T>(items: readonly T[], fn: (item: T) => void): void {
  for (const item of items) fn(item);
}

/** Native generator: yields 0..n-1, recording each value in `seen` before yielding it. */
export function* countNative(n: number, seen: unknown[]): Generator<number> {
  for (let i = 0; i < n; i++) {
    seen.push(i);
    yield i;
  }
}

/** Native generator: records i+1, then yields i, for i in 0..n-1. */
export function* countShiftedNative(n: number, seen: unknown[]): Generator<number> {
  for (let i = 0; i < n; i++) {
    seen.push(i + 1);
    yield i;
  }
}

/** Native generator: all permutations of `items`, in the order of the greenlet version. */
export function* permutationsNative<T>(items: readonly T[]): Generator<T[]> {
  if (items.length > 1) {
    for (const e of items) {
      for (const rest of permutationsNative(items.filter((x) => x !== e))) {
        yield [e, ...rest];
      }
    }
  } else {
    yield [...items];
  }
}

/** Native generator: 1..n through n levels of nested generators. */
export function* ascendingNative(n: number): Generator<number> {
  if (n === 0) return;
  yield* ascendingNative(n - 1);
  yield n;
}

/** Native generator: for i in 1..n-1 yields i, then i*i (the layered example). */
export function* squaresLayeredNative(n: number): Generator<number> {
  for (let i = 1; i < n; i++) {
    yield i;
    yield i * i;
  }
}

/** Spreads an iterable from an untransformed frame (its next() calls come from native code). */
export function spreadAll<T>(items: Iterable<T>): T[] {
  return [...items];
}

/**
 * An object whose getter `x` and whose `valueOf` call `fn(1)` from untransformed code: evaluated
 * as an argument of a transformed call of `fn` itself (test/17 "arguments that run code").
 */
export function codeRunningArgs(fn: (n: number) => number): { readonly x: number; valueOf(): number } {
  return Object.defineProperties({}, {
    x: { get: () => fn(1) * 2 },
    valueOf: { value: () => fn(1) * 3 },
  }) as { readonly x: number; valueOf(): number };
}
