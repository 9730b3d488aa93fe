"use greenlet";
// Behavioural tests for Greenlet.throw and GreenletExit, ported in spirit from
// python-greenlet's test_throw.py and test_greenlet.py (spec §4 and §5).
import { afterEach, describe, expect, it } from "vitest";
import { Greenlet, GreenletError, GreenletExit, getcurrent } from "tsgreenlet";
import { OtherError, SomeError, thrownBy } from "./helpers/outcome.js";

afterEach(() => {
  expect(getcurrent().parent).toBeNull();
});

/** Switches to the current greenlet's parent. */
function toParent(...args: unknown[]): unknown {
  return getcurrent().parent!.switch(...args);
}

describe("throw into a suspended greenlet", () => {
  it("raises the error at the pending switch, where the greenlet can catch it and switch back", () => {
    const g = new Greenlet(() => {
      try {
        toParent("ok");
      } catch (error) {
        if (error instanceof SomeError) {
          toParent("ok");
          return;
        }
      }
      toParent("fail");
    });
    expect(g.switch()).toBe("ok");
    expect(g.throw(new SomeError())).toBe("ok");
    expect(g.active).toBe(true);
  });

  it("delivers the very error instance that was thrown", () => {
    const seen: unknown[] = [];
    const g = new Greenlet(() => {
      try {
        toParent("ready");
      } catch (error) {
        seen.push(error);
        return (error as Error).message;
      }
      return "not thrown";
    });
    g.switch();
    const error = new SomeError("ciao");
    expect(g.throw(error)).toBe("ciao");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(error);
    expect(g.dead).toBe(true);
  });

  it("throws values that are not errors exactly as they are", () => {
    const caught: unknown[] = [];
    const g = new Greenlet(() => {
      for (;;) {
        try {
          toParent("ready");
        } catch (value) {
          caught.push(value);
        }
      }
    });
    g.switch();
    const obj = { reason: "object" };
    expect(g.throw(42)).toBe("ready");
    expect(g.throw("a string")).toBe("ready");
    expect(g.throw(obj)).toBe("ready");
    expect(caught).toHaveLength(3);
    expect(caught[0]).toBe(42);
    expect(caught[1]).toBe("a string");
    expect(caught[2]).toBe(obj);
  });

  it("lets a greenlet that catches the error continue and finish normally", () => {
    const g = new Greenlet(() => {
      let note = "untouched";
      try {
        toParent("waiting");
      } catch {
        note = "recovered";
      }
      return `${note} and finished`;
    });
    g.switch();
    expect(g.throw(new SomeError())).toBe("recovered and finished");
    expect(g.dead).toBe(true);
  });

  it("raises an uncaught error in the thrower when the thrower is the parent, and the greenlet dies", () => {
    const g = new Greenlet(() => {
      toParent("waiting");
      return "never";
    });
    g.switch();
    const error = new SomeError("uncaught");
    expect(thrownBy(() => g.throw(error))).toBe(error);
    expect(g.dead).toBe(true);
  });

  it("sends an uncaught error to the parent, not to the thrower", () => {
    const main = getcurrent();
    const p = new Greenlet(() => {
      try {
        main.switch("p waiting");
      } catch (error) {
        return ["p caught", error];
      }
      return "p normal";
    });
    expect(p.switch()).toBe("p waiting");
    const g = new Greenlet(() => main.switch("g waiting"), p);
    expect(g.switch()).toBe("g waiting");
    const error = new SomeError("to the parent");
    const result = g.throw(error) as unknown[];
    expect(result[0]).toBe("p caught");
    expect(result[1]).toBe(error);
    expect(g.dead).toBe(true);
    expect(p.dead).toBe(true);
  });

  it("raises the error in the parent even when a sibling throws it, leaving the sibling suspended", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      main.switch("g waiting");
      return "g end";
    });
    g.switch();
    const error = new SomeError("from sibling");
    const thrower = new Greenlet(() => {
      const r = g.throw(error);
      return ["thrower resumed", r];
    });
    // g's parent is main, which is suspended at thrower.switch(): the error surfaces there.
    expect(thrownBy(() => thrower.switch())).toBe(error);
    expect(g.dead).toBe(true);
    expect(thrower.active).toBe(true);
    expect(thrower.switch("later")).toEqual(["thrower resumed", "later"]);
  });

  it("returns to the thrower whatever the greenlet switches to it after catching GreenletExit, and the greenlet survives", () => {
    const g = new Greenlet(() => {
      for (;;) {
        try {
          toParent("alive");
        } catch (error) {
          if (error instanceof GreenletExit) toParent("refused to die");
          else throw error;
        }
      }
    });
    g.switch();
    expect(g.throw()).toBe("refused to die");
    expect(g.active).toBe(true);
    expect(g.dead).toBe(false);
    expect(g.switch()).toBe("alive");
  });

  it("makes the greenlet's return value after catching the error the result of throw", () => {
    const g = new Greenlet(() => {
      try {
        toParent();
      } catch (error) {
        return { handled: error };
      }
      return null;
    });
    g.switch();
    const exit = new GreenletExit();
    expect(g.throw(exit)).toEqual({ handled: exit });
  });
});

describe("throw into a greenlet suspended several calls deep", () => {
  it("unwinds the suspended frames to the nearest catch in an outer frame", () => {
    const log: string[] = [];
    function innermost(): void {
      try {
        toParent("deep");
        log.push("innermost continued");
      } finally {
        log.push("innermost finally");
      }
    }
    function middle(): void {
      innermost();
      log.push("middle continued");
    }
    const g = new Greenlet(() => {
      try {
        middle();
        return "no error";
      } catch (error) {
        log.push("outer caught");
        return (error as Error).message;
      }
    });
    expect(g.switch()).toBe("deep");
    expect(g.throw(new SomeError("into the depths"))).toBe("into the depths");
    expect(log).toEqual(["innermost finally", "outer caught"]);
  });

  it("lets an outer frame catch the error and suspend again from its catch block", () => {
    function inner(): unknown {
      return toParent("inner waiting");
    }
    const g = new Greenlet(() => {
      try {
        inner();
      } catch (error) {
        const v = toParent(["caught", (error as Error).message]);
        return ["after catch", v];
      }
      return null;
    });
    g.switch();
    expect(g.throw(new SomeError("e1"))).toEqual(["caught", "e1"]);
    expect(g.switch("v")).toEqual(["after catch", "v"]);
  });

  it("propagates an error raised after a resume through the outer frames that were resumed from the heap", () => {
    const log: string[] = [];
    function thrower(): never {
      const v = toParent("waiting");
      throw new SomeError(`thrown after ${String(v)}`);
    }
    function middle(): void {
      try {
        thrower();
      } finally {
        log.push("middle finally");
      }
    }
    const g = new Greenlet(() => {
      try {
        middle();
      } catch (error) {
        return (error as Error).message;
      }
      return null;
    });
    g.switch();
    expect(g.switch("resume")).toBe("thrown after resume");
    expect(log).toEqual(["middle finally"]);
  });
});

describe("throw into an unstarted greenlet", () => {
  it("never calls run and returns a new GreenletExit when called without an argument", () => {
    let ran = false;
    const g = new Greenlet(() => {
      ran = true;
    });
    const result = g.throw();
    expect(result).toBeInstanceOf(GreenletExit);
    expect(ran).toBe(false);
    expect(g.dead).toBe(true);
    expect(g.active).toBe(false);
  });

  it("returns the given GreenletExit instance itself", () => {
    let ran = false;
    const g = new Greenlet(() => {
      ran = true;
    });
    const exit = new GreenletExit("bye");
    expect(g.throw(exit)).toBe(exit);
    expect(ran).toBe(false);
    expect(g.dead).toBe(true);
  });

  it("raises any other error in the parent, here the caller, without running run or its finally", () => {
    let ran = false;
    let finallyRan = false;
    const g = new Greenlet(() => {
      try {
        ran = true;
      } finally {
        finallyRan = true;
      }
    });
    const error = new SomeError("boom");
    expect(thrownBy(() => g.throw(error))).toBe(error);
    expect(ran).toBe(false);
    expect(finallyRan).toBe(false);
    expect(g.dead).toBe(true);
  });

  it("raises GreenletError in the caller when run is missing, and the greenlet stays unstarted", () => {
    const g = new Greenlet();
    expect(thrownBy(() => g.throw(new SomeError()))).toBeInstanceOf(GreenletError);
    expect(g.dead).toBe(false);
    expect(g.active).toBe(false);
    g.run = () => "started later";
    expect(g.switch()).toBe("started later");
  });

  it("sends the error through an unstarted parent without calling its run", () => {
    const main = getcurrent();
    let parentRan = false;
    let childRan = false;
    const p = new Greenlet(() => {
      parentRan = true;
    });
    const c = new Greenlet(() => {
      childRan = true;
      main.switch();
    }, p);
    const error = new SomeError("through");
    expect(thrownBy(() => c.throw(error))).toBe(error);
    expect(c.dead).toBe(true);
    expect(p.dead).toBe(true);
    expect(parentRan).toBe(false);
    expect(childRan).toBe(false);
  });

  it("delivers the error to a suspended parent that catches it", () => {
    const main = getcurrent();
    const p = new Greenlet(() => {
      try {
        main.switch("p ready to catch");
      } catch (error) {
        return error instanceof SomeError ? "caught" : "wrong error";
      }
      return "normal exit";
    });
    expect(p.switch()).toBe("p ready to catch");
    const c = new Greenlet(() => {
      main.switch("from c");
    }, p);
    expect(c.throw(new SomeError())).toBe("caught");
    expect(c.dead).toBe(true);
    expect(p.dead).toBe(true);
  });
});

describe("throw into a started child of a suspended parent", () => {
  it("delivers the error to the parent that catches it, not to the thrower", () => {
    const main = getcurrent();
    const p = new Greenlet(() => {
      try {
        main.switch("p ready to catch");
      } catch (error) {
        return error instanceof SomeError ? "caught" : "wrong error";
      }
      return "normal exit";
    });
    expect(p.switch()).toBe("p ready to catch");
    const c = new Greenlet(() => {
      main.switch("from c");
    }, p);
    expect(c.switch()).toBe("from c");
    expect(c.throw(new SomeError())).toBe("caught");
    expect(c.dead).toBe(true);
    expect(p.dead).toBe(true);
  });
});

describe("throw into a dead greenlet", () => {
  it("returns a GreenletExit when called without an argument, again and again", () => {
    const g = new Greenlet(() => {
      toParent("ok");
      toParent("fail");
    });
    expect(g.switch()).toBe("ok");
    expect(g.throw()).toBeInstanceOf(GreenletExit);
    expect(g.dead).toBe(true);
    expect(g.throw()).toBeInstanceOf(GreenletExit);
    expect(g.dead).toBe(true);
  });

  it("returns the given GreenletExit instance", () => {
    const g = new Greenlet(() => 1);
    g.switch();
    const exit = new GreenletExit("already dead");
    expect(g.throw(exit)).toBe(exit);
  });

  it("raises another error in the nearest live ancestor, here the caller", () => {
    const g = new Greenlet(() => 1);
    g.switch();
    const error = new SomeError("k");
    expect(thrownBy(() => g.throw(error))).toBe(error);
    expect(g.dead).toBe(true);
  });

  it("delivers another error to a suspended ancestor of the dead greenlet", () => {
    const main = getcurrent();
    const p = new Greenlet(() => {
      try {
        main.switch("p waiting");
      } catch (error) {
        return ["p caught", error];
      }
      return "p normal";
    });
    p.switch();
    const d = new Greenlet(() => "finished");
    d.switch();
    d.parent = p;
    const error = new SomeError();
    const result = d.throw(error) as unknown[];
    expect(result[0]).toBe("p caught");
    expect(result[1]).toBe(error);
  });
});

describe("throw into the current greenlet", () => {
  it("raises immediately in the caller at top level", () => {
    const main = getcurrent();
    const error = new SomeError("self");
    expect(thrownBy(() => main.throw(error))).toBe(error);
    expect(getcurrent()).toBe(main);
    expect(main.active).toBe(true);
  });

  it("raises immediately inside a running greenlet, which can catch it and continue", () => {
    const g = new Greenlet(() => {
      const error = new SomeError("self");
      let caught: unknown = null;
      try {
        getcurrent().throw(error);
      } catch (e) {
        caught = e;
      }
      return [caught === error, getcurrent() === g];
    });
    expect(g.switch()).toEqual([true, true]);
  });

  it("raises a GreenletExit thrown into the current greenlet instead of returning it", () => {
    const g = new Greenlet(() => {
      try {
        getcurrent().throw();
        return "returned";
      } catch (error) {
        return error instanceof GreenletExit ? "raised GreenletExit" : "raised something else";
      }
    });
    expect(g.switch()).toBe("raised GreenletExit");
  });
});

describe("throw into main from a child", () => {
  it("raises in main at its pending switch and leaves the child suspended, to be resumed later", () => {
    const main = getcurrent();
    const error = new SomeError("to main");
    const child = new Greenlet(() => {
      const r = main.throw(error);
      return ["child resumed with", r];
    });
    expect(thrownBy(() => child.switch())).toBe(error);
    expect(child.active).toBe(true);
    expect(child.dead).toBe(false);
    expect(child.switch("v")).toEqual(["child resumed with", "v"]);
  });

  it("raises in main at a pending switch deep inside main's own calls", () => {
    const main = getcurrent();
    const error = new OtherError();
    const child = new Greenlet(() => {
      main.throw(error);
    });
    function deep(n: number): unknown {
      if (n === 0) return child.switch();
      return deep(n - 1);
    }
    let caughtAtDepth = -1;
    function catcher(n: number): void {
      try {
        deep(n);
      } catch (e) {
        if (e === error) caughtAtDepth = n;
      }
    }
    catcher(50);
    expect(caughtAtDepth).toBe(50);
    expect(child.active).toBe(true);
  });
});

describe("GreenletExit", () => {
  it("is what throw raises inside the greenlet when called without an argument", () => {
    const g = new Greenlet(() => {
      try {
        toParent();
      } catch (error) {
        toParent(error);
      }
    });
    g.switch();
    const raised = g.throw();
    expect(raised).toBeInstanceOf(GreenletExit);
    expect(g.active).toBe(true);
  });

  it("escaping run is the return value delivered to the parent, not an error", () => {
    const exit = new GreenletExit("why");
    const g = new Greenlet(() => {
      throw exit;
    });
    expect(g.switch()).toBe(exit);
    expect(g.dead).toBe(true);
  });

  it("escaping run after a suspension is delivered as a value to whoever is the parent", () => {
    const main = getcurrent();
    const p = new Greenlet(() => {
      const got = main.switch("p waiting");
      return ["p received", got];
    });
    p.switch();
    const exit = new GreenletExit();
    const g = new Greenlet(() => {
      main.switch("g waiting");
      throw exit;
    }, p);
    g.switch();
    const result = g.switch() as unknown[];
    expect(result[0]).toBe("p received");
    expect(result[1]).toBe(exit);
  });

  it("subclass escaping run is also a value", () => {
    class MyExit extends GreenletExit {}
    const exit = new MyExit("mine");
    const g = new Greenlet(() => {
      throw exit;
    });
    expect(g.switch()).toBe(exit);
    expect(g.dead).toBe(true);
  });

  it("is not a GreenletError, and GreenletError is an Error", () => {
    const exit = new GreenletExit();
    expect(exit).not.toBeInstanceOf(GreenletError);
    expect(new GreenletError("misuse")).toBeInstanceOf(Error);
    expect(new GreenletError("misuse").message).toBe("misuse");
  });
});

describe("finally blocks during a throw-kill", () => {
  it("runs each finally block exactly once, innermost first, and throw returns the GreenletExit", () => {
    const log: string[] = [];
    function inner(): void {
      try {
        toParent("deep");
      } finally {
        log.push("inner finally");
      }
    }
    function middle(): void {
      try {
        inner();
      } finally {
        log.push("middle finally");
      }
    }
    const g = new Greenlet(() => {
      try {
        middle();
        log.push("not reached");
      } finally {
        log.push("outer finally");
      }
    });
    expect(g.switch()).toBe("deep");
    expect(log).toEqual([]);
    expect(g.throw()).toBeInstanceOf(GreenletExit);
    expect(log).toEqual(["inner finally", "middle finally", "outer finally"]);
    expect(g.dead).toBe(true);
  });

  it("runs finally blocks when an ordinary error kills the greenlet, and the error reaches the parent", () => {
    const log: string[] = [];
    const g = new Greenlet(() => {
      try {
        try {
          toParent();
        } finally {
          log.push("inner");
        }
      } finally {
        log.push("outer");
      }
    });
    g.switch();
    const error = new SomeError();
    expect(thrownBy(() => g.throw(error))).toBe(error);
    expect(log).toEqual(["inner", "outer"]);
  });


  it("lets a finally block switch away during the kill and finish later", () => {
    const log: string[] = [];
    const g = new Greenlet(() => {
      try {
        toParent("parked");
      } finally {
        log.push("cleanup start");
        const v = toParent("cleaning");
        log.push(`cleanup end ${String(v)}`);
      }
    });
    expect(g.switch()).toBe("parked");
    expect(g.throw()).toBe("cleaning");
    expect(g.active).toBe(true);
    expect(log).toEqual(["cleanup start"]);
    expect(g.switch("now")).toBeInstanceOf(GreenletExit);
    expect(log).toEqual(["cleanup start", "cleanup end now"]);
    expect(g.dead).toBe(true);
  });

  it("lets a finally block replace the GreenletExit with its own error", () => {
    const replacement = new OtherError("from finally");
    const g = new Greenlet(() => {
      try {
        toParent();
      } finally {
        // eslint-disable-next-line no-unsafe-finally
        throw replacement;
      }
    });
    g.switch();
    expect(thrownBy(() => g.throw())).toBe(replacement);
    expect(g.dead).toBe(true);
  });
});
