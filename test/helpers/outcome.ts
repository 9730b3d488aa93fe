"use greenlet";
/**
 * Small helpers for asserting on thrown values without vitest's `expect(fn).toThrow`,
 * which calls `fn` from untransformed vitest code. These helpers are transformed
 * (see the directive above), so a greenlet may switch away while inside them.
 */

export type Outcome =
  | { readonly threw: false; readonly value: unknown }
  | { readonly threw: true; readonly error: unknown };

/** Runs `fn` and reports whether it returned or threw, and what. */
export function outcome(fn: () => unknown): Outcome {
  try {
    return { threw: false, value: fn() };
  } catch (error) {
    return { threw: true, error };
  }
}

/** Runs `fn`, which must throw, and returns the thrown value. */
export function thrownBy(fn: () => unknown): unknown {
  const result = outcome(fn);
  if (!result.threw) {
    throw new Error(`expected the call to throw, but it returned ${describeValue(result.value)}`);
  }
  return result.error;
}

function describeValue(value: unknown): string {
  try {
    return typeof value === "string" ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** A distinct error class, so tests can tell their own errors from anything else. */
export class SomeError extends Error {
  constructor(message = "some error") {
    super(message);
    this.name = "SomeError";
  }
}

/** A second distinct error class. */
export class OtherError extends Error {
  constructor(message = "other error") {
    super(message);
    this.name = "OtherError";
  }
}
