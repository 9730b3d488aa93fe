// Pickling: suspended frames come back exactly where they stopped — deep call chains, closures
// sharing environments, `this`, pending try/catch/finally, forking, unstarted greenlets.
import { afterEach, describe, expect, it } from "vitest";
import { Greenlet, getcurrent, settrace } from "tsgreenlet";
import { pickle, unpickle } from "tsgreenlet/pickle";
import { Box, Walker, boundFns, chain, counters, detouringTracer, startedAfterTrace, tracing, greet, guarded, log, liveTemp, loopClosures, makeUnstarted, nestedDecl, staleTemps, sumOf, useCollector, walkTask } from "../fixtures/pickle/hold.js";
import { task } from "../fixtures/pickle/program.js";

afterEach(() => {
  expect(getcurrent().parent).toBeNull();
});

const copyOf = (g: Greenlet): Greenlet => unpickle(pickle(g));

describe("frames", () => {
  it("bound functions made in marked code keep their target, this and arguments (shared this stays shared)", () => {
    const g = new Greenlet(boundFns);
    expect(g.switch(100)).toBe("bound");
    const c = copyOf(g);
    // 100 + (3+1) = 104; 104 + (3+4) = 111; twice(5) = 10; total 111
    expect(c.switch()).toEqual([104, 111, 10, 111]);
    expect(g.switch()).toEqual([104, 111, 10, 111]);
  });

  it("a greenlet suspended inside its tracer (before its run started) resumes the tracer, then starts with the original arguments", () => {
    const g = new Greenlet(startedAfterTrace);
    tracing.target = g;
    tracing.log = [];
    settrace(detouringTracer);
    try {
      expect(g.switch(1)).toBe("in tracer");
    } finally {
      settrace(null);
    }
    const c = copyOf(g);
    expect(c.frames.map((f) => f.functionName)).toEqual(["detouringTracer", "(traced start)"]);
    expect(c.switch("A")).toBe(2);
    expect(c.switch("B")).toBe("run got 1 then B");
    expect(g.switch("C")).toBe(2);
    expect(g.switch("D")).toBe("run got 1 then D");
    // The copy's tracer frame had already read `tracing.log` (the receiver of its push) before
    // switching: it pushed "A" into its own copy of that array.
    expect(tracing.log).toEqual([["tracer got", "C"]]);
  });

  it("a chain 200 frames deep resumes with every frame's locals", () => {
    const box = { hits: 0 };
    const g = new Greenlet(chain);
    expect(g.switch(200, box)).toBe("bottom");
    const c = copyOf(g);
    expect(c.frames.length).toBe(201);
    expect(c.frames[0]!.functionName).toBe("chain");
    expect(c.switch(1000)).toBe(1000 + (200 * 201) / 2);
    expect(c.dead).toBe(true);
    // The copy had its own box: the original's is untouched by the copy's run.
    expect(box.hits).toBe(1);
    expect(g.switch(1)).toBe(1 + (200 * 201) / 2);
    expect(box.hits).toBe(201);
  });

  it("the unpickled greenlet's parent is the current greenlet, and it reports frames", () => {
    const g = new Greenlet(chain);
    g.switch(3, { hits: 0 });
    let inner: Greenlet | undefined;
    const outer = new Greenlet(() => {
      inner = copyOf(g);
      return inner.switch(5);
    });
    expect(outer.switch()).toBe(5 + 6);
    expect(inner!.parent).toBe(outer);
    expect(g.frames.map((f) => [f.functionName, f.line, f.id])).toEqual(copyOf(g).frames.map((f) => [f.functionName, f.line, f.id]));
  });

  it("closures sharing one environment stay shared after unpickling", () => {
    const g = new Greenlet(counters);
    const [inc, get] = g.switch(10) as [() => number, () => number];
    expect(inc()).toBe(11);
    const c = copyOf(g);
    const r = c.switch() as { inc: () => number; get: () => number; value: number };
    expect(r.value).toBe(12);
    expect(r.inc()).toBe(13);
    expect(r.get()).toBe(13);
    // The original is independent.
    expect(get()).toBe(11);
  });

  it("nested function declarations and named function expressions keep their environment and names", () => {
    const g = new Greenlet(nestedDecl);
    expect(g.switch(2)).toBe("nested");
    expect(copyOf(g).switch()).toEqual([22, 43, "addBase".length, "twiceFn".length]);
  });

  it("closures created in a loop keep their per-iteration environments", () => {
    const g = new Greenlet(loopClosures);
    expect(g.switch(4)).toBe(4);
    expect(copyOf(g).switch()).toEqual([0, 100, 200, 300]);
  });

  it("a frame suspended inside for-of over an array resumes at the same element", () => {
    const g = new Greenlet(sumOf);
    expect(g.switch([2, 3, 4])).toBe(2);
    expect(g.switch(1)).toBe(3);
    const c = copyOf(g);
    expect(c.switch(10)).toBe(4);
    expect(c.switch(100)).toBe(2 + 30 + 400);
    expect(g.switch(0)).toBe(4);
    expect(g.switch(0)).toBe(2);
  });

  it("temporaries no later code reads are not saved (a stale Promise does not block pickling)", () => {
    const g = new Greenlet(staleTemps);
    expect(g.switch()).toBe("stale");
    expect(copyOf(g).switch("x")).toBe("after x");
  });

  it("temporaries live across the suspension are saved", () => {
    const g = new Greenlet(liveTemp);
    expect(g.switch()).toBe("mid");
    expect(copyOf(g).switch(1)).toBe(43);
  });

  it("pending try/finally runs once, in the copy, when it completes", () => {
    log.length = 0;
    const g = new Greenlet(guarded);
    expect(g.switch("t1")).toBe("t1: in try");
    const c = copyOf(g);
    expect(log).toEqual(["t1: enter"]);
    expect(c.switch(42)).toBe("t1: done 42");
    expect(log).toEqual(["t1: enter", "t1: got 42", "t1: finally"]);
  });

  it("an exception thrown into the copy reaches the pending catch and finally", () => {
    log.length = 0;
    const g = new Greenlet(guarded);
    g.switch("t2");
    const c = copyOf(g);
    expect(c.switch("boom")).toBe("t2: recovered");
    expect(log).toEqual(["t2: enter", "caught t2: boom", "t2: finally"]);
    const d = copyOf(g);
    expect(() => d.throw(new RangeError("thrown in"))).not.toThrow();
    expect(log.slice(-2)).toEqual(["caught thrown in", "t2: finally"]);
  });

  it("methods keep `this` (class instance from a marked module)", () => {
    const w = new Walker("w");
    const g = new Greenlet(walkTask);
    expect(g.switch(w, 3)).toBe("w step 1");
    const c = copyOf(g);
    expect(c.switch()).toBe("w step 2");
    expect(c.switch()).toBe("w step 3");
    expect(c.switch()).toBe("w walked 3");
    expect(w.steps).toBe(1);
  });

  it("arrows keep their lexical `this`", () => {
    const b = new Box();
    const g = new Greenlet(useCollector);
    expect(g.switch(b.collector())).toBe("collector held");
    const c = copyOf(g);
    expect(c.switch()).toBe(2);
    expect(b.items).toEqual([]);
  });

  it("a task with closures, Map, Set, class instances and cycles finishes like the original", () => {
    const run = (g: Greenlet, inputs: unknown[]): unknown[] => inputs.map((v) => g.switch(v));
    const a = new Greenlet(task);
    const b = new Greenlet(task);
    const start = [a.switch("ada", 20), b.switch("ada", 20)];
    expect(start[0]).toBe(start[1]);
    expect(a.switch()).toBe(b.switch());
    const c = copyOf(a);
    const rest = [7, undefined];
    expect(run(c, rest)).toEqual(run(b, rest));
    expect(c.dead && b.dead).toBe(true);
  });
});

describe("forking and unstarted greenlets", () => {
  it("pickling twice forks the task; the original is untouched", () => {
    const g = new Greenlet(chain);
    g.switch(5, { hits: 0 });
    const bytes = pickle(g);
    const f1 = unpickle(bytes);
    const f2 = unpickle(bytes);
    expect(pickle(g)).toEqual(bytes);
    expect([f1.switch(1), f2.switch(100), g.switch(10)]).toEqual([16, 115, 25]);
  });

  it("an unstarted greenlet with a module-level run", () => {
    const g = new Greenlet(greet);
    const c = copyOf(g);
    expect(c.switch("bob")).toBe("hello bob");
    expect(c.switch("!")).toBe("bye bob !");
    expect(g.switch("al")).toBe("hello al");
    g.switch(0);
  });

  it("an unstarted greenlet whose run is a closure of marked code", () => {
    const g = makeUnstarted("pre");
    expect(copyOf(g).switch("x")).toBe("pre-x");
  });

  it("a greenlet suspended after being resumed from a pickle can be pickled again", () => {
    const w = new Walker("v");
    const g = new Greenlet(walkTask);
    g.switch(w, 4);
    let c = copyOf(g);
    expect(c.switch()).toBe("v step 2");
    c = copyOf(c);
    expect(c.switch()).toBe("v step 3");
    c = copyOf(c);
    expect(c.switch()).toBe("v step 4");
    expect(c.switch()).toBe("v walked 4");
    g.switch(); g.switch(); g.switch(); g.switch();
  });
});
