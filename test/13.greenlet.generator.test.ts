"use greenlet";
// Generators built on greenlets, ported in spirit from python-greenlet's
// test_generator.py and test_generator_nested.py. Each program is compared with the
// same program written with native JavaScript generators (test/helpers/untransformed.ts).
import { afterEach, describe, expect, it } from "vitest";
import { Greenlet, GreenletExit, getcurrent } from "tsgreenlet";
import {
  ascendingNative,
  countNative,
  countShiftedNative,
  permutationsNative,
  squaresLayeredNative,
} from "./helpers/untransformed.js";

afterEach(() => {
  expect(getcurrent().parent).toBeNull();
});

// ---------------------------------------------------------------------------
// A simple generator: the body runs in its own greenlet and hands each value to
// the consumer, which is (re)made the parent on every next().

type Body = (...args: any[]) => void;

class SimpleGenlet<T> extends Greenlet {
  readonly body: Body;
  readonly bodyArgs: unknown[];

  constructor(body: Body, bodyArgs: unknown[]) {
    super();
    this.body = body;
    this.bodyArgs = bodyArgs;
  }

  // @ts-ignore -- depending on how the runtime declares `run`, TypeScript may object to a method here.
  run(): void {
    this.body(...this.bodyArgs);
  }

  [Symbol.iterator](): Iterator<T> {
    // Greenlet.throw is not Iterator.throw, hence the cast: for-of and spread only use next/return.
    return this as unknown as Iterator<T>;
  }

  next(): IteratorResult<T> {
    this.parent = getcurrent();
    const value = this.switch();
    if (this.active) return { value: value as T, done: false };
    return { value: undefined, done: true };
  }

  /** Called when a for-of loop is left early: kill the body so its finally blocks run. */
  return(): IteratorResult<T> {
    if (this.active) {
      this.parent = getcurrent();
      this.throw();
    }
    return { value: undefined, done: true };
  }
}

function simpleYield(value: unknown): void {
  let g: Greenlet | null = getcurrent();
  while (!(g instanceof SimpleGenlet)) {
    if (g === null) throw new Error("yield outside a genlet");
    g = g.parent;
  }
  g.parent!.switch(value);
}

function simpleGenerator<T>(body: Body): (...args: unknown[]) => SimpleGenlet<T> {
  return (...args: unknown[]) => new SimpleGenlet<T>(body, args);
}

/** Consumes an iterator with explicit next() calls made from transformed code. */
function drain<T>(iterator: { next(): IteratorResult<T> }, each: (value: T) => void): void {
  for (let step = iterator.next(); !step.done; step = iterator.next()) each(step.value);
}

// ---------------------------------------------------------------------------
// Nested generators: a genlet can yield to the consumer of an enclosing genlet
// (`level` > 1), which then resumes the innermost genlet directly on its next next().

class NestedGenlet<T> extends Greenlet {
  readonly body: Body;
  readonly bodyArgs: unknown[];
  child: NestedGenlet<unknown> | null = null;

  constructor(body: Body, bodyArgs: unknown[]) {
    super();
    this.body = body;
    this.bodyArgs = bodyArgs;
  }

  // @ts-ignore -- see above.
  run(): void {
    this.body(...this.bodyArgs);
  }

  [Symbol.iterator](): Iterator<T> {
    // Greenlet.throw is not Iterator.throw, hence the cast: for-of and spread only use next/return.
    return this as unknown as Iterator<T>;
  }

  setChild(child: NestedGenlet<unknown>): void {
    this.child = child;
  }

  next(): IteratorResult<T> {
    let value: unknown;
    if (this.child) {
      let child = this.child;
      while (child.child) {
        const previous = child;
        child = child.child;
        previous.child = null;
      }
      value = child.switch();
    } else {
      this.parent = getcurrent();
      value = this.switch();
    }
    if (this.active) return { value: value as T, done: false };
    return { value: undefined, done: true };
  }
}

function nestedYield(value: unknown, level = 1): void {
  let g: Greenlet | null = getcurrent();
  while (level !== 0) {
    if (!(g instanceof NestedGenlet)) throw new Error("yield outside a genlet");
    if (level > 1) (g.parent as NestedGenlet<unknown>).setChild(g);
    g = g.parent;
    level -= 1;
  }
  g!.switch(value);
}

function nestedGenerator<T>(body: Body): (...args: unknown[]) => NestedGenlet<T> {
  return (...args: unknown[]) => new NestedGenlet<T>(body, args);
}

// The programs of test_generator_nested, written on nested genlets.

const countTo = nestedGenerator<number>((n: number, seen: unknown[]) => {
  for (let i = 0; i < n; i++) {
    seen.push(i + 1);
    nestedYield(i);
  }
});

function yieldFromHelper(i: number): void {
  nestedYield(i);
}

const countToViaHelper = nestedGenerator<number>((n: number, seen: unknown[]) => {
  for (let i = 0; i < n; i++) {
    seen.push(i + 1);
    yieldFromHelper(i);
  }
});

const ascending: (n: number) => NestedGenlet<number> = nestedGenerator<number>((n: number) => {
  if (n === 0) return;
  for (const value of ascending(n - 1)) nestedYield(value);
  nestedYield(n);
});

const permutations: (items: number[]) => NestedGenlet<number[]> = nestedGenerator<number[]>((items: number[]) => {
  if (items.length > 1) {
    for (const e of items) {
      const yielded: unknown[] = [];
      for (const rest of permutations(items.filter((x) => x !== e))) yielded.push(nestedYield([e, ...rest]));
      if (yielded.length === 0) throw new Error("inner permutations produced nothing");
    }
  } else {
    nestedYield([...items]);
  }
});

const squaresInner = nestedGenerator<number>((n: number) => {
  for (let i = 1; i < n; i++) {
    nestedYield(i);
    nestedYield(i * i, 2);
  }
});

const squaresOuter = nestedGenerator<number>((n: number, seen: unknown[]) => {
  for (const value of squaresInner(n)) seen.push(value);
});

// ---------------------------------------------------------------------------

describe("a generator built on greenlets", () => {
  it("interleaves the body and the consumer like a native generator, three times over", () => {
    const count = simpleGenerator<number>((n: number, seen: unknown[]) => {
      for (let i = 0; i < n; i++) {
        seen.push(i);
        simpleYield(i);
      }
    });
    const seen: unknown[] = [];
    for (let round = 0; round < 3; round++) {
      for (const j of count(5, seen)) seen.push(j);
    }
    const nativeSeen: unknown[] = [];
    for (let round = 0; round < 3; round++) {
      for (const j of countNative(5, nativeSeen)) nativeSeen.push(j);
    }
    expect(seen).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect(seen).toEqual(nativeSeen);
  });

  it("works with explicit next() calls and reports done forever after the body returns", () => {
    const count = simpleGenerator<number>((n: number) => {
      for (let i = 0; i < n; i++) simpleYield(i * 10);
    });
    const it1 = count(3);
    expect(it1.next()).toEqual({ value: 0, done: false });
    expect(it1.next()).toEqual({ value: 10, done: false });
    expect(it1.next()).toEqual({ value: 20, done: false });
    expect(it1.next()).toEqual({ value: undefined, done: true });
    expect(it1.dead).toBe(true);
    expect(it1.next()).toEqual({ value: undefined, done: true });
  });

  it("can be consumed by spread and Array.from", () => {
    const letters = simpleGenerator<string>((word: string) => {
      for (const ch of word) simpleYield(ch);
    });
    expect([...letters("abc")]).toEqual(["a", "b", "c"]);
    expect(Array.from(letters("xy"))).toEqual(["x", "y"]);
  });

  it("runs the body's finally blocks when a for-of loop is left early, like a native generator", () => {
    const log: string[] = [];
    const count = simpleGenerator<number>(() => {
      try {
        for (let i = 0; ; i++) simpleYield(i);
      } finally {
        log.push("body finally");
      }
    });
    const taken: number[] = [];
    const g = count();
    for (const v of g) {
      taken.push(v);
      if (v === 2) break;
    }
    expect(taken).toEqual([0, 1, 2]);
    expect(log).toEqual(["body finally"]);
    expect(g.dead).toBe(true);

    const nativeLog: string[] = [];
    function* nativeCount(): Generator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        nativeLog.push("body finally");
      }
    }
    const nativeTaken: number[] = [];
    for (const v of nativeCount()) {
      nativeTaken.push(v);
      if (v === 2) break;
    }
    expect(taken).toEqual(nativeTaken);
    expect(log).toEqual(nativeLog);
  });

  it("can be killed explicitly, delivering the GreenletExit to the consumer", () => {
    const log: string[] = [];
    const count = simpleGenerator<number>(() => {
      try {
        for (let i = 0; ; i++) simpleYield(i);
      } finally {
        log.push("killed");
      }
    });
    const g = count();
    expect(g.next().value).toBe(0);
    expect(g.throw()).toBeInstanceOf(GreenletExit);
    expect(log).toEqual(["killed"]);
    expect(g.next()).toEqual({ value: undefined, done: true });
  });

  it("rejects a yield made outside any genlet", () => {
    expect(() => simpleYield(10)).toThrow("yield outside a genlet");
  });
});

describe("nested generators built on greenlets", () => {
  it("produces the same sequence as a native generator, for a direct and an indirect yield", () => {
    for (const make of [countTo, countToViaHelper]) {
      const seen: unknown[] = [];
      for (let round = 0; round < 3; round++) {
        for (const j of make(5, seen)) seen.push(j);
      }
      const nativeSeen: unknown[] = [];
      for (let round = 0; round < 3; round++) {
        for (const j of countShiftedNative(5, nativeSeen)) nativeSeen.push(j);
      }
      expect(seen).toEqual(nativeSeen);
      expect(seen.slice(0, 10)).toEqual([1, 0, 2, 1, 3, 2, 4, 3, 5, 4]);
    }
  });

  it("counts 1..5 through five levels of nested genlets", () => {
    const seen: number[] = [];
    for (const v of ascending(5)) seen.push(v);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(seen).toEqual([...ascendingNative(5)]);
  });

  it("generates all 24 permutations of four items in the order of the native generator", () => {
    const all: number[][] = [];
    for (const p of permutations([0, 1, 2, 3])) all.push(p);
    expect(all).toHaveLength(24);
    expect(all).toContainEqual([0, 1, 2, 3]);
    expect(all).toContainEqual([3, 2, 1, 0]);
    expect(all).toEqual([...permutationsNative([0, 1, 2, 3])]);
  });

  it("zips two permutation genlets driven alternately from the consumer", () => {
    const a = permutations([0, 1, 2, 3]);
    const b = permutations([0, 1, 2]);
    const pairs: [number[], number[]][] = [];
    for (;;) {
      const x = a.next();
      const y = b.next();
      if (x.done || y.done) break;
      pairs.push([x.value, y.value]);
    }
    expect(pairs).toEqual([
      [[0, 1, 2, 3], [0, 1, 2]],
      [[0, 1, 3, 2], [0, 2, 1]],
      [[0, 2, 1, 3], [1, 0, 2]],
      [[0, 2, 3, 1], [1, 2, 0]],
      [[0, 3, 1, 2], [2, 0, 1]],
      [[0, 3, 2, 1], [2, 1, 0]],
    ]);
    const na = permutationsNative([0, 1, 2, 3]);
    const nb = permutationsNative([0, 1, 2]);
    const nativePairs: [number[], number[]][] = [];
    for (;;) {
      const x = na.next();
      const y = nb.next();
      if (x.done || y.done) break;
      nativePairs.push([x.value, y.value]);
    }
    expect(pairs).toEqual(nativePairs);
    // a is left suspended in the middle; b is exhausted.
    expect(a.active).toBe(true);
    expect(b.dead).toBe(true);
  });

  it("lets an inner genlet yield past its consumer straight to the outer consumer", () => {
    const seen: unknown[] = [];
    for (const v of squaresOuter(5, seen)) seen.push(v);
    expect(seen).toEqual([1, 1, 2, 4, 3, 9, 4, 16]);
    expect(seen).toEqual([...squaresLayeredNative(5)]);
  });

  it("lets an inner genlet yield past its consumer when every consumer calls next() explicitly", () => {
    const inner = nestedGenerator<number>((n: number) => {
      for (let i = 1; i < n; i++) {
        nestedYield(i);
        nestedYield(i * i, 2);
      }
    });
    const outer = nestedGenerator<number>((n: number, seen: unknown[]) => {
      drain(inner(n), (v) => seen.push(v));
    });
    const seen: unknown[] = [];
    drain(outer(5, seen), (v) => seen.push(v));
    expect(seen).toEqual([1, 1, 2, 4, 3, 9, 4, 16]);
  });

  it("rejects a yield made outside any genlet", () => {
    expect(() => nestedYield(10)).toThrow("yield outside a genlet");
  });
});
