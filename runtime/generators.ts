/**
 * Rewritten generators: the runtime half (the transform's half is transformer/core/yield.ts).
 *
 * A generator function of marked code becomes a plain function that evaluates its parameters and
 * returns `$$rt.gen(fn, [info, 0, this, $$g, ...locals])`: a generator object whose frame is that
 * heap record (runtime/abi.ts layout) held by its GeneratorState. The body
 * only ever runs through its resume function (like a constructor entered from untransformed
 * code, RT.construct): `next(v)` / `throw(e)` / `return(v)` call
 * `info.resume(record, 0, mode, v)` with mode 0 / 1 / 2. A `yield` stores the frame back into
 * `$$g.r`, sets `$$g.s` to GEN_YIELD (or GEN_YIELD_RAW for `yield*`, whose inner result object
 * is passed through as is) and returns the value; falling off the end or `return` leaves the
 * state GEN_RUNNING, which tells `settle` the generator completed.
 *
 * next/throw/return take part in the frame protocol like transformed code: called from a
 * transformed call site (the callee token names them), a greenlet switch inside the body
 * unwinds the body (its record spills like any frame) and then the `next` frame itself, a
 * record `[NEXT_INFO, 1, state]` whose resume function turns the body's eventual result into
 * the iterator result. Called from anywhere else (spread, Array.from, a native for-of) the body
 * runs as a boundary, exactly like a transformed function entered from untransformed code.
 */
import type { FunctionInfo } from "./abi.js";

/** Not started (record at pc 0). */
export const GEN_START = 0;
/** Suspended at a `yield`. */
export const GEN_YIELD = 1;
/** Executing (on the real stack, or suspended with its greenlet inside the body). */
export const GEN_RUNNING = 2;
export const GEN_DONE = 3;
/** Set by a `yield*` step: the value returned is the inner iterator's result object itself. */
export const GEN_YIELD_RAW = 4;

/** Resume mode of `return(v)` at a yield (0 value and 1 throw are runtime/abi.ts's). */
export const RESUME_RETURN = 2;

/** The fields of the runtime object this module needs (runtime.ts implements them). */
export interface GeneratorRuntime {
  unwinding: boolean;
  readonly U: symbol;
  t: unknown;
  buf: unknown[];
  sp: number;
  boundary: number;
  readonly boundaryFns: Function[];
}

/**
 * A generator's frame and state. The body's `$$g` local is this object (so a yield can store
 * into `r` and `s` with plain property stores); the generator object users see carries it in a
 * private field.
 */
export class GeneratorState {
  constructor(
    /** The frame record `[info, pc, this, $$g, ...locals]`; null once done. */
    public r: unknown[] | null,
    public s: number,
    /** The generator function (its `prototype` is the objects' prototype; pickling re-reads it). */
    public f: Function,
    /** The generator object. */
    public o: object | null,
  ) {}
}

/** Gives an existing object a private field (constructor return override): invisible to reflection. */
class GeneratorStampBase {
  constructor(o: object) {
    return o;
  }
}
class GeneratorStamp extends GeneratorStampBase {
  #st: GeneratorState;
  constructor(o: object, st: GeneratorState) {
    super(o);
    this.#st = st;
  }
  static get(o: unknown): GeneratorState | undefined {
    return o !== null && typeof o === "object" && #st in o ? (o as GeneratorStamp).#st : undefined;
  }
}

/** The state behind a rewritten generator object (undefined for anything else). */
export function generatorState(o: unknown): GeneratorState | undefined {
  return GeneratorStamp.get(o);
}

const ITERATOR_PROTO = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object;
const NATIVE_GENERATOR_FUNCTION_PROTO = Object.getPrototypeOf(function* () { /* probe */ }) as object;

export interface GeneratorSupport {
  /** %GeneratorPrototype% of rewritten generators: next, return, throw, toStringTag "Generator". */
  readonly proto: object;
  readonly nextInfo: FunctionInfo;
  /** A new generator object (called by the rewritten generator function with its record `[info, 0, this, $$g, ...locals]`). */
  make(fn: Function, record: unknown[]): object;
  /** A generator object around a given state (unpickling). */
  wrap(st: GeneratorState, proto: object): object;
  /** Makes `fn` look like a generator function: its own `prototype` object, GeneratorFunction's prototype. */
  mark(fn: Function, method: boolean): Function;
}

export function generatorSupport(rt: GeneratorRuntime): GeneratorSupport {
  const settle = (st: GeneratorState, v: unknown): unknown => {
    const s = st.s;
    if (s === GEN_YIELD) return { value: v, done: false };
    if (s === GEN_YIELD_RAW) {
      st.s = GEN_YIELD;
      return v;
    }
    st.s = GEN_DONE;
    st.r = null;
    return { value: v, done: true };
  };

  /** Resume function of the `next` frame: the body's outcome becomes the iterator result. */
  const nextResume = function (this: unknown, records: unknown[], p: number, mode: number, value: unknown): unknown {
    const st = records[p + 2] as GeneratorState;
    if (mode === 1) {
      st.s = GEN_DONE;
      st.r = null;
      throw value;
    }
    return settle(st, value);
  };
  const nextInfo: FunctionInfo = {
    id: "tsgreenlet/runtime/generators.ts#generator.next", name: "generator next", file: "tsgreenlet/runtime/generators.ts",
    hash: "gen-next-1", size: 3, locals: [], points: [[0, 0]], resume: nextResume,
  };

  /** Runs the body from its record; a body that throws finishes the generator. */
  const resumeBody = (st: GeneratorState, rec: unknown[], mode: number, value: unknown): unknown => {
    try {
      return (rec[0] as FunctionInfo).resume.call(rec[2], rec, 0, mode, value);
    } catch (e) {
      st.s = GEN_DONE;
      st.r = null;
      throw e;
    }
  };

  const run = (st: GeneratorState, mode: number, value: unknown, marked: boolean): unknown => {
    if (st.s !== GEN_YIELD) {
      if (st.s === GEN_RUNNING) throw new TypeError("Generator is already running");
      if (st.s === GEN_DONE || mode !== 0) {
        // Not started: return/throw complete it without running the body.
        st.s = GEN_DONE;
        st.r = null;
        if (mode === 1) throw value;
        return { value: mode === RESUME_RETURN ? value : undefined, done: true };
      }
    }
    const rec = st.r!;
    st.s = GEN_RUNNING;
    let v: unknown;
    if (marked) {
      v = resumeBody(st, rec, mode, value);
      if (rt.unwinding === true) {
        // A greenlet switch inside the body: its frames spilled; this frame follows them.
        const buf = rt.buf;
        const sp = rt.sp;
        buf[sp] = nextInfo;
        buf[sp + 1] = 1;
        buf[sp + 2] = st;
        rt.sp = sp + 3;
        return rt.U;
      }
    } else {
      rt.boundary++;
      rt.boundaryFns.push(st.f);
      try {
        v = resumeBody(st, rec, mode, value);
      } finally {
        rt.boundary--;
        rt.boundaryFns.pop();
      }
    }
    return settle(st, v);
  };

  const stateOf = (o: unknown, method: string): GeneratorState => {
    const st = GeneratorStamp.get(o);
    if (st === undefined) throw new TypeError(`${method} method called on incompatible receiver ${o === null || (typeof o !== "object" && typeof o !== "function") ? String(o) : Object.prototype.toString.call(o)}`);
    return st;
  };
  // Shorthand methods: not constructors, like the built-in ones.
  const methods = {
    next(this: unknown, v?: unknown): unknown {
      const marked = rt.t === NEXT;
      rt.t = null;
      return run(stateOf(this, "Generator.prototype.next"), 0, v, marked);
    },
    return(this: unknown, v?: unknown): unknown {
      const marked = rt.t === RETURN;
      rt.t = null;
      return run(stateOf(this, "Generator.prototype.return"), RESUME_RETURN, v, marked);
    },
    throw(this: unknown, e?: unknown): unknown {
      const marked = rt.t === THROW;
      rt.t = null;
      return run(stateOf(this, "Generator.prototype.throw"), 1, e, marked);
    },
  };
  const NEXT = methods.next;
  const RETURN = methods.return;
  const THROW = methods.throw;
  const proto = Object.create(ITERATOR_PROTO, {
    constructor: { value: NATIVE_GENERATOR_FUNCTION_PROTO, configurable: true },
    next: { value: NEXT, writable: true, configurable: true },
    return: { value: RETURN, writable: true, configurable: true },
    throw: { value: THROW, writable: true, configurable: true },
    [Symbol.toStringTag]: { value: "Generator", configurable: true },
  }) as object;

  const protoOf = (fn: Function): object => {
    const p = (fn as { prototype?: unknown }).prototype;
    return p !== null && (typeof p === "object" || typeof p === "function") ? p : proto;
  };

  return {
    proto,
    nextInfo,
    make(fn, rec) {
      const st = new GeneratorState(rec, GEN_START, fn, null);
      rec[3] = st;
      const o = new GeneratorStamp(Object.create(protoOf(fn)) as object, st) as object;
      st.o = o;
      return o;
    },
    wrap(st, p) {
      const o = new GeneratorStamp(Object.create(p) as object, st) as object;
      st.o = o;
      return o;
    },
    mark(fn, method) {
      const p = Object.create(proto) as object;
      if (method) Object.defineProperty(fn, "prototype", { value: p, writable: true, enumerable: false, configurable: false });
      else (fn as { prototype: unknown }).prototype = p;
      Object.setPrototypeOf(fn, NATIVE_GENERATOR_FUNCTION_PROTO);
      return fn;
    },
  };
}
