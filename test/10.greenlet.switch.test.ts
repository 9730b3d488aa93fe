"use greenlet";
// Behavioural tests for Greenlet.switch, getcurrent, the active/dead flags and the
// run attribute. Ported in spirit from python-greenlet's test_greenlet.py; the
// expected behaviour is the one of /work/shared/reference/greenlet-spec.md §2-§4,
// with tsgreenlet's JavaScript adaptation of the value-packing rule.
import { afterEach, describe, expect, it } from "vitest";
import { Greenlet, GreenletError, GreenletExit, getcurrent } from "tsgreenlet";
import { drive } from "./helpers/drive.js";
import { outcome, SomeError, thrownBy } from "./helpers/outcome.js";
import { callEachUntransformed } from "./helpers/untransformed.js";

afterEach(() => {
  // Every test must leave control in the main greenlet.
  expect(getcurrent().parent).toBeNull();
});

describe("switch: transfer of control", () => {
  it("runs a greenlet and hands control back and forth in strict ping-pong order", () => {
    const order: number[] = [];
    const g = new Greenlet(() => {
      order.push(1);
      getcurrent().parent!.switch();
      order.push(3);
    });
    order.push(0);
    g.switch();
    order.push(2);
    g.switch();
    order.push(4);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(g.dead).toBe(true);
  });

  it("runs two children independently of each other", () => {
    const log: string[] = [];
    const body = (name: string) => {
      log.push(`${name}:start`);
      getcurrent().parent!.switch();
      log.push(`${name}:end`);
    };
    const g = new Greenlet(body);
    const h = new Greenlet(body);
    g.switch("g");
    expect(log).toEqual(["g:start"]);
    h.switch("h");
    expect(log).toEqual(["g:start", "h:start"]);
    h.switch();
    expect(log).toEqual(["g:start", "h:start", "h:end"]);
    expect(h.dead).toBe(true);
    expect(g.dead).toBe(false);
    g.switch();
    expect(log).toEqual(["g:start", "h:start", "h:end", "g:end"]);
    expect(g.dead).toBe(true);
  });

  it("starts a greenlet from inside another one and returns to the right greenlet", () => {
    const log: string[] = [];
    const outer = new Greenlet(() => {
      log.push("a");
      const inner = new Greenlet(() => {
        log.push("b");
        getcurrent().parent!.switch();
      });
      inner.switch();
      log.push("c");
      return inner;
    });
    const inner = outer.switch() as Greenlet;
    expect(log).toEqual(["a", "b", "c"]);
    expect(outer.dead).toBe(true);
    expect(inner.parent).toBe(outer);
    expect(inner.dead).toBe(false);
    expect(inner.active).toBe(true);
  });

  it("passes the arguments of the first switch to run as separate arguments", () => {
    const seen: unknown[][] = [];
    const marker = { marker: true };
    const g = new Greenlet((...args: unknown[]) => {
      seen.push(args);
    });
    g.switch(1, "two", [3], marker);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toHaveLength(4);
    expect(seen[0]![0]).toBe(1);
    expect(seen[0]![1]).toBe("two");
    expect(seen[0]![2]).toEqual([3]);
    expect(seen[0]![3]).toBe(marker);
  });

  it("calls run with no arguments when the first switch has none", () => {
    let count = -1;
    const g = new Greenlet((...args: unknown[]) => {
      count = args.length;
    });
    g.switch();
    expect(count).toBe(0);
  });

  it("calls run with exactly one argument when the first switch has one array argument", () => {
    let received: unknown[] = [];
    const g = new Greenlet((...args: unknown[]) => {
      received = args;
    });
    g.switch([1, 2]);
    expect(received).toEqual([[1, 2]]);
  });
});

describe("switch: values delivered to a resumed greenlet", () => {
  it("packs no arguments as undefined, one as itself, and several as an array", () => {
    const main = getcurrent();
    const received: unknown[] = [];
    const g = new Greenlet(() => {
      for (;;) received.push(main.switch());
    });
    g.switch();
    g.switch();
    g.switch(1);
    g.switch(1, 2);
    g.switch("a", "b", "c");
    g.switch(undefined);
    g.switch(null);
    g.switch(undefined, undefined);
    expect(received).toStrictEqual([undefined, 1, [1, 2], ["a", "b", "c"], undefined, null, [undefined, undefined]]);
    expect(g.active).toBe(true);
  });

  it("never unwraps an array passed as the single value", () => {
    const main = getcurrent();
    const received: unknown[] = [];
    const g = new Greenlet(() => {
      for (;;) received.push(main.switch());
    });
    g.switch();
    const one = [1];
    const empty: unknown[] = [];
    g.switch(one);
    g.switch(empty);
    g.switch([[1, 2]]);
    expect(received[0]).toBe(one);
    expect(received[1]).toBe(empty);
    expect(received[2]).toEqual([[1, 2]]);
  });

  it("keeps the identity of objects passed through a switch", () => {
    const main = getcurrent();
    const g = new Greenlet(() => main.switch(main.switch()));
    const payload = { nested: { deep: [1, 2, 3] } };
    g.switch();
    expect(g.switch(payload)).toBe(payload);
  });

  it("applies the same packing to values a child switches to main", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      main.switch();
      main.switch("one");
      main.switch("x", "y");
      main.switch(["only"]);
      return "end";
    });
    expect(g.switch()).toBeUndefined();
    expect(g.switch()).toBe("one");
    expect(g.switch()).toEqual(["x", "y"]);
    expect(g.switch()).toEqual(["only"]);
    expect(g.switch()).toBe("end");
  });

  it("hands a finished greenlet's return value to its parent without unpacking it", () => {
    const pair = [1, 2];
    const obj = { k: 1 };
    expect(new Greenlet(() => pair).switch()).toBe(pair);
    expect(new Greenlet(() => obj).switch()).toBe(obj);
    expect(new Greenlet(() => []).switch()).toEqual([]);
    expect(new Greenlet(() => undefined).switch()).toBeUndefined();
    expect(new Greenlet(() => null).switch()).toBeNull();
    expect(new Greenlet(() => 0).switch()).toBe(0);
  });

  it("delivers the value of whoever resumes the greenlet next, not of the one it switched to", () => {
    const main = getcurrent();
    const log: unknown[] = [];
    const waiter = new Greenlet(() => {
      log.push(main.switch("waiter parked"));
    });
    const other = new Greenlet(() => {
      waiter.switch("from other");
    });
    expect(waiter.switch()).toBe("waiter parked");
    // other resumes waiter, which then finishes and returns to its parent (main).
    expect(other.switch()).toBeUndefined();
    expect(log).toEqual(["from other"]);
    expect(waiter.dead).toBe(true);
    expect(other.active).toBe(true);
  });
});

describe("switch: switching to the current greenlet", () => {
  it("returns the packed arguments immediately in the main greenlet", () => {
    const main = getcurrent();
    expect(main.switch()).toBeUndefined();
    expect(main.switch(5)).toBe(5);
    expect(main.switch(1, 2)).toEqual([1, 2]);
    const obj = {};
    expect(main.switch(obj)).toBe(obj);
    expect(getcurrent()).toBe(main);
  });

  it("returns the packed arguments immediately inside a running greenlet", () => {
    const g = new Greenlet(() => {
      const self = getcurrent();
      const a = self.switch("x");
      const b = self.switch();
      const c = self.switch(3, 4);
      return [a, b, c, getcurrent() === self];
    });
    expect(g.switch()).toStrictEqual(["x", undefined, [3, 4], true]);
  });
});

describe("getcurrent", () => {
  it("returns the main greenlet at top level: always the same object, with a null parent", () => {
    const main = getcurrent();
    expect(main).toBeInstanceOf(Greenlet);
    expect(getcurrent()).toBe(main);
    expect(main.parent).toBeNull();
    expect(main.active).toBe(true);
    expect(main.dead).toBe(false);
  });

  it("returns the running greenlet inside run, and main again afterwards", () => {
    const main = getcurrent();
    let inside: Greenlet | null = null;
    const g = new Greenlet(() => {
      inside = getcurrent();
    });
    g.switch();
    expect(inside).toBe(g);
    expect(getcurrent()).toBe(main);
  });

  it("returns the innermost greenlet when greenlets are nested", () => {
    const main = getcurrent();
    const seen: [Greenlet, Greenlet | null][] = [];
    const outer = new Greenlet(() => {
      seen.push([getcurrent(), getcurrent().parent]);
      const inner = new Greenlet(() => {
        seen.push([getcurrent(), getcurrent().parent]);
      });
      inner.switch();
      seen.push([getcurrent(), getcurrent().parent]);
      return inner;
    });
    const inner = outer.switch() as Greenlet;
    expect(seen[0]![0]).toBe(outer);
    expect(seen[0]![1]).toBe(main);
    expect(seen[1]![0]).toBe(inner);
    expect(seen[1]![1]).toBe(outer);
    expect(seen[2]![0]).toBe(outer);
  });

  it("makes the greenlet current at construction time the default parent", () => {
    const main = getcurrent();
    const atTop = new Greenlet(() => 1);
    expect(atTop.parent).toBe(main);
    const explicitUndefined = new Greenlet(() => 1, undefined);
    expect(explicitUndefined.parent).toBe(main);
    const outer = new Greenlet(() => new Greenlet(() => 2));
    const made = outer.switch() as Greenlet;
    expect(made.parent).toBe(outer);
  });

  it("is the main greenlet again after a switch from main to itself", () => {
    const main = getcurrent();
    main.switch();
    expect(getcurrent()).toBe(main);
  });
});

describe("active and dead flags", () => {
  it("reports an unstarted greenlet as neither active nor dead", () => {
    const g = new Greenlet(() => 1);
    expect(g.active).toBe(false);
    expect(g.dead).toBe(false);
  });

  it("reports a running greenlet as active and not dead", () => {
    const flags: boolean[] = [];
    const g = new Greenlet(() => {
      flags.push(getcurrent().active, getcurrent().dead);
    });
    g.switch();
    expect(flags).toEqual([true, false]);
  });

  it("reports a suspended greenlet as active and not dead", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      main.switch();
    });
    g.switch();
    expect(g.active).toBe(true);
    expect(g.dead).toBe(false);
  });

  it("reports a finished greenlet as dead and not active, whether it returned or threw", () => {
    const returned = new Greenlet(() => "ok");
    returned.switch();
    expect(returned.dead).toBe(true);
    expect(returned.active).toBe(false);

    const failed = new Greenlet(() => {
      throw new SomeError();
    });
    expect(() => failed.switch()).toThrow(SomeError);
    expect(failed.dead).toBe(true);
    expect(failed.active).toBe(false);
  });

  it("reports the main greenlet as active while a child runs", () => {
    const main = getcurrent();
    const g = new Greenlet(() => [main.active, main.dead]);
    expect(g.switch()).toEqual([true, false]);
  });
});

describe("the run attribute", () => {
  it("can be set and replaced any number of times before the greenlet starts", () => {
    const first = () => "first";
    const second = () => "second";
    const g = new Greenlet(first);
    expect(g.run).toBe(first);
    g.run = second;
    expect(g.run).toBe(second);
    const late = new Greenlet();
    late.run = first;
    expect(late.run).toBe(first);
    expect(g.switch()).toBe("second");
    expect(late.switch()).toBe("first");
  });

  it("cannot be read or set while the greenlet is suspended", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      main.switch();
    });
    g.switch();
    expect(() => g.run).toThrow(GreenletError);
    expect(() => {
      g.run = () => 2;
    }).toThrow(GreenletError);
    g.switch();
  });

  it("cannot be read or set after the greenlet has died", () => {
    const g = new Greenlet(() => 1);
    g.switch();
    expect(() => g.run).toThrow(GreenletError);
    expect(() => {
      g.run = () => 2;
    }).toThrow(GreenletError);
    expect(g.dead).toBe(true);
  });

  it("cannot be read from inside the running greenlet", () => {
    const g = new Greenlet(() => {
      try {
        void getcurrent().run;
        return "readable";
      } catch (error) {
        return error;
      }
    });
    expect(g.switch()).toBeInstanceOf(GreenletError);
  });

  it("is not available on the main greenlet", () => {
    const main = getcurrent();
    expect(() => main.run).toThrow(GreenletError);
    expect(() => {
      main.run = () => 1;
    }).toThrow(GreenletError);
  });

  it("may be defined as a method of a subclass, called with the greenlet as this", () => {
    class Adder extends Greenlet {
      offset = 100;
      // @ts-ignore -- depending on how the runtime declares `run`, TypeScript may object to a method here.
      run(a: number, b: number): unknown {
        return [a + b + this.offset, this === getcurrent()];
      }
    }
    const g = new Adder();
    expect(g.parent).toBe(getcurrent());
    expect(g.switch(1, 2)).toEqual([103, true]);
    expect(g.dead).toBe(true);
  });

  it("lets a subclass run method switch like any other run function", () => {
    const main = getcurrent();
    class Counter extends Greenlet {
      count = 0;
      // @ts-ignore -- see above.
      run(): unknown {
        for (;;) {
          this.count += 1;
          const cmd = main.switch(this.count);
          if (cmd === "stop") return `stopped at ${this.count}`;
        }
      }
    }
    const c = new Counter();
    expect(c.switch()).toBe(1);
    expect(c.switch()).toBe(2);
    expect(c.switch()).toBe(3);
    expect(c.switch("stop")).toBe("stopped at 3");
    expect(c.count).toBe(3);
  });

  it("raises GreenletError in the caller when missing, and the greenlet stays unstarted", () => {
    const g = new Greenlet();
    const error = thrownBy(() => g.switch(1));
    expect(error).toBeInstanceOf(GreenletError);
    expect(g.dead).toBe(false);
    expect(g.active).toBe(false);
    expect(getcurrent().parent).toBeNull();
    // run can still be set, and the greenlet started afterwards.
    g.run = (x: unknown) => `late ${String(x)}`;
    expect(g.switch("start")).toBe("late start");
    expect(g.dead).toBe(true);
  });

  it("raises TypeError through the parent when run is not callable, and the greenlet dies", () => {
    const g = new Greenlet(42 as never);
    const error = thrownBy(() => g.switch());
    expect(error).toBeInstanceOf(TypeError);
    expect(g.dead).toBe(true);
    expect(g.active).toBe(false);
  });

  it("sends an error escaping run to the parent, and the greenlet dies", () => {
    const boom = new SomeError("boom");
    const g = new Greenlet(() => {
      throw boom;
    });
    expect(thrownBy(() => g.switch())).toBe(boom);
    expect(g.dead).toBe(true);
  });
});

describe("switching to a dead greenlet", () => {
  it("forwards to the parent, and returns immediately when that parent is the caller", () => {
    const g = new Greenlet(() => "done");
    expect(g.switch()).toBe("done");
    expect(g.switch()).toBeUndefined();
    expect(g.switch(5)).toBe(5);
    expect(g.switch(1, 2)).toEqual([1, 2]);
    expect(g.dead).toBe(true);
  });

  it("forwards to a suspended parent, which receives the values", () => {
    const main = getcurrent();
    const p = new Greenlet(() => {
      const v = main.switch("p ready");
      return ["p got", v];
    });
    expect(p.switch()).toBe("p ready");
    const d = new Greenlet(() => "d done");
    expect(d.switch()).toBe("d done");
    d.parent = p;
    expect(d.switch("hello")).toEqual(["p got", "hello"]);
    expect(p.dead).toBe(true);
  });

  it("skips dead parents when forwarding", () => {
    const main = getcurrent();
    const grand = new Greenlet(() => {
      const v = main.switch("grand ready");
      return ["grand got", v];
    });
    grand.switch();
    const deadParent = new Greenlet(() => "gone");
    deadParent.switch();
    deadParent.parent = grand;
    const deadChild = new Greenlet(() => "child gone");
    deadChild.switch();
    deadChild.parent = deadParent;
    expect(deadParent.dead).toBe(true);
    expect(deadChild.dead).toBe(true);
    expect(deadChild.switch(7)).toEqual(["grand got", 7]);
    expect(grand.dead).toBe(true);
  });

  it("starts an unstarted nearest ancestor with the same arguments", () => {
    const seen: unknown[][] = [];
    const p = new Greenlet((...args: unknown[]) => {
      seen.push(args);
      return "p result";
    });
    const child = new Greenlet(() => {
      seen.push(["child ran"]);
    });
    child.switch();
    child.parent = p;
    expect(child.switch(1, 2)).toBe("p result");
    expect(seen).toEqual([["child ran"], [1, 2]]);
    expect(p.dead).toBe(true);
  });
});

describe("delivering a return value through the parent chain", () => {
  it("skips a dead parent and delivers to the grandparent", () => {
    const deadParent = new Greenlet(() => "parent done");
    deadParent.switch();
    const g = new Greenlet(() => "x", deadParent);
    expect(g.switch()).toBe("x");
    expect(g.dead).toBe(true);
  });

  it("starts an unstarted parent with the return value as its single argument", () => {
    const calls: unknown[][] = [];
    const p = new Greenlet((...args: unknown[]) => {
      calls.push(args);
      return ["p", ...args];
    });
    const pair = [1, 2];
    const c = new Greenlet(() => pair, p);
    const result = c.switch() as unknown[];
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(1);
    expect(calls[0]![0]).toBe(pair);
    expect(result).toEqual(["p", [1, 2]]);
    expect(c.dead).toBe(true);
    expect(p.dead).toBe(true);
  });

  it("starts an unstarted parent with undefined when the child returns nothing", () => {
    const calls: unknown[][] = [];
    const p = new Greenlet((...args: unknown[]) => {
      calls.push(args);
      return "p done";
    });
    const c = new Greenlet(() => {}, p);
    expect(c.switch()).toBe("p done");
    expect(calls).toStrictEqual([[undefined]]);
  });

  it("passes a value through a chain of 1,000 unstarted parents", () => {
    let previous = getcurrent();
    const chain: Greenlet[] = [];
    for (let i = 0; i < 1000; i++) {
      const g = new Greenlet((v: number) => v + 1, previous);
      chain.push(g);
      previous = g;
    }
    expect(chain[chain.length - 1]!.switch(0)).toBe(1000);
    expect(chain.every((g) => g.dead)).toBe(true);
  });

  it("raises GreenletError in the caller when an unstarted parent has no run, and leaves it unstarted", () => {
    const p = new Greenlet();
    const c = new Greenlet(() => 7, p);
    expect(thrownBy(() => c.switch())).toBeInstanceOf(GreenletError);
    expect(c.dead).toBe(true);
    expect(p.dead).toBe(false);
    expect(p.active).toBe(false);
    // Switching to the dead child tries to start p again, and fails the same way.
    expect(thrownBy(() => c.switch())).toBeInstanceOf(GreenletError);
    expect(p.active).toBe(false);
    p.run = (v: unknown) => ["p", v];
    expect(c.switch("z")).toEqual(["p", "z"]);
    expect(p.dead).toBe(true);
  });
});

describe("reparenting a running greenlet", () => {
  it("sends the result to the parent at the moment of death, starting it if needed", () => {
    const other = new Greenlet((x: unknown) => `other saw ${String(x)}`);
    const g = new Greenlet(() => {
      getcurrent().parent = other;
      return "x";
    });
    expect(g.switch()).toBe("other saw x");
    expect(g.dead).toBe(true);
    expect(other.dead).toBe(true);
  });

  it("sends the result to a suspended greenlet adopted as the new parent", () => {
    const main = getcurrent();
    const collector = new Greenlet(() => {
      const got = main.switch("collector ready");
      return ["collected", got];
    });
    collector.switch();
    const g = new Greenlet(() => {
      main.switch("g parked");
      return "g result";
    });
    expect(g.switch()).toBe("g parked");
    g.parent = collector;
    expect(g.switch()).toEqual(["collected", "g result"]);
    expect(collector.dead).toBe(true);
  });

  it("uses the newest parent when a greenlet is reparented several times", () => {
    const main = getcurrent();
    const first = new Greenlet(() => ["first", main.switch("first ready")]);
    const second = new Greenlet(() => ["second", main.switch("second ready")]);
    first.switch();
    second.switch();
    const g = new Greenlet(() => {
      getcurrent().parent = first;
      getcurrent().parent = second;
      return "payload";
    });
    expect(g.switch()).toEqual(["second", "payload"]);
    expect(first.active).toBe(true);
    expect(second.dead).toBe(true);
  });
});

describe("deep recursion", () => {
  it("suspends at the bottom of a 5,000-frame recursion and completes after being resumed", () => {
    const main = getcurrent();
    function down(n: number): number {
      if (n === 0) return main.switch("bottom") as number;
      return down(n - 1) + 1;
    }
    const g = new Greenlet(() => down(5000));
    expect(g.switch()).toBe("bottom");
    expect(g.active).toBe(true);
    expect(g.switch(7)).toBe(5007);
    expect(g.dead).toBe(true);
  });

  it("keeps every frame's locals across repeated switches at the bottom", () => {
    const main = getcurrent();
    function down(n: number): number {
      const local = n * 2;
      let below: number;
      if (n === 0) {
        below = 0;
        for (let i = 0; i < 3; i++) below += main.switch(`bottom ${i}`) as number;
      } else {
        below = down(n - 1);
      }
      return below + local;
    }
    const g = new Greenlet(() => down(5000));
    expect(g.switch()).toBe("bottom 0");
    expect(g.switch(1)).toBe("bottom 1");
    expect(g.switch(10)).toBe("bottom 2");
    // 2 * (0 + 1 + ... + 5000) = 5000 * 5001
    expect(g.switch(100)).toBe(111 + 5000 * 5001);
  });

  it("resumes a greenlet that was started deep in main's stack from a shallow point", () => {
    const main = getcurrent();
    const g = new Greenlet((depth: number) => {
      const first = main.switch(`started at ${depth}`);
      const second = main.switch(`resumed with ${String(first)}`);
      return `finished with ${String(second)}`;
    });
    function mainDeep(n: number): unknown {
      if (n === 0) return g.switch(1000);
      return mainDeep(n - 1);
    }
    expect(mainDeep(1000)).toBe("started at 1000");
    expect(g.switch("a")).toBe("resumed with a");
    function mainDeepAgain(n: number): unknown {
      if (n === 0) return g.switch("b");
      return mainDeepAgain(n - 1);
    }
    expect(mainDeepAgain(300)).toBe("finished with b");
  });

  it("runs 200 nested starts of greenlets, each on top of the previous one", () => {
    function nest(n: number): number {
      if (n === 0) return 0;
      const child = new Greenlet(() => nest(n - 1) + 1);
      return child.switch() as number;
    }
    expect(new Greenlet(() => nest(200)).switch()).toBe(200);
  });
});

describe("suspension inside loops", () => {
  it("continues a for loop where it left off, with the loop state intact", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      let total = 0;
      for (let i = 0; i < 5; i++) {
        total += (main.switch(i) as number) * i;
      }
      return total;
    });
    const { yielded, result } = drive(g, (v) => (v as number) + 1);
    expect(yielded).toEqual([0, 1, 2, 3, 4]);
    // sum of (i + 1) * i for i in 0..4 = 0 + 2 + 6 + 12 + 20
    expect(result).toBe(40);
  });

  it("keeps per-iteration let bindings for closures created around a suspension", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      const readers: (() => number)[] = [];
      for (let i = 0; i < 3; i++) {
        readers.push(() => i);
        main.switch();
      }
      return readers.map((read) => read());
    });
    expect(drive(g, () => undefined).result).toEqual([0, 1, 2]);
  });

  it("suspends in while and do-while conditions", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      let whileCount = 0;
      while (main.switch("while?") !== "stop") whileCount++;
      let doCount = 0;
      do {
        doCount++;
      } while (main.switch("do?") !== "stop");
      return [whileCount, doCount];
    });
    const replies = ["go", "go", "go", "stop", "go", "stop"];
    const { yielded, result } = drive(g, (_v, i) => replies[i]);
    expect(yielded).toEqual(["while?", "while?", "while?", "while?", "do?", "do?"]);
    expect(result).toEqual([3, 2]);
  });

  it("continues for-of loops over arrays, Maps and Sets after each suspension", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      const out: unknown[] = [];
      for (const x of [1, 2, 3]) out.push([x, main.switch(x)]);
      for (const [k, v] of new Map([["a", 1], ["b", 2]])) out.push([k, v, main.switch(k)]);
      for (const s of new Set(["p", "q"])) out.push([s, main.switch(s)]);
      return out;
    });
    const { yielded, result } = drive(g, (v) => `re:${String(v)}`);
    expect(yielded).toEqual([1, 2, 3, "a", "b", "p", "q"]);
    expect(result).toEqual([
      [1, "re:1"],
      [2, "re:2"],
      [3, "re:3"],
      ["a", 1, "re:a"],
      ["b", 2, "re:b"],
      ["p", "re:p"],
      ["q", "re:q"],
    ]);
  });

  it("continues a for-in loop after each suspension", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      const keys: string[] = [];
      const obj = { one: 1, two: 2, three: 3 };
      for (const key in obj) {
        main.switch(key);
        keys.push(key);
      }
      return keys;
    });
    const { yielded, result } = drive(g, () => undefined);
    expect(yielded).toEqual(["one", "two", "three"]);
    expect(result).toEqual(["one", "two", "three"]);
  });

  it("honours labelled break and continue after resuming inside nested loops", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      const visited: string[] = [];
      outer: for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          const cmd = main.switch(`${i}${j}`);
          if (cmd === "next-row") continue outer;
          if (cmd === "stop") break outer;
          visited.push(`${i}${j}`);
        }
      }
      return visited;
    });
    const replies: Record<string, string> = { "01": "next-row", "11": "stop" };
    const { yielded, result } = drive(g, (v) => replies[v as string] ?? "go");
    expect(yielded).toEqual(["00", "01", "10", "11"]);
    expect(result).toEqual(["00", "10"]);
  });

  it("suspends inside a switch statement case, including fall-through", () => {
    const main = getcurrent();
    const g = new Greenlet((kind: string) => {
      const log: string[] = [];
      switch (kind) {
        case "a":
          log.push(`a:${String(main.switch("in a"))}`);
        // falls through
        case "b":
          log.push(`b:${String(main.switch("in b"))}`);
          break;
        default:
          log.push("default");
      }
      return log;
    });
    const { yielded, result } = drive(g, (v) => (v === "in a" ? 1 : 2), "a");
    expect(yielded).toEqual(["in a", "in b"]);
    expect(result).toEqual(["a:1", "b:2"]);
  });
});

describe("temporal dead zone", () => {
  it("throws ReferenceError when a closure reads a let before its declaration ran", () => {
    function early(): unknown {
      const read = () => value;
      const seen = read();
      const value = 1;
      return seen;
    }
    expect(() => early()).toThrow(new ReferenceError("Cannot access 'value' before initialization"));
  });

  it("a binding in its dead zone stays there across a suspension, also for a closure called by another greenlet", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      const read = () => late;
      const reply = main.switch(read);
      const inside = outcome(read);
      const late = `late ${String(reply)}`;
      main.switch("declared");
      return [inside.threw ? (inside.error as Error).message : "no error", read()];
    });
    const read = g.switch() as () => unknown;
    expect(read).toThrow(new ReferenceError("Cannot access 'late' before initialization"));
    expect(g.switch("reply")).toBe("declared");
    expect(read()).toBe("late reply");
    expect(g.switch()).toEqual(["Cannot access 'late' before initialization", "late reply"]);
  });

  it("typeof of a binding in its dead zone throws, after a suspension too", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      const kind = () => typeof later;
      main.switch("suspended");
      const before = outcome(kind);
      const later = 1;
      return [before.threw ? (before.error as Error).message : before.value, kind()];
    });
    expect(g.switch()).toBe("suspended");
    expect(g.switch()).toEqual(["Cannot access 'later' before initialization", "number"]);
  });

  it("a switch that suspends in the clause declaring a let, then falls through or jumps past it", () => {
    const main = getcurrent();
    const run = (k: number) => new Greenlet(() => {
      switch (k) {
        case 0:
          // eslint-disable-next-line no-case-declarations
          let y = main.switch("in case 0");
        // falls through
        case 1:
          return outcome(() => y);
      }
      return "none";
    });
    const fall = run(0);
    expect(fall.switch()).toBe("in case 0");
    expect(fall.switch("y")).toEqual({ threw: false, value: "y" });
    const jump = run(1).switch() as { threw: boolean; error: Error };
    expect(jump.threw).toBe(true);
    expect(jump.error).toEqual(new ReferenceError("Cannot access 'y' before initialization"));
  });

  it("correct programs are unchanged: a hoisted helper writing a let declared before its first call", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      let count = 0;
      bump(main.switch("bump?") as number);
      bump(2);
      function bump(by: number): void {
        count += by;
      }
      return count;
    });
    expect(g.switch()).toBe("bump?");
    expect(g.switch(5)).toBe(7);
  });
});

describe("suspension inside try, catch and finally", () => {
  it("resumes inside a try block and still catches a later error there", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      try {
        const v = main.switch("in try");
        throw new SomeError(`after ${String(v)}`);
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(g.switch()).toBe("in try");
    expect(g.switch("resume")).toBe("after resume");
  });

  it("keeps the catch binding across a suspension inside a catch block", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      try {
        throw new SomeError("caught one");
      } catch (error) {
        const v = main.switch("in catch");
        return [(error as Error).message, v];
      }
    });
    expect(g.switch()).toBe("in catch");
    expect(g.switch("later")).toEqual(["caught one", "later"]);
  });

  it("completes a pending return after a suspension inside finally", () => {
    const main = getcurrent();
    const log: string[] = [];
    const g = new Greenlet(() => {
      try {
        log.push("try");
        return "from try";
      } finally {
        log.push(`finally ${String(main.switch("in finally"))}`);
      }
    });
    expect(g.switch()).toBe("in finally");
    expect(log).toEqual(["try"]);
    expect(g.switch("resumed")).toBe("from try");
    expect(log).toEqual(["try", "finally resumed"]);
  });

  it("rethrows a pending error after a suspension inside finally", () => {
    const main = getcurrent();
    const pending = new SomeError("pending");
    const g = new Greenlet(() => {
      try {
        throw pending;
      } finally {
        main.switch("in finally");
      }
    });
    expect(g.switch()).toBe("in finally");
    expect(thrownBy(() => g.switch())).toBe(pending);
    expect(g.dead).toBe(true);
  });

  it("completes pending break and continue targets after suspensions inside finally, and lets finally override", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      const out: string[] = [];
      outer: for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 3; j++) {
          try {
            if (j === 1) continue;
            if (i === 1) continue outer;
            if (i === 3) break outer;
            if (j === 2) break;
            out.push(`${i}${j}`);
          } finally {
            out.push(`f${String(main.switch(`${i}${j}`))}`);
          }
        }
      }
      const overridden = ((): string => {
        try {
          return "from try";
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          if (main.switch("override?") === true) return "from finally";
        }
      })();
      return [out.join(" "), overridden];
    });
    const { yielded, result } = drive(g, (v) => (v === "override?" ? true : v));
    expect(yielded).toEqual(["00", "01", "02", "10", "20", "21", "22", "30", "override?"]);
    expect(result).toEqual(["00 f00 f01 f02 f10 20 f20 f21 f22 f30", "from finally"]);
  });

  it("runs the finally of each nested try exactly once, after the suspensions", () => {
    const main = getcurrent();
    const log: string[] = [];
    function inner(): string {
      try {
        try {
          return String(main.switch("inner"));
        } finally {
          log.push("inner finally");
        }
      } finally {
        log.push("inner outer finally");
      }
    }
    const g = new Greenlet(() => {
      try {
        const a = inner();
        const b = main.switch("outer");
        return `${a}+${String(b)}`;
      } finally {
        log.push("run finally");
      }
    });
    expect(g.switch()).toBe("inner");
    expect(log).toEqual([]);
    expect(g.switch("A")).toBe("outer");
    expect(log).toEqual(["inner finally", "inner outer finally"]);
    expect(g.switch("B")).toBe("A+B");
    expect(log).toEqual(["inner finally", "inner outer finally", "run finally"]);
  });
});

describe("finally blocks and suspension", () => {
  it("never runs a finally block because a greenlet suspends", () => {
    const main = getcurrent();
    let finallyRuns = 0;
    function level(n: number): void {
      try {
        if (n === 0) {
          main.switch("one");
          main.switch("two");
          main.switch("three");
        } else {
          level(n - 1);
        }
      } finally {
        finallyRuns++;
      }
    }
    const g = new Greenlet(() => level(2));
    expect(g.switch()).toBe("one");
    expect(finallyRuns).toBe(0);
    expect(g.switch()).toBe("two");
    expect(finallyRuns).toBe(0);
    expect(g.switch()).toBe("three");
    expect(finallyRuns).toBe(0);
    g.switch();
    expect(finallyRuns).toBe(3);
    expect(g.dead).toBe(true);
  });

  it("does not run finally blocks of a greenlet that is left suspended", () => {
    const main = getcurrent();
    let finallyRuns = 0;
    const g = new Greenlet(() => {
      try {
        main.switch("parked forever");
      } finally {
        finallyRuns++;
      }
    });
    g.switch();
    const other = new Greenlet(() => "unrelated");
    other.switch();
    expect(finallyRuns).toBe(0);
    expect(g.active).toBe(true);
  });

  it("does not run finally blocks of the frames a nested greenlet leaves behind when it switches to main", () => {
    const main = getcurrent();
    let finallyRuns = 0;
    const outer = new Greenlet(() => {
      try {
        const inner = new Greenlet(() => {
          try {
            main.switch("from inner");
          } finally {
            finallyRuns++;
          }
          return "inner done";
        });
        return inner.switch();
      } finally {
        finallyRuns++;
      }
    });
    expect(outer.switch()).toBe("from inner");
    expect(finallyRuns).toBe(0);
  });
});

describe("suspension inside expressions", () => {
  it("evaluates a() + g.switch() * b() left to right, calling each side once", () => {
    const main = getcurrent();
    const calls: string[] = [];
    const a = () => {
      calls.push("a");
      return 2;
    };
    const b = () => {
      calls.push("b");
      return 4;
    };
    const g = new Greenlet(() => a() + (main.switch("mid") as number) * b());
    expect(g.switch()).toBe("mid");
    expect(calls).toEqual(["a"]);
    expect(g.switch(3)).toBe(14);
    expect(calls).toEqual(["a", "b"]);
  });

  it("suspends in either branch of a conditional expression", () => {
    const main = getcurrent();
    const body = (flag: boolean) => (flag ? `then ${String(main.switch("then"))}` : `else ${String(main.switch("else"))}`);
    const t = new Greenlet(body);
    expect(t.switch(true)).toBe("then");
    expect(t.switch(1)).toBe("then 1");
    const e = new Greenlet(body);
    expect(e.switch(false)).toBe("else");
    expect(e.switch(2)).toBe("else 2");
  });

  it("suspends in the right operand of &&, || and ?? only when it is evaluated", () => {
    const main = getcurrent();
    const id = <T,>(x: T): T => x;
    const g = new Greenlet(() => {
      const results: unknown[] = [];
      results.push(id(true) && main.switch("and"));
      results.push(id(false) && main.switch("never"));
      results.push(id(0) || main.switch("or"));
      results.push(id(1) || main.switch("never"));
      results.push(id(null) ?? main.switch("nullish"));
      results.push(id("set") ?? main.switch("never"));
      let slot: unknown = undefined;
      slot ??= main.switch("nullish assign");
      results.push(slot);
      return results;
    });
    const { yielded, result } = drive(g, (v) => `<${String(v)}>`);
    expect(yielded).toEqual(["and", "or", "nullish", "nullish assign"]);
    expect(result).toEqual(["<and>", false, "<or>", 1, "<nullish>", "set", "<nullish assign>"]);
  });

  it("suspends inside template literal substitutions, keeping the parts already evaluated", () => {
    const main = getcurrent();
    let counter = 0;
    const next = () => ++counter;
    const g = new Greenlet(() => `${next()}-${String(main.switch("tpl"))}-${next()}`);
    expect(g.switch()).toBe("tpl");
    expect(counter).toBe(1);
    expect(g.switch("X")).toBe("1-X-2");
  });

  it("evaluates destructuring defaults lazily, suspending only for missing values", () => {
    const main = getcurrent();
    const g = new Greenlet((source: { p?: unknown; q?: unknown }, list: unknown[]) => {
      const { p = main.switch("p default"), q = main.switch("q default") } = source;
      const [x = main.switch("x default"), y = main.switch("y default"), z = "z literal"] = list;
      return { p, q, x, y, z };
    });
    const { yielded, result } = drive(g, (v) => `value for ${String(v)}`, { q: "given q" }, [undefined, "given y"]);
    expect(yielded).toEqual(["p default", "x default"]);
    expect(result).toEqual({ p: "value for p default", q: "given q", x: "value for x default", y: "given y", z: "z literal" });
  });

  it("suspends in case tests, evaluating them in order only until one matches, with fall-through kept", () => {
    const main = getcurrent();
    const classify = (v: number) => {
      const out: string[] = [];
      switch (v) {
        case main.switch("first?") as number:
          out.push("first");
        case main.switch("second?") as number:
          out.push("second");
          break;
        default:
          out.push("default");
        case main.switch("third?") as number:
          out.push("third");
      }
      return out;
    };
    const answers: Record<string, number> = { "first?": 1, "second?": 2, "third?": 3 };
    const answer = (q: unknown) => answers[q as string];
    expect(drive(new Greenlet(classify), answer, 2)).toEqual({ yielded: ["first?", "second?"], result: ["second"] });
    expect(drive(new Greenlet(classify), answer, 1)).toEqual({ yielded: ["first?"], result: ["first", "second"] });
    expect(drive(new Greenlet(classify), answer, 9)).toEqual({ yielded: ["first?", "second?", "third?"], result: ["default", "third"] });
  });

  it("suspends in the substitutions of a tagged template; the tag sees one strings object per site", () => {
    const main = getcurrent();
    const sites: TemplateStringsArray[] = [];
    const recorder = {
      prefix: ">",
      tag(strings: TemplateStringsArray, ...values: unknown[]): string {
        sites.push(strings);
        return this.prefix + strings.raw.map((s, i) => s + (i < values.length ? String(values[i]) : "")).join("");
      },
    };
    const g = new Greenlet(() => {
      const out: string[] = [];
      for (let i = 0; i < 2; i++) out.push(recorder.tag`a${main.switch(`v${i}`)}\n${i}`);
      return out;
    });
    const { yielded, result } = drive(g, (v) => String(v).toUpperCase());
    expect(yielded).toEqual(["v0", "v1"]);
    expect(result).toEqual([">aV0\\n0", ">aV1\\n1"]);
    expect(sites[0]).toBe(sites[1]);
    expect(Object.isFrozen(sites[0])).toBe(true);
  });

  it("destructures with object rest and closes an array pattern's iterator after a suspension", () => {
    const main = getcurrent();
    const events: string[] = [];
    function* numbers(): Generator<number | undefined> {
      try {
        yield undefined;
        yield 2;
        yield 3;
      } finally {
        events.push("closed");
      }
    }
    const g = new Greenlet((source: Record<string, unknown>) => {
      const { a = main.switch("a?"), ...others } = source;
      const [first = main.switch("first?"), second] = numbers();
      events.push("after");
      return { a, others, first, second };
    });
    const { yielded, result } = drive(g, (v) => `<${String(v)}>`, { b: 1, c: 2 });
    expect(yielded).toEqual(["a?", "first?"]);
    expect(result).toEqual({ a: "<a?>", others: { b: 1, c: 2 }, first: "<first?>", second: 2 });
    expect(events).toEqual(["closed", "after"]);
  });

  it("suspends in defaults of for-of and catch binding patterns", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      const out: unknown[] = [];
      for (const { a = main.switch("loop default") } of [{}, { a: "given" }] as { a?: unknown }[]) out.push(a);
      try {
        throw { m: undefined };
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a catch binding pattern can only be typed any
      } catch ({ m = main.switch("catch default") }: any) {
        out.push(m);
      }
      return out;
    });
    expect(drive(g, (v) => `<${String(v)}>`)).toEqual({
      yielded: ["loop default", "catch default"],
      result: ["<loop default>", "given", "<catch default>"],
    });
  });

  it("suspends in assignment patterns: defaults, computed keys and member targets, in destructuring's order", () => {
    const main = getcurrent();
    const log: string[] = [];
    const box: Record<string, unknown> = {};
    const holder = () => {
      log.push("target object");
      return box;
    };
    const key = (k: string) => {
      log.push(`key ${k}`);
      return k;
    };
    const g = new Greenlet((source: Record<string, unknown>, list: unknown[]) => {
      let a: unknown, rest: unknown, x: unknown, tail: unknown, m: unknown;
      const value = ({ a = main.switch("a?"), [key("k")]: holder().k = main.switch("k?"), ...rest } = source);
      [x = main.switch("x?"), , holder()[key("y")], ...tail] = list;
      for ({ m = main.switch("m?") } of [{}, { m: "given m" }] as { m?: unknown }[]) log.push(`m=${String(m)}`);
      return { a, rest, x, tail, box, same: value === source };
    });
    const { yielded, result } = drive(g, (v) => `<${String(v)}>`, { b: 1, k: undefined }, [undefined, "skipped", "y value", 4, 5]);
    expect(yielded).toEqual(["a?", "k?", "x?", "m?"]);
    expect(result).toEqual({ a: "<a?>", rest: { b: 1 }, x: "<x?>", tail: [4, 5], box: { k: "<k?>", y: "y value" }, same: true });
    expect(log).toEqual(["key k", "target object", "target object", "key y", "m=<m?>", "m=given m"]);
  });

  it("suspends between spread arguments and array and object spreads", () => {
    const main = getcurrent();
    const collect = (...args: unknown[]) => args;
    const g = new Greenlet(() => {
      const pre = [1, 2];
      const post = [4, 5];
      const call = collect(...pre, main.switch("arg"), ...post);
      const array = [...pre, main.switch("element"), ...post];
      const object = { ...{ a: 1 }, b: main.switch("property"), ...{ c: 3 } };
      return { call, array, object };
    });
    const { yielded, result } = drive(g, (v) => (v === "property" ? 2 : 3));
    expect(yielded).toEqual(["arg", "element", "property"]);
    expect(result).toEqual({ call: [1, 2, 3, 4, 5], array: [1, 2, 3, 4, 5], object: { a: 1, b: 2, c: 3 } });
  });

  it("suspends in an if condition", () => {
    const main = getcurrent();
    const g = new Greenlet(() => (main.switch("if?") ? "then" : "else") + (main.switch("if2?") ? "!" : "?"));
    const { yielded, result } = drive(g, (v) => v === "if2?");
    expect(yielded).toEqual(["if?", "if2?"]);
    expect(result).toBe("else!");
  });

  it("suspends in the test and the update clause of a for loop", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      const out: number[] = [];
      for (let i = 0; i < (main.switch("limit?") as number); i += main.switch("step?") as number) out.push(i);
      return out;
    });
    const { yielded, result } = drive(g, (v) => (v === "limit?" ? 3 : 2));
    // test -> body(0) -> update(+2) -> test -> body(2) -> update -> test fails at i = 4
    expect(yielded).toEqual(["limit?", "step?", "limit?", "step?", "limit?"]);
    expect(result).toEqual([0, 2]);
  });

  it("suspends in the arguments of an optional call, only when the call happens", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      type Doubler = { twice?: (x: number) => number } | null;
      const pick = (d: Doubler): Doubler => d;
      const present = pick({ twice: (x) => x * 2 });
      const absent = pick(null);
      return [present?.twice?.(main.switch("arg?") as number), absent?.twice?.(main.switch("never") as number)];
    });
    const { yielded, result } = drive(g, () => 21);
    expect(yielded).toEqual(["arg?"]);
    expect(result).toEqual([42, undefined]);
  });

  it("suspends in a comma expression and in a computed property key", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      let sideEffect = 0;
      const comma = (sideEffect++, main.switch("comma?"));
      const key = "k";
      const obj = { [`${key}${String(main.switch("key?"))}`]: sideEffect };
      return [comma, obj];
    });
    const { yielded, result } = drive(g, (v) => (v === "comma?" ? "c" : 9));
    expect(yielded).toEqual(["comma?", "key?"]);
    expect(result).toEqual(["c", { k9: 1 }]);
  });

  it("reads the left side of a compound assignment before suspending, as JavaScript requires", () => {
    const main = getcurrent();
    let total = 10;
    const g = new Greenlet(() => {
      total += main.switch("add") as number;
      return total;
    });
    expect(g.switch()).toBe("add");
    total = 100;
    expect(g.switch(5)).toBe(15);
    expect(total).toBe(15);
  });

  it("keeps the receiver and arguments already evaluated when suspending in a later argument", () => {
    const main = getcurrent();
    const calls: string[] = [];
    const first = { name: "first", join(...parts: unknown[]) { return `${this.name}:${parts.join(",")}`; } };
    const second = { name: "second", join(...parts: unknown[]) { return `${this.name}:${parts.join(",")}`; } };
    const holder = { target: first };
    const arg = (v: string) => {
      calls.push(v);
      return v;
    };
    const g = new Greenlet(() => holder.target.join(arg("p"), main.switch("mid"), arg("r")));
    expect(g.switch()).toBe("mid");
    holder.target = second;
    expect(g.switch("q")).toBe("first:p,q,r");
    expect(calls).toEqual(["p", "r"]);
  });

  it("keeps this inside a method that suspends", () => {
    const main = getcurrent();
    class Account {
      balance = 0;
      deposit(): number {
        const amount = main.switch("amount?") as number;
        this.balance += amount;
        return this.balance;
      }
    }
    const account = new Account();
    const g = new Greenlet(() => account.deposit() + account.deposit());
    expect(g.switch()).toBe("amount?");
    expect(g.switch(10)).toBe("amount?");
    expect(g.switch(5)).toBe(10 + 15);
    expect(account.balance).toBe(15);
  });

  it("keeps values of every kind in locals across a suspension", () => {
    const main = getcurrent();
    const sym = Symbol("s");
    const g = new Greenlet(() => {
      const num = 1.5;
      const str = "text";
      const big = 2n ** 70n;
      const none = undefined;
      const nil = null;
      const obj = { a: [1, { b: 2 }] };
      const fn = (x: number) => x * num;
      const date = new Date(0);
      const map = new Map([[1, "one"]]);
      const symbol = sym;
      main.switch();
      return { num, str, big, none, nil, obj, fnResult: fn(2), date, map, symbol };
    });
    g.switch();
    const result = g.switch() as Record<string, unknown>;
    expect(result).toStrictEqual({
      num: 1.5,
      str: "text",
      big: 2n ** 70n,
      none: undefined,
      nil: null,
      obj: { a: [1, { b: 2 }] },
      fnResult: 3,
      date: new Date(0),
      map: new Map([[1, "one"]]),
      symbol: sym,
    });
  });

  it("sees updates made by others to variables captured by a closure", () => {
    const main = getcurrent();
    let shared = "before";
    const g = new Greenlet(() => {
      const read = () => shared;
      const early = read();
      main.switch();
      return [early, read(), shared];
    });
    g.switch();
    shared = "after";
    expect(g.switch()).toEqual(["before", "after", "after"]);
  });

  it("suspends inside a nested arrow function called directly and inside a constructor argument", () => {
    const main = getcurrent();
    class Pair {
      left: unknown;
      right: unknown;
      constructor(left: unknown, right: unknown) {
        this.left = left;
        this.right = right;
      }
    }
    const g = new Greenlet(() => {
      const ask = (q: string) => main.switch(q);
      const pair = new Pair(ask("left"), ask("right"));
      return [pair.left, pair.right, pair instanceof Pair];
    });
    const { yielded, result } = drive(g, (v) => `${String(v)}!`);
    expect(yielded).toEqual(["left", "right"]);
    expect(result).toEqual(["left!", "right!", true]);
  });
});

describe("suspension in other kinds of functions", () => {
  it("keeps the arguments object across a suspension", () => {
    const main = getcurrent();
    function countArgs(..._unused: unknown[]): unknown {
      // eslint-disable-next-line prefer-rest-params
      const before = arguments.length;
      main.switch();
      // eslint-disable-next-line prefer-rest-params
      return [before, arguments.length, arguments[1]];
    }
    const g = new Greenlet(() => countArgs("a", "b", "c"));
    g.switch();
    expect(g.switch()).toEqual([3, 3, "b"]);
  });

  it("calls a nested function that closures capture with this undefined, before and after a suspension", () => {
    const main = getcurrent();
    function outer(): unknown[] {
      function receiver(this: unknown): unknown {
        return this;
      }
      const again = () => receiver();
      const before = receiver();
      main.switch();
      return [before, receiver(), again(), `${receiver()}`];
    }
    const g = new Greenlet(outer);
    g.switch();
    expect(g.switch()).toEqual([undefined, undefined, undefined, "undefined"]);
  });

  it("keeps this inside an object-literal method that suspends", () => {
    const main = getcurrent();
    const counter = {
      hits: 0,
      hit(): number {
        const by = main.switch("by?") as number;
        this.hits += by;
        return this.hits;
      },
    };
    const g = new Greenlet(() => [counter.hit(), counter.hit()]);
    expect(g.switch()).toBe("by?");
    expect(g.switch(2)).toBe("by?");
    expect(g.switch(3)).toEqual([2, 5]);
  });

  it("suspends in methods of classes and object literals created inside a function, once per evaluation", () => {
    const main = getcurrent();
    function makeCounter(start: number) {
      class Counter {
        n = start;
        static made = 0;
        step(by: number): number {
          this.n += by * (main.switch(`step ${this.n}?`) as number);
          return this.n;
        }
        static count(): number {
          return (Counter.made += main.switch("count?") as number);
        }
      }
      return new Counter();
    }
    const a = makeCounter(0);
    const b = makeCounter(100);
    const literal = (tag: string) => ({
      tag,
      twice(x: number): string {
        return `${this.tag}:${(main.switch(this.tag) as number) * x}`;
      },
    });
    const l1 = literal("one");
    const l2 = literal("two");
    const g = new Greenlet(() => [a.step(1), b.step(2), a.step(1), l1.twice(2), l2.twice(3), (b.constructor as unknown as { count(): number }).count()]);
    const { yielded, result } = drive(g, (v) => (v === "count?" ? 4 : v === "one" || v === "two" ? 5 : 10));
    expect(yielded).toEqual(["step 0?", "step 100?", "step 10?", "one", "two", "count?"]);
    expect(result).toEqual([10, 120, 20, "one:10", "two:15", 4]);
  });

  it("suspends in a property value of an object literal that also defines methods and accessors", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      const o = {
        before: "b",
        value: main.switch("value?") as number,
        twice(): number {
          return this.value * (main.switch("factor?") as number);
        },
        get label(): string {
          return `${this.before}${this.value}`;
        },
      };
      return [o.label, o.twice(), o.twice.name];
    });
    expect(drive(g, (v) => (v === "value?" ? 21 : 2))).toEqual({ yielded: ["value?", "factor?"], result: ["b21", 42, "twice"] });
  });

  it("runs a constructor entered from untransformed code as a boundary: GreenletError at the switch, nothing unwound", () => {
    const main = getcurrent();
    class Widget {
      readonly size: unknown;
      constructor() {
        try {
          this.size = main.switch("size?");
        } catch (e) {
          this.size = e instanceof GreenletError ? "pinned" : e;
        }
      }
    }
    // Reflect.construct is untransformed: the constructor cannot be captured below it.
    const g = new Greenlet(() => (Reflect.construct(Widget, []) as Widget).size);
    expect(g.switch()).toBe("pinned");
    expect(g.dead).toBe(true);
  });

  // Base-class constructors are transformed (more in 18.transform.constructors.test.ts).
  it("suspends inside a class constructor and completes the new expression after resuming", () => {
    const main = getcurrent();
    class Widget {
      readonly size: unknown;
      constructor() {
        this.size = main.switch("size?");
      }
    }
    const g = new Greenlet(() => new Widget().size);
    expect(g.switch()).toBe("size?");
    expect(g.switch(3)).toBe(3);
    expect(g.dead).toBe(true);
  });

  it("keeps the names that classes and methods get from their context", () => {
    const main = getcurrent();
    const Anonymous = class {
      m(): unknown {
        return main.switch();
      }
    };
    const literal = { method(): unknown { return main.switch(); }, "quoted key"(): unknown { return main.switch(); } };
    expect([Anonymous.name, Anonymous.prototype.m.name, literal.method.name, literal["quoted key"].name])
      .toEqual(["Anonymous", "m", "method", "quoted key"]);
    const g = new Greenlet(() => [new Anonymous().m(), literal.method(), literal["quoted key"]()]);
    g.switch();
    g.switch(1);
    g.switch(2);
    expect(g.switch(3)).toEqual([1, 2, 3]);
  });

  it("suspends in methods that use super and #private names, static ones included", () => {
    const main = getcurrent();
    class Base {
      greet(x: string): string {
        return `base:${x}`;
      }
      static kind(): string {
        return "B";
      }
    }
    class Derived extends Base {
      #secret = 7;
      #hidden(): string {
        return `hidden${this.#secret}`;
      }
      greet(x: string): string {
        return `derived(${super.greet(String(main.switch("greet?")))}) ${x} ${this.#secret} ${this.#hidden()}`;
      }
      static kind(): string {
        return `D${super.kind()}${String(main.switch("kind?"))}`;
      }
    }
    class Leaf extends Derived {
      greet(x: string): string {
        return `leaf/${super.greet(String(main.switch("leaf?")) + x)}`;
      }
    }
    const g = new Greenlet(() => [new Derived().greet("x"), Derived.kind(), new Leaf().greet("!")]);
    const { yielded, result } = drive(g, (v) => String(v).replace("?", "!"));
    expect(yielded).toEqual(["greet?", "kind?", "leaf?", "greet?"]);
    expect(result).toEqual(["derived(base:greet!) x 7 hidden7", "DBkind!", "leaf/derived(base:greet!) leaf!! 7 hidden7"]);
  });

  it("rejects a switch inside a getter (not a switch point) with a GreenletError that says so", () => {
    const main = getcurrent();
    const box = {
      get value(): unknown {
        try {
          return main.switch("from getter");
        } catch (e) {
          return e;
        }
      },
    };
    // Explicitly soft: `() => box.value` makes no call, so the transform leaves it as it is and the
    // default "auto" would give it a hard (native) stack when the addon is built (test/51).
    const g = new Greenlet(() => box.value, null, { stack: "soft" });
    const error = g.switch() as Error;
    expect(error).toBeInstanceOf(GreenletError);
    // What happened and where: not a switch point, see the compile-time warning, the call's position.
    expect(error.message).toContain("switch() was not called at a switch point");
    expect(error.message).toContain("compile-time warning");
    expect(error.message).toMatch(/10\.greenlet\.switch\.test\.ts:\d+:\d+/);
    expect(g.dead).toBe(true);
  });

  it("calls a closure created before a suspension that itself suspends after it", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      let seen = "none";
      const ask = (q: string) => {
        seen = q;
        return main.switch(q);
      };
      const first = main.switch("first");
      const second = ask(`second after ${String(first)}`);
      return [seen, second];
    });
    expect(g.switch()).toBe("first");
    expect(g.switch(1)).toBe("second after 1");
    expect(g.switch(2)).toEqual(["second after 1", 2]);
  });

  it("leaves native generator functions declared in a transformed file working as generators", () => {
    function* pairs(n: number): Generator<[number, number]> {
      for (let i = 0; i < n; i++) yield [i, i * i];
    }
    const g = new Greenlet(() => [...pairs(3)]);
    expect(g.switch()).toEqual([
      [0, 0],
      [1, 1],
      [2, 4],
    ]);
    expect([...pairs(2)]).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });

  it("leaves async functions declared in a transformed file working as async functions", async () => {
    async function twice(x: number): Promise<number> {
      const a = await Promise.resolve(x);
      return a * 2;
    }
    expect(await twice(21)).toBe(42);
    const g = new Greenlet(() => twice(5));
    const promise = g.switch() as Promise<number>;
    expect(g.dead).toBe(true);
    expect(await promise).toBe(10);
  });
});

describe("switching across several generations", () => {
  it("lets a grandchild switch straight to main, leaving its parent suspended at its own switch", () => {
    const main = getcurrent();
    const log: unknown[] = [];
    let grandchild: Greenlet | null = null;
    const child = new Greenlet(() => {
      grandchild = new Greenlet(() => {
        const v = main.switch("from grandchild");
        log.push(["grandchild resumed with", v]);
        return "grandchild done";
      });
      const r = grandchild.switch();
      log.push(["child got", r]);
      return "child done";
    });
    expect(child.switch()).toBe("from grandchild");
    expect(child.active).toBe(true);
    expect(grandchild!.active).toBe(true);
    // Resuming the child makes its pending grandchild.switch() return the value.
    expect(child.switch("to child")).toBe("child done");
    expect(log).toEqual([["child got", "to child"]]);
    // The grandchild is still suspended; its parent is dead, so its result goes to main.
    expect(grandchild!.switch("to grandchild")).toBe("grandchild done");
    expect(log).toEqual([
      ["child got", "to child"],
      ["grandchild resumed with", "to grandchild"],
    ]);
  });
});

describe("long runs of switches", () => {
  it("survives 100,000 round trips between main and a child", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      let total = 0;
      for (let i = 0; i < 100_000; i++) total += main.switch(i) as number;
      return total;
    });
    let v = g.switch();
    let count = 0;
    while (!g.dead) {
      count++;
      v = g.switch(1);
    }
    expect(count).toBe(100_000);
    expect(v).toBe(100_000);
  });

  it("survives 20,000 direct switches between two siblings", () => {
    let a: Greenlet;
    let b: Greenlet;
    const rounds = 10_000;
    a = new Greenlet(() => {
      let n = 0;
      for (let i = 0; i < rounds; i++) n = b.switch(n + 1) as number;
      return n;
    });
    b = new Greenlet((first: number) => {
      let n = first;
      for (;;) n = a.switch(n + 1) as number;
    });
    // a finishes after its last switch returns; its result goes to main.
    expect(a.switch()).toBe(2 * rounds);
    expect(b.active).toBe(true);
  });
});

describe("many greenlets", () => {
  it("keeps 1,000 suspended greenlets alive, each with its own state", () => {
    const main = getcurrent();
    const count = 1000;
    const greenlets: Greenlet[] = [];
    for (let i = 0; i < count; i++) {
      greenlets.push(
        new Greenlet((start: number) => {
          let acc = start;
          for (let round = 0; round < 3; round++) acc += main.switch(acc) as number;
          return `done ${acc}`;
        }),
      );
    }
    const first = greenlets.map((g, i) => g.switch(i));
    expect(first).toEqual(greenlets.map((_, i) => i));
    expect(greenlets.every((g) => g.active)).toBe(true);
    for (let round = 0; round < 2; round++) {
      const values = greenlets.map((g) => g.switch(1));
      expect(values).toEqual(greenlets.map((_, i) => i + round + 1));
    }
    const last = greenlets.map((g) => g.switch(1000));
    expect(last).toEqual(greenlets.map((_, i) => `done ${i + 1002}`));
    expect(greenlets.every((g) => g.dead)).toBe(true);
  });

  it("resumes 1,000 greenlets in reverse order of suspension", () => {
    const main = getcurrent();
    const greenlets = Array.from({ length: 1000 }, (_, i) => new Greenlet(() => `${i}:${String(main.switch(i))}`));
    for (const g of greenlets) g.switch();
    const results: unknown[] = [];
    for (let i = greenlets.length - 1; i >= 0; i--) results.push(greenlets[i]!.switch("r"));
    expect(results).toEqual(greenlets.map((_, i) => `${999 - i}:r`));
  });
});

describe("sibling greenlets", () => {
  it("switches directly between two siblings without going through main", () => {
    const log: string[] = [];
    let ping: Greenlet;
    let pong: Greenlet;
    ping = new Greenlet(() => {
      let n = 0;
      while (n < 6) {
        log.push(`ping ${n}`);
        n = pong.switch(n + 1) as number;
      }
      return "ping finished";
    });
    pong = new Greenlet((first: number) => {
      let n = first;
      for (;;) {
        log.push(`pong ${n}`);
        if (n >= 5) return `pong finished at ${n}`;
        n = ping.switch(n + 1) as number;
      }
    });
    // pong finishes and returns to its own parent: main.
    expect(ping.switch()).toBe("pong finished at 5");
    expect(log).toEqual(["ping 0", "pong 1", "ping 2", "pong 3", "ping 4", "pong 5"]);
    expect(pong.dead).toBe(true);
    expect(ping.active).toBe(true);
    expect(ping.switch(6)).toBe("ping finished");
  });

  it("delivers a sibling's return value to its own parent, not to the greenlet that switched to it", () => {
    const main = getcurrent();
    const b = new Greenlet(() => "b done");
    const a = new Greenlet(() => {
      const got = b.switch();
      return ["a got", got];
    });
    expect(b.parent).toBe(main);
    expect(a.switch()).toBe("b done");
    expect(a.active).toBe(true);
    expect(a.switch("later")).toEqual(["a got", "later"]);
  });
});

describe("untransformed frames between a greenlet and its switch", () => {
  it("either switches out of a native forEach callback correctly or rejects it with GreenletError naming the frame", () => {
    const main = getcurrent();
    const log: string[] = [];
    const errors: unknown[] = [];
    const g = new Greenlet(() => {
      [1, 2, 3].forEach((x) => {
        log.push(`before ${x}`);
        try {
          const r = main.switch(x);
          log.push(`after ${x}=${String(r)}`);
        } catch (error) {
          errors.push(error);
        }
      });
      return "loop done";
    });
    const first = g.switch();
    if (first === "loop done") {
      // Rejected: each switch failed at the call, before anything was unwound.
      expect(errors).toHaveLength(3);
      for (const error of errors) {
        expect(error).toBeInstanceOf(GreenletError);
        // Names the native frame itself (not only in generic advice about forEach).
        expect(String((error as Error).message)).toMatch(/\bArray\.forEach\b/);
      }
      expect(log).toEqual(["before 1", "before 2", "before 3"]);
    } else {
      // Supported: the callback continues exactly where it left off.
      expect(first).toBe(1);
      expect(g.switch("a")).toBe(2);
      expect(g.switch("b")).toBe(3);
      expect(g.switch("c")).toBe("loop done");
      expect(errors).toEqual([]);
      expect(log).toEqual(["before 1", "after 1=a", "before 2", "after 2=b", "before 3", "after 3=c"]);
    }
    expect(g.dead).toBe(true);
  });

  it("either switches out through a function of an untransformed module or rejects it with GreenletError naming it", () => {
    const main = getcurrent();
    const log: string[] = [];
    const errors: unknown[] = [];
    const g = new Greenlet(() => {
      callEachUntransformed(["x", "y"], (item) => {
        try {
          log.push(`${item}=${String(main.switch(item))}`);
        } catch (error) {
          errors.push(error);
          log.push(`${item} rejected`);
        }
      });
      return "done";
    });
    const first = g.switch();
    if (first === "done") {
      expect(errors).toHaveLength(2);
      for (const error of errors) {
        expect(error).toBeInstanceOf(GreenletError);
        expect(String((error as Error).message)).toMatch(/callEachUntransformed/);
      }
      expect(log).toEqual(["x rejected", "y rejected"]);
    } else {
      expect(first).toBe("x");
      expect(g.switch(1)).toBe("y");
      expect(g.switch(2)).toBe("done");
      expect(log).toEqual(["x=1", "y=2"]);
    }
    expect(g.dead).toBe(true);
  });

  it("either switches out of a native sort comparator correctly or rejects it with GreenletError naming the frame", () => {
    const main = getcurrent();
    const errors: unknown[] = [];
    let asked = 0;
    const g = new Greenlet(() => {
      const sorted = [3, 1, 2].sort((a, b) => {
        try {
          asked += 1;
          return main.switch([a, b]) as number;
        } catch (error) {
          errors.push(error);
          return a - b;
        }
      });
      return sorted;
    });
    let value = g.switch();
    if (Array.isArray(value) && value.length === 3) {
      // Rejected: every comparison fell back to a - b, the sort completed normally.
      expect(value).toEqual([1, 2, 3]);
      expect(errors.length).toBe(asked);
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        expect(error).toBeInstanceOf(GreenletError);
        expect(String((error as Error).message)).toMatch(/\bArray\.sort\b/);
      }
    } else {
      // Supported: main answers each comparison.
      while (!g.dead) {
        const [a, b] = value as [number, number];
        value = g.switch(a - b);
      }
      expect(value).toEqual([1, 2, 3]);
      expect(errors).toEqual([]);
    }
    expect(g.dead).toBe(true);
  });

  it("either runs a fresh greenlet on top of a native callback or rejects the switch with GreenletError", () => {
    const results: unknown[] = [];
    const g = new Greenlet(() => {
      [1, 2].forEach((x) => {
        const child = new Greenlet((v: number) => v * 10);
        const r = outcome(() => child.switch(x));
        results.push(r.threw ? r.error : r.value);
      });
      return "outer done";
    });
    expect(g.switch()).toBe("outer done");
    expect(results).toHaveLength(2);
    if (results[0] instanceof GreenletError) {
      expect(results[1]).toBeInstanceOf(GreenletError);
    } else {
      expect(results).toEqual([10, 20]);
    }
  });

  it("switches from a native callback running in main to children and back", () => {
    // Only the children's frames are unwound; main's own frames, native or not, stay put.
    const main = getcurrent();
    const results = [1, 2, 3].map((x) => new Greenlet((v: number) => main.switch(v * 2)).switch(x));
    expect(results).toEqual([2, 4, 6]);
  });

  it("runs switches in test callbacks, which vitest calls from untransformed code", () => {
    // The test callback itself is the main greenlet's frame: switching to children and
    // back must work from here without any special handling.
    const main = getcurrent();
    const g = new Greenlet(() => main.switch("hello from child"));
    expect(g.switch()).toBe("hello from child");
    expect(g.switch("bye")).toBe("bye");
  });
});

describe("GreenletExit as a value", () => {
  it("is delivered to the parent as the return value when it escapes run", () => {
    const exit = new GreenletExit();
    const g = new Greenlet(() => {
      throw exit;
    });
    expect(g.switch()).toBe(exit);
    expect(g.dead).toBe(true);
  });
});
