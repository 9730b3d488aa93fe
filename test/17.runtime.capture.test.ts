"use greenlet";
// Where suspended frames are written. A resumed frame that suspends again spills its record in
// place on the greenlet's heap stack; frames entered since the resume spill there too and are
// then put in order (runtime/greenlet: resumeStack/capture). Nested drives (a switch from inside a
// callback of untransformed code) must leave the outer frame's spill position intact.
import { describe, expect, it } from "vitest";
import { Greenlet, GreenletError, getcurrent, settrace } from "tsgreenlet";
import { callEachUntransformed, codeRunningArgs } from "./helpers/untransformed.js";

const main = getcurrent();
const names = (g: Greenlet) => g.frames.map((f) => f.functionName);

function leaf(tag: string, x: number): number {
  return (main.switch(tag) as number) + x;
}
function middle(x: number): number {
  const a = leaf("m1", x);
  const b = leaf("m2", a);
  return a * 100 + b;
}
function outer(): number {
  let acc = 0;
  acc += main.switch("o1") as number; // one frame: rewritten in place
  acc += middle(acc); // three frames entered after a resume: reordered
  acc += middle(acc);
  return acc;
}

describe("capture: frames spilled in place and reordered", () => {
  it("keeps values and frame order across in-place and multi-frame suspensions", () => {
    const g = new Greenlet(outer);
    expect(g.switch()).toBe("o1");
    expect(names(g)).toEqual(["outer"]);
    expect(g.switch(1)).toBe("m1"); // acc = 1; middle(1) -> leaf
    expect(names(g)).toEqual(["leaf", "middle", "outer"]);
    expect(g.switch(2)).toBe("m2"); // a = 3
    expect(names(g)).toEqual(["leaf", "middle", "outer"]);
    expect(g.switch(4)).toBe("m1"); // b = 7; middle = 307; acc = 308; middle(308)
    expect(names(g)).toEqual(["leaf", "middle", "outer"]);
    expect(g.switch(5)).toBe("m2"); // a = 313
    expect(g.switch(6)).toBe(308 + 313 * 100 + 319);
    expect(g.dead).toBe(true);
  });

  it("a nested greenlet started from an untransformed callback does not disturb the outer spill", () => {
    const log: string[] = [];
    const inner = new Greenlet(() => {
      log.push("inner start");
      const v = getcurrent().parent!.switch("from inner"); // fresh greenlet: spills into the shared buffer
      log.push(`inner got ${String(v)}`);
      return "inner done";
    });
    const g = new Greenlet(() => {
      const first = main.switch("g1") as number; // from here on g resumes from its heap stack
      callEachUntransformed([1], () => {
        // A boundary: g cannot unwind here, so inner runs on top of g (nested drive).
        log.push(`nested ${String(inner.switch())}`);
      });
      return middle(first); // g suspends again, several frames, after the nested drive
    });
    inner.parent = g;
    expect(g.switch()).toBe("g1");
    expect(g.switch(10)).toBe("m1");
    expect(log).toEqual(["inner start", "nested from inner"]);
    expect(names(g).slice(0, 2)).toEqual(["leaf", "middle"]);
    expect(names(g)).toHaveLength(3);
    expect(g.switch(2)).toBe("m2"); // a = 12
    expect(g.switch(3)).toBe(12 * 100 + 15);
    expect(g.dead).toBe(true);
    expect(inner.switch(7)).toBe("inner done"); // g is dead: the result goes to main
    expect(log).toEqual(["inner start", "nested from inner", "inner got 7"]);
  });
});

// A switch from main to a suspended greenlet resumes its innermost frame directly (runtime:
// resumeHere); the frame's outcome decides what follows. One test per outcome.
describe("resuming a suspended greenlet: every outcome of its innermost frame", () => {
  it("suspends again in place towards a greenlet other than the one that resumed it", () => {
    const log: string[] = [];
    const g2 = new Greenlet((v: string) => {
      log.push(`g2 got ${v}`);
      log.push(`g2 got ${String(main.switch("g2 to main"))}`);
      return "g2 done";
    });
    const g1 = new Greenlet(() => {
      log.push(`g1 got ${String(main.switch("g1 ready"))}`);
      const back = g2.switch("from g1"); // one frame, rewritten in place; the target is not main
      log.push(`g1 back with ${String(back)}`);
      return "g1 done";
    });
    g2.parent = g1;
    expect(g1.switch()).toBe("g1 ready");
    expect(g1.switch("go")).toBe("g2 to main");
    expect(names(g1)).toEqual(["(anonymous)"]);
    expect(g2.switch("again")).toBe("g1 done"); // g2 ends: its result goes to g1, then g1 ends
    expect(log).toEqual(["g1 got go", "g2 got from g1", "g2 got again", "g1 back with g2 done"]);
    expect(g1.dead && g2.dead).toBe(true);
  });

  it("throws, and the frame outside it catches the error and switches back", () => {
    function inner(): number {
      return main.switch("in inner") as number;
    }
    const g = new Greenlet(() => {
      try {
        inner();
      } catch (e) {
        return main.switch(`caught ${(e as Error).message}`);
      }
      return "not reached";
    });
    expect(g.switch()).toBe("in inner");
    expect(names(g)).toEqual(["inner", "(anonymous)"]);
    expect(g.throw(new Error("boom"))).toBe("caught boom");
    expect(g.switch("end")).toBe("end");
    expect(g.dead).toBe(true);
  });

  it("returns, and the frames outside it continue and switch back", () => {
    function inner(x: number): number {
      return (main.switch("in inner") as number) + x;
    }
    const g = new Greenlet(() => {
      const a = inner(1);
      return main.switch(a * 10);
    });
    expect(g.switch()).toBe("in inner");
    expect(g.switch(4)).toBe(50);
    expect(names(g)).toEqual(["(anonymous)"]);
    expect(g.switch("x")).toBe("x");
    expect(g.dead).toBe(true);
  });

  it("installs a tracer and switches straight back: the tracer sees that switch", () => {
    const events: string[] = [];
    const g = new Greenlet(() => {
      main.switch(1);
      settrace((ev, { origin, target }) => {
        events.push(`${ev} ${origin === g ? "g" : "main"} -> ${target === g ? "g" : "main"}`);
      });
      main.switch(2);
    });
    try {
      expect(g.switch()).toBe(1);
      expect(g.switch()).toBe(2);
    } finally {
      settrace(null);
    }
    expect(events).toEqual(["switch g -> main"]);
  });
});


// A transformed call stores its callee token right before the call. Arguments that may run user
// code (a getter, valueOf, a spread's iterator) are evaluated before that store: otherwise
// untransformed code run by them could call the same function while the token names it, which
// would then be taken for a transformed entry and unwind through the untransformed frame on a
// switch (silently returning a wrong value, found in session 5).
function pausesAtOne(n: number): number {
  return n === 1 ? (main.switch("paused") as number) + 100 : n;
}
class PausesAtOne {
  readonly v: number;
  constructor(n: number) {
    this.v = pausesAtOne(n);
  }
}
const calls = { pausesAtOne };

describe("arguments that run code", () => {
  const args = codeRunningArgs(pausesAtOne);
  const cases: [string, () => unknown][] = [
    ["f(o.x)", () => pausesAtOne(args.x)],
    ["f(+o)", () => pausesAtOne(+args)],
    ["o.f(o.x)", () => calls.pausesAtOne(args.x)],
    ["new C(o.x)", () => new PausesAtOne(args.x).v],
    ["f(...[o.x])", () => pausesAtOne(...[args.x] as [number])],
  ];
  for (const [shape, run] of cases) {
    it(`${shape}: the callee reached from the untransformed code is a boundary, never unwound through it`, () => {
      const g = new Greenlet(run);
      let caught: unknown;
      try {
        g.switch();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(GreenletError);
      expect((caught as Error).message).toMatch(/called from untransformed code/);
    });
  }

  it("the same calls give the plain results when nothing switches", () => {
    const plain = codeRunningArgs((n) => (n === 1 ? 5 : n));
    const id = (n: number): number => n;
    expect(new Greenlet(() => [id(plain.x), id(+plain), new PausesAtOne(plain.x).v]).switch()).toEqual([10, 15, 10]);
  });
});

// `f.call(…)`, `f.apply(…)` and `Reflect.apply(f, …)` run `f`: the call site stores `f` as the
// callee token when the method it read is Function.prototype.call/apply or Reflect.apply, so a
// switch inside `f` unwinds and resumes like a direct call (it used to pin the greenlet).
function scaledPause(this: { k: number }, x: number): number {
  return (main.switch(x) as number) * this.k;
}
const ownCall = { k: 2, call(this: { k: number }, x: number): number { return (main.switch(-x) as number) + this.k; } };

describe("call, apply and Reflect.apply", () => {
  it("switch inside the function they run and resume it with its receiver", () => {
    const g = new Greenlet(() => [scaledPause.call({ k: 10 }, 1), scaledPause.apply({ k: 100 }, [2]), Reflect.apply(scaledPause, { k: 1000 }, [3])]);
    expect(g.switch()).toBe(1);
    expect(g.switch(1)).toBe(2);
    expect(g.switch(2)).toBe(3);
    expect(g.switch(3)).toEqual([10, 200, 3000]);
    expect(g.dead).toBe(true);
  });

  it("a method of the user's named call is an ordinary method call; natives run as before", () => {
    const g = new Greenlet(() => [ownCall.call(5), Math.max.call(null, 1, 7), Math.max.apply(null, [4, 2]), Reflect.apply(Math.min, null, [3, 9])]);
    expect(g.switch()).toBe(-5);
    expect(g.switch(40)).toEqual([42, 7, 4, 3]);
  });
});
