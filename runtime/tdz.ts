/**
 * Temporal dead zone support for transformed code (transformer/core/tdz.ts decides where).
 *
 * `let`/`const`/`class` bindings of transformed functions live in hoisted locals or environment
 * objects so frames can be saved; the engine's own TDZ check is lost. A binding that a closure
 * may read before its declaration ran starts as `UNINITIALIZED` (it survives a suspension and a
 * pickle); checked references compare against it. Everything here except the sentinel is a cold
 * path.
 */

/**
 * The value of a hoisted binding whose declaration has not run yet. A registered symbol: the same
 * in every copy of this package, pickled as a symbol like any other, and testable by transformed
 * code with a cheap `typeof` before the compare. (A program storing this very symbol in a
 * let/const of a marked function would see a false ReferenceError.)
 */
export const UNINITIALIZED: symbol = Symbol.for("tsgreenlet.uninitialized");

/** Throws V8's own error for a binding read or written before its declaration ran. */
export function throwTdz(name: string, hideFrom: Function = throwTdz): never {
  const e = new ReferenceError(`Cannot access '${name}' before initialization`);
  // The top frame is the user's code, as for the engine's own check.
  Error.captureStackTrace?.(e, hideFrom);
  throw e;
}

/**
 * An assignable stand-in for a binding in its dead zone where it is written (destructuring and
 * for-in/of targets, `x = v` of a checked binding): the transform emits `(stand-in).name`, and
 * reading or writing that property checks at the moment the engine would (a simple assignment
 * after its right-hand side ran). `env` null: the binding is certainly in its dead zone.
 */
export function tdzStandIn(env: Record<string, unknown> | null, name: string, uninitialized: unknown): object {
  const check = (): void => {
    if (env === null || env[name] === uninitialized) throwTdz(name, check);
  };
  return Object.defineProperty({}, name, {
    get(): unknown { check(); return env![name]; },
    set(value: unknown) { check(); env![name] = value; },
  });
}

/**
 * The assignment target of a write to a `const` that the transform hoisted to an assignable local
 * or environment slot: storing through it throws the engine's TypeError, at the moment the engine
 * would (after the right-hand side). `value`: what `c += v` / `c++` read first.
 */
export function constStandIn(name: string, value?: unknown): object {
  const store = (): never => {
    const e = new TypeError("Assignment to constant variable.");
    Error.captureStackTrace?.(e, store);
    throw e;
  };
  return Object.defineProperty({}, name, { get: () => value, set: store });
}
