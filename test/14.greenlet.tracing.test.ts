"use greenlet";
// Behavioural tests for settrace (spec §10), ported in spirit from python-greenlet's
// test_tracing.py and the fail_switch_three_greenlets2.py script.
import { afterEach, describe, expect, it } from "vitest";
import { Greenlet, GreenletExit, getcurrent, settrace } from "tsgreenlet";
import { SomeError, thrownBy } from "./helpers/outcome.js";

afterEach(() => {
  settrace(null);
  expect(getcurrent().parent).toBeNull();
});

interface TraceArgs {
  origin: Greenlet;
  target: Greenlet;
}

interface Recorded {
  event: string;
  origin: Greenlet;
  target: Greenlet;
  /** getcurrent() while the tracer ran. */
  current: Greenlet;
}

/** A tracer that records every call; optionally throws `failWith` on call number `failOn` (0-based). */
function recorder(options: { failWith?: unknown; failOn?: number } = {}) {
  const calls: Recorded[] = [];
  const tracer = (event: string, args: TraceArgs) => {
    calls.push({ event, origin: args.origin, target: args.target, current: getcurrent() });
    if ("failWith" in options && (options.failOn === undefined || options.failOn === calls.length - 1)) {
      throw options.failWith;
    }
  };
  return { calls, tracer };
}

/** Renders recorded calls as "event origin->target" using the given names. */
function render(calls: readonly Recorded[], names: Record<string, Greenlet>): string[] {
  const byObject = new Map<Greenlet, string>();
  for (const [name, g] of Object.entries(names)) byObject.set(g, name);
  const name = (g: Greenlet) => byObject.get(g) ?? "?";
  return calls.map((c) => `${c.event} ${name(c.origin)}->${name(c.target)}`);
}

describe("settrace", () => {
  it("returns the previous tracer, and nothing when there was none", () => {
    const a = () => {};
    const b = () => {};
    expect(settrace(a) ?? null).toBeNull();
    expect(settrace(b)).toBe(a);
    expect(settrace(null)).toBe(b);
    expect(settrace(null) ?? null).toBeNull();
  });

  it("accepts the same tracer twice and then calls it once per transfer", () => {
    const { calls, tracer } = recorder();
    settrace(tracer);
    expect(settrace(tracer)).toBe(tracer);
    const main = getcurrent();
    main.switch();
    expect(calls).toHaveLength(1);
  });

  it("stops calling the tracer once it is removed", () => {
    const { calls, tracer } = recorder();
    settrace(tracer);
    new Greenlet(() => 1).switch();
    expect(calls).toHaveLength(2);
    settrace(null);
    new Greenlet(() => 1).switch();
    expect(calls).toHaveLength(2);
  });
});

describe("trace events", () => {
  it("records a start and return, then a start and a failure", () => {
    const main = getcurrent();
    const { calls, tracer } = recorder();
    const g1 = new Greenlet(() => {});
    const g2 = new Greenlet(() => {
      throw new SomeError();
    });
    settrace(tracer);
    g1.switch();
    expect(() => g2.switch()).toThrow(SomeError);
    settrace(null);
    expect(render(calls, { main, g1, g2 })).toEqual([
      "switch main->g1",
      "switch g1->main",
      "switch main->g2",
      "throw g2->main",
    ]);
  });

  it("records a switch to the current greenlet as a switch from main to main", () => {
    const main = getcurrent();
    const { calls, tracer } = recorder();
    settrace(tracer);
    expect(main.switch(1)).toBe(1);
    settrace(null);
    expect(render(calls, { main })).toEqual(["switch main->main"]);
  });

  it("records a throw into the current greenlet as a throw from main to main", () => {
    const main = getcurrent();
    const { calls, tracer } = recorder();
    const error = new SomeError();
    settrace(tracer);
    expect(thrownBy(() => main.throw(error))).toBe(error);
    settrace(null);
    expect(render(calls, { main })).toEqual(["throw main->main"]);
  });

  it("records a throw into an unstarted greenlet as a throw there and a throw back", () => {
    const main = getcurrent();
    const { calls, tracer } = recorder();
    const g = new Greenlet(() => {});
    settrace(tracer);
    expect(() => g.throw(new SomeError())).toThrow(SomeError);
    settrace(null);
    expect(render(calls, { main, g })).toEqual(["throw main->g", "throw g->main"]);
  });

  it("records a switch to a dead child of main as a switch from main to main", () => {
    const main = getcurrent();
    const { calls, tracer } = recorder();
    const dead = new Greenlet(() => {});
    dead.switch();
    settrace(tracer);
    dead.switch();
    settrace(null);
    expect(render(calls, { main, dead })).toEqual(["switch main->main"]);
  });

  it("records killing a suspended greenlet as a throw there and a switch back", () => {
    const main = getcurrent();
    const { calls, tracer } = recorder();
    const w = new Greenlet(() => {
      main.switch();
    });
    w.switch();
    settrace(tracer);
    expect(w.throw()).toBeInstanceOf(GreenletExit);
    settrace(null);
    expect(render(calls, { main, w })).toEqual(["throw main->w", "switch w->main"]);
  });

  it("records a GreenletExit escaping run as a switch back to the parent", () => {
    const main = getcurrent();
    const { calls, tracer } = recorder();
    const g = new Greenlet(() => {
      throw new GreenletExit();
    });
    settrace(tracer);
    g.switch();
    settrace(null);
    expect(render(calls, { main, g })).toEqual(["switch main->g", "switch g->main"]);
  });

  it("records a throw from a child into main as a throw event", () => {
    const main = getcurrent();
    const { calls, tracer } = recorder();
    const child = new Greenlet(() => {
      main.throw(new SomeError());
    });
    settrace(tracer);
    expect(() => child.switch()).toThrow(SomeError);
    settrace(null);
    expect(render(calls, { main, child })).toEqual(["switch main->child", "throw child->main"]);
    expect(child.active).toBe(true);
  });

  it("records switches between siblings with the right origin and target", () => {
    const main = getcurrent();
    const { calls, tracer } = recorder();
    const b = new Greenlet(() => "b done");
    const a = new Greenlet(() => b.switch());
    settrace(tracer);
    expect(a.switch()).toBe("b done");
    settrace(null);
    expect(render(calls, { main, a, b })).toEqual(["switch main->a", "switch a->b", "switch b->main"]);
  });

  it("records a result passing through an unstarted parent", () => {
    const main = getcurrent();
    const { calls, tracer } = recorder();
    const p = new Greenlet((v: string) => `p(${v})`);
    const c = new Greenlet(() => "c", p);
    settrace(tracer);
    expect(c.switch()).toBe("p(c)");
    settrace(null);
    expect(render(calls, { main, p, c })).toEqual(["switch main->c", "switch c->p", "switch p->main"]);
  });

  it("records an error skipping a dead parent as a throw to main", () => {
    const main = getcurrent();
    const { calls, tracer } = recorder();
    const d = new Greenlet(() => {});
    d.switch();
    const g = new Greenlet(() => {
      throw new SomeError();
    }, d);
    settrace(tracer);
    expect(() => g.switch()).toThrow(SomeError);
    settrace(null);
    expect(render(calls, { main, d, g })).toEqual(["switch main->g", "throw g->main"]);
  });

  it("calls the tracer in the target's context, before the target's code continues", () => {
    const main = getcurrent();
    const log: string[] = [];
    const tracer = (event: string, args: TraceArgs) => {
      log.push(`trace ${event} current-is-target=${getcurrent() === args.target}`);
    };
    const g = new Greenlet(() => {
      log.push("run starts");
      main.switch();
      log.push("run resumed");
    });
    settrace(tracer);
    g.switch();
    log.push("main resumed");
    g.switch();
    log.push("main resumed again");
    settrace(null);
    expect(log).toEqual([
      "trace switch current-is-target=true",
      "run starts",
      "trace switch current-is-target=true",
      "main resumed",
      "trace switch current-is-target=true",
      "run resumed",
      "trace switch current-is-target=true",
      "main resumed again",
    ]);
  });

  it("reports a finished greenlet, already dead, as the origin of the transfer back", () => {
    const { calls, tracer } = recorder();
    const g = new Greenlet(() => "done");
    let originDead: boolean | null = null;
    settrace((event: string, args: TraceArgs) => {
      tracer(event, args);
      if (args.origin === g) originDead = args.origin.dead;
    });
    g.switch();
    settrace(null);
    expect(calls).toHaveLength(2);
    expect(originDead).toBe(true);
  });
});

describe("a tracer that throws", () => {
  it("is uninstalled and its error is raised in the target, which here dies and passes it to main", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      main.switch();
    });
    g.switch();
    const error = new SomeError("from tracer");
    const { calls, tracer } = recorder({ failWith: error });
    settrace(tracer);
    expect(thrownBy(() => g.switch())).toBe(error);
    expect(settrace(null) ?? null).toBeNull();
    expect(render(calls, { main, g })).toEqual(["switch main->g"]);
    expect(g.dead).toBe(true);
  });

  it("raises its error at the target's resume point, where the target can catch it", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      try {
        main.switch("waiting");
      } catch (error) {
        return ["caught", error];
      }
      return "not raised";
    });
    g.switch();
    const error = new SomeError();
    const { tracer } = recorder({ failWith: error });
    settrace(tracer);
    const result = g.switch("value") as unknown[];
    expect(result[0]).toBe("caught");
    expect(result[1]).toBe(error);
    expect(settrace(null) ?? null).toBeNull();
  });

  it("replaces the error of a throw event with its own", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      try {
        main.switch("waiting");
      } catch (error) {
        return error;
      }
      return "not raised";
    });
    g.switch();
    const original = new SomeError("original");
    const replacement = new SomeError("replacement");
    const { tracer } = recorder({ failWith: replacement });
    settrace(tracer);
    expect(g.throw(original)).toBe(replacement);
  });

  it("kills a greenlet it fails to start before run is called, and the error reaches the parent", () => {
    let ran = false;
    const g = new Greenlet(() => {
      ran = true;
    });
    const error = new SomeError("at start");
    const { calls, tracer } = recorder({ failWith: error });
    settrace(tracer);
    expect(thrownBy(() => g.switch())).toBe(error);
    expect(ran).toBe(false);
    expect(g.dead).toBe(true);
    expect(calls).toHaveLength(1);
    expect(settrace(null) ?? null).toBeNull();
  });

  it("raises in the parent at its pending switch when it fails on the way back", () => {
    const main = getcurrent();
    const g = new Greenlet(() => "finished");
    const error = new SomeError("on return");
    const { calls, tracer } = recorder({ failWith: error, failOn: 1 });
    settrace(tracer);
    expect(thrownBy(() => g.switch())).toBe(error);
    expect(render(calls, { main, g })).toEqual(["switch main->g", "switch g->main"]);
    expect(g.dead).toBe(true);
    expect(settrace(null) ?? null).toBeNull();
  });
});

describe("switching inside a tracer", () => {
  // The tracer runs as a frame of the target: a transformed tracer that switches away is
  // suspended with the target, which continues the traced switch when the tracer returns.
  it("a switch into a suspended greenlet is delivered once its tracer, which switched away, returns", () => {
    const main = getcurrent();
    const log: unknown[] = [];
    const g = new Greenlet(() => {
      log.push(["g got", main.switch("g ready")]);
      log.push(["g got", main.switch("g again")]);
      return "g done";
    });
    expect(g.switch()).toBe("g ready");
    let detour: Greenlet | null = new Greenlet(() => {
      log.push("detour runs");
      return "from detour";
    });
    let seenFrames: string[] = [];
    settrace((_event, { target }) => {
      if (detour !== null && target === g) {
        const d = detour;
        detour = null;
        log.push(["tracer in g", getcurrent() === g]);
        log.push(["tracer back", d.switch()]);
      } else if (target === main && detour === null && seenFrames.length === 0) {
        seenFrames = g.frames.map((f) => f.functionName);
      }
    });
    // The tracer switches to detour, whose end goes to its parent: main.
    expect(g.switch(1)).toBe("from detour");
    expect(g.dead).toBe(false);
    // g is suspended inside its tracer, above the switch it was tracing.
    expect(seenFrames.slice(1, 3)).toEqual(["(traced switch)", "(anonymous)"]);
    // Resuming g resumes the tracer (which receives 2); g then gets the value it was sent first.
    expect(g.switch(2)).toBe("g again");
    settrace(null);
    expect(g.switch(3)).toBe("g done");
    expect(log).toEqual([["tracer in g", true], "detour runs", ["tracer back", 2], ["g got", 1], ["g got", 3]]);
  });

  it("a traced throw waits for the tracer too, and a tracer that throws after resuming is removed, its error raised in the target", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      try {
        main.switch("ready");
      } catch (e) {
        return `g caught ${(e as Error).message}`;
      }
      return "not thrown";
    });
    expect(g.switch()).toBe("ready");
    let detour: Greenlet | null = new Greenlet(() => "detoured");
    const tracer = (_event: string, { target }: TraceArgs) => {
      if (detour !== null && target === g) {
        const d = detour;
        detour = null;
        d.switch();
      }
    };
    settrace(tracer);
    expect(g.throw(new SomeError("boom"))).toBe("detoured");
    expect(g.switch()).toBe("g caught boom");
    expect(settrace(null)).toBe(tracer);

    const h = new Greenlet(() => {
      try {
        main.switch("h ready");
      } catch (e) {
        return `h caught ${(e as Error).message}`;
      }
      return "not thrown";
    });
    expect(h.switch()).toBe("h ready");
    let once = true;
    const failing = (_event: string, { target }: TraceArgs) => {
      if (once && target === h) {
        once = false;
        new Greenlet(() => "away", main).switch();
        throw new SomeError("tracer failed");
      }
    };
    settrace(failing);
    expect(h.switch("x")).toBe("away");
    expect(h.switch("y")).toBe("h caught tracer failed");
    expect(settrace(null) ?? null).toBeNull();
  });

  it("is legal, is traced itself, and the interrupted start still receives its original arguments", () => {
    const results: unknown[][] = [];
    let switchToG2 = true;
    let g1: Greenlet;
    let g2: Greenlet;
    const tracer = (event: string) => {
      results.push(["trace", event]);
      if (switchToG2) {
        switchToG2 = false;
        g2.switch("g2 from tracer");
      }
    };
    g1 = new Greenlet((arg: unknown) => {
      results.push(["g1 arg", arg]);
      const fromParent = getcurrent().parent!.switch("from g1 run");
      results.push(["g1 from parent", fromParent]);
      return "g1 done";
    });
    g2 = new Greenlet((arg: unknown) => {
      results.push(["g2 arg", arg]);
      const fromParent = getcurrent().parent!.switch("from g2 run");
      switchToG2 = false;
      results.push(["g2 from parent", fromParent]);
      return "g2 done";
    });
    settrace(tracer);
    results.push(["main g1", g1.switch("g1 from main")]);
    results.push(["main g2", g1.switch("g2 from main")]);
    results.push(["main g1.2", g1.switch("g1 from main 2")]);
    results.push(["main g2.2", g2.switch()]);
    settrace(null);
    expect(results).toStrictEqual([
      ["trace", "switch"],
      ["trace", "switch"],
      ["g2 arg", "g2 from tracer"],
      ["trace", "switch"],
      ["main g1", "from g2 run"],
      ["trace", "switch"],
      ["g1 arg", "g1 from main"],
      ["trace", "switch"],
      ["main g2", "from g1 run"],
      ["trace", "switch"],
      ["g1 from parent", "g1 from main 2"],
      ["trace", "switch"],
      ["main g1.2", "g1 done"],
      ["trace", "switch"],
      ["g2 from parent", undefined],
      ["trace", "switch"],
      ["main g2.2", "g2 done"],
    ]);
  });
});
