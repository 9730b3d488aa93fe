"use greenlet";
// Code-generation choices of the transform that users can observe:
// - calls to module-local functions that provably never suspend are not instrumented
//   (transformer/core/non-suspending.ts): such calls really are plain, and anything that *could*
//   reach a switch still switches;
// - member calls of functions that ignore their receiver are direct calls (transformer/core/receiver.ts);
// - an anonymous `export default function` with switch points.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Greenlet, getcurrent } from "tsgreenlet";
import { transform } from "tsgreenlet/transform";
import anonymousDefault from "../fixtures/modules/default-export.js";
import * as copied from "../fixtures/modules/copied-tags.js";
import * as statics from "../fixtures/modules/known-statics.js";
import * as split from "../fixtures/modules/split-entries.js";

function add(a: number, b: number): number {
  return a + b;
}
function sumTo(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s = add(s, i);
  return s;
}
function isEven(n: number): boolean {
  return n === 0 ? true : isOdd(n - 1);
}
function isOdd(n: number): boolean {
  return n === 0 ? false : isEven(n - 1);
}

function pause(v: number): number {
  return getcurrent().parent!.switch(v) as number;
}
// `helper` starts as a leaf, then is reassigned to something that switches: calls through the
// binding must stay instrumented.
function helper(x: number): number {
  return x;
}
function callsHelper(): number {
  return helper(1) + helper(2);
}
// A leaf-looking function that calls a parameter: a callback may switch.
function applyTwice(f: (x: number) => number, x: number): number {
  return f(f(x));
}
const viaConst = (x: number): number => add(x, pause(x));

describe("non-suspending analysis: behaviour", () => {
  it("local leaf helpers compute the same results inside a greenlet", () => {
    const g = new Greenlet(() => [sumTo(100), isEven(10), isOdd(7)]);
    expect(g.switch()).toEqual([4950, true, true]);
  });

  it("a reassigned function binding keeps its call sites instrumented", () => {
    // @ts-expect-error reassigning a function declaration on purpose (plain JavaScript allows it)
    helper = (x: number) => pause(x * 10) + x;
    const g = new Greenlet(callsHelper);
    expect(g.switch()).toBe(10);
    expect(g.switch(5)).toBe(20);
    expect(g.switch(7)).toBe(5 + 1 + 7 + 2);
    expect(g.dead).toBe(true);
  });

  it("a callback passed to a local function can still switch", () => {
    const g = new Greenlet(() => applyTwice((x) => pause(x) + 1, 1));
    expect(g.switch()).toBe(1);
    expect(g.switch(10)).toBe(11);
    expect(g.switch(20)).toBe(21);
  });

  it("a const-bound arrow that switches is not mistaken for a leaf", () => {
    const g = new Greenlet(() => viaConst(3));
    expect(g.switch()).toBe(3);
    expect(g.switch(4)).toBe(7);
  });
});

describe("non-suspending analysis: generated code", () => {
  const code = (src: string) => transform(`"use greenlet";\n${src}`, "/virtual/leaf.ts", {}).code;

  it("emits no callee token or unwinding test for calls of local leaves", () => {
    const out = code(`
      function add(a: number, b: number) { return a + b; }
      export function loop(n: number) { let s = 0; for (let i = 0; i < n; i++) s = add(s, i); return s; }
      export function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }`);
    expect(out).not.toMatch(/\.t = |unwinding/);
  });

  it("keeps instrumentation for imported, reassigned, member and parameter callees", () => {
    const out = code(`
      import { ext } from "./ext";
      function leaf() { return 1; }
      function later() { return 2; }
      later = leaf;
      function cast() { return 3; }
      (cast as unknown as () => number) = leaf;
      function bang() { return 4; }
      [bang!] = [leaf];
      export function a() { return ext(); }
      export function b() { return later(); }
      export function c(o: { m(): number }) { return o.m(); }
      export function d(f: () => number) { return f(); }
      export function e() { return cast() + bang(); }`);
    // cast and bang are reassigned through `as` and `!` (still writes of the binding).
    for (const callee of ["ext", "later", "f", "cast", "bang"]) expect(out).toContain(`$$tsgreenlet2.t = ${callee};`);
    expect(out).toMatch(/\$\$tsgreenlet2\.t = \$\$t\d+;\s*\$\$t\d+ = "\$\$d" in \$\$t\d+ && \$\$t\d+\.\$\$d === \$\$t\d+ \? \$\$t\d+\(\) : \$\$t\d+\.call\(\$\$t\d+\)/); // o.m()
    expect(out).not.toMatch(/\.t = leaf;/);
  });

  it("names the runtime by its global at call and new sites, not by the local read on entry", () => {
    // callAndTest: the local's read has no type feedback when the function's first call runs a
    // long loop, and V8's code for that loop then knows nothing of the runtime.
    const out = code(`
      declare function ext(x: number): number;
      export class V { y: number; constructor(x: number) { this.y = ext(x); } }
      export function loop(n: number, f: (x: number) => number) { let s = 0; for (let i = 0; i < n; i++) s += new V(i).y + f(i); return s; }`);
    expect(out).toMatch(/\$\$tsgreenlet2\.t = \$\$ct\d+;\s*\$\$t\d+ = new \$\$t\d+\(i\$\$\d+\);\s*if \(\$\$tsgreenlet2\.unwinding === true\)/);
    expect(out).toContain("$$tsgreenlet2.t = f;");
    expect(out).toContain("$$tsgreenlet2.t = ext;");
    expect(out).not.toMatch(/\$\$rt\.t = (?!null)/);
  });

  it("treats new, tagged templates and for-of as possible switch points of the caller", () => {
    const out = code(`
      function leaf() { return 1; }
      function usesNew() { leaf(); return new Map(); }
      export function a() { return usesNew(); }
      function usesForOf(xs: number[]) { let s = 0; for (const x of xs) s += x; return s; }
      export function b() { return usesForOf([1]); }`);
    // Both are split (inner entries, below): called by name without a token, with the unwinding test.
    for (const name of ["usesNew", "usesForOf"]) {
      const inner = innerOf(out, name);
      expect(out).toMatch(new RegExp(`\\$\\$t\\d+ = ${esc(inner)}\\([^)]*\\);\\s*if \\(\\$\\$t\\d+ === \\$\\$tsgreenlet2U\\)`));
    }
    expect(out).not.toMatch(/\.t = uses/);
  });
});

const esc = (x: string) => x.replace(/[$().]/g, "\\$&");
/** The inner entry (`$$inN`) the transform named after `name`. */
function innerOf(out: string, name: string): string {
  const m = new RegExp(`Object\\.defineProperty\\((\\$\\$in\\d+), "name", \\{ value: "${name}"`).exec(out);
  expect(m, `inner entry of ${name}`).not.toBeNull();
  return m![1]!;
}

describe("inner entries of top-level functions", () => {
  const code = (src: string) => transform(`"use greenlet";\n${src}`, "/virtual/split.ts", {}).code;

  it("callers of this module call the inner entry by name; the function checks its entry and forwards", () => {
    const out = code(`
      declare function ext(): number;
      export function step(x: number) { return ext() + x; }
      export function run() { return step(1) + step(2); }`);
    const inner = innerOf(out, "step");
    expect(out).toMatch(new RegExp(`export function step\\(x\\) \\{\\s*const \\$\\$rt = \\$\\$tsgreenlet2;\\s*if \\(\\$\\$rt\\.t !== step\\)[\\s\\S]*?\\$\\$rt\\.t = null;\\s*return ${esc(inner)}\\.call\\(this, x\\);\\s*\\}`));
    expect(out).toContain(`function ${inner}(x) {`);
    expect(out.split(`= ${inner}(`)).toHaveLength(5); // step(1), step(2), in the normal and the resume path
    expect(out).not.toMatch(/\.t = step/);
  });

  it("is not used for reassigned functions, parameter defaults, arguments, new.target, generators", () => {
    const out = code(`
      declare function ext(): number;
      export function moved() { return ext(); }
      moved = () => 1;
      export function defaults(x = 1) { return ext() + x; }
      export function args() { return ext() + arguments.length; }
      export function nt() { return ext() + (new.target ? 1 : 0); }
      export function* gen() { yield ext(); }
      export function run() { return moved() + defaults() + args() + nt() + [...gen()].length; }`);
    for (const name of ["moved", "defaults", "args", "nt", "gen"]) expect(out).not.toContain(`{ value: "${name}"`);
    for (const name of ["moved", "defaults", "args", "nt"]) expect(out).toContain(`$$tsgreenlet2.t = ${name};`);
  });

  it("behave like the functions: receivers, rest parameters, new, recursion, names in stack traces", () => {
    const g = new Greenlet(split.driver);
    const seen: unknown[] = [];
    let v = g.switch();
    while (!g.dead) {
      seen.push(v);
      v = g.switch(typeof v === "number" ? v * 2 : 7);
    }
    // new Point(2) runs first (it is evaluated before the array), then the array's calls in order.
    expect(seen).toEqual([2, 3, 4, 5, 2, "bottom"]);
    expect(v).toEqual([6, 80, 1000, 4 + 1 + 5, 2 + 4, 7 + 3]);
    expect(split.total.length).toBe(1);
    expect(split.scaled.name).toBe("scaled");
    // Called from untransformed code, the function enters through its check: a boundary.
    expect(() => new Greenlet(() => [1, 2].map((x) => split.total(x, x))).switch()).toThrow(/called from untransformed code \(at Array\.map/);
    let stack = "";
    try { new Greenlet(split.callsFails).switch(); } catch (e) { stack = (e as Error).stack ?? ""; }
    expect(stack).toMatch(/at fails \(/);
    expect(stack).not.toMatch(/\$\$in\d/);
  });
});

// Member calls: `o.m(x)` calls a receiver-free callee (tagged `$$d`) directly, anything else with
// `o` as receiver. Both must behave exactly like the plain call.
function twice(x: number): number {
  return x * 2;
}
function selfValue(this: { v: number }): number {
  return this.v;
}
function arrowSelf(this: { v: number }): number {
  return (() => this.v)();
}
function evalSelf(this: { v: number }): number {
  return eval("this.v") as number;
}
function pausingStep(x: number): number {
  return pause(x) + 1;
}
const table = {
  v: 7,
  twice,
  selfValue,
  arrowSelf,
  evalSelf,
  pausingStep,
  arrow: (x: number) => x + 100,
  pausingArrow: (x: number) => pause(x) * 3,
  method(this: { v: number }) { return this.v + 1; },
  fnExpr: function (this: { v: number }) { return this.v + 2; },
};

describe("member calls of receiver-free functions", () => {
  // (Under `npm run test:stress` every function inherits a `$$d`: these two read tags directly.)
  const inheritedTags = "$$d" in Function.prototype;
  it.skipIf(inheritedTags)("tags exactly the functions that ignore their receiver", () => {
    expect((twice as unknown as { $$d?: unknown }).$$d).toBe(twice);
    expect((table.arrow as unknown as { $$d?: unknown }).$$d).toBe(table.arrow);
    for (const f of [selfValue, arrowSelf, evalSelf, table.method, table.fnExpr]) {
      expect((f as unknown as { $$d?: unknown }).$$d).toBeUndefined();
    }
    // Top-level declarations: a non-enumerable tag (not shown by Object.keys or console.log).
    expect(Object.keys(twice)).toEqual([]);
  });

  it("keeps every receiver and result the same as plain calls", () => {
    const g = new Greenlet(() => [table.twice(4), table.selfValue(), table.arrowSelf(), table.evalSelf(),
      table.arrow(1), table.method(), table.fnExpr(), [1, 2].map(table.twice), ["a"].concat("b")]);
    expect(g.switch()).toEqual([8, 7, 7, 7, 101, 8, 9, [2, 4], ["a", "b"]]);
  });

  it.skipIf(inheritedTags)("static methods: receiver-free ones are tagged, ones using this/super keep their receiver", () => {
    class Base {
      static label(): string { return "base"; }
      static add(a: number, b: number): number { return a + b; }
      static make(): Base { return new this(); }
      static pausing(x: number): number { return pause(x) + 1; }
    }
    class Derived extends Base {
      static override label(): string { return "derived:" + super.label(); }
    }
    const tagOf = (f: unknown) => (f as { $$d?: unknown }).$$d;
    expect(tagOf(Base.add)).toBe(Base.add);
    expect(tagOf(Base.label)).toBe(Base.label);
    expect(tagOf(Base.make)).toBeUndefined();
    expect(tagOf(Derived.label)).toBeUndefined();
    const g = new Greenlet(() => [Derived.add(2, 3), Derived.make() instanceof Derived, Derived.label(), Base.pausing(1)]);
    expect(g.switch()).toBe(1);
    expect(g.switch(41)).toEqual([5, true, "derived:base", 42]);
  });

  it("a for-of head calling a user's own keys()/entries() is a switch point like any member call", () => {
    const bag = {
      items: ["x", "y"],
      keys(this: { items: string[] }) { return pause(this.items.length) > 0 ? this.items.map((_, i) => i) : []; },
      entries(this: { items: string[] }) { return this.items.map((x, i) => [i, x] as const); },
    };
    const g = new Greenlet(() => {
      const out: unknown[] = [];
      for (const k of bag.keys()) out.push(k);
      for (const [i, x] of bag.entries()) out.push(`${i}${x}`);
      return out;
    });
    expect(g.switch()).toBe(2);
    expect(g.switch(1)).toEqual([0, 1, "0x", "1y"]);
  });

  it("a tag copied onto another function does not make it receiver-free", () => {
    const copy = Object.assign(function (this: { v: number }) { return this.v; }, table.arrow);
    const holder = { v: 3, copy };
    expect((copy as unknown as { $$d?: unknown }).$$d).toBe(table.arrow);
    expect(new Greenlet(() => holder.copy()).switch()).toBe(3);
  });

  it("a callee Proxy whose get trap throws on unknown string keys (chai's assertions) is called with its receiver", () => {
    const seen: string[] = [];
    const strict = <T extends object>(target: T): T => new Proxy(target, {
      get(t, p, r) {
        if (typeof p === "string" && !Reflect.has(t, p)) throw new Error(`Invalid property: ${p}`);
        return Reflect.get(t, p, r);
      },
      has(t, p) { seen.push(String(p)); return Reflect.has(t, p); },
    });
    const holder = { v: 4, method: strict(function (this: { v: number }, x: number) { return this.v + x; }), arrow: strict(table.arrow) };
    const g = new Greenlet(() => [holder.method(1), holder.arrow(5)]);
    expect(g.switch()).toEqual([5, 105]);
    // The tag test asks `has` first: the trap sees "$$d" (observable, like any engine-made lookup).
    expect(seen).toEqual(["$$d", "$$d"]);
  });

  it("a method that is not a function: the engine's TypeError, after the arguments, even for an object with a call method", () => {
    const log: string[] = [];
    const arg = (v: number) => { log.push(`arg ${v}`); return v; };
    const o = { missing: undefined as unknown as (x: number) => number, obj: { call: () => "called" } as unknown as () => string, n: 5 };
    const run = (f: () => unknown) => { try { return f(); } catch (e) { return `${(e as Error).constructor.name}: ${(e as Error).message}`; } };
    const g = new Greenlet(() => [run(() => o.missing(arg(1))), run(() => o.obj()), run(() => o?.missing?.(arg(2))), run(() => (o as any).n(arg(3))), pause(0)]);
    expect(g.switch()).toBe(0);
    expect(g.switch(9)).toEqual(["TypeError: o.missing is not a function", "TypeError: o.obj is not a function", undefined,
      "TypeError: o.n is not a function", 9]);
    expect(log).toEqual(["arg 1", "arg 3"]);
  });

  it("switches inside a directly called member and resumes it", () => {
    const g = new Greenlet(() => table.pausingStep(1) + table.pausingArrow(2) + table["pausingStep"](3));
    expect(g.switch()).toBe(1);
    expect(g.switch(10)).toBe(2);
    expect(g.switch(20)).toBe(3);
    expect(g.switch(30)).toBe(11 + 60 + 31);
    expect(g.dead).toBe(true);
  });

  it("optional member calls take the same path", () => {
    const maybe: typeof table | undefined = table;
    const g = new Greenlet(() => [maybe?.pausingStep(5), maybe?.selfValue(), maybe?.arrow?.(pause(0))]);
    expect(g.switch()).toBe(5);
    expect(g.switch(1)).toBe(0);
    expect(g.switch(2)).toEqual([2, 7, 102]);
  });

  it("o.m?.() keeps o as the receiver when only the call is optional (it was lost until session 7)", () => {
    class Base { v = 1; get(this: Base): number { return this.v; } step(x: number): number { return this.v * pause(x); } }
    class Holder extends Base {
      #k = 40;
      #own(): number { return this.#k; }
      run(): unknown[] {
        const key = "get";
        const none: { m?: () => number } = {};
        return [this.get?.(), super.get?.(), this.#own?.(), this[key]?.(), (this as Base).get?.(), none.m?.(), [1, 2].map?.((x) => x * 2), this.step?.(5), super.step?.(6)];
      }
    }
    const g = new Greenlet(() => new Holder().run());
    expect(g.switch()).toBe(5);
    expect(g.switch(10)).toBe(6);
    expect(g.switch(100)).toEqual([1, 1, 40, 1, 1, undefined, [2, 4], 10, 100]);
    const bad = { m: 5 as unknown as () => number };
    expect(new Greenlet(() => { try { return bad.m?.(); } catch (e) { return (e as Error).message; } }).switch()).toBe("bad.m is not a function");
  });

  it("generated code: a tag test at member call sites, RT.direct for receiver-free declarations", () => {
    const out = transform(`"use greenlet";
      export function add(a: number, b: number) { return a + b; }
      export function usesThis(this: { k: number }) { return this.k; }
      export function usesArrowThis(this: { k: number }) { return () => this.k; }
      export const ops = { add, arrow: (x: number) => x };
      export function run(o: typeof ops) { return o.add(1, 2); }`, "/virtual/direct.ts", {}).code;
    expect(out).toMatch(/\$\$RT\.direct\(\[add, run\]\)/);
    // The tag test is inline, so each call site has its own type feedback (session 7: a shared
    // `RT.isDirect` went megamorphic in any program with varied callees).
    expect(out).toMatch(/"\$\$d" in (\$\$t\d+) && \1\.\$\$d === \1 \? \1\(1, 2\) : \1\.call\(\$\$t\d+, 1, 2\)/);
    expect(out).toMatch(/const arrow = \(x\) => \{[^}]*\};\s*arrow\.\$\$k = \$\$k\d+;\s*arrow\.\$\$d = arrow;/);
  });

  it("generated code: on the normal path the tag test is statements, a copied tag leaves the loop, except inside try/finally", () => {
    const out = transform(`"use greenlet";
      export function run(o: { m(x: number): number }, n: number) {
        let s = 0;
        for (let i = 0; i < n; i++) s += o.m(i);
        for (let i = 0; i < n; i++) { try { s += o.m(i); } finally { s++; } }
        return s;
      }`, "/virtual/member.ts", {}).code;
    const normal = out.slice(out.indexOf("function $$in"), out.indexOf("function $$r"));
    const resume = out.slice(out.indexOf("function $$r"));
    // Only a tag that is not the callee's own takes the exit, with no call in that arm.
    expect(normal).toMatch(/\$\$tsgreenlet2\.t = (\$\$t\d+);\s*if \("\$\$d" in \1\) \{\s*if \(\1\.\$\$d === \1\)\s*(\$\$t\d+) = \1\((i\$\$\d+)\);\s*else \{\s*\$\$pc = -1;\s*break \$\$body;\s*\}\s*\}\s*else\s*\2 = \1\.call\(\$\$t\d+, \3\);\s*if \(\2 === \$\$tsgreenlet2U\)/);
    expect(normal.match(/\$\$pc = -\d+;/g)).toHaveLength(1);
    expect(normal).toMatch(/"\$\$d" in (\$\$t\d+) && \1\.\$\$d === \1 \? /); // the one inside try/finally
    // (the frame is spilled as for a capture; the runtime takes it back: continueSpilled)
    expect(normal).toMatch(/\$\$rt\.sp \+= \d+;\s*if \(\$\$pc < 0\)\s*return \$\$rt\.continueSpilled\(\$\$i\d+\);\s*return \$\$tsgreenlet2U;/);
    // Constructors keep the conditional form: the exit's tail took bench calls-new's constructor
    // over V8's inlining limit (transform-file.ts `exit`).
    const ctor = transform(`"use greenlet";
      export class C { s = 0; constructor(o: { m(x: number): number }, n: number) { for (let i = 0; i < n; i++) this.s += o.m(i); } }`,
    "/virtual/member-ctor.ts", {}).code;
    expect(ctor).not.toContain("continueSpilled");
    expect(ctor).not.toMatch(/\$\$pc = -\d+/);
    expect(ctor).toMatch(/\$\$t\d+ = "\$\$d" in (\$\$t\d+) && \1\.\$\$d === \1 \? /);
    // The resume function, entered there in mode 3, makes the call in its receiver-passing form
    // without testing the tag again.
    expect(resume).toMatch(/if \(\$\$pc === 1 && !\(\$\$m === 3\)\) \{[^}]*\}\s*else if \(\$\$pc === 0\) \{[\s\S]*?\}\s*else if \(\$\$pc === 1\) \{\s*\$\$pc = 0;\s*\$\$tsgreenlet2\.t = (\$\$t\d+);\s*\$\$t\d+ = \1\.call\(/);
  });
});

// A for-of whose body makes no call stays a native loop, except over a rewritten generator (its
// next() may switch): that lowered loop is the rare arm, left on the normal path (lower-function.ts).
describe("for-of over a rewritten generator", () => {
  function* pausing(n: number): Generator<number> {
    for (let i = 0; i < n; i++) yield pause(i);
  }
  function total(xs: Iterable<number>): number {
    let s = 0;
    for (const x of xs) s += x;
    return s;
  }

  it("the loop runs in the resume function, and a switch inside the generator resumes it", () => {
    const g = new Greenlet(() => total(pausing(3)) + total([1, 2]));
    expect(g.switch()).toBe(0);
    expect(g.switch(10)).toBe(1);
    expect(g.switch(20)).toBe(2);
    expect(g.switch(30)).toBe(63);
    expect(g.dead).toBe(true);
  });

  it("generated code: the normal path leaves where the lowered loop starts; only the resume function has it", () => {
    const out = transform(`"use greenlet";
      export function total(xs: Iterable<number>) { let s = 0; for (const x of xs) s += x; return s; }`, "/virtual/forof.ts", {}).code;
    const normal = out.slice(out.indexOf("function $$in"), out.indexOf("function $$r"));
    const resume = out.slice(out.indexOf("function $$r"));
    expect(normal).toMatch(/if \(\$\$rt\.isGen\((\$\$t\d+)\)\) \{\s*\{\s*\$\$pc = -1;\s*break \$\$body;\s*\}\s*\}\s*else \{\s*for \(x\$\$\d+ of \1\)/);
    expect(normal).not.toContain("$$rt.iter(");
    expect(normal).toMatch(/if \(\$\$pc < 0\)\s*return \$\$rt\.continueSpilled\(/);
    expect(resume).toMatch(/if \(\$\$pc === 1\)\s*\$\$pc = 0;\s*if \(\$\$pc === 0\) \{\s*\$\$t\d+ = \$\$rt\.iter\(/);
  });
});

// A function that uses its receiver, carrying a direct-call tag copied from a receiver-free closure
// (fixtures/modules/copied-tags.ts): each call keeps its receiver, and on the normal path the call
// site's rare arm leaves its loop, the rest of the body going on in the resume function.
describe("member calls of a function carrying a copied tag", () => {
  const own = (k: number): copied.Holder => ({ k, m(x: number) { return x * 2; } });
  const withCopy = (k: number): copied.Holder => ({ k, m: copied.copiedTag() });
  const tagOf = (f: unknown) => (f as { $$d?: unknown }).$$d;

  it("the exit is taken mid-loop and at the first call, in a function; the loop goes on with its state", () => {
    expect(tagOf(copied.copiedTag())).toBe(copied.receiverFree);
    expect(copied.loop(own(1), 5, 2)).toEqual([0, 2, 5, 9, 14]);
    expect(copied.loop(own(1), 5, 0)).toEqual([1, 3, 6, 10, 15]);
    expect(copied.viaInner(withCopy(10), 3)).toBe(66);
  });

  it("in constructors (also derived, after super), private methods and an arrow reading this", () => {
    const a = new copied.Acc(withCopy(10), 3);
    expect(a).toBeInstanceOf(copied.Acc);
    expect(a.total).toBe(33);
    const d = new copied.DerivedAcc(withCopy(10), 3);
    expect(d).toBeInstanceOf(copied.DerivedAcc);
    expect([d.total, d.extra]).toEqual([33, 60]);
    expect(new copied.Private().run(withCopy(10), 3)).toBe(43);
    expect(new copied.Lexical().viaArrow(withCopy(10), 3)).toBe(165);
  });

  it("a switch after the exit saves and resumes the resume function's frame", () => {
    const g = new Greenlet(() => copied.pausing(withCopy(10), 3));
    expect(g.switch()).toBe(0);
    expect(g.switch(1)).toBe(1);
    expect(g.switch(2)).toBe(2);
    expect(g.switch(3)).toBe(10 + 1 + 11 + 2 + 12 + 3);
    expect(g.dead).toBe(true);
    // In constructors, base and derived (whose return value may only be an object or undefined).
    for (const C of [copied.PausingBase, copied.PausingAcc]) {
      const c = new Greenlet(() => new C(withCopy(10), 2));
      expect(c.switch()).toBe(0);
      expect(c.switch(100)).toBe(1);
      const made = c.switch(200) as InstanceType<typeof C>;
      expect(made).toBeInstanceOf(C);
      expect(made.seen).toEqual([110, 211]);
    }
  });

  it("errors, try/catch and try/finally, labelled jumps and switch cases, generators", () => {
    const throwing = Object.assign(function (this: copied.Holder, x: number) {
      if (x < 0) throw new Error(`bad ${this.k}`);
      return this.k + x;
    }, copied.receiverFree);
    expect(copied.catching({ k: 10, m: throwing }, 3, 1)).toEqual(["10", "caught bad 10", "12"]);
    const log: string[] = [];
    expect(copied.withFinally(withCopy(10), 3, log)).toBe(33);
    expect(log).toEqual(["finally 0", "finally 1", "finally 2"]);
    expect(copied.nested(withCopy(10))).toEqual(["00", "01:11", "10", "11:21", "20", "21:31"]);
    expect([...copied.generated(withCopy(10), 3)]).toEqual([10, 11, 12]);
  });

  it("a Proxy callee sees each trap once per call, the exit's call included", () => {
    const log: string[] = [];
    const target = copied.copiedTag();
    const m = new Proxy(target, {
      has(t, p) { log.push(`has ${String(p)}`); return Reflect.has(t, p); },
      get(t, p, r) { log.push(`get ${String(p)}`); return Reflect.get(t, p, r); },
      apply(t, self, args) { log.push("apply"); return Reflect.apply(t, self, args); },
    });
    expect(copied.loop({ k: 7, m }, 2, -1)).toEqual([7, 15]);
    expect(log).toEqual(["has $$d", "get $$d", "get call", "apply", "has $$d", "get $$d", "get call", "apply"]);
  });
});

// Static methods of top-level classes (fixtures/modules/known-statics.ts): `Util.add(x)` calls the
// method plainly (no callee token, no unwinding test) while `Util.add` is still the method the
// class was defined with and that method never unwinds; anything else is instrumented.
describe("static methods of top-level classes", () => {
  it("call known methods with the same results and receivers as plain calls", () => {
    expect(new Greenlet(statics.plainResults).switch()).toEqual([5, 6, 10, 2, 2]);
    expect(statics.plainResults()).toEqual([5, 6, 10, 2, 2]);
  });

  it("a method that switches is never taken for a known one", () => {
    const g = new Greenlet(statics.knownAroundPausing);
    expect(g.switch()).toBe(1);
    expect(g.switch(4)).toBe(15);
    expect(g.dead).toBe(true);
  });

  it("a method replaced after the class was defined takes the instrumented path and resumes there", () => {
    const original = statics.Util.swapped;
    try {
      const g = new Greenlet(statics.swapMidLoop);
      expect(g.switch()).toBe(2);
      expect(g.switch(5)).toBe(3);
      expect(g.switch(6)).toBe(0 + 1 + 500 + 600);
      expect(g.dead).toBe(true);
    } finally {
      statics.Util.swapped = original;
    }
  });

  it("a known method replaced by a non-function: the engine's TypeError, after the arguments", () => {
    expect(new Greenlet(statics.callReplacedAdd).switch(5)).toEqual(["TypeError: Util.add is not a function", ["arg"]]);
    expect(new Greenlet(statics.callReplacedAdd).switch({ call: () => 1 })).toEqual(["TypeError: Util.add is not a function", ["arg"]]);
    expect(new Greenlet(statics.callReplacedAdd).switch((a: number, b: number) => a * 10 + b)).toEqual([11, ["arg"]]);
  });

  it("a known static replaced inside a loop: the loop goes on in the resume function, in functions and constructors", () => {
    const original = statics.Util.viaLeaf, swapped = statics.Util.swapped;
    try {
      expect(statics.replaceMidLoop(5)).toEqual([1, 3, 203, 503, 903]);
      statics.Util.viaLeaf = original;
      const made = new statics.Summer(3);
      expect(made).toBeInstanceOf(statics.Summer);
      expect(made.total).toBe(1 + 100 + 200);
      statics.Util.viaLeaf = original;
      // The same inside a greenlet, where the resume function's frame is the one that would be saved.
      const g = new Greenlet(() => statics.replaceMidLoop(4));
      expect(g.switch()).toEqual([1, 3, 203, 503]);
      const log: string[] = [];
      expect(() => statics.replaceByNumberMidLoop(log)).toThrow(new TypeError("Util.swapped is not a function"));
      expect(log).toEqual(["arg 0", "arg 1"]);
    } finally {
      statics.Util.viaLeaf = original;
      statics.Util.swapped = swapped;
    }
  });

  it("the fixture's call sites are guarded (the tests above take the known path)", () => {
    const out = transform(readFileSync(new URL("../fixtures/modules/known-statics.ts", import.meta.url), "utf8"), "/virtual/known-statics.ts", {}).code;
    expect([...out.matchAll(/\$\$sm\d+ = this\.(\w+);/g)].map((m) => m[1]).sort()).toEqual(["add", "scaled", "swapped", "viaLeaf"]);
    // One exit per function with a guarded call outside any try/finally (callReplacedAdd's is inside
    // one), or with a member call (a copied direct-call tag's exit: see "member calls" above); none
    // in constructors (Summer: its guarded arm stays in place, transform-file.ts `exit`).
    expect(out.match(/return \$\$rt\.continueSpilled\(/g)).toHaveLength(6);
  });

  it("generated code: a guard for never-unwinding statics, captured by the class's first static block", () => {
    const out = transform(`"use greenlet";
      function leaf(x: number) { return x; }
      export class K {
        static add(a: number, b: number) { return a + b; }
        static own(x: number) { return this.k * leaf(x); }
        static k = 2;
        static far(x: number) { return ext(x); }
        static get dup() { return 1; }
        static dup2() { return 2; }
        static async later() { return 3; }
      }
      class Moved { static m() { return 1; } }
      Moved = class { static m() { return 2; } };
      declare function ext(x: number): number;
      export function run(n: number) { return K.add(n, 1) + K.own(n) + K.far(n) + K.later.length + Moved.m(); }`, "/virtual/statics.ts", {}).code;
    const slots = [...out.matchAll(/\$\$sm\d+ = this\.(\w+);/g)].map((m) => m[1]);
    expect(slots).toEqual(["add", "own"]);
    expect(out).toMatch(/if \(\$\$t\d+ === \$\$sm\d+\) \{\s*\$\$t\d+ = \$\$t\d+\(\$\$t\d+, 1\);/); // K.add: a plain call
    expect(out).toMatch(/if \(\$\$t\d+ === \$\$sm\d+\) \{\s*\$\$t\d+ = \$\$t\d+\.call\(\$\$t\d+, \$\$t\d+\);/); // K.own keeps K as receiver
    expect(out.match(/=== \$\$sm\d+\)/g)).toHaveLength(2);
    expect(out).toContain("$$tsgreenlet2.t = $$t"); // K.far, Moved.m: instrumented
    // The guarded arm leaves the loop on the normal path, with no call in it (emitNormal `exit`),
    // and the rest of the body runs in the resume function from the call (runtime continueSpilled)...
    expect(out.match(/\}\s*else \{\s*\{\s*\$\$pc = -\d+;\s*break \$\$body;\s*\}\s*\}/g)).toHaveLength(2);
    expect(out.match(/if \(\$\$pc < 0\)\s*return \$\$rt\.continueSpilled\(\$\$i\d+\);/g)).toHaveLength(1);
    // ...which, entered in mode 3, makes the call there after the not-a-function check, storing
    // the token through the local copy (callAndTest: a cold arm). (Four points are entered in
    // mode 3: the two guarded calls and the member calls K.far and Moved.m.)
    expect(out.match(/if \(\$\$pc === \d+ && !\(\$\$m === 3\)\)/g)).toHaveLength(4);
    expect(out.match(/else if \(\$\$pc === 0 \|\| \$\$pc === \d+\) \{\s*\$\$pc = 0;\s*if \(typeof \$\$t\d+ !== "function"\)\s*throw \$\$rt\.notCallable\([^;]*;\s*\$\$rt\.t = \$\$t\d+;/g)).toHaveLength(2);
  });
});

describe("anonymous default export", () => {
  it("is transformed, switches, keeps the name \"default\" and is soft under \"auto\"", () => {
    expect(anonymousDefault.name).toBe("default");
    const g = new Greenlet(anonymousDefault);
    expect(g.stack).toBe("soft");
    expect(g.switch(1)).toBe(1);
    expect(g.switch(2)).toBe(3);
    expect(g.dead).toBe(true);
  });
});

// Fields of a derived class move after super(...) only when the base constructor may switch
// (transform-file.ts baseMaySwitch): otherwise each construction would pay for a helper class.
describe("fields of derived classes: moved only when the base constructor may switch", () => {
  const code = (src: string) => transform(`"use greenlet";\n${src}`, "/virtual/fields.ts", {}).code;
  it("keeps the fields in place for a global base and for a local base that never suspends", () => {
    expect(code(`export class E extends Error { code = 1; constructor(m: string) { super(m); } }`)).not.toContain("Stamp");
    expect(code(`const leaf = (x: number) => x + 1;
      class Base { x: number; constructor(x: number) { this.x = leaf(x); } }
      class Mid extends Base {}
      export class Sub extends Mid { y = 2; }`)).not.toContain("Stamp");
  });
  it("moves them for a base that may switch, an imported base and a reassigned local one", () => {
    expect(code(`const ops = { f: (x: number) => x };
      class Base { x: number; constructor(x: number) { this.x = ops.f(x); } }
      export class Sub extends Base { y = 2; }`)).toContain("Stamp");
    expect(code(`import { Base } from "./elsewhere.js";
      export class Sub extends Base { y = 2; }`)).toContain("Stamp");
    expect(code(`let Base = class { x = 1; };
      class Plain { constructor() {} }
      Base = Plain as never;
      export class Sub extends Base { y = 2; }`)).toContain("Stamp");
  });
});

// Input TypeScript rejects and its printer cannot print once rewritten (`o?.#m()`): the
// transform reports TypeScript's error at its position instead of crashing inside TypeScript.
describe("input TypeScript rejects", () => {
  it("gives TypeScript's own error with file:line:column, for a property read and a call", () => {
    for (const body of ["return o?.#x;", "return o?.#m();"]) {
      const src = `"use greenlet";\nclass A {\n  #x = 1;\n  #m() { return 1; }\n  f(o: A | undefined) { ${body} }\n}\n`;
      let err: unknown;
      try {
        transform(src, "/virtual/optional-private.ts", {});
      } catch (e) {
        err = e;
      }
      expect((err as Error).name).toBe("GreenletTransformError");
      expect((err as Error).message).toMatch(/optional-private\.ts:5:\d+ - error TSG: An optional chain cannot contain private identifiers/);
    }
  });
});
