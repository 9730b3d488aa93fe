// Pickling a frame that holds a let/const binding still in its temporal dead zone.
import { afterEach, describe, expect, it } from "vitest";
import { Greenlet, getcurrent } from "tsgreenlet";
import { pickle, unpickle } from "tsgreenlet/pickle";
import { lateBinding } from "../fixtures/pickle/tdz.js";

afterEach(() => {
  expect(getcurrent().parent).toBeNull();
});

describe("pickling bindings in their temporal dead zone", () => {
  it("a copy resumes with the binding still uninitialised, then initialises it", () => {
    const g = new Greenlet(lateBinding);
    expect(g.switch()).toBe("suspended");
    const bytes = pickle(g);
    expect(new TextDecoder().decode(bytes)).toContain("tsgreenlet.uninitialized");
    const copy = unpickle(bytes);
    expect(copy.switch("copy")).toEqual(["ReferenceError: Cannot access 'late' before initialization", "late copy"]);
    expect(g.switch("original")).toEqual(["ReferenceError: Cannot access 'late' before initialization", "late original"]);
  });
});
