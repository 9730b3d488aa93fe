// Hard-switch low-level API, in process: switching, states, suspension inside native callbacks,
// nesting, exceptions and isThrow, errors, pool reuse. Subprocess scenarios are in
// 50.hardswitch.scenarios / 50.hardswitch.hazards.
import { describe, expect, it } from "vitest";
import * as hs from "../native-hardswitch/index.js";

const required = process.env.TSGREENLET_REQUIRE_HARDSWITCH === "1";
const exit = (target: hs.HardContext, value: unknown, isThrow = false): hs.HardExit => ({ target, value, isThrow });

describe("hard-switch availability", () => {
  it("reports whether the addon loaded, and why not", () => {
    if (!hs.available) {
      expect(hs.reason).toMatch(/node-gyp|TSGREENLET_HARDSWITCH/);
      if (required) throw new Error(`hard switching required but unavailable: ${hs.reason}`);
    } else {
      expect(hs.reason).toBeUndefined();
    }
  });
});

describe.skipIf(!hs.available)("hard-switch API", () => {
  const main = hs.available ? hs.mainContext() : (undefined as never);

  it("runs a context on first switch and ping-pongs values", () => {
    const seen: unknown[] = [];
    const c = hs.create((v) => {
      seen.push(v, hs.currentContext() !== main);
      const w = hs.switchTo(main, "to main");
      seen.push(w);
      return exit(main, "finished");
    });
    expect(hs.state(c)).toBe("new");
    expect(hs.switchTo(c, "first")).toBe("to main");
    expect(hs.state(c)).toBe("suspended");
    expect(hs.currentContext()).toBe(main);
    expect(hs.switchTo(c, "second")).toBe("finished");
    expect(hs.state(c)).toBe("finished");
    expect(seen).toEqual(["first", true, "second"]);
  });

  it("suspends inside Array.prototype.forEach and sort callbacks", () => {
    const walker = hs.create(() => {
      [10, 20, 30].forEach((x, i) => hs.switchTo(main, x + i));
      const sorted = [5, 3, 9, 1, 7].sort((a, b) => {
        hs.switchTo(main, `cmp ${a} ${b}`);
        return a - b;
      });
      return exit(main, sorted);
    });
    const got: unknown[] = [];
    let v = hs.switchTo(walker);
    while (hs.state(walker) !== "finished") {
      got.push(v);
      v = hs.switchTo(walker);
    }
    expect(got.slice(0, 3)).toEqual([10, 21, 32]);
    expect(got.slice(3).every((s) => typeof s === "string" && s.startsWith("cmp"))).toBe(true);
    expect(v).toEqual([1, 3, 5, 7, 9]);
  });

  it("main suspends inside forEach too, and contexts nest", () => {
    const outer = hs.create(() => {
      const self = hs.currentContext();
      const inner = hs.create((v) => {
        const back = hs.switchTo(self, `inner got ${String(v)}`);
        return exit(main, `inner finished with ${String(back)}`);
      });
      const r = hs.switchTo(inner, "x");
      const r2 = hs.switchTo(main, r);
      return exit(inner, `${String(r2)}`);
    });
    const out: unknown[] = [];
    [1].forEach(() => out.push(hs.switchTo(outer)));
    expect(out).toEqual(["inner got x"]);
    // resuming outer: it finishes and its exit goes to inner, whose exit comes back to main
    expect(hs.switchTo(outer, "y")).toBe("inner finished with y");
  });

  it("delivers exceptions: isThrow, thrown functions, exit with isThrow", () => {
    const c = hs.create(() => {
      try {
        hs.switchTo(main, "wait");
      } catch (e) {
        const caught = (e as Error).message;
        try {
          hs.switchTo(main, caught);
        } catch (e2) {
          return exit(main, new Error(`exit ${(e2 as Error).message}`), true);
        }
      }
      return exit(main, "unreachable");
    });
    hs.switchTo(c);
    expect(hs.switchTo(c, new Error("boom"), true)).toBe("boom");
    expect(() => hs.switchTo(c, new Error("again"), true)).toThrow("exit again");
    const thrower = hs.create(() => {
      throw new TypeError("from fn");
    });
    expect(() => hs.switchTo(thrower)).toThrow(TypeError);
    expect(hs.state(thrower)).toBe("finished");
    // throwing into a new context finishes it without running it
    let ran = false;
    const fresh = hs.create(() => {
      ran = true;
      return exit(main, 1);
    });
    expect(() => hs.switchTo(fresh, new RangeError("never started"), true)).toThrow(RangeError);
    expect(ran).toBe(false);
    expect(hs.state(fresh)).toBe("finished");
  });

  it("switching to the current context returns or throws at once", () => {
    expect(hs.switchTo(main, 5)).toBe(5);
    expect(() => hs.switchTo(main, new Error("self"), true)).toThrow("self");
  });

  it("rejects finished, foreign and malformed targets with clear errors", () => {
    const c = hs.create(() => exit(main, 1));
    hs.switchTo(c);
    expect(() => hs.switchTo(c)).toThrow(/has finished/);
    try {
      hs.switchTo({ id: main.id });
    } catch (e) {
      expect((e as hs.HardSwitchError).code).toBe("ERR_HARDSWITCH_FOREIGN");
      expect((e as Error).message).toMatch(/cannot cross workers/);
    }
    expect(() => hs.create(() => exit(main, 1), { stackSize: 1024 })).toThrow(RangeError);
    expect(() => hs.create(() => exit(main, 1), { stacksize: 1 } as never)).toThrow(/did you mean "stackSize"/);
    const bad = hs.create(() => 42 as never);
    expect(() => hs.switchTo(bad)).toThrow(/must return a HardExit/);
    const toFinished = hs.create(() => exit(c, 1));
    expect(() => hs.switchTo(toFinished)).toThrow(/has finished/);
  });

  it("exits into a new context, starting it", () => {
    const second = hs.create((v) => exit(main, `second got ${String(v)}`));
    const first = hs.create(() => exit(second, "handoff"));
    expect(hs.switchTo(first)).toBe("second got handoff");
    expect(hs.state(second)).toBe("finished");
  });

  it("reuses pooled threads and trims the pool", () => {
    hs.configure({ poolSize: 32 });
    const created0 = hs.stats().threadsCreated;
    for (let i = 0; i < 50; i++) expect(hs.switchTo(hs.create((v) => exit(main, (v as number) + 1)), i)).toBe(i + 1);
    expect(hs.stats().threadsCreated - created0).toBeLessThanOrEqual(1);
    const parked = Array.from({ length: 40 }, () =>
      hs.create(() => {
        hs.switchTo(main);
        return exit(main, 0);
      }),
    );
    parked.forEach((c) => hs.switchTo(c));
    expect(hs.stats().parked).toBe(40);
    parked.forEach((c) => hs.switchTo(c));
    const s = hs.stats();
    expect(s.parked).toBe(0);
    expect(s.pooledThreads).toBe(32);
    expect(s.liveThreads).toBe(32);
    hs.configure({ poolSize: 4 });
    expect(hs.stats()).toMatchObject({ pooledThreads: 4, liveThreads: 4 });
    // another stack size cannot reuse those threads
    const before = hs.stats().threadsCreated;
    hs.switchTo(hs.create(() => exit(main, 0), { stackSize: 4 * 1024 * 1024 }));
    expect(hs.stats().threadsCreated).toBe(before + 1);
    hs.configure({ poolSize: 32 });
  });

  it("low-latency mode round-trips and can be switched off", () => {
    hs.configure({ lowLatency: true, spinMicros: 20 });
    const c = hs.create((v) => {
      for (;;) v = hs.switchTo(main, (v as number) * 2);
    });
    let v = 1;
    for (let i = 0; i < 10; i++) v = hs.switchTo(c, v) as number;
    expect(v).toBe(1024);
    hs.configure({ lowLatency: false });
    hs.killAll();
    expect(hs.state(c)).toBe("finished");
  });

  it("configure validates its options and names the replacement of spinIterations", () => {
    expect(() => hs.configure({ spinIterations: 1000 } as never)).toThrow(/spinIterations was replaced by spinMicros/);
    expect(() => hs.configure({ spinMicros: 0 })).toThrow(RangeError);
    expect(() => hs.configure({ spinMicros: 2.5 })).toThrow(/spinMicros must be an integer between 1 and 1000000, got 2.5/);
    expect(() => hs.configure({ followCpu: "yes" } as never)).toThrow(/followCpu must be a boolean, got string/);
    expect(() => hs.configure({ followcpu: true } as never)).toThrow(/unknown option "followcpu" \(did you mean "followCpu"\?\)/);
    // a rejected call changes nothing: the defaults still switch
    const c = hs.create((v) => exit(main, v));
    expect(hs.switchTo(c, "still default")).toBe("still default");
  });

  // "Follow the baton": a woken context thread is moved onto the waker's CPU (Linux only).
  it.skipIf(process.platform !== "linux")("followCpu pins context threads, never main, and turning it off unpins them", () => {
    const c = hs.create((v) => {
      for (;;) v = hs.switchTo(main, (v as number) + 1);
    });
    expect(hs.switchTo(c, 1)).toBe(2);
    expect(hs.stats().pinnedThreads).toBeGreaterThanOrEqual(1);
    hs.configure({ followCpu: false });
    expect(hs.stats().pinnedThreads).toBe(0);
    expect(hs.switchTo(c, 5)).toBe(6);
    expect(hs.stats().pinnedThreads).toBe(0);
    hs.configure({ followCpu: true });
    expect(hs.switchTo(c, 7)).toBe(8);
    expect(hs.stats().pinnedThreads).toBeGreaterThanOrEqual(1);
    // low-latency mode spins for a partner on another CPU, so it turns following off while on
    hs.configure({ lowLatency: true, spinMicros: 10 });
    expect(hs.stats().pinnedThreads).toBe(0);
    expect(hs.switchTo(c, 9)).toBe(10);
    expect(hs.stats().pinnedThreads).toBe(0);
    hs.configure({ lowLatency: false });
    hs.killAll();
    expect(hs.state(c)).toBe("finished");
  });

  it("killAll leaves main and new contexts alone", () => {
    const n = hs.create(() => exit(main, 0));
    hs.killAll();
    expect(hs.state(n)).toBe("new");
    expect(hs.state(main)).toBe("running");
  });
});
