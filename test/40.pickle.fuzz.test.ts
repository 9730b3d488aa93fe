// Pickling: a fuzz test. Valid pickles are mutated (deterministic seeded PRNG): bytes flipped,
// inserted, deleted, truncated, chunks duplicated, and structure-aware edits of the JSON envelope.
// unpickle must either return a Greenlet or throw an UnpickleError with a clear message — never
// another exception, a hang, a crash, or a polluted prototype.
import { readEnvelope, writeEnvelope } from "./helpers/envelope.js";
import { describe, expect, it } from "vitest";
import { Greenlet } from "tsgreenlet";
import { UnpickleError, pickle, unpickle } from "tsgreenlet/pickle";
import { chain, counters, guarded, hold } from "../fixtures/pickle/hold.js";
import { task } from "../fixtures/pickle/program.js";
import { ask, nested, visit } from "../fixtures/pickle/iterate.js";

/** mulberry32: small, deterministic, good enough to pick mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  const g1 = new Greenlet(task); g1.switch("fz", 4); g1.switch(); out.push(pickle(g1));
  const g2 = new Greenlet(chain); g2.switch(6, { hits: 0 }); out.push(pickle(g2));
  const g3 = new Greenlet(counters); g3.switch(1); out.push(pickle(g3));
  const g4 = new Greenlet(guarded); g4.switch("fz"); out.push(pickle(g4));
  const buf = new ArrayBuffer(8);
  const g5 = new Greenlet(hold);
  g5.switch({ m: new Map([[1, new Set([2n])]]), d: new Date(5), r: /x/g, t: new Uint16Array(buf, 2, 2), v: new DataView(buf), e: new TypeError("t", { cause: -0 }), s: Symbol.for("s"), b: Object("x"), h: [1, , 3], n: NaN, ag: new AggregateError([1, -2], "ag", { cause: 3 }) });
  out.push(pickle(g5));
  out.push(pickle(new Greenlet(hold)));
  const g6 = new Greenlet(nested); g6.switch(new Map([[1, 2], [3, 4]]), ask); g6.switch(); out.push(pickle(g6));
  const g7 = new Greenlet(visit); g7.switch("a\u{1F600}b", ask); g7.switch(); out.push(pickle(g7));
  return out;
}

const TAGS = ["o", "n", "a", "A", "c", "x", "M", "S", "D", "R", "B", "T", "V", "b", "E", "u", "N", "I", "Y", "f", "G", "k", "J", "zz", "__proto__"];
const VALUES: unknown[] = [0, -1, -2, -3, -1e9, -0.5, 1e9, 2 ** 32, 1.5, "", "__proto__", "constructor", "prototype", null, true, [], [0], [-1], [1e9], {}, { __proto__: 1 },
  ["o", 0], ["A", 1e10], ["T", "Float64Array", [0], 0, 1e9], ["R", "(", ""], ["I", "9".repeat(50)], ["k", "x#y", null], ["G", "self"],
  ["c", "js:Error", 0], ["E", "js:Function", "m", null, 0, null], ["f", "js:Function.prototype.call"], ["x", "test/Temperature", [0]],
  ["J", -1, 0, 1e15], ["J", null, 2, 0], ["J", -1, 9, 0], ["c", "tsgreenlet:StringIterator", 0]];

function mutateBytes(b: Uint8Array, r: () => number): Uint8Array {
  const n = b.length;
  const at = Math.floor(r() * n);
  switch (Math.floor(r() * 6)) {
    case 0: { const c = b.slice(); for (let k = 0; k < 1 + r() * 4; k++) c[Math.floor(r() * n)] ^= 1 << Math.floor(r() * 8); return c; }
    case 1: return b.subarray(0, at);
    case 2: { const c = new Uint8Array(n + 1); c.set(b.subarray(0, at)); c[at] = Math.floor(r() * 256); c.set(b.subarray(at), at + 1); return c; }
    case 3: { const c = new Uint8Array(n - 1); c.set(b.subarray(0, at)); c.set(b.subarray(at + 1), at); return c; }
    case 4: { const len = Math.floor(r() * 64); const chunk = b.subarray(at, at + len); const c = new Uint8Array(n + chunk.length); c.set(b.subarray(0, at)); c.set(chunk, at); c.set(b.subarray(at), at + chunk.length); return c; }
    default: { const c = b.slice(); c[at] = "[]{},:\"0123456789-"[Math.floor(r() * 18)]!.charCodeAt(0); return c; }
  }
}

/** Replaces a random node of the parsed envelope with a random tag or value. */
function mutateJson(b: Uint8Array, r: () => number): Uint8Array {
  const env = readEnvelope(b);
  const nodes: [any, string | number][] = [];
  const walk = (x: any): void => {
    if (x === null || typeof x !== "object") return;
    for (const k of Object.keys(x)) { nodes.push([x, Array.isArray(x) ? Number(k) : k]); walk(x[k]); }
  };
  walk(env);
  for (let m = 0; m < 1 + Math.floor(r() * 3); m++) {
    const [holder, key] = nodes[Math.floor(r() * nodes.length)]!;
    const pick = r();
    if (pick < 0.3 && typeof holder[key] === "string" && Array.isArray(holder) && key === 0) holder[key] = TAGS[Math.floor(r() * TAGS.length)];
    else if (pick < 0.45 && Array.isArray(holder)) holder.splice(key as number, 1);
    else if (pick < 0.55 && Array.isArray(holder)) holder.push(VALUES[Math.floor(r() * VALUES.length)]);
    else holder[key] = structuredClone(VALUES[Math.floor(r() * VALUES.length)]);
  }
  return writeEnvelope(env, 1 + Math.floor(r() * 40));
}

const CLEAR = /^(corrupt pickle|corrupt or truncated pickle|not a tsgreenlet pickle|unsupported pickle format version|cannot unpickle)/;

describe("fuzz", () => {
  it("mutated pickles unpickle or fail with a clear UnpickleError (4,000 mutants, seed 20261127)", () => {
    const r = prng(20261127);
    const base = seeds();
    const protoKeys = Object.getOwnPropertyNames(Object.prototype).join();
    let ok = 0;
    let refused = 0;
    for (let i = 0; i < 4000; i++) {
      const b = base[i % base.length]!;
      const m = r() < 0.5 ? mutateBytes(b, r) : mutateJson(b, r);
      try {
        const g = unpickle(m);
        expect(g).toBeInstanceOf(Greenlet);
        ok++;
      } catch (e) {
        if (!(e instanceof UnpickleError)) throw new Error(`mutant ${i} threw ${String(e)} instead of an UnpickleError`, { cause: e });
        expect(e.message).toMatch(CLEAR);
        refused++;
      }
    }
    expect(Object.getOwnPropertyNames(Object.prototype).join()).toBe(protoKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Both outcomes occur: the mutations are neither all harmless nor all fatal.
    expect(refused).toBeGreaterThan(1000);
    expect(ok).toBeGreaterThan(10);
  });
});
