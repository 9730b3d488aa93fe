"use greenlet";
// Behavioural tests for the parent attribute and for how results and errors travel up
// the parent chain (spec §4 and §6), ported in spirit from python-greenlet's test_greenlet.py.
import { afterEach, describe, expect, it } from "vitest";
import { Greenlet, GreenletError, getcurrent } from "tsgreenlet";
import { SomeError, thrownBy } from "./helpers/outcome.js";

afterEach(() => {
  expect(getcurrent().parent).toBeNull();
});

/** Python's fmain: waits for its parent, then raises; records what it caught on the way. */
function failAfterWaiting(seen: unknown[]): never {
  try {
    getcurrent().parent!.switch();
  } catch (error) {
    seen.push(error);
    throw error;
  }
  throw new SomeError("raised after waiting");
}

describe("the parent getter", () => {
  it("is the greenlet current at construction by default", () => {
    const main = getcurrent();
    const g = new Greenlet(() => 1);
    expect(g.parent).toBe(main);
  });

  it("can be given explicitly to the constructor", () => {
    const p = new Greenlet(() => 1);
    const g = new Greenlet(() => 2, p);
    expect(g.parent).toBe(p);
  });

  it("is null for the main greenlet", () => {
    expect(getcurrent().parent).toBeNull();
  });

  it("stays readable in every state of the greenlet", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      main.switch(getcurrent().parent);
    });
    expect(g.parent).toBe(main);
    expect(g.switch()).toBe(main);
    expect(g.parent).toBe(main);
    g.switch();
    expect(g.dead).toBe(true);
    expect(g.parent).toBe(main);
  });
});

describe("the parent setter", () => {
  it("accepts another greenlet before start, while suspended and after death", () => {
    const main = getcurrent();
    const a = new Greenlet(() => 1);
    const b = new Greenlet(() => 2);
    const g = new Greenlet(() => {
      main.switch();
    });
    g.parent = a;
    expect(g.parent).toBe(a);
    g.parent = main;
    g.switch();
    g.parent = b;
    expect(g.parent).toBe(b);
    g.parent = main;
    g.switch();
    expect(g.dead).toBe(true);
    g.parent = a;
    expect(g.parent).toBe(a);
  });

  it("rejects the greenlet itself as its parent, leaving the parent unchanged", () => {
    const main = getcurrent();
    const g = new Greenlet(() => 1);
    expect(() => {
      g.parent = g;
    }).toThrow(GreenletError);
    expect(g.parent).toBe(main);
  });

  it("rejects a longer cycle on the assignment that would close it", () => {
    const g1 = new Greenlet(() => 1);
    const g2 = new Greenlet(() => 2);
    const g3 = new Greenlet(() => 3);
    g1.parent = g2;
    g2.parent = g3;
    expect(() => {
      g3.parent = g1;
    }).toThrow(GreenletError);
    expect(g3.parent).toBe(getcurrent());
    expect(g1.parent).toBe(g2);
    expect(g2.parent).toBe(g3);
  });

  it("rejects a cycle through a running greenlet", () => {
    const g = new Greenlet(() => {
      const child = new Greenlet(() => 1);
      try {
        getcurrent().parent = child;
        return "accepted";
      } catch (error) {
        return error;
      }
    });
    expect(g.switch()).toBeInstanceOf(GreenletError);
  });

  it("refuses to set the parent of the main greenlet, even to itself", () => {
    const main = getcurrent();
    const g = new Greenlet(() => 1);
    expect(() => {
      main.parent = g;
    }).toThrow(GreenletError);
    expect(() => {
      main.parent = main;
    }).toThrow(GreenletError);
    expect(main.parent).toBeNull();
  });

  it("refuses to set the parent of the main greenlet from inside a child", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      try {
        main.parent = getcurrent();
        return "accepted";
      } catch (error) {
        return error;
      }
    });
    expect(g.switch()).toBeInstanceOf(GreenletError);
    expect(main.parent).toBeNull();
  });

  it("rejects values that are not greenlets, before start and while suspended", () => {
    const main = getcurrent();
    const impostor = { switch: () => 1, throw: () => 1, parent: null, dead: false, active: true };
    const candidates: unknown[] = [null, undefined, 1, "42", {}, impostor, () => 1];
    const check = (g: Greenlet) => {
      for (const candidate of candidates) {
        expect(() => {
          g.parent = candidate as Greenlet;
        }).toThrow(GreenletError);
        expect(g.parent).toBe(main);
      }
    };
    const g = new Greenlet(() => {
      main.switch();
    });
    check(g);
    g.switch();
    expect(g.active).toBe(true);
    check(g);
    g.switch();
    expect(g.dead).toBe(true);
  });

  it("rejects a non-greenlet parent given to the constructor", () => {
    expect(() => new Greenlet(() => 1, 42 as never)).toThrow(GreenletError);
    expect(() => new Greenlet(() => 1, {} as never)).toThrow(GreenletError);
  });

  it("accepts a dead greenlet as the parent of a new greenlet", () => {
    const d = new Greenlet(() => 1);
    d.switch();
    const g = new Greenlet(() => "to the grandparent", d);
    expect(g.parent).toBe(d);
    expect(g.switch()).toBe("to the grandparent");
  });
});

describe("error propagation through the parent chain", () => {
  it("raises an error in the parent's pending switch, where it can be handled and rethrown", () => {
    const seen: unknown[] = [];
    const g1 = new Greenlet(failAfterWaiting);
    const g2 = new Greenlet(failAfterWaiting);
    g1.switch(seen);
    g2.switch(seen);
    g2.parent = g1;
    expect(seen).toEqual([]);
    // g2 raises SomeError; its parent g1 catches, records and rethrows it; main gets it.
    const error = thrownBy(() => g2.switch());
    expect(error).toBeInstanceOf(SomeError);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(error);
    expect(g1.dead).toBe(true);
    expect(g2.dead).toBe(true);
    // Both dead: a switch to g2 now forwards to main, the caller.
    expect(g2.switch()).toBeUndefined();
    expect(g2.switch(25)).toBe(25);
    expect(seen).toHaveLength(1);
  });

  it("sends an error raised by a fresh child straight to its parent", () => {
    const seen: unknown[] = [];
    const g1 = new Greenlet(failAfterWaiting);
    g1.switch(seen);
    const crasher = new Greenlet((e: unknown) => {
      throw e;
    }, g1);
    const error = new SomeError("sent");
    expect(thrownBy(() => crasher.switch(error))).toBe(error);
    expect(seen).toEqual([error]);
    expect(crasher.dead).toBe(true);
    expect(g1.dead).toBe(true);
  });

  it("passes an error up several generations until one catches it, running finally blocks on the way", () => {
    const main = getcurrent();
    const log: string[] = [];
    const g1 = new Greenlet(() => {
      try {
        main.switch("g1 waiting");
      } catch (error) {
        log.push("g1 caught");
        return ["handled by g1", (error as Error).message];
      }
      return "g1 normal";
    });
    g1.switch();
    const g2 = new Greenlet(() => {
      try {
        main.switch("g2 waiting");
      } finally {
        log.push("g2 finally");
      }
    }, g1);
    g2.switch();
    const g3 = new Greenlet(() => {
      throw new SomeError("from g3");
    }, g2);
    expect(g3.switch()).toEqual(["handled by g1", "from g3"]);
    expect(log).toEqual(["g2 finally", "g1 caught"]);
    expect([g1.dead, g2.dead, g3.dead]).toEqual([true, true, true]);
  });

  it("skips dead parents when delivering an error", () => {
    const deadParent = new Greenlet(() => 1);
    deadParent.switch();
    const error = new SomeError();
    const g = new Greenlet(() => {
      throw error;
    }, deadParent);
    expect(thrownBy(() => g.switch())).toBe(error);
  });

  it("skips several dead ancestors and reaches a suspended one", () => {
    const main = getcurrent();
    const live = new Greenlet(() => {
      try {
        main.switch("live waiting");
      } catch (error) {
        return ["live caught", error];
      }
      return null;
    });
    live.switch();
    const dead1 = new Greenlet(() => 1);
    dead1.switch();
    dead1.parent = live;
    const dead2 = new Greenlet(() => 2);
    dead2.switch();
    dead2.parent = dead1;
    const error = new SomeError();
    const g = new Greenlet(() => {
      throw error;
    }, dead2);
    const result = g.switch() as unknown[];
    expect(result[0]).toBe("live caught");
    expect(result[1]).toBe(error);
  });

  it("sends the error to the parent at the moment of death after reparenting", () => {
    const main = getcurrent();
    const catcher = new Greenlet(() => {
      try {
        main.switch("catcher waiting");
      } catch (error) {
        return ["catcher caught", (error as Error).message];
      }
      return null;
    });
    catcher.switch();
    const g = new Greenlet(() => {
      getcurrent().parent = catcher;
      throw new SomeError("late");
    });
    expect(g.switch()).toEqual(["catcher caught", "late"]);
  });

  it("marks an unstarted parent dead when an error passes through it, without calling its run", () => {
    let ran = false;
    const p = new Greenlet(() => {
      ran = true;
    });
    const error = new SomeError();
    const c = new Greenlet(() => {
      throw error;
    }, p);
    expect(thrownBy(() => c.switch())).toBe(error);
    expect(ran).toBe(false);
    expect(p.dead).toBe(true);
  });
});

describe("return values through the parent chain", () => {
  it("skips dead parents", () => {
    const d1 = new Greenlet(() => 1);
    d1.switch();
    const d2 = new Greenlet(() => 2, d1);
    d2.switch();
    const g = new Greenlet(() => "to main", d2);
    expect(g.switch()).toBe("to main");
  });

  it("starts an unstarted parent with the value, whose own result goes on to its parent", () => {
    const order: string[] = [];
    const top = new Greenlet((v: string) => {
      order.push(`top got ${v}`);
      return `top(${v})`;
    });
    const middle = new Greenlet((v: string) => {
      order.push(`middle got ${v}`);
      return `middle(${v})`;
    }, top);
    const leaf = new Greenlet(() => "leaf", middle);
    expect(leaf.switch()).toBe("top(middle(leaf))");
    expect(order).toEqual(["middle got leaf", "top got middle(leaf)"]);
  });
});
