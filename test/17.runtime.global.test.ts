// How transformed functions reach the runtime: a read-only global (runtime/runtime.ts install,
// transformer/core/names.ts RT_GLOBAL), which V8 embeds as a constant in optimized code.
import { describe, expect, it } from "vitest";
import { $RT } from "tsgreenlet/runtime";
import { largest, seenByB } from "./helpers/cycle-a.js";

describe("runtime global", () => {
  it("is the realm's runtime, read-only, non-enumerable and non-configurable", () => {
    const d = Object.getOwnPropertyDescriptor(globalThis, "$$tsgreenlet2");
    expect(d).toEqual({ value: $RT, writable: false, enumerable: false, configurable: false });
    expect(Object.keys(globalThis)).not.toContain("$$tsgreenlet2");
  });

  it("holds the runtime's unwinding symbol the same way, under its own name", () => {
    const d = Object.getOwnPropertyDescriptor(globalThis, "$$tsgreenlet2U");
    expect(d).toEqual({ value: $RT.U, writable: false, enumerable: false, configurable: false });
    expect(typeof $RT.U).toBe("symbol");
    expect(Object.keys(globalThis)).not.toContain("$$tsgreenlet2U");
  });

  it("is there for a marked function called through an import cycle before its module body ran", () => {
    expect(seenByB).toBe(9);
    expect(largest([1, -2])).toBe(1);
  });
});
