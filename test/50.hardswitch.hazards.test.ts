// Hard-switch hazards, each with a regression scenario run as a subprocess: wasm code GC,
// AsyncLocalStorage, switches inside async scopes, vm timeouts, worker_threads teardown.
import { describe, expect, it } from "vitest";
import { available } from "../native-hardswitch/index.js";
import { runScenario, v8FlagsAvailable } from "./hardswitch-scripts/harness.js";

const ok = (r: ReturnType<typeof runScenario>) => `code ${r.code} signal ${r.signal}\n${r.stdout}\n${r.stderr}`;
const wasmStress = ["--expose-gc", "--stress-wasm-code-gc", "--wasm-tiering-budget=1000"];
const hasWasmStress = v8FlagsAvailable(["--stress-wasm-code-gc", "--wasm-tiering-budget"]);

describe.skipIf(!available)("hard-switch hazards (subprocess)", () => {
  it.skipIf(!hasWasmStress)("wasm code GC under stress with parked contexts and fetch does not abort", () => {
    const r = runScenario("wasm.mjs", [], wasmStress);
    expect(r.code, ok(r)).toBe(0);
    expect(r.json).toEqual({ wasm: "ok", fetches: 20 });
  });

  it.skipIf(!hasWasmStress)("control: the same scenario with wasm code GC re-enabled aborts (hazard is real)", () => {
    const r = runScenario("wasm.mjs", ["control"], wasmStress);
    expect(r.code, ok(r)).not.toBe(0);
    expect(r.stderr).toMatch(/archived threads|wasm|Fatal/i);
  });

  it("AsyncLocalStorage: per-context stores where AsyncContextFrame exists", () => {
    const r = runScenario("als.mjs");
    expect(r.code, ok(r)).toBe(0);
    if (r.json.perContext) expect(r.json.wrong).toEqual([]);
  });

  it("switching out of an async scope is refused, not a process abort", () => {
    for (const mode of ["plain", "hooks"]) {
      const r = runScenario("async-scope.mjs", [mode]);
      expect(r.code, ok(r)).toBe(0);
      expect(r.json).toEqual({ scope: "ERR_HARDSWITCH_ASYNC_SCOPE", bind: "ERR_HARDSWITCH_ASYNC_SCOPE", resumed: "from main scope" });
    }
  });

  // Was a known flake under load: the refused runs' 30 ms timeout expired in the right context
  // before the switch was attempted when the process was descheduled (see vm-timeout.mjs).
  it("a vm timeout never terminates another context (5 runs)", () => {
    for (let i = 0; i < 5; i++) {
      const r = runScenario("vm-timeout.mjs");
      expect(r.code, ok(r)).toBe(0);
      expect(r.json).toEqual({ alive: true, results: 3 });
    }
  });

  it("worker_threads: own contexts, foreign handles refused, no thread leaked on exit", () => {
    const r = runScenario("worker.mjs");
    expect(r.code, ok(r)).toBe(0);
    expect(r.json.after).toBeLessThanOrEqual(r.json.before);
    expect(r.json.foreign).toBe("ERR_HARDSWITCH_FOREIGN");
  });
});
