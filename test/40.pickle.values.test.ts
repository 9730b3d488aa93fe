// Pickling: round trips of every kind of value a suspended frame can hold.
// The held value sits in a local of a suspended marked function (fixtures/pickle/hold.ts); it
// is pickled with the greenlet, unpickled, and the resumed function hands it back.
import { afterEach, describe, expect, it } from "vitest";
import { Greenlet, getcurrent } from "tsgreenlet";
import { pickle, registerClass, unpickle } from "tsgreenlet/pickle";
import { Walker, hold } from "../fixtures/pickle/hold.js";
import * as rebound from "../fixtures/pickle/rebound.js";

afterEach(() => {
  expect(getcurrent().parent).toBeNull();
});

function roundTrip<T>(v: T): T {
  const g = new Greenlet(hold);
  expect(g.switch(v)).toBe("holding");
  const copy = unpickle(pickle(g));
  return copy.switch("give") as T;
}

class Point {
  constructor(public x: number, public y: number) {}
  norm(): number { return Math.hypot(this.x, this.y); }
}
registerClass(Point);

class Temperature {
  constructor(readonly celsius: number) {}
}
registerClass(Temperature, {
  name: "test/Temperature",
  reduce: (t) => ({ c: t.celsius }),
  revive: (d: { c: number }) => new Temperature(d.c),
});

describe("bytes", () => {
  it("pickle returns a plain Uint8Array that owns its buffer and starts with the format header", () => {
    const g = new Greenlet(hold);
    g.switch(1);
    const b = pickle(g);
    expect(Object.getPrototypeOf(b)).toBe(Uint8Array.prototype);
    expect([b.byteOffset, b.buffer.byteLength]).toEqual([0, b.length]);
    expect(new TextDecoder().decode(b.subarray(0, 20))).toBe("tsgreenlet-pickle/2\n");
    expect(unpickle(b.slice()).switch("give")).toBe(1);
  });
});

describe("primitives", () => {
  it.each([
    ["undefined", undefined], ["null", null], ["true", true], ["false", false], ["0", 0], ["int", 42], ["float", 3.25],
    ["max", Number.MAX_VALUE], ["min", Number.MIN_VALUE], ["Infinity", Infinity], ["-Infinity", -Infinity],
    ["string", "héllo\u2028\u0000\"'"], ["empty string", ""], ["bigint", 2n ** 100n], ["negative bigint", -12345678901234567890n],
  ] as [string, unknown][])("%s", (_n, v) => {
    expect(roundTrip(v)).toBe(v);
  });

  it("NaN and -0", () => {
    expect(roundTrip(NaN)).toBeNaN();
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(roundTrip([-0, 0, NaN])).toEqual([-0, 0, NaN]);
    expect(Object.is((roundTrip([-0]) as number[])[0], -0)).toBe(true);
  });

  it("registered symbols", () => {
    const s = Symbol.for("tsgreenlet.test");
    expect(roundTrip(s)).toBe(s);
    expect(roundTrip({ s })).toEqual({ s });
  });
});

describe("objects and arrays", () => {
  it("plain objects, nested, with awkward keys", () => {
    const v = { a: 1, b: { c: [1, 2, { d: "x" }] }, "with space": true, "": "empty", 3: "three", constructor: "own", prototype: 1 };
    const r = roundTrip(v);
    expect(r).toEqual(v);
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(Object.hasOwn(r, "constructor")).toBe(true);
  });

  it("null-prototype objects", () => {
    const v = Object.assign(Object.create(null), { a: 1 });
    const r = roundTrip(v);
    expect(Object.getPrototypeOf(r)).toBeNull();
    expect(r.a).toBe(1);
  });

  it("arrays keep holes and length", () => {
    // eslint-disable-next-line no-sparse-arrays
    const v = [1, , 3, , , undefined];
    const r = roundTrip(v);
    expect(r.length).toBe(6);
    expect(1 in r).toBe(false);
    expect(5 in r).toBe(true);
    const sparse: unknown[] = [];
    sparse[100000] = "far";
    const rs = roundTrip(sparse);
    expect(rs.length).toBe(100001);
    expect(rs[100000]).toBe("far");
    expect(Object.keys(rs)).toEqual(["100000"]);
  });

  it("shared references and cycles", () => {
    const shared = { tag: "shared" };
    const v: Record<string, unknown> = { a: shared, b: [shared, shared] };
    v.self = v;
    (v.b as unknown[]).push(v);
    const r = roundTrip(v);
    expect(r.a).toBe((r.b as unknown[])[0]);
    expect((r.b as unknown[])[1]).toBe(r.a);
    expect(r.self).toBe(r);
    expect((r.b as unknown[])[2]).toBe(r);
  });

  it("a 100,000-long linked list (no recursion limit)", () => {
    let list: { i: number; next: unknown } | null = null;
    for (let i = 0; i < 100_000; i++) list = { i, next: list };
    let r = roundTrip(list) as { i: number; next: unknown } | null;
    let n = 0;
    while (r) { expect(r.i).toBe(99_999 - n); n++; r = r.next as typeof r; }
    expect(n).toBe(100_000);
  });
});

describe("built-in types", () => {
  it("Map and Set (object keys, insertion order, cycles)", () => {
    const k = { key: 1 };
    const m = new Map<unknown, unknown>([[k, "obj"], ["s", 1], [NaN, "nan"]]);
    const s = new Set<unknown>([k, 2, "x"]);
    m.set("set", s);
    m.set("me", m);
    const r = roundTrip({ m, s, k });
    expect([...r.m.keys()][0]).toBe(r.k);
    expect(r.m.get(r.k)).toBe("obj");
    expect(r.m.get(NaN)).toBe("nan");
    expect(r.m.get("set")).toBe(r.s);
    expect(r.m.get("me")).toBe(r.m);
    expect([...r.s]).toEqual([r.k, 2, "x"]);
    expect([...r.m.keys()].slice(1)).toEqual(["s", NaN, "set", "me"]);
  });

  it("Date (valid and invalid), RegExp (flags, lastIndex)", () => {
    const re = /a(b+)c/giu;
    re.lastIndex = 3;
    const r = roundTrip({ d: new Date(1_700_000_000_123), bad: new Date(NaN), re });
    expect(r.d).toBeInstanceOf(Date);
    expect(r.d.getTime()).toBe(1_700_000_000_123);
    expect(Number.isNaN(r.bad.getTime())).toBe(true);
    expect(r.re.source).toBe("a(b+)c");
    expect(r.re.flags).toBe("giu");
    expect(r.re.lastIndex).toBe(3);
  });

  it("ArrayBuffer, typed arrays sharing a buffer, subarrays, DataView", () => {
    const buf = new ArrayBuffer(16);
    const u8 = new Uint8Array(buf);
    for (let i = 0; i < 16; i++) u8[i] = i * 3;
    const f64 = new Float64Array(buf, 8, 1);
    const dv = new DataView(buf, 4, 8);
    const big = new BigInt64Array([1n, -2n]);
    const sub = u8.subarray(2, 5);
    const r = roundTrip({ buf, u8, f64, dv, big, sub, empty: new ArrayBuffer(0) });
    expect(r.u8.buffer).toBe(r.buf);
    expect(r.f64.buffer).toBe(r.buf);
    expect(r.dv.buffer).toBe(r.buf);
    expect([...r.u8]).toEqual([...u8]);
    expect(r.f64[0]).toBe(f64[0]);
    expect([r.dv.byteOffset, r.dv.byteLength]).toEqual([4, 8]);
    expect([...r.big]).toEqual([1n, -2n]);
    expect([...r.sub]).toEqual([6, 9, 12]);
    expect(r.sub.byteOffset).toBe(2);
    expect(r.empty.byteLength).toBe(0);
    r.u8[0] = 99;
    expect(new DataView(r.buf).getUint8(0)).toBe(99);
  });

  it("Error objects: class, message, stack, cause, extra properties", () => {
    const cause = new RangeError("inner");
    const e = new TypeError("outer", { cause }) as TypeError & { code?: string };
    e.code = "E_TEST";
    const r = roundTrip(e);
    expect(r).toBeInstanceOf(TypeError);
    expect(r.message).toBe("outer");
    expect(r.stack).toBe(e.stack);
    expect(r.cause).toBeInstanceOf(RangeError);
    expect((r.cause as Error).message).toBe("inner");
    expect(r.code).toBe("E_TEST");
    expect(Object.keys(r)).toEqual(["code"]);
  });

  it("AggregateError keeps its errors (non-enumerable, shared references kept) and cause", () => {
    const inner = new RangeError("one");
    const agg = new AggregateError([inner, "two", inner], "all failed", { cause: inner });
    const r = roundTrip({ agg, inner });
    expect(r.agg).toBeInstanceOf(AggregateError);
    expect(r.agg.message).toBe("all failed");
    expect(r.agg.stack).toBe(agg.stack);
    expect(r.agg.errors).toHaveLength(3);
    expect(r.agg.errors[0]).toBe(r.inner);
    expect(r.agg.errors[2]).toBe(r.inner);
    expect(r.agg.errors[1]).toBe("two");
    expect(r.agg.cause).toBe(r.inner);
    expect(Object.getOwnPropertyDescriptor(r.agg, "errors")).toMatchObject({ enumerable: false, writable: true, configurable: true });
    expect(Object.getOwnPropertyDescriptor(r.agg, "cause")).toMatchObject({ enumerable: false });
    expect(Object.keys(r.agg)).toEqual([]);
  });

  it("boxed primitives", () => {
    const r = roundTrip([Object(1), Object("s"), Object(false), Object(5n)]) as object[];
    expect(r.map((b) => typeof b)).toEqual(["object", "object", "object", "object"]);
    expect(r.map((b) => b.valueOf())).toEqual([1, "s", false, 5n]);
  });
});

describe("class instances and functions", () => {
  it("registered classes come back with their prototype, without running the constructor", () => {
    const p = new Point(3, 4);
    const r = roundTrip({ p, again: p });
    expect(r.p).toBeInstanceOf(Point);
    expect(r.p.norm()).toBe(5);
    expect(r.again).toBe(r.p);
  });

  it("classes of marked modules are registered automatically", () => {
    const w = new Walker("w");
    w.steps = 7;
    const r = roundTrip(w);
    expect(r).toBeInstanceOf(Walker);
    expect(r.steps).toBe(7);
  });

  it("custom reducer/reviver", () => {
    const t = new Temperature(21.5);
    const r = roundTrip({ t, list: [t] });
    expect(r.t).toBeInstanceOf(Temperature);
    expect(r.t.celsius).toBe(21.5);
    expect(r.list[0]).toBe(r.t);
  });

  it("module-level functions and classes, builtins and the greenlet API by reference", () => {
    const r = roundTrip({ hold, Walker, max: Math.max, log: console.log, push: Array.prototype.push, getcurrent, sw: Greenlet.prototype.switch });
    expect(r.hold).toBe(hold);
    expect(r.Walker).toBe(Walker);
    expect(r.max).toBe(Math.max);
    expect(r.log).toBe(console.log);
    expect(r.push).toBe(Array.prototype.push);
    expect(r.getcurrent).toBe(getcurrent);
    expect(r.sw).toBe(Greenlet.prototype.switch);
  });
});

describe("module-level bindings", () => {
  it("a let-bound object is pickled by value, a const one by reference, a greenlet in a binding maps to the copy", () => {
    let g = new Greenlet(rebound.loop);
    rebound.track(g);
    let v = g.switch(["a", "b", "c"]);
    let i = 0;
    while (!g.dead) {
      g = unpickle(pickle(g));
      rebound.track(g);
      rebound.replaceState(); // the module's `state` binding now holds another object
      v = g.switch(i++);
    }
    expect(v).toEqual([["a", 0, true, "b", 1, true, "c", 2, true], 3]);
    expect(rebound.registry.hits).toBe(3); // one shared registry object
  });
});
