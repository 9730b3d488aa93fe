// Hard-switch scenarios run as subprocesses (a crash must fail the test, not the runner): GC
// safety, stack overflow, promises and timers, process exit, killAll.
import { describe, expect, it } from "vitest";
import { available } from "../native-hardswitch/index.js";
import { runScenario } from "./hardswitch-scripts/harness.js";

const ok = (r: ReturnType<typeof runScenario>) => `code ${r.code} signal ${r.signal}\n${r.stdout}\n${r.stderr}`;

describe.skipIf(!available)("hard-switch scenarios (subprocess)", () => {
  it("100,000 switches each way with forced GCs keep suspended stacks intact", () => {
    const r = runScenario("gc.mjs", ["100000"], ["--expose-gc"]);
    expect(r.code, ok(r)).toBe(0);
    expect(r.json).toMatchObject({ switches: 200016 });
  });

  it("stack overflow in a context is a RangeError there, for every stack size", () => {
    const r = runScenario("overflow.mjs");
    expect(r.code, ok(r)).toBe(0);
    expect(r.json["64K/default"]).toBeGreaterThan(100);
    expect(r.json["256K/default"]).toBeGreaterThanOrEqual(r.json["64K/default"]); // equal on V8 >= 14 (default limit)
  });

  it("promises, microtasks and timers work while contexts are alive", () => {
    const r = runScenario("async.mjs");
    expect(r.code, ok(r)).toBe(0);
    expect(r.json).toMatchObject({ ticks: 5, microtasks: 55 });
  });

  it("killAll unwinds suspended contexts, runs finally blocks, aggregates errors", () => {
    const r = runScenario("kill.mjs");
    expect(r.code, ok(r)).toBe(0);
    expect(r.json).toEqual(["a caught HardExitSignal", "a rethrown true", "a finally", "b finally"]);
  });

  describe("process exit with suspended contexts", () => {
    it("natural end: exit 0, no finally block runs", () => {
      const r = runScenario("exit.mjs", ["natural"], [], 30_000);
      expect(r.code, ok(r)).toBe(0);
      expect(r.stdout).toContain("end of script");
      expect(r.stdout).not.toContain("finally");
    });
    it("process.exit(3) on main", () => {
      const r = runScenario("exit.mjs", ["process-exit"], [], 30_000);
      expect(r.code, ok(r)).toBe(3);
    });
    it("process.exit(4) inside a context", () => {
      const r = runScenario("exit.mjs", ["exit-in-context"], [], 30_000);
      expect(r.code, ok(r)).toBe(4);
    });
    it("killAll in an exit listener runs every finally block", () => {
      const r = runScenario("exit.mjs", ["killall"], [], 30_000);
      expect(r.code, ok(r)).toBe(0);
      for (let i = 0; i < 5; i++) expect(r.stdout).toContain(`finally ${i}`);
      expect(r.stdout).toContain("after killAll parked=0");
    });
    it("uncaught error on main", () => {
      const r = runScenario("exit.mjs", ["uncaught"], [], 30_000);
      expect(r.code, ok(r)).toBe(1);
      expect(r.stderr).toContain("boom with parked contexts");
    });
    it("1,000 parked contexts", () => {
      const r = runScenario("exit.mjs", ["many"], [], 30_000);
      expect(r.code, ok(r)).toBe(0);
    });
  });
});
