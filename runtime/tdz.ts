/**
 * Temporal dead zone support for transformed code (transformer/core/tdz.ts decides where).
 *
 * `let`/`const`/`class` bindings of transformed functions live in hoisted locals or environment
 * objects so frames can be saved; the engine's own TDZ check is lost. A binding that a closure
 * may read before its declaration ran starts as `UNINITIALIZED` (a frozen plain object, so it
 * survives a suspension and is pickled by reference as `tsgreenlet:uninitialized`); checked
 * references compare against it. Everything here except the sentinel is a cold path.
 */

/** The value of a hoisted binding whose declaration has not run yet. */
export const UNINITIALIZED: object = Object.freeze(Object.create(Object.prototype, {
  toString: { value: () => "[binding in its temporal dead zone]" },
}) as object);

/** Throws V8's own error for a binding read or written before its declaration ran. */
export function throwTdz(name: string, hideFrom: Function = throwTdz): never {
  const e = new ReferenceError(`Cannot access '${name}' before initialization`);
  // The top frame is the user's code, as for the engine's own check.
  Error.captureStackTrace?.(e, hideFrom);
  throw e;
}

/**
 * An assignable stand-in (`.v`) for a binding that is certainly in its TDZ where it is written
 * (destructuring and for-in/of targets): reading or writing `.v` throws, at the moment the
 * engine would.
 */
export function deadRef(name: string): { v: unknown } {
  return {
    get v(): unknown { return throwTdz(name); },
    set v(_: unknown) { throwTdz(name); },
  };
}

/** An assignable stand-in (`.v`) for `env[name]` that checks the TDZ when read or written. */
export function checkedRef(env: Record<string, unknown>, name: string, uninitialized: unknown): { v: unknown } {
  return {
    get v(): unknown {
      const x = env[name];
      return x === uninitialized ? throwTdz(name) : x;
    },
    set v(value: unknown) {
      if (env[name] === uninitialized) throwTdz(name);
      env[name] = value;
    },
  };
}
