"use greenlet";
// Greenlet switches inside rewritten generator bodies (runtime/generators.ts). When next()
// is called from marked code (it.next(), a lowered for-of, yield* from another rewritten
// generator), a switch inside the body, or in a marked function the body calls, suspends the
// whole greenlet with the generator frame and resumes exactly there. Called from untransformed
// code (spread, Array.from, a native for-of) the body is a boundary: the switch pins the
// greenlet or is refused with a GreenletError, and nothing is corrupted.
import { describe, expect, it } from "vitest";
import { Greenlet, GreenletError, getcurrent } from "tsgreenlet";
import { spreadAll } from "./helpers/untransformed.js";

/** Asks the parent greenlet for a value (a switch from a helper function inside the body). */
function ask(q: string): number {
  return getcurrent().parent!.switch(q) as number;
}

function* asking(n: number): Generator<number, string, number | undefined> {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const extra = ask(`item ${i}?`); // switch below the generator body
    const sent = yield i * 10 + extra;
    total += sent ?? 0;
  }
  return `total ${total}`;
}

/** Drives `g` from outside: answers every question with `answer(q)`, collects the questions. */
function drive(g: Greenlet, answer: (q: unknown) => unknown): { questions: unknown[]; result: unknown } {
  const questions: unknown[] = [];
  let r = g.switch();
  while (!g.dead) {
    questions.push(r);
    r = g.switch(answer(r));
  }
  return { questions, result: r };
}

describe("switching inside rewritten generator bodies, next() called from marked code", () => {
  it("a for-of without calls in its body (a native loop otherwise) consumes a generator that switches", () => {
    const g = new Greenlet(() => {
      const it = asking(3);
      let sum = 0;
      for (const v of it) sum += v;
      const plain = [4, 5, 6];
      let other = 0;
      for (const v of plain) other += v; // an array: the native loop
      return [sum, other];
    });
    const { questions, result } = drive(g, (q) => String(q).length);
    expect(questions).toEqual(["item 0?", "item 1?", "item 2?"]);
    expect(result).toEqual([0 + 7 + 10 + 7 + 20 + 7, 15]); // each answer is the question's length, 7
  });

  it("explicit it.next(): the greenlet suspends inside the body and resumes there", () => {
    const g = new Greenlet(() => {
      const it = asking(3);
      const seen: unknown[] = [];
      let r = it.next();
      while (!r.done) {
        seen.push(r.value);
        r = it.next(100);
      }
      return [seen, r.value];
    });
    const { questions, result } = drive(g, (q) => Number(String(q).slice(5, 6)) + 1);
    expect(questions).toEqual(["item 0?", "item 1?", "item 2?"]);
    expect(result).toEqual([[1, 12, 23], "total 300"]);
  });

  it("the generator stays running while its greenlet is suspended inside it; frames list the body", () => {
    let it: Generator<number, string, number | undefined> | undefined;
    const g = new Greenlet(() => {
      it = asking(1);
      return it.next().value;
    });
    expect(g.switch()).toBe("item 0?");
    expect(() => it!.next()).toThrow(new TypeError("Generator is already running"));
    const names = g.frames.map((f) => f.functionName);
    expect(names.slice(0, 4)).toEqual(["ask", "asking", "generator next", expect.any(String)]);
    expect(g.frames[1]!.line).toBeGreaterThan(0);
    expect(g.switch(5)).toBe(5);
    expect(g.dead).toBe(true);
    expect(it!.next(7)).toEqual({ value: "total 7", done: true });
  });

  it("a lowered for-of over a rewritten generator", () => {
    const g = new Greenlet(() => {
      let sum = 0;
      for (const v of asking(4)) sum += v + ask("loop");
      return sum;
    });
    const { questions, result } = drive(g, (q) => (q === "loop" ? 1000 : 1));
    expect(questions).toEqual(["item 0?", "loop", "item 1?", "loop", "item 2?", "loop", "item 3?", "loop"]);
    expect(result).toBe(0 + 10 + 20 + 30 + 4 + 4000);
  });

  it("yield* from another rewritten generator, switching in the inner body; throw() and return() through it", () => {
    function* outer(): Generator<number, string, number | undefined> {
      try {
        const inner = yield* asking(2);
        return `outer got ${inner}`;
      } finally {
        ask("outer finally");
      }
    }
    const g = new Greenlet(() => {
      const it = outer();
      const a = it.next();
      const b = it.next(1);
      const c = it.next(2);
      return [a, b, c];
    });
    const { questions, result } = drive(g, () => 0);
    expect(questions).toEqual(["item 0?", "item 1?", "outer finally"]);
    expect(result).toEqual([{ value: 0, done: false }, { value: 10, done: false }, { value: "outer got total 3", done: true }]);
    const g2 = new Greenlet(() => {
      const it = outer();
      it.next();
      return it.return!("stop");
    });
    const r2 = drive(g2, () => 0);
    expect(r2).toEqual({ questions: ["item 0?", "outer finally"], result: { value: "stop", done: true } });
  });

  it("an exception thrown after the switch leaves the generator done and reaches the caller", () => {
    function* failing(): Generator<number> {
      yield 1;
      ask("before failing");
      throw new RangeError("inside generator");
    }
    const g = new Greenlet(() => {
      const it = failing();
      it.next();
      try {
        it.next();
      } catch (e) {
        return [(e as Error).message, it.next()];
      }
      return "not thrown";
    });
    expect(drive(g, () => 0)).toEqual({ questions: ["before failing"], result: ["inside generator", { value: undefined, done: true }] });
  });

  it("many greenlets interleaving inside generator bodies keep their own frames", () => {
    const log: string[] = [];
    const makers = [0, 1, 2].map((k) => new Greenlet(() => {
      let s = 0;
      for (const v of asking(3)) s += v;
      log.push(`g${k} done ${s}`);
      return s;
    }));
    const results = makers.map((m) => m.switch());
    for (let round = 0; round < 3; round++) {
      makers.forEach((m, k) => { results[k] = m.switch(k * 100 + round); });
    }
    expect(makers.every((m) => m.dead)).toBe(true);
    expect(results).toEqual([0 + 10 + 20 + 0 + 1 + 2, 30 + 300 + 3, 30 + 600 + 3]);
    expect(log).toEqual(["g0 done 33", "g1 done 333", "g2 done 633"]);
  });
});

describe("next() called from untransformed code: the body is a boundary", () => {
  it("spread by untransformed code: switching to the parent from inside the body is refused (GreenletError), nothing corrupted", () => {
    const g = new Greenlet(() => spreadAll(asking(2)));
    // main is below g's pinned frames: the switch cannot unwind g and is refused before anything moves.
    expect(() => g.switch()).toThrow(GreenletError);
    expect(g.dead).toBe(true);
    // The same generator function still works, consumed from marked code, in a fresh greenlet.
    const h = new Greenlet(() => { let n = 0; for (const v of asking(1)) n += v + 1; return n; });
    expect(h.switch()).toBe("item 0?");
    expect(h.switch(0)).toBe(1);
  });

  it("spread by untransformed code: a switch to another suspended greenlet runs it on top and comes back", () => {
    function* doubling(w: Greenlet, n: number): Generator<number> {
      for (let i = 0; i < n; i++) yield w.switch(i) as number;
    }
    const g = new Greenlet(() => {
      const w = new Greenlet(() => {
        let x = getcurrent().parent!.switch() as number;
        for (;;) x = getcurrent().parent!.switch(x * 2) as number;
      });
      w.switch(); // started: w is suspended, its parent is g
      return spreadAll(doubling(w, 3));
    });
    expect(g.switch()).toEqual([0, 2, 4]);
    expect(g.dead).toBe(true);
  });
});
