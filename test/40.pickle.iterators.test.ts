// Pickling frames suspended inside for-of over Maps, Sets and strings (and array destructuring of
// them): the copy continues with exactly the iteration the untransformed program performs, with
// the collection changed during the iteration (deletions of the current and next entries,
// additions, clear()), and break / return / throw leave the loop as they do natively.
// fixtures/pickle/iterate.ts is marked; iterate.plain.ts is the same source untransformed.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Greenlet, getcurrent } from "tsgreenlet";
import { pickle, unpickle, PickleError } from "tsgreenlet/pickle";
import * as marked from "../fixtures/pickle/iterate.js";
import * as plain from "../fixtures/pickle/iterate.plain.js";
import type { Command } from "../fixtures/pickle/iterate.js";

afterEach(() => {
  expect(getcurrent().parent).toBeNull();
});

type Fn = "visit" | "visitEntries" | "destructure" | "nested" | "visitKeys" | "headKeys" | "headValues" | "headEntries";

/** The untransformed run: the script's command i answers the i-th step. */
function reference(fn: Fn, make: () => Iterable<unknown>, script: readonly Command[]): unknown {
  let i = 0;
  return (plain[fn] as (xs: unknown, step: (x: unknown) => Command) => unknown)(make(), () => script[i++]);
}

/**
 * The marked run: at every suspension the greenlet is pickled and the copy continues (the
 * original is dropped), so every step goes through pickle + unpickle. `steps` records what was
 * handed to the parent.
 */
function pickledEveryStep(fn: Fn, make: () => Iterable<unknown>, script: readonly Command[]): unknown {
  let g = new Greenlet(marked[fn] as (...a: unknown[]) => unknown);
  let v = g.switch(make(), marked.ask);
  let i = 0;
  while (!g.dead) {
    g = unpickle(pickle(g));
    v = g.switch(script[i++]);
  }
  return v;
}

const map = () => new Map<unknown, unknown>([["a", 1], ["b", 2], ["c", 3], ["d", 4]]);
const set = () => new Set<unknown>(["a", "b", "c", "d"]);

const cases: [string, Fn, () => Iterable<unknown>, Command[]][] = [
  ["Map, unchanged", "visit", map, []],
  ["Map, delete the current entry", "visit", map, [undefined, ["delete", "b"]]],
  ["Map, delete the next entry", "visit", map, [["delete", "b"]]],
  ["Map, delete an entry already visited", "visit", map, [undefined, undefined, ["delete", "a"]]],
  ["Map, delete the current and re-add it (visited again at the end)", "visit", map, [["delete", "a"], ["add", "a", 9]]],
  ["Map, set an existing key (no new entry)", "visit", map, [["add", "d", 40]]],
  ["Map, additions are visited", "visit", map, [["add", "e", 5], undefined, ["add", "f", 6]]],
  ["Map, an addition after the last entry is visited", "visit", map, [undefined, undefined, undefined, ["add", "z", 26]]],
  ["Map, clear() then add", "visit", map, [undefined, ["clear"], ["add", "x", 0]]],
  ["Map, clear() ends the loop", "visit", map, [["clear"]]],
  ["Map, delete everything ahead", "visit", map, [["delete", "b"], ["delete", "c"], ["delete", "d"]]],
  ["Map, break", "visit", map, [undefined, ["break"]]],
  ["Map, return from inside the loop", "visit", map, [undefined, undefined, ["return"]]],
  ["Map, throw out of the loop", "visit", map, [["throw"]]],
  ["Map, destructured entries", "visitEntries", map, [["delete", "c"], ["add", "e", 5]]],
  ["Set, unchanged", "visit", set, []],
  ["Set, delete the current and the next", "visit", set, [["delete", "a"], ["delete", "c"]]],
  ["Set, additions, and a re-added element", "visit", set, [["add", "e"], ["delete", "b"], ["add", "b"]]],
  ["Set, clear() then add", "visit", set, [undefined, ["clear"], ["add", "n"]]],
  ["Set, break", "visit", set, [["break"]]],
  ["an empty Map", "visit", () => new Map(), []],
  ["string with surrogate pairs and lone surrogates", "visit", () => "a\u{1F600}b\uD800c\uDC00\u{10FFFF}", []],
  ["string, break", "visit", () => "xyz", [undefined, ["break"]]],
  ["an empty string", "visit", () => "", []],
  ["array destructuring of a Set, deleting ahead between elements", "destructure", () => new Set([undefined, undefined, "c", "d", "e"]), [["delete", "d"], ["add", "f"]]],
  ["two nested loops over one Map, deleting and adding", "nested", map, [undefined, ["delete", "c"], undefined, ["add", "e", 5], ["delete", "a"]]],
  ["two nested loops over one Set, clear() inside", "nested", set, [undefined, undefined, ["clear"], ["add", "q"]]],
  ["array destructuring of a Map", "destructure", () => new Map([[1, 1]]), []],
  ["array destructuring of a string", "destructure", () => "\u{1F600}", []],
  // Iterators made by c.keys() / c.values() / c.entries() in the loop head.
  ["for (k of map.keys()), delete the next, add", "headKeys", map, [["delete", "b"], ["add", "e", 5]]],
  ["for (v of map.values()), clear() then add", "headValues", map, [undefined, ["clear"], ["add", "x", 0]]],
  ["for ([k, v] of map.entries()), delete the current", "headEntries", map, [undefined, ["delete", "b"]]],
  ["for (x of set.keys()) (Set's keys is values), additions", "headKeys", set, [["add", "e"], ["delete", "c"]]],
  ["for ([x, x] of set.entries())", "headEntries", set, [["delete", "b"]]],
  ["for (i of array.keys()), pushing while iterating", "headKeys", () => ["p", "q", "r"], [["add", "s"]]],
  ["for (x of array.values()), removing ahead", "headValues", () => ["p", "q", "r"], [["delete", "q"]]],
  ["for ([i, x] of array.entries())", "headEntries", () => ["p", "q"], [undefined, ["add", "z"]]],
];

describe("for-of over Map / Set / string, pickled at every element", () => {
  it("iterate.plain.ts is iterate.ts without the directive", () => {
    const text = (f: string) => readFileSync(new URL(`../fixtures/pickle/${f}`, import.meta.url), "utf8").split("\n").slice(1).join("\n");
    expect(text("iterate.plain.ts")).toBe(text("iterate.ts"));
  });

  for (const [name, fn, make, script] of cases) {
    it(name, () => {
      const want = reference(fn, make, script);
      expect(pickledEveryStep(fn, make, script)).toEqual(want);
    });
  }

  it("the original keeps iterating after being pickled, independently of its copy", () => {
    const m = new Map([["a", 1], ["b", 2], ["c", 3], ["d", 4]]);
    const g = new Greenlet(marked.visit);
    expect(g.switch(m, marked.ask)).toEqual(["a", 1]);
    expect(g.switch(["delete", "c"])).toEqual(["b", 2]);
    const c = unpickle(pickle(g));
    m.set("e", 5); // only the original's Map
    expect([g.switch(), g.switch(), g.switch()]).toEqual([["d", 4], ["e", 5], { seen: [["a", 1], ["b", 2], ["d", 4], ["e", 5]], rest: [["a", 1], ["b", 2], ["d", 4], ["e", 5]] }]);
    expect([c.switch(["add", "x", 0]), c.switch(), c.switch()]).toEqual([["d", 4], ["x", 0], { seen: [["a", 1], ["b", 2], ["d", 4], ["x", 0]], rest: [["a", 1], ["b", 2], ["d", 4], ["x", 0]] }]);
  });
});

describe("pickling does not disturb the original", () => {
  for (const [name, make] of [["Set", () => new Set(["a", "b", "c", "d"])], ["string", () => "ab\u{1F600}cd"]] as const) {
    it(`${name}: pickled twice at one point, the original and both copies finish alike`, () => {
      const want = reference("visit", make, []);
      const g = new Greenlet(marked.visit);
      g.switch(make(), marked.ask);
      g.switch();
      const a = pickle(g);
      const b = pickle(g);
      const finish = (x: Greenlet) => { let v: unknown; while (!x.dead) v = x.switch(); return v; };
      expect([finish(unpickle(a)), finish(g), finish(unpickle(b))]).toEqual([want, want, want]);
    });
  }
});

describe("iterators that stay native are refused with a path", () => {
  it("for (x of map.keys()) (a native Map iterator)", () => {
    const g = new Greenlet(marked.visitKeys);
    g.switch(map(), marked.ask);
    expect(() => pickle(g)).toThrow(PickleError);
    expect(() => pickle(g)).toThrow(/a Map Iterator cannot be pickled: .*iterate the Map or Set itself.*\n  at frame #\d+ visit \(tsgreenlet\/fixtures\/pickle\/iterate\.ts:\d+\) -> /s);
  });

  it("a Map whose [Symbol.iterator] was replaced keeps its own iterator (not picklable)", () => {
    const m = map();
    Object.defineProperty(m, Symbol.iterator, { value: function* () { yield* Map.prototype.entries.call(this); } });
    const g = new Greenlet(marked.visit);
    expect(g.switch(m, marked.ask)).toEqual(["a", 1]);
    expect(() => pickle(g)).toThrow(/cannot be pickled/);
  });
});
