/**
 * The frame ABI shared by the transform (transformer/core) and the runtime.
 *
 * Keep in sync with transformer/core/names.ts: the transform emits code against exactly these
 * field names and this record layout.
 *
 * A transformed function that is unwinding spills one *frame record* into `rt.buf` with plain
 * element stores (no allocation, no calls: see ../shared/reference/osr-shapes.md, shape e5):
 *
 *     [info, pc, this, local0, local1, ...]        length = info.size
 *
 * `info` describes the function (stable id, name, file, resume points, local names, resume
 * function); `pc` is the resume point (1-based, 0 never appears in a record); the locals are the
 * function's hoisted variables, temporaries and environment objects, in `info.locals` order.
 * The runtime moves spilled records onto the greenlet's heap stack; a resume re-enters only the
 * innermost record through `info.resume` and feeds each result to the next outer record.
 */

/** Resume modes passed to a resume function: deliver a value, or throw it at the resume point. */
export const RESUME_VALUE = 0;
export const RESUME_THROW = 1;
/**
 * Resume mode of `continueSpilled` (runtime.ts): the resume function, entered at a call's resume
 * point, makes the call there rather than delivering its value (generators use 2, RESUME_RETURN).
 */
export const RESUME_CALL = 3;

export const REC_INFO = 0;
export const REC_PC = 1;
export const REC_THIS = 2;
export const REC_LOCALS = 3;

/**
 * `resume.call(recordThis, records, p, mode, value)`: restores the frame whose record starts at
 * `records[p]`, delivers `value` (or throws it) at the resume point, and runs the rest of the
 * function. Returns the function's result, or `rt.U` with `rt.unwinding` set if it suspended again.
 */
export type ResumeFunction = (this: unknown, records: unknown[], p: number, mode: number, value: unknown) => unknown;

export interface FunctionInfo {
  /**
   * Stable identity: `<package name>/<path from package.json dir>#<qualified name>`
   * (transformer/core/closures.ts); the content hash is `hash`.
   */
  readonly id: string;
  readonly name: string;
  /** Source file as the transform saw it (path relative to the project root when known). */
  readonly file: string;
  /** Content hash of the function's original source text. */
  readonly hash: string;
  /** Record length, header included. */
  readonly size: number;
  readonly locals: readonly string[];
  /** Original [line, column] (1-based) of each resume point; index pc - 1. */
  readonly points: readonly (readonly [number, number])[];
  /** Per resume point (index pc - 1): indices into `locals` of temporaries no later code reads. */
  readonly dead?: readonly (readonly number[])[];
  readonly resume: ResumeFunction;
}

/** The fields transformed code touches on every call. One instance per realm (see runtime.ts). */
export interface RuntimeABI {
  /**
   * Set while frames are being captured. Transformed code tests it with `=== true` after `new`
   * and `super(...)`, and to skip `finally` code and iterator closing while unwinding.
   */
  unwinding: boolean;
  /**
   * What a function returns while unwinding (with `unwinding` set): transformed frames after
   * spilling, and the runtime's own callables (switch, throw, a generator's next) when they start
   * or pass on a capture. A call site tests the value it got (`$$t === $$tsgreenlet2U`, the same
   * symbol as a read-only global: runtime.ts install), not the flag: a comparison with a
   * constant, which V8 folds away when it inlines a callee that returns a number or an object.
   * A symbol because a constructor's return of a primitive is ignored by `new`, so a capturing
   * base constructor reached through `super(...)` cannot replace `this`.
   */
  readonly U: symbol;
  /** Callee token: a transformed call site stores the function it is about to call. */
  t: unknown;
  /** Spill buffer (PACKED_ELEMENTS, preallocated) and its fill pointer. */
  buf: unknown[];
  sp: number;
  /**
   * Slow path of a transformed function entered from untransformed code:
   * `{ rt.a = [params...]; rt.nt = new.target; return rt.enter(f, this); }`. Arguments and
   * new.target travel in fields rather than call arguments: a 4-argument call would reserve six
   * interpreter registers in every frame of the function, and frame size limits recursion depth.
   */
  a: ArrayLike<unknown> | null;
  nt: Function | undefined;
  enter(fn: Function, self: unknown): unknown;
  /** A transformed constructor entered from untransformed code runs its body from pc 0 through its resume function, a boundary meanwhile (runtime.ts). */
  construct(info: FunctionInfo, self: unknown, locals: unknown[], ctor: Function): unknown;
  /** A transformed private method entered without its token: its body from the start, through `resume`. */
  enterAt(info: FunctionInfo, self: unknown, locals: unknown[], resume: Function): unknown;
  /** A function that left a loop at a rare arm and spilled its frame: the rest of its body runs in its resume function from the call at -pc (RESUME_CALL). */
  continueSpilled(info: FunctionInfo): unknown;
  /** Completion of a resumed constructor: `return v` gives v when it is an object, else the instance. */
  made(v: unknown, self: unknown): unknown;
  madeDerived(v: unknown, self: unknown): unknown;
  /** The TypeError of a member call whose method is not a function ("o.m is not a function"). */
  notCallable(what: string, value?: unknown): TypeError;
  /**
   * Rewritten generators (runtime/generators.ts): a generator object owning the record
   * `[info, 0, this, $$g, ...locals]`; generator-function prototypes for functions created by
   * marked code; the `yield*` checks.
   */
  gen(fn: Function, record: unknown[]): object;
  genfn<F extends Function>(fn: F): F;
  genfns(fns: readonly Function[]): void;
  iterResult(r: unknown): void;
  yieldStarNoThrow(it: Iterator<unknown>): never;
  /** Registers the description of a transformed function; returns it. */
  fn(info: FunctionInfo): FunctionInfo;
  /** Registers the closure factory of a transformed function expression (pickling); returns it. */
  clo(info: ClosureInfo): ClosureInfo;
  /** Registers a marked module's top-level bindings (pickling by reference). */
  mod(id: string, names: readonly string[], get: (name: string) => unknown): void;
  /**
   * Temporal dead zones (transformer/core/tdz.ts, runtime/tdz.ts): the sentinel a checked
   * binding's environment slot starts with (`Symbol.for("tsgreenlet.uninitialized")`), the
   * ReferenceError, and an assignable stand-in `(stand-in).name` for a write target (env null:
   * certainly in the dead zone).
   */
  readonly Z: unknown;
  tdz(name: string): never;
  tdzRef(env: Record<string, unknown> | null, name: string): object;
}

/** Closure factory of a transformed function expression (transformer/core/closures.ts). */
export interface ClosureInfo {
  /** Stable id `<module>#<qualified name>` (same id as the function's FunctionInfo, if any). */
  readonly id: string;
  readonly hash: string;
  /** Number of environment objects the factory takes. */
  readonly envs: number;
  /** `mk.apply(lexicalThis, envs)` creates the closure (and tags it). */
  readonly mk: (...envs: unknown[]) => Function;
}

/** A marked module's top-level bindings, read lazily (`get` throws while a binding is in its TDZ). */
export interface ModuleTable {
  readonly id: string;
  readonly names: readonly string[];
  readonly get: (name: string) => unknown;
  /**
   * The `let`/`var` bindings among `names`: they can be reassigned, so the value a pickle meets
   * may no longer be the binding's value when it is unpickled; such values are pickled by value.
   */
  readonly reassignable?: readonly string[];
}
