// Rewritten generators (transformer/core/yield.ts, runtime/generators.ts). Differential: every
// case is one JavaScript module exporting run(), executed once as plain code (native generators)
// and once transformed by the public transform API (generators rewritten); the logs (or the
// error) must be the same. Each case also checks that its generators were rewritten (no
// `function*` / `*m(` left in the output), so a case cannot pass by staying native.
import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { transform } from "tsgreenlet/transform";
import { differential, runtimeUrl } from "./helpers/differential.js";

const { load, dispose } = differential("gen");
afterAll(dispose);

const show = (v: unknown) => inspect(v, { depth: 20, showHidden: false });
const settle = (fn: () => unknown): string => {
  try {
    return show(fn());
  } catch (e) {
    return `THROWS ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`;
  }
};

async function both(source: string): Promise<{ plain: string; transformed: string; code: string; warnings: string[] }> {
  const { plain, marked, code, warnings } = await load<{ run(): unknown }>(source);
  return { plain: settle(() => plain.run()), transformed: settle(() => marked.run()), code, warnings };
}

const cases: [name: string, source: string][] = [
  ["parameters and defaults at the call, body at the first next(), values both ways, done state", `
    export function run() {
      const log = [];
      function* g(a, b = (log.push("default"), a * 2), ...rest) {
        log.push("start", a, b, rest);
        const x = yield a + b;
        log.push("got", x);
        const y = yield x * 2;
        return [x, y];
      }
      const it = g(1, undefined, 7, 8);
      log.push("created");
      log.push(it.next("ignored"), it.next(5), it.next(6), it.next(7), it.next(), it.return(3), it.return());
      try { it.throw(new Error("after done")); } catch (e) { log.push("rethrown", e.message); }
      return log;
    }`],
  ["return(v) at a yield runs finally blocks; a yield inside finally suspends again", `
    export function run() {
      const log = [];
      function* g() {
        try {
          try { yield 1; yield 2; } finally { log.push("inner finally"); yield "from finally"; log.push("after yield in finally"); }
        } finally { log.push("outer finally"); }
        log.push("unreachable");
      }
      const it = g();
      log.push(it.next(), it.return(42), it.next("x"), it.next());
      function* h() { try { yield 1; } finally { log.push("h finally"); } }
      const i2 = h(); i2.next(); log.push(i2.return(7), i2.next());
      function* k() { try { yield 1; } finally { return "override"; } }
      const i3 = k(); i3.next(); log.push(i3.return(1));
      function* m() { let x = 0; try { yield 1; } finally { x = 5; log.push("plain finally", x); } }
      const i4 = m(); i4.next(); log.push(i4.return(2));
      return log;
    }`],
  ["throw(e) at a yield is catchable; throw/return before start; errors finish the generator", `
    export function run() {
      const log = [];
      function* g() {
        for (let i = 0; i < 3; i++) {
          try { yield i; } catch (e) { log.push("caught", e.message, i); }
        }
        try { yield "last"; } catch (e) { throw new Error("wrapped " + e.message); }
      }
      const it = g();
      log.push(it.next(), it.throw(new Error("a")), it.throw(new Error("b")), it.next(), it.next());
      try { it.throw(new Error("c")); } catch (e) { log.push("escaped", e.message); }
      log.push(it.next());
      const fresh = g();
      try { fresh.throw(new Error("early")); } catch (e) { log.push("early", e.message); }
      log.push(fresh.next());
      const fresh2 = g();
      log.push(fresh2.return("r"), fresh2.next());
      function* bad() { yield 1; throw new TypeError("inside"); }
      const b = bad(); b.next();
      try { b.next(); } catch (e) { log.push(e.constructor.name, e.message); }
      log.push(b.next());
      return log;
    }`],
  ["re-entrant next() throws 'Generator is already running'", `
    export function run() {
      const log = [];
      let it;
      function* g() {
        try { it.next(); } catch (e) { log.push(e.constructor.name, e.message); }
        yield 1;
      }
      it = g();
      log.push(it.next(), it.next());
      return log;
    }`],
  ["this, arguments, closures made in the body, object and class methods (static too)", `
    export function run() {
      const log = [];
      const o = {
        x: 5,
        *m(a, b) { yield this.x; yield arguments.length; yield arguments[1]; const f = () => this.x + a; yield f(); },
      };
      log.push([...o.m(1, 2)]);
      function* closures() { for (let i = 0; i < 3; i++) yield () => i; }
      log.push([...closures()].map((f) => f()));
      class C {
        constructor(n) { this.n = n; }
        *count() { for (let i = 0; i < this.n; i++) yield i; }
        static *range(a, b) { while (a < b) yield a++; }
      }
      log.push([...new C(3).count()], [...C.range(2, 5)]);
      log.push(typeof C.prototype.count.prototype, Object.getPrototypeOf(C.range.prototype) === Object.getPrototypeOf(o.m.prototype));
      return log;
    }`],
  ["yield in loops, switch, labeled break/continue, destructuring, nested expressions", `
    export function run() {
      const log = [];
      const f = (...a) => a;
      function* g() {
        outer: for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) {
            if (j === 1) continue outer;
            if (i === 2) break outer;
            log.push("ij", i, j, yield [i, j]);
          }
        }
        let k = 0;
        while ((yield "while") !== "stop") k++;
        do { k += 10; } while ((yield "do") === "again");
        switch (yield "switch") {
          case (yield "case a"): log.push("a"); break;
          case "b": log.push("b");
          default: log.push("default", yield "in default");
        }
        const [p, q = yield "q default"] = yield "array pattern";
        const { r, s = yield "s default" } = { r: yield "r" };
        log.push(p, q, r, s, k);
        const sum = 1 + (yield "a") * (yield "b");
        const call = f(yield "arg1", ...(yield "spread"));
        const arr = [yield "e1", ...(yield "e2")];
        const obj = { a: yield "pa", [yield "key"]: 3, ...(yield "ospread") };
        const cond = (yield "c") ? yield "then" : yield "else";
        const or = (yield "left") || (yield "right");
        const tpl = \`<\${yield "t"}>\`;
        for (const x of yield "iterable") log.push("x", x);
        for (const key in yield "forin") log.push("key", key);
        log.push(sum, call, arr, obj, cond, or, tpl);
        return yield yield "nested";
      }
      const answers = { "while": 0, "do": 0, "switch": "b", "case a": "a", "array pattern": [1], "q default": "Q", "r": "R",
        "s default": "S", "a": 2, "b": 3, "arg1": "A", "spread": [4, 5], "e1": 6, "e2": [7], "pa": 8, "key": "k", "ospread": { z: 1 },
        "c": false, "then": "T", "else": "E", "left": 0, "right": "R2", "t": "T", "iterable": [1, 2], "forin": { u: 1, v: 2 }, "nested": "N" };
      const it = g();
      let r = it.next();
      let whiles = 0, dos = 0;
      while (!r.done) {
        log.push(r.value);
        let v = answers[r.value];
        if (r.value === "while") v = ++whiles === 3 ? "stop" : "go";
        if (r.value === "do") v = ++dos === 2 ? "no" : "again";
        if (r.value === "N") v = "final";
        r = it.next(v);
      }
      log.push(r);
      return log;
    }`],
  ["yield* delegates next/throw/return to rewritten and native iterators; result is the inner return value", `
    export function run() {
      const log = [];
      function* inner() {
        try {
          const a = yield "i1";
          log.push("inner got", a);
          try { yield "i2"; } catch (e) { log.push("inner caught", e); yield "i3"; }
        } finally { log.push("inner finally"); }
        return "inner result";
      }
      function* outer() {
        const r = yield* inner();
        log.push("r", r);
        const m = yield* new Map([[1, "one"], [2, "two"]]);
        log.push("m", m);
        yield* "ab";
        return yield* [9];
      }
      const it = outer();
      log.push(it.next(), it.next("A"), it.throw("E"), it.next(), it.next(), it.next(), it.next(), it.next(), it.next(), it.next());
      const it2 = outer(); it2.next();
      log.push(it2.return("R"), it2.next());
      const plainIter = { [Symbol.iterator]() { return this; }, i: 0,
        next(v) { log.push("plain next", v); return this.i++ < 2 ? { value: this.i, done: false, extra: 1 } : { value: "pdone", done: true }; },
        return(v) { log.push("plain return", v); return { value: "closed", done: true }; } };
      function* viaPlain() { return yield* plainIter; }
      const it3 = viaPlain();
      const first = it3.next("n0");
      log.push(first, it3.next("n1"), it3.next("n2"));
      plainIter.i = 0;
      const it4 = viaPlain(); it4.next();
      try { it4.throw(new Error("no throw method")); } catch (e) { log.push(e.constructor.name); }
      plainIter.i = 0;
      const it5 = viaPlain(); it5.next(); log.push(it5.return("ret"));
      const noReturn = { [Symbol.iterator]() { return { next: () => ({ value: 1, done: false }) }; } };
      function* viaNoReturn() { try { yield* noReturn; } finally { log.push("outer finally"); } }
      const it6 = viaNoReturn(); it6.next(); log.push(it6.return("direct"));
      function* badResult() { yield* { [Symbol.iterator]: () => ({ next: () => 5 }) }; }
      try { badResult().next(); } catch (e) { log.push(e.constructor.name); }
      return log;
    }`],
  ["generator objects: prototype chain, instanceof, toStringTag, consumable by native consumers", `
    export function run() {
      const log = [];
      function* g(n) { for (let i = 0; i < n; i++) yield i; }
      const it = g(3);
      log.push(Object.prototype.toString.call(it), it instanceof g, Object.getPrototypeOf(it) === g.prototype,
        it[Symbol.iterator]() === it, Object.keys(it), typeof it.next, Object.getPrototypeOf(g) === Object.getPrototypeOf(function* () {}),
        Object.hasOwn(g.prototype, "constructor"), String(it));
      log.push([...g(3)], Array.from(g(2)), new Set(g(4)).size);
      const [a, b, ...rest] = g(5);
      log.push(a, b, rest);
      for (const v of g(2)) log.push("of", v);
      g.prototype.extra = function () { return "extra"; };
      log.push(g(1).extra());
      try { new g(1); } catch (e) { log.push(e.constructor.name); }
      const expr = function* named() { yield named.name; };
      const anon = function* () { yield 1; };
      log.push([...expr()], anon.name, expr.name, g.name, g.length);
      try { g.prototype.next.call({}); } catch (e) { log.push(e.constructor.name); }
      return log;
    }`],
  ["nested generators in a marked function, generator returning early, empty generator", `
    export function run() {
      const log = [];
      function outer(k) {
        function* inner() { if (k > 1) return "early"; yield k; }
        return [...inner(), inner().next()];
      }
      log.push(outer(1), outer(2));
      function* empty() {}
      log.push(empty().next(), [...empty()]);
      function* withDone() { yield 1; return 2; }
      log.push([...withDone()]);
      return log;
    }`],
  ["*[Symbol.iterator]() methods (class, static, object literal, class in a function) and a top-level class", `
    class Top { constructor(n) { this.n = n; } *[Symbol.iterator]() { for (let i = 0; i < this.n; i++) yield i; } static *[Symbol.iterator]() { yield "top static"; } }
    export function run() {
      const log = [];
      class Bag {
        constructor(...xs) { this.xs = xs; }
        *[Symbol.iterator]() { for (const x of this.xs) yield x * 10; }
        static *[Symbol.iterator]() { yield "static"; }
      }
      const lit = { items: [1, 2], *[Symbol.iterator]() { yield* this.items; } };
      log.push([...new Bag(1, 2, 3)], [...Bag], [...lit], typeof Bag.prototype[Symbol.iterator].prototype, Bag.prototype[Symbol.iterator].name);
      function local() { class Inner { *[Symbol.iterator]() { yield "inner"; } } return [...new Inner()]; }
      log.push(local(), local(), [...new Top(3)], [...Top]);
      return log;
    }`],
  ["generator methods using super and #private names, recursive yield*, arguments of an object-literal method", `
    export function run() {
      const log = [];
      class A { base() { return "base"; } *items() { yield "A"; } }
      class B extends A {
        #secret = 7;
        *items() { yield* super.items(); yield super.base(); yield this.#secret; }
        static *walk(t) { if (!t) return; yield* B.walk(t.l); yield t.v; yield* B.walk(t.r); }
      }
      log.push([...new B().items()]);
      const tree = { v: 2, l: { v: 1 }, r: { v: 4, l: { v: 3 } } };
      log.push([...B.walk(tree)]);
      function* deep(n) { return n === 0 ? yield "bottom" : 1 + (yield* deep(n - 1)); }
      const it = deep(200); log.push(it.next(), it.next(5));
      const util = { *gen() { yield arguments.length; } };
      log.push([...util.gen(1, 2, 3)]);
      return log;
    }`],
  ["parameter patterns and defaults evaluated at the call; return/throw while running; yield inside catch with a plain finally", `
    export function run() {
      const log = [];
      const f = (x) => (log.push("f", x), x * 3);
      function* g({ a, b = f(a) }, [c, ...d] = [9, 8, 7], ...rest) { yield [a, b, c, d, rest, arguments.length]; }
      const it = g({ a: 2 });
      log.push("made");
      log.push(it.next());
      try { g(); } catch (e) { log.push(e.constructor.name); }
      let self;
      function* r() { try { self.return(1); } catch (e) { log.push(e.message); } try { self.throw(2); } catch (e) { log.push(e.message); } yield 5; }
      self = r(); log.push(self.next());
      function* t() { try { throw new Error("x"); } catch (e) { const v = yield e.message; log.push("in catch", v, e.message); } finally { log.push("fin"); } }
      const ti = t(); log.push(ti.next(), ti.next("V"));
      const ti2 = t(); ti2.next(); log.push(ti2.return("R"));
      return log;
    }`],
  ["generator methods that use their class's name (declaration and named class expression)", `
    export function run() {
      class Tree {
        static marker = -1;
        constructor(v, kids = []) { this.v = v; this.kids = kids; }
        *walk() { yield this.v; for (const k of this.kids) yield* k.walk(); yield Tree.marker; }
      }
      const Original = Tree;
      Tree = null;
      const K = class Named {
        static *count(n) { for (let i = 0; i < n; i++) yield new Named(i); }
        constructor(i) { this.i = i; }
      };
      return [[...new Original(1, [new Original(2)]).walk()], [...K.count(3)].map((x) => x.i)];
    }`],
  ["yield inside assignment patterns: defaults, computed keys, member targets, holes", `
    export function run() {
      const log = [];
      function* g(src) {
        let a, b, rest, x;
        const box = {};
        ({ a = yield "a?", [yield "key?"]: b = yield "b?", ...rest } = src);
        [x = yield "x?", , box[yield "slot?"]] = [undefined, "hole", "boxed"];
        return [a, b, rest, x, box];
      }
      const it = g({ k: undefined, other: 1 });
      let r = it.next();
      const answers = { "a?": "A", "key?": "k", "b?": "B", "x?": "X", "slot?": "s" };
      while (!r.done) { log.push(r.value); r = it.next(answers[r.value]); }
      log.push(r.value);
      return log;
    }`],
  ["for-of loops without calls over rewritten generators (the normal path leaves at the loop; the resume function runs it)", `
    export function run() {
      const log = [];
      function* count(n) { try { for (let i = 0; i < n; i++) yield i; } finally { log.push("closed " + n); } }
      function* fails() { yield 1; throw new Error("gen failed"); }
      function sum(xs) { let s = 0; for (const x of xs) s += x; return s; }
      function early(xs) { let last = -1; for (const x of xs) { if (x === 2) break; last = x; } return last; }
      function labelled(lists) {
        const out = [];
        outer: for (const xs of lists) { for (const x of xs) { if (x === 1) continue outer; out.push(x); } }
        return out;
      }
      function nested(n) { let s = 0; for (let i = 0; i < n; i++) for (const x of (i % 2 ? [10, 20] : count(i + 1))) s += x * (i + 1); return s; }
      function guarded(xs) { let s = 0; try { for (const x of xs) s += x; } finally { s += 1000; } return s; }
      class Summed { total = 0; constructor(xs) { for (const x of xs) this.total += x; } }
      log.push(sum(count(4)), sum([1, 2, 3]), early(count(5)), labelled([count(3), [0, 1, 2], count(2)]));
      log.push(nested(4), guarded(count(3)), new Summed(count(5)).total);
      try { sum(fails()); } catch (e) { log.push("caught " + e.message); }
      return log;
    }`],
];

describe("rewritten generators: same behaviour as native generators", () => {
  for (const [name, source] of cases) {
    it(name, async () => {
      const r = await both(source);
      expect(r.warnings).toEqual([]);
      expect(r.code).not.toMatch(/function\s*\*|\*\s*[A-Za-z_$[][\w$]*\s*\(/);
      expect(r.code).toContain("$$rt.gen(");
      expect(r.transformed).toBe(r.plain);
    });
  }
});

describe("generators the transform keeps native", () => {
  it("an async generator stays native, with a warning at its position", async () => {
    const { code, diagnostics } = transform(`"use greenlet";\nexport async function* ag() { yield f(); }\nfunction f() { return 1; }\n`, "ag.js", { runtimeModule: runtimeUrl });
    expect(code).toMatch(/async function\* ag/);
    expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([expect.stringMatching(/^2:\d+ async generators are not transformed/)]);
  });
  it("a yield the lowering cannot take apart keeps the generator native (warned at the yield) and it still works", async () => {
    const source = `export function run() { function* g(o) { const r = o?.m(yield 1); yield r; } const it = g({ m: (x) => x * 2 }); return [it.next(), it.next(21), it.next()]; }\n`;
    const r = await both(source);
    expect(r.code).toMatch(/function\* g/);
    expect(r.warnings).toEqual([expect.stringMatching(/this generator stays a native generator/)]);
    expect(r.transformed).toBe(r.plain);
  });
});
