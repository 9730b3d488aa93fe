// Assignment patterns with calls (`({ a = f() } = o)`, `[x.y, z = g()] = it`, for-of heads) are
// lowered element by element so their calls are switch points. Differential: each case runs as
// plain JavaScript and transformed; values, evaluation order (logged by getters, proxies and
// iterators) and errors must be the same. Switching inside them: test/10.
import { afterAll, describe, expect, it } from "vitest";
import { differential } from "./helpers/differential.js";

const { both, dispose } = differential("patterns");
afterAll(dispose);

const prelude = `
  const log = [];
  const f = (v) => (log.push("default " + v), v);
  const k = (v) => (log.push("key " + v), v);
  const spy = (name, o) => new Proxy(o, {
    get(t, p, r) { if (typeof p === "string") log.push("get " + name + "." + p); return Reflect.get(t, p, r); },
    set(t, p, v, r) { log.push("set " + name + "." + String(p) + "=" + JSON.stringify(v)); return Reflect.set(t, p, v, r); },
  });
  const iterable = (items) => ({
    [Symbol.iterator]() {
      let i = 0;
      return {
        next() { log.push("next " + i); return i < items.length ? { value: items[i++], done: false } : { value: undefined, done: true }; },
        return() { log.push("return"); return {}; },
      };
    },
  });`;

const cases: [name: string, body: string][] = [
  ["object pattern: defaults, computed keys, member targets, rest, and the expression's value", `
    let a, b, rest;
    const box = spy("box", {});
    const holder = () => (log.push("target"), box);
    const src = spy("src", { b: 2, c: 3, d: 4 });
    const value = ({ a = f("a"), [k("b")]: b = f("b"), c: holder().c = f("c"), ...rest } = src);
    return [a, b, rest, { ...box }, value === src, log];`],
  ["array pattern: holes, member targets before the step, defaults, rest; the iterator is not closed when exhausted", `
    let x, tail;
    const box = spy("box", {});
    [x = f("x"), , box[k("y")] = f("y"), ...tail] = iterable([undefined, "hole", undefined, 4, 5]);
    return [x, { ...box }, tail, log];`],
  ["array pattern: the iterator is closed when the pattern stops early", `
    let p, q;
    [p = f("p"), q] = iterable([undefined, 2, 3]);
    return [p, q, log];`],
  ["array pattern: a throwing default closes the iterator, and the error propagates", `
    let p;
    const boom = () => { throw new RangeError("boom " + log.length); };
    try { [p = boom()] = iterable([undefined, 2]); } catch (e) { log.push(e.message); }
    return [p, log];`],
  ["nested patterns", `
    let x, y, z;
    ({ p: [x = f("x"), { y = f("y") }], q: { r: z = f("z") } = {} } = { p: [undefined, {}] });
    return [x, y, z, log];`],
  ["anonymous function defaults take the target's name, not through parentheses", `
    let named, paren, member = {};
    ({ named = () => f(1) } = {});
    [(paren) = function () { return f(2); }] = [];
    [member.m = () => f(3)] = [];
    return [named.name, paren.name, member.m.name, named(), paren(), member.m()];`],
  ["destructuring null or undefined throws a TypeError", `
    let a;
    try { ({ a = f("a") } = null); } catch (e) { return [e.constructor.name, log]; }
    return "no error";`],
  ["assigning to a const inside the pattern throws, after the default ran", `
    const c = 1;
    try { ({ c = f("c") } = {}); } catch (e) { return [e.constructor.name, e.message, log]; }
    return "no error";`],
  ["for-of heads with assignment patterns", `
    let key, val;
    const out = [];
    for ([key, val = f(key)] of [["a"], ["b", 2]]) out.push(key + "=" + val);
    for ({ key = f("k") } of [{}, { key: "given" }]) out.push(key);
    return [out, log];`],
  ["a pattern in an expression context: conditional, comma and arrow result", `
    let a, b;
    const pick = (o) => ({ a = f("arrow a") } = o);
    const r = [pick({}) && a, (({ b = f("comma b") } = {}), b), true ? ([a = f("cond")] = []) : 0];
    return [r.length, a, b, log];`],
];

describe("assignment patterns with calls behave like plain code", () => {
  for (const [name, body] of cases) {
    it(name, async () => {
      const { plain, transformed, code } = await both(`${prelude}\n${body}`);
      expect(transformed).toEqual(plain);
      // They really are lowered (no warning-and-keep): the defaults became separate statements.
      expect(code).not.toMatch(/=\s*f\("[a-z ]+"\)\s*[,}\]]/);
    });
  }
});

describe("writes to a const of a transformed function throw like plain code", () => {
  const constCases: [name: string, body: string][] = [
    ["plain assignment, after its right-hand side", `
      const c = 1; const log = [];
      try { c = (log.push("rhs"), 2); } catch (e) { return [e.constructor.name, e.message, log, c]; }`],
    ["compound assignment and increments read first", `
      const c = 1; const out = [];
      try { c += (out.push("rhs " + c), 1); } catch (e) { out.push(e.message); }
      try { c++; } catch (e) { out.push(e.message); }
      try { --c; } catch (e) { out.push(e.message); }
      return [out, c];`],
    ["a const captured by a closure, written from the closure", `
      const c = 1;
      const set = (v) => { c = v; };
      try { set(5); } catch (e) { return [e.message, c]; }`],
    ["logical assignment only writes when it would", `
      const c = 1, d = 0; const out = [];
      c ||= 7; out.push(c);
      try { d ||= 7; } catch (e) { out.push(e.message); }
      return [out, d];`],
    ["for-of and for-in heads writing a const", `
      const c = 0; const out = [];
      try { for (c of [1]) out.push("body"); } catch (e) { out.push(e.message); }
      try { for (c in { k: 1 }) out.push("body"); } catch (e) { out.push(e.message); }
      return [out, c];`],
  ];
  for (const [name, body] of constCases) {
    it(name, async () => {
      const { plain, transformed } = await both(body);
      expect(transformed).toEqual(plain);
    });
  }
});
