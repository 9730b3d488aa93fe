// Temporal dead zones of let/const/class inside marked functions (transformer/core/tdz.ts).
// Differential: every case is one JavaScript function body, run once as plain code and once
// transformed by the public transform API; the outcomes (value, or error class and message) must
// be the same. Cases that suspend use the marked fixture fixtures/tdz/suspend.ts.
import { afterAll, describe, expect, it } from "vitest";
import { differential } from "./helpers/differential.js";

const { both, dispose } = differential("tdz");
afterAll(dispose);

const cases: [name: string, body: string, arg?: unknown][] = [
  ["a closure called before the declaration reads a const", `
    const read = () => value;
    const seen = read();
    const value = 1;
    return seen;`],
  ["a direct read before a let", `const a = x; let x = 1; return a;`],
  ["a direct write before a let", `x = 2; let x = 1; return x;`],
  ["a let read in its own initialiser", `let x = x + 1; return x;`],
  ["typeof of a binding in its dead zone", `const t = typeof x; let x; return t;`],
  ["typeof through a closure called early", `const t = () => typeof x; const r = t(); let x = 1; return r;`],
  ["a hoisted function declaration updating a let before it ran", `inc(); let n = 0; function inc() { n++; } return n;`],
  ["a hoisted function declaration after the let ran (correct program)", `let n = 0; inc(); inc(); function inc() { n += 1; } return n;`],
  ["a hoisted function reached early through a closure created before the let", `
    const early = () => inc();
    let r;
    try { early(); } catch (e) { r = e.message; }
    let n = 0;
    function inc() { n += 1; return n; }
    return [r, early()];`],
  ["a hoisted recursive function only referenced after the const, also from a later closure", `
    const base = 10;
    function down(k) { return k === 0 ? base : down(k - 1) + 1; }
    const viaClosure = () => down(3);
    return [down(2), viaClosure()];`],
  ["an assignment from a closure evaluates its right-hand side before throwing", `
    const log = [];
    const set = () => { v = (log.push("rhs"), 1); };
    let caught;
    try { set(); } catch (e) { caught = e.message; }
    let v;
    set();
    return [log, caught, v];`],
  ["an assignment of a call result from an early closure", `
    const one = () => 1;
    const set = () => { v = one(); };
    let caught;
    try { set(); } catch (e) { caught = e.message; }
    let v = 0;
    set();
    return [caught, v];`],
  ["a compound assignment from a closure reads first", `
    const log = [];
    const inc = () => { count += (log.push("rhs"), 1); };
    let caught;
    try { inc(); } catch (e) { caught = e.message; }
    let count = 5;
    inc();
    return [log, caught, count];`],
  ["an assignment from a closure reading the binding in its right-hand side", `
    const step = () => { acc = acc + 1; };
    let caught;
    try { step(); } catch (e) { caught = e.message; }
    let acc = 1;
    step();
    return [caught, acc];`],
  ["an assignment from a closure reading the binding only on one branch", `
    const set = (k) => { r = k ? r : 2; };
    let caught;
    try { set(false); } catch (e) { caught = e.message; }
    let r = 1;
    set(false);
    return [caught, r];`],
  ["per-iteration bindings of a loop body", `
    const out = [];
    for (let i = 0; i < 3; i++) {
      const f = () => y;
      if (i === 1) { try { f(); } catch (e) { out.push(e.message); } }
      let y = i * 10;
      out.push(f());
    }
    return out;`],
  ["a for-of head cannot read its own binding", `for (const q of [q]) { return q; } return 0;`],
  ["a closure made in a for-of head sees the head's own dead-zone binding", `
    for (const q of [() => q]) { try { return q(); } catch (e) { return e.message; } }
    return 0;`],
  ["for (let ...) header bindings captured per iteration (correct program)", `
    const fns = [];
    for (let i = 0; i < 3; i++) fns.push(() => i);
    return fns.map((f) => f());`],
  ["a switch falls through into a clause after the declaration", `
    switch (arg) { case 0: let y = 1; case 1: return y; }
    return "none";`, 0],
  ["a switch jumps past the declaration", `
    switch (arg) { case 0: let y = 1; case 1: return y; }
    return "none";`, 1],
  ["a case test reads a binding of its own case block", `
    switch (1) { case z: return "matched"; default: let z = 1; return z; }`],
  ["a class used by a closure before its declaration", `
    const make = () => new C();
    let r;
    try { r = make(); } catch (e) { r = e.message; }
    class C { who() { return "C"; } }
    return [r, make().who()];`],
  ["a class's static initialisers see the class being defined", `
    class E {
      static self = E;
      static { E.tag = E.name; }
      static make() { return new E(); }
    }
    return [E.self === E, E.tag, E.make() instanceof E];`],
  ["a class extending itself", `class D extends (() => D)() {} return 0;`],
  ["a destructuring assignment from a closure before the declaration", `
    const f = () => { [a] = [1]; };
    let caught;
    try { f(); } catch (e) { caught = e.message; }
    let a = 0;
    f();
    return [caught, a];`],
  ["a for-of target from a closure before the declaration", `
    const f = () => { for (b of [1, 2]); };
    let caught;
    try { f(); } catch (e) { caught = e.message; }
    let b = 0;
    f();
    return [caught, b];`],
  ["a shorthand property from a closure before the declaration", `
    const f = () => ({ w });
    let caught;
    try { f(); } catch (e) { caught = e.message; }
    const w = 1;
    return [caught, f()];`],
  ["const declarators reading earlier ones (correct program)", `const a = 1, b = a + 1; return b;`],
  ["a function declared in a block after the let (correct program)", `let m = 1; { function g() { return m; } return g(); }`],
  ["callbacks reading a captured const (correct program)", `const limit = 3; return [1, 2, 3].map((v) => v + limit);`],
  ["a nested closure two levels deep, called early", `
    const outer = () => () => deep;
    const inner = outer();
    let caught;
    try { inner(); } catch (e) { caught = e.message; }
    const deep = "ok";
    return [caught, inner()];`],
];

describe("temporal dead zone: transformed code throws what plain code throws", () => {
  for (const [name, body, arg] of cases) {
    it(name, async () => {
      const { plain, transformed } = await both(body, arg);
      expect(transformed).toEqual(plain);
    });
  }

  it("a named class expression refers to itself from its static initialisation and untransformed methods", async () => {
    const { plain, transformed } = await both(`
      const K = class Named { static made = Named.make(); static make() { return new Named(); } };
      return [K.made instanceof K, K.name];`);
    expect(plain).toEqual({ value: [true, "Named"] });
    expect(transformed).toEqual(plain);
  });

  it("a static method called during the class's static initialisation sees the class", async () => {
    const { plain, transformed } = await both(`
      class F { static made = F.make(); static make() { return new F(); } }
      return F.made instanceof F;`);
    expect(transformed).toEqual(plain);
  });

  it("the cases do exercise the dead zone (plain code throws V8's ReferenceError)", async () => {
    const { plain } = await both(`const a = x; let x = 1; return a;`);
    expect(plain).toEqual({ error: "ReferenceError: Cannot access 'x' before initialization" });
  });

  it("references after the declaration in the same scope get no check", async () => {
    const { code } = await both(`let total = 0; for (const v of [1, 2]) total += v; const get = () => total; return get();`);
    expect(code).not.toContain("$$Z");
    expect(code).not.toContain("$$RT.tdz");
  });

  it("a hoisted function referenced only after the declaration gets no check (keeps frames small)", async () => {
    const { code } = await both(`const base = 2; function down(k) { return k === 0 ? base : down(k - 1); } return down(3);`);
    expect(code).not.toContain("$$Z");
  });
});
