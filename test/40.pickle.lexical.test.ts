// Pickling arrows of marked code that read their enclosing function's `arguments` or
// `new.target` (through the function's environment object, like captured variables), and
// frames holding an `arguments` object. fixtures/pickle/lexical.ts is marked; lexical.plain.ts
// is the same source untransformed (the reference output).
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Greenlet, getcurrent } from "tsgreenlet";
import { pickle, unpickle } from "tsgreenlet/pickle";
import * as marked from "../fixtures/pickle/lexical.js";
import * as plain from "../fixtures/pickle/lexical.plain.js";

afterEach(() => {
  expect(getcurrent().parent).toBeNull();
});

type Fn = "sumArgs" | "ownArgs" | "newTargets" | "shortenedArgs" | "superArrows" | "superStatic" | "superInArrow";

function reference(fn: Fn, args: unknown[], replies: unknown[]): unknown {
  let i = 0;
  return (plain[fn] as (...a: unknown[]) => unknown)(() => replies[i++], ...args);
}

/** Runs the marked copy, pickling and unpickling at every suspension. */
function pickledEveryStep(fn: Fn, args: unknown[], replies: unknown[]): unknown {
  let g = new Greenlet(marked[fn] as (...a: unknown[]) => unknown);
  let v = g.switch(marked.ask, ...args);
  let i = 0;
  while (!g.dead) {
    g = unpickle(pickle(g));
    v = g.switch(replies[i++]);
  }
  return v;
}

describe("arrows reading arguments / new.target", () => {
  it("lexical.plain.ts is lexical.ts without the directive", () => {
    const text = (f: string) => readFileSync(new URL(`../fixtures/pickle/${f}`, import.meta.url), "utf8").split("\n").slice(1).join("\n");
    expect(text("lexical.plain.ts")).toBe(text("lexical.ts"));
  });

  it("an arrow reading arguments (an element reassigned before the suspension)", () => {
    const want = reference("sumArgs", [1, 2, 3], ["r"]);
    expect(want).toEqual([6, 105, 4, [1, 2, 3], "r", "object", "[object Arguments]"]);
    expect(pickledEveryStep("sumArgs", [1, 2, 3], ["r"])).toEqual(want);
  });

  it("a frame reading its own arguments after the suspension", () => {
    const want = reference("ownArgs", [7], [0]);
    expect(pickledEveryStep("ownArgs", [7], [0])).toEqual(want);
    expect(pickledEveryStep("ownArgs", [7, 8, 9], [0])).toEqual(reference("ownArgs", [7, 8, 9], [0]));
  });

  it("arrows reading new.target (constructed, plain call, nested arrows)", () => {
    const want = reference("newTargets", [], [0]);
    expect(want).toEqual([true, undefined, true, "function"]);
    expect(pickledEveryStep("newTargets", [], [0])).toEqual(want);
  });

  it("the arrow itself pickles as a closure (an unstarted greenlet running it)", () => {
    const made = new (marked.Probe as unknown as new () => { read: () => unknown })();
    const copy = unpickle(pickle(new Greenlet(made.read)));
    expect(copy.switch()).toBe(marked.Probe);
  });

  it("arrows calling super methods and reading super getters (instance method)", () => {
    const want = reference("superArrows", [], [0]);
    expect(want).toEqual(["base a d/kind of d", "base b d/kind of d", "base n d", "derived c"]);
    expect(pickledEveryStep("superArrows", [], [0])).toEqual(want);
  });

  it("an arrow using super that suspends itself (its resume code reads super through the home object)", () => {
    const want = reference("superInArrow", [], [7]);
    expect(want).toBe("base z d:7:kind of d");
    expect(pickledEveryStep("superInArrow", [], [7])).toBe(want);
  });

  it("super assignment in an arrow keeps working (the arrow stays untransformed)", () => {
    expect(new marked.Derived().assignsSuper()).toBe(42);
    expect(new plain.Derived().assignsSuper()).toBe(42);
  });

  it("an arrow assigning to super.x stays native: pickle refuses it with the reason and the path", () => {
    const g = new Greenlet(marked.superAssigned);
    g.switch(marked.ask);
    expect(() => pickle(g)).toThrow(/the arrow function set cannot be pickled: it uses super in a way the transform does not lower.*\n  at frame #\d+ assignsSuper \(tsgreenlet\/fixtures\/pickle\/lexical\.ts:\d+\) -> set/s);
    expect(g.switch()).toBe(42);
  });

  it("an arrow calling a super static method (static method)", () => {
    const want = reference("superStatic", [], [0]);
    expect(want).toBe("base static via Derived");
    expect(pickledEveryStep("superStatic", [], [0])).toEqual(want);
  });

  it("an arrow using super follows a later change of the home object's prototype, like native super", () => {
    const g = new Greenlet(marked.superArrows);
    g.switch(marked.ask);
    const copy = unpickle(pickle(g));
    const saved = Object.getPrototypeOf(marked.Derived.prototype);
    const other = { greet: (x: string) => `other ${x}`, get kind() { return "other kind"; } };
    Object.setPrototypeOf(marked.Derived.prototype, other);
    try {
      expect(copy.switch(0)).toEqual(["base a d/kind of d", "other b/other kind", "other n", "derived c"]);
    } finally {
      Object.setPrototypeOf(marked.Derived.prototype, saved);
    }
  });

  it("an arguments object whose length was changed is refused with a path", () => {
    const g = new Greenlet(marked.shortenedArgs);
    expect(g.switch(marked.ask, 1, 2)).toBe(3);
    expect(() => pickle(g)).toThrow(/an arguments object whose length or properties were changed cannot be pickled.*\n  at frame #\d+ shortenedArgs \(tsgreenlet\/fixtures\/pickle\/lexical\.ts:\d+\) -> arguments \(Object\)$/s);
    expect(g.switch(0)).toBe(reference("shortenedArgs", [1, 2], [0]));
  });
});
