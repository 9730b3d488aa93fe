/**
 * Implementation of Greenlet: greenlet's semantics on top of soft switching.
 *
 * States: UNSTARTED -> ACTIVE (running, or suspended) -> DEAD. The main greenlet is ACTIVE
 * forever and owns the real stack below everything else.
 *
 * Where a greenlet's frames live. A soft greenlet runs on top of the real stack of whichever
 * greenlet is *driving* it (its `owner`: the one blocked in `switch`, running `drive`). When it
 * switches away it unwinds: every transformed frame spills a record into `RT.buf` and returns 0,
 * and `drive` moves the records onto the greenlet's heap stack (outermost first). Resuming
 * re-enters only the innermost record and hands each result outwards (Kotlin's resumeWith loop,
 * greenlet's upper/lower split), so a switch costs the same at depth 1 and depth 10,000 and a
 * second suspension captures only the frames entered since the resume.
 *
 * A greenlet that cannot unwind (main; a switch called from untransformed code; an untransformed
 * frame between its base and the switch) stays on the real stack: it is *resident*, and the
 * target runs on top of it in a nested `drive` (Tismer's placable greenlets). Switching to a
 * resident greenlet buried under another resident one is impossible without native help, and is
 * refused with a GreenletError *before* anything unwinds.
 *
 * Hard greenlets (hard.ts) are resident on native stacks of their own; the few hooks here send a
 * switch to a resident greenlet on another native stack (`elsewhere`) to hard.ts instead of
 * refusing it. Nothing on the soft-only path calls into hard.ts except the start-time `auto`
 * decision in lookupRun.
 *
 * Why a driver loop and not re-entry of every frame: re-entering all frames on every resume cost
 * ~32 us per switch at depth 1000 in the design measurements; the driver costs ~10 ns per frame
 * actually resumed (DESIGN-NOTES §2).
 */
import { RESUME_THROW, RESUME_VALUE, REC_INFO, REC_PC, type FunctionInfo } from "../abi.js";
import { RT, lastCompleted } from "../runtime.js";
import { GreenletError, GreenletExit } from "./errors.js";
import { MAIL, MODE_SOFT, clearMail, decideStack, elsewhere, handoff, parseStackOption, reachable, stackKind, switchNative, type NativeStack, type StackKind, type StackOption } from "./hard.js";

const UNSTARTED = 0;
const ACTIVE = 1;
const DEAD = 2;

/** Options of `new Greenlet(run, parent, options)`. */
export interface GreenletOptions {
  /**
   * Where `run` executes. "soft": on top of the switching greenlet's stack, switching by
   * unwinding transformed frames (serializable). "hard": on its own native stack (an OS thread of
   * the native-hardswitch addon), so it can switch away from anywhere, including untransformed
   * callbacks. "auto" (default): soft if `run` is transformed ("use greenlet"), hard otherwise when
   * the addon is available, soft otherwise. See docs/hardswitch.md.
   */
  stack?: StackOption;
}

export type TraceEvent = "switch" | "throw";
export type Tracer = (event: TraceEvent, args: { origin: Greenlet; target: Greenlet }) => void;

/** A suspended frame as seen by debuggers, error reports and the task inspector. */
export interface FrameInfo {
  readonly functionName: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Stable id of the transformed function. */
  readonly id: string;
  /** Resume point inside the function. */
  readonly pc: number;
}

/**
 * All mutable switching state in one object behind a `const`: V8 then loads it as a constant
 * instead of re-checking module-level `let` bindings (TDZ) on every switch.
 */
interface ThreadState {
  main: Greenlet;
  current: Greenlet;
  tracer: Tracer | null;
  creatingMain: boolean;
  /** Out-parameter of `start`: the run function threw. */
  startThrew: boolean;
  /** Out-parameter of `step`: the greenlet's run or frames threw (the result is the exception). */
  stepThrew: boolean;
  /** What an unwinding switch delivers, read by `drive` once the frames are filed. */
  pendingTarget: Greenlet | null;
  pendingMode: number;
  pendingValue: unknown;
  pendingCount: number;
}

const TS: ThreadState = {
  main: null as unknown as Greenlet, current: null as unknown as Greenlet, tracer: null, creatingMain: false, startThrew: false, stepThrew: false,
  pendingTarget: null, pendingMode: RESUME_VALUE, pendingValue: undefined, pendingCount: 0,
};

/** Scratch space for `capture`: record starts in the spill buffer, records being reordered. */
const scratch: number[] = [];
const reorder: unknown[] = [];
/** Out-parameters of `callTracer` (no allocation per switch). */
let tracedMode = RESUME_VALUE;
let tracedValue: unknown = undefined;

export class Greenlet {
  /** @internal */ _state: number;
  /** @internal */ _parent: Greenlet | null;
  /** @internal */ _run: unknown;
  /** @internal run looked up by the switch that starts the greenlet. */ _runFn: unknown;
  /** @internal heap stack of spilled records, outermost first. */ _stack: unknown[] | null;
  /** @internal record start offsets in `_stack`. */ _starts: number[] | null;
  /** @internal number of records / next free slot. */ _n: number;
  /** @internal */ _top: number;
  /** @internal has frames on the real stack that cannot be captured. */ _resident: boolean;
  /** @internal greenlet whose `drive` runs this one (null: main, or not on the stack). */ _owner: Greenlet | null;
  /** @internal RT.boundary when this greenlet's segment of the real stack began. */ _base: number;
  /** @internal native stack this greenlet is the base of (hard greenlets, main once hard is used). */ _hard: NativeStack | null;
  /** @internal requested stack: MODE_SOFT / MODE_HARD / MODE_AUTO (hard.ts); resolved at start. */ _stackMode: number;

  constructor(run?: (...args: any[]) => unknown, parent?: Greenlet | null, options?: GreenletOptions) {
    this._state = UNSTARTED;
    this._run = run;
    this._runFn = undefined;
    this._stack = null;
    this._starts = null;
    this._n = 0;
    this._top = 0;
    this._resident = false;
    this._owner = null;
    this._base = 0;
    this._hard = null;
    this._stackMode = MODE_SOFT;
    if (TS.creatingMain) {
      this._parent = null;
      this._state = ACTIVE;
      this._resident = true;
      return;
    }
    this._stackMode = parseStackOption(options);
    this._parent = TS.current;
    if (parent !== undefined && parent !== null) this.parent = parent;
  }

  /**
   * "hard" if this greenlet runs (or, not started yet, will run) on its own native stack, or is
   * the main greenlet; "soft" otherwise. Hard greenlets' frames are native and cannot be
   * captured or pickled.
   */
  get stack(): StackKind {
    return stackKind(this);
  }

  /** Started and not dead. */
  get active(): boolean {
    return this._state === ACTIVE;
  }

  get dead(): boolean {
    return this._state === DEAD;
  }

  get parent(): Greenlet | null {
    return this._parent;
  }

  set parent(p: Greenlet | null) {
    if (this === TS.main) throw new GreenletError("cannot set the parent of a main greenlet");
    if (!(p instanceof Greenlet)) {
      throw new GreenletError(`parent must be a Greenlet, not ${describeValue(p)}`);
    }
    for (let q: Greenlet | null = p; q !== null; q = q._parent) {
      if (q === this) throw new GreenletError("cyclic parent chain: the new parent descends from this greenlet");
    }
    this._parent = p;
  }

  get run(): any {
    if (this === TS.main) throw new GreenletError("the main greenlet has no run attribute");
    if (this._state !== UNSTARTED) {
      throw new GreenletError("run is no longer available: the greenlet has started");
    }
    return this._run;
  }

  set run(f: any) {
    if (this === TS.main) throw new GreenletError("the main greenlet has no run attribute");
    if (this._state !== UNSTARTED) {
      throw new GreenletError("run cannot be set after the start of the greenlet");
    }
    this._run = f;
  }

  /**
   * Transfers control to this greenlet (starting it with `args` if it is new). Returns what the
   * next switch back delivers: undefined for no arguments, the value for one, an array for more.
   */
  switch(...args: unknown[]): any;
  switch(): any {
    // `arguments` rather than a rest parameter: V8 then allocates nothing for the common 0- and
    // 1-argument switches (a rest array escaped into transfer on every switch).
    const rt = RT;
    const direct = rt.t === SWITCH;
    rt.t = null;
    const n = arguments.length;
    const value = n === 0 ? undefined : n === 1 ? arguments[0] : packArgs(arguments);
    return transfer(this, RESUME_VALUE, value, n, direct);
  }

  /**
   * Raises `error` (default: a new GreenletExit) in this greenlet at the point where it resumes.
   */
  throw(error?: unknown): any {
    const rt = RT;
    const direct = rt.t === THROW;
    rt.t = null;
    const e = arguments.length === 0 ? new GreenletExit() : error;
    if (this._state === DEAD && e instanceof GreenletExit) {
      // greenlet turns GreenletExit into a plain value before forwarding to a live ancestor.
      return transfer(this, RESUME_VALUE, e, 1, direct);
    }
    return transfer(this, RESUME_THROW, e, 1, direct);
  }

  /** Frames of a suspended soft greenlet, innermost first, in original source positions. */
  get frames(): FrameInfo[] {
    const out: FrameInfo[] = [];
    const st = this._stack;
    const starts = this._starts;
    if (st === null || starts === null || this._state !== ACTIVE) return out;
    for (let i = this._n - 1; i >= 0; i--) {
      const p = starts[i]!;
      const info = st[p + REC_INFO] as FunctionInfo;
      const pc = st[p + REC_PC] as number;
      const pos = info.points[pc - 1] ?? [0, 0];
      out.push({ functionName: info.name, file: info.file, line: pos[0], column: pos[1], id: info.id, pc });
    }
    return out;
  }

  get [Symbol.toStringTag](): string {
    return "Greenlet";
  }

  toString(): string {
    const state =
      this === TS.main ? "main" :
      this._state === UNSTARTED ? "pending" :
      this._state === DEAD ? "dead" :
      this === TS.current ? "current active" : "suspended active";
    return `[Greenlet ${state}]`;
  }
}

const SWITCH = Greenlet.prototype.switch;
const THROW = Greenlet.prototype.throw;

TS.creatingMain = true;
const mainGreenlet = new Greenlet();
TS.creatingMain = false;
TS.main = mainGreenlet;
TS.current = mainGreenlet;

/** The running greenlet (the main greenlet at top level). */
export function getcurrent(): Greenlet {
  return TS.current;
}

/** Installs `tracer` (or removes it with null); returns the previous one. */
export function settrace(tracer: Tracer | null): Tracer | null {
  if (tracer !== null && typeof tracer !== "function") {
    throw new GreenletError(`settrace expects a function or null, not ${describeValue(tracer)}`);
  }
  const prev = TS.tracer;
  TS.tracer = tracer;
  return prev;
}

export function gettrace(): Tracer | null {
  return TS.tracer;
}

/** Looks `run` up in the switching greenlet, before anything moves (greenlet §3.3). */
function lookupRun(t: Greenlet): void {
  const run = t.run;
  if (run === undefined) {
    throw new GreenletError("cannot start a greenlet that has no run function: pass one to the constructor, set g.run, or define a run method in a subclass");
  }
  t._runFn = run;
  if (t._stackMode !== MODE_SOFT) decideStack(t, run);
}

/** Several switch arguments travel as one array (greenlet's tuple); `run` gets them spread. */
function packArgs(a: IArguments): unknown[] {
  const out = new Array<unknown>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i];
  return out;
}

/**
 * `count` is the number of values the switch passed: `value` is undefined (0), the value (1) or
 * an array of them (more); a greenlet that starts calls `run` with them spread.
 */
function transfer(target: Greenlet, mode: number, value: unknown, count: number, direct: boolean): unknown {
  // The two common switches first, in as little code as possible (V8 inlines this, and
  // resumeHere, into the caller of switch): a switch that unwinds the current greenlet, and one
  // that resumes a suspended greenlet on top of the current one. Everything else, and any
  // condition these do not handle, goes through transferSlow, which checks again from the start.
  // `=== true`/`=== false` on the boolean fields: V8 does not know their type and would
  // otherwise test every falsy value.
  const ts = TS;
  const cur = ts.current;
  if (target._state === ACTIVE && target !== cur) {
    const rt = RT;
    if (direct && cur._owner !== null && cur._resident === false && rt.boundary === cur._base) return unwindTowards(cur, target, mode, value, count);
    if (target._resident === false && target._n > 0 && ts.tracer === null) return resumeHere(cur, target, mode, value);
  }
  return transferSlow(cur, target, mode, value, count, direct);
}

/**
 * The switch from `cur` (transformed frames only down to its owner's drive loop) to `t`: start
 * unwinding cur's frames; the drive loop delivers the pending switch once they are filed.
 */
function unwindTowards(cur: Greenlet, t: Greenlet, mode: number, value: unknown, count: number): symbol {
  // A resident target on another native stack is reached by the owner's drive loop (hard.ts);
  // otherwise a GreenletError before anything unwinds.
  if (t._resident === true && t !== cur._owner) {
    if (!elsewhere(cur, t)) throw buried(cur, t);
    reachable(cur, t);
  }
  RT.unwinding = true;
  const ts = TS;
  ts.pendingTarget = t;
  ts.pendingMode = mode;
  ts.pendingValue = value;
  ts.pendingCount = count;
  return RT.U;
}

function transferSlow(cur: Greenlet, target: Greenlet, mode: number, value: unknown, count: number, direct: boolean): unknown {
  let t = target;
  while (t._state === DEAD) t = t._parent!;
  if (t === cur) return arrive(cur, cur, mode, value);
  if (t._state === UNSTARTED) lookupRun(t);
  const rt = RT;
  if (direct && cur._owner !== null && cur._resident === false && rt.boundary === cur._base) return unwindTowards(cur, t, mode, value, count);
  if (t._resident) {
    if (elsewhere(cur, t)) return switchNative(cur, t, mode, value, count);
    throw pinned(cur, t, direct);
  }
  return drive(cur, t, mode, value, count, cur);
}

/**
 * `drive`'s first step for the common switch, kept small enough for V8 to inline into the
 * caller of `switch` (one JS frame less per round trip): `t` is suspended with frames on its heap
 * stack and no tracer is installed. Resumes t's innermost frame on top of `owner`; when that frame
 * suspends again in place, switching straight back to `owner`, delivers here. Every other outcome
 * continues in `afterResume`, exactly as `drive` would have.
 *
 * Size matters: V8 (Node 20-26) inlines a function only below 460 bytes of bytecode (about 385
 * now: `node --print-bytecode --print-bytecode-filter=resumeHere`); beyond that every round trip
 * pays a call, ~15%.
 */
function resumeHere(owner: Greenlet, t: Greenlet, mode: number, value: unknown): unknown {
  // Locals for RT and TS: fewer bytecodes than module bindings.
  const rt = RT;
  const ts = TS;
  const wasResident = owner._resident;
  if (wasResident === false) owner._resident = true; // main always is: no store
  const savedBuf = rt.buf;
  const savedSp = rt.sp;
  ts.current = t;
  if (t._owner !== owner) t._owner = owner;
  t._base = rt.boundary;
  const st = t._stack!;
  const n = t._n - 1;
  const p = t._starts![n]!;
  const info = st[p] as FunctionInfo;
  t._n = n;
  // Unconditional stores of buf (here and on the way out): between two greenlets it changes on
  // every switch, and a comparison costs V8 two receiver checks on top.
  rt.buf = st;
  rt.sp = p;
  let result: unknown;
  try {
    result = info.resume.call(st[p + 2], st, p, mode, value);
  } catch (e) {
    return afterResume(owner, t, p, info, e, true, wasResident, savedBuf, savedSp);
  }
  // One record spilled where it was read: the frame suspended again in place. Then back to owner?
  if (rt.unwinding === true && rt.sp === p + info.size && ts.pendingTarget === owner) {
    t._n = n + 1;
    rt.unwinding = false;
    const m = ts.pendingMode;
    const v = ts.pendingValue;
    ts.pendingTarget = null;
    ts.pendingValue = undefined;
    ts.current = owner;
    if (wasResident === false) owner._resident = false;
    rt.buf = savedBuf;
    rt.sp = savedSp;
    return m === 0 /* RESUME_VALUE */ && ts.tracer === null ? v : arrive(t, owner, m, v);
  }
  return afterResume(owner, t, p, info, result, false, wasResident, savedBuf, savedSp);
}

/**
 * The rest of `resumeHere`: t's innermost frame (record at `p`) returned `result` or threw it.
 * Files t's frames if it switched away, or hands the outcome to the next frame out as
 * resumeStack does; then continues the drive loop.
 */
function afterResume(owner: Greenlet, t: Greenlet, p: number, info: FunctionInfo, result: unknown, threw: boolean,
                     wasResident: boolean, savedBuf: unknown[], savedSp: number): unknown {
  const rt = RT;
  const st = t._stack!;
  if (rt.unwinding === true) {
    // t switched away (resumeStack's outcome would be 0, not an exception).
    if (rt.sp === p + info.size) t._n++; // in place: capture's "one record" case (_top is already p + size)
    else capture(t, st, p, rt.sp);
    return driveOn(owner, t, 0, false, wasResident, savedBuf, savedSp);
  }
  // Here and not in resumeHere: a store there, even off its common path, made every switch round
  // trip ~7% slower (measured A/B, session 5; resumeHere's size decides what V8 inlines).
  lastCompleted.self = st[p + 2];
  for (let i = p, end = p + info.size; i < end; i++) st[i] = null;
  t._top = p;
  if (t._n > 0) {
    try {
      result = resumeStack(t, threw ? RESUME_THROW : RESUME_VALUE, result);
      threw = false;
    } catch (e) {
      result = e;
      threw = true;
    }
  }
  return driveOn(owner, t, result, threw, wasResident, savedBuf, savedSp);
}

/**
 * Runs `t` (and whatever it switches to) on top of `owner`'s stack until control comes back to
 * `owner`; returns (or throws) what `owner` receives.
 */
function drive(owner: Greenlet, t: Greenlet, mode: number, value: unknown, count: number, origin: Greenlet): unknown {
  const rt = RT;
  const wasResident = owner._resident;
  owner._resident = true;
  // The spill target belongs to whatever runs below this drive; restored on the way out.
  const savedBuf = rt.buf;
  const savedSp = rt.sp;
  const result = step(owner, t, mode, value, count, origin);
  return driveOn(owner, t, result, TS.stepThrew, wasResident, savedBuf, savedSp);
}

/**
 * Runs `t` on top of `owner` until it switches away (its frames filed by capture) or finishes.
 * Returns its result, or the exception with `TS.stepThrew` set.
 */
function step(owner: Greenlet, t: Greenlet, mode: number, value: unknown, count: number, origin: Greenlet): unknown {
  TS.current = t;
  if (t._owner !== owner) t._owner = owner;
  t._base = RT.boundary;
  if (TS.tracer !== null) {
    if (traceInto(t, mode, value, count, origin)) {
      TS.stepThrew = false;
      return RT.U;
    }
    mode = tracedMode;
    value = tracedValue;
  }
  if (t._state === UNSTARTED) {
    const r = start(t, mode, value, count);
    TS.stepThrew = TS.startThrew;
    return r;
  }
  TS.stepThrew = false;
  try {
    return resumeStack(t, mode, value);
  } catch (e) {
    TS.stepThrew = true;
    return e;
  }
}

/**
 * The drive loop after `t` ran: route its outcome (a switch, or its end up the parent chain) and
 * run the next greenlet, until control comes back to `owner`. `wasResident`, `savedBuf` and
 * `savedSp` are owner's state from before the drive, restored on the way out.
 */
function driveOn(owner: Greenlet, t: Greenlet, result: unknown, threw: boolean, wasResident: boolean, savedBuf: unknown[], savedSp: number): unknown {
  const rt = RT;
  // No try/finally (it cost ~3 ns per switch): nothing in the loop throws (user code runs inside
  // try/catch), so the owner's state is restored at each exit, right before `arrive` delivers.
  for (;;) {
    let next: Greenlet;
    let mode: number;
    let value: unknown;
    let count: number;
    if (!threw && rt.unwinding === true) {
      // t switched away: the frames were filed by capture (in start or resumeStack).
      rt.unwinding = false;
      next = TS.pendingTarget!;
      mode = TS.pendingMode;
      value = TS.pendingValue;
      count = TS.pendingCount;
      TS.pendingTarget = null;
      TS.pendingValue = undefined;
    } else {
      // t has finished: its result or exception goes up the parent chain (greenlet §4).
      next = finish(t, threw, result, owner);
      mode = TS.pendingMode;
      value = TS.pendingValue;
      TS.pendingValue = undefined;
      count = 1;
      if (next !== owner && next._resident && !elsewhere(owner, next)) {
        leave(owner, wasResident, savedBuf, savedSp);
        return arrive(t, owner, RESUME_THROW, new GreenletError(
          `greenlet finished but its parent ${next} is resident below ${owner}, which cannot be suspended (untransformed frames on its stack); the result could not be delivered`));
      }
    }
    let origin = t;
    if (next === owner) {
      leave(owner, wasResident, savedBuf, savedSp);
      return arrive(origin, owner, mode, value);
    }
    if (next._resident) {
      // On another native stack (hard.ts; a switch was checked reachable by transfer before it
      // unwound): owner parks here until control comes back.
      t = handoff(owner, next, mode, value, count, origin);
      mode = MAIL.mode;
      value = MAIL.value;
      count = MAIL.count;
      origin = MAIL.origin!;
      clearMail();
      if (t === owner) {
        leave(owner, wasResident, savedBuf, savedSp);
        return arrive(origin, owner, mode, value);
      }
    } else {
      t = next;
    }
    result = step(owner, t, mode, value, count, origin);
    threw = TS.stepThrew;
  }
}

/** Control goes back to `owner`: restore what `drive` changed below it (its state, the spill position). */
function leave(owner: Greenlet, wasResident: boolean, savedBuf: unknown[], savedSp: number): void {
  const rt = RT;
  TS.current = owner;
  owner._resident = wasResident;
  if (rt.buf !== savedBuf) rt.buf = savedBuf;
  rt.sp = savedSp;
}

/**
 * Starts `t` by calling its run function (outlined from `drive` to keep the switch loop small).
 * Returns the result, or the exception with `TS.startThrew` set.
 */
function start(t: Greenlet, mode: number, value: unknown, count: number): unknown {
  const rt = RT;
  t._state = ACTIVE;
  const run = t._runFn;
  t._runFn = undefined;
  t._run = undefined;
  TS.startThrew = false;
  if (mode === RESUME_THROW) {
    // greenlet: an unstarted greenlet that receives an exception dies without running.
    TS.startThrew = true;
    return value;
  }
  // A fresh greenlet's frames spill into the shared buffer (they are not on any heap stack yet).
  rt.buf = rt.spill;
  rt.sp = 0;
  let result: unknown;
  try {
    result = callRun(run, t, value, count);
  } catch (e) {
    TS.startThrew = true;
    return e;
  }
  if (rt.unwinding === true) capture(t, rt.spill, 0, rt.sp);
  return result;
}

/** Calls `run` with the switch's values (`count`: see transfer), entered with its callee token. */
function callRun(run: unknown, t: unknown, value: unknown, count: number): unknown {
  if (typeof run !== "function") {
    throw new TypeError(`greenlet run is not callable (got ${describeValue(run)})`);
  }
  RT.t = run;
  return count === 0 ? run.call(t) : count === 1 ? run.call(t, value) : Reflect.apply(run, t, value as unknown[]);
}

/**
 * Marks `t` dead and finds who receives its result (greenlet §4): the nearest live ancestor,
 * starting an unstarted one. Leaves the delivery in `TS.pendingMode`/`TS.pendingValue`.
 */
function finish(t: Greenlet, threw: boolean, result: unknown, owner: Greenlet): Greenlet {
  t._state = DEAD;
  t._stack = null;
  t._starts = null;
  t._n = 0;
  t._top = 0;
  t._owner = null;
  let mode = threw && !(result instanceof GreenletExit) ? RESUME_THROW : RESUME_VALUE;
  let value = result;
  let p = t._parent!;
  for (;;) {
    while (p._state === DEAD) p = p._parent!;
    if (p._state !== UNSTARTED || p === owner) break;
    try {
      lookupRun(p);
      break;
    } catch (e) {
      mode = RESUME_THROW;
      value = e;
      p = p._parent!;
    }
  }
  TS.pendingMode = mode;
  TS.pendingValue = value;
  return p;
}

/**
 * Tracer call in the target's context; a tracer that throws is removed and its error raised in
 * the target. The outcome goes to `tracedMode`/`tracedValue` after the call (a tracer that
 * switches inside a nested drive is traced again meanwhile).
 */
function callTracer(mode: number, origin: Greenlet, target: Greenlet, value: unknown): void {
  if (invokeTracer(mode, origin, target, false)) return;
  tracedMode = mode;
  tracedValue = value;
}

/**
 * Calls the installed tracer (with the callee token when `token`: traceInto). A tracer that
 * throws is removed and its error left in `tracedMode`/`tracedValue` (returns true).
 */
function invokeTracer(mode: number, origin: Greenlet, target: Greenlet, token: boolean): boolean {
  const tracer = TS.tracer!;
  try {
    if (token) RT.t = tracer;
    tracer(mode === RESUME_THROW ? "throw" : "switch", { origin, target });
    return false;
  } catch (e) {
    TS.tracer = null;
    tracedMode = RESUME_THROW;
    tracedValue = e;
    return true;
  }
}

/**
 * The tracer call of a switch into a soft greenlet `t`, as a frame of `t` (greenlet lets a
 * tracer switch): it is entered with the callee token, so a transformed tracer that switches
 * away unwinds like t's own code. Its frames are then filed on t's stack above a continuation
 * record that, once the tracer returns, delivers the traced switch to t's innermost frame, or
 * starts t with the arguments of the switch that was being traced. Returns true when the tracer
 * switched away (the pending switch is in TS, as for any unwinding switch).
 */
function traceInto(t: Greenlet, mode: number, value: unknown, count: number, origin: Greenlet): boolean {
  const rt = RT;
  rt.buf = rt.spill;
  rt.sp = 0;
  if (invokeTracer(mode, origin, t, true)) return false;
  if (rt.unwinding !== true) {
    tracedMode = mode;
    tracedValue = value;
    return false;
  }
  const buf = rt.buf;
  const at = rt.sp;
  if (t._state === UNSTARTED) {
    t._state = ACTIVE;
    buf[at] = TRACED_START;
    buf[at + 3] = t._runFn;
    buf[at + 4] = mode;
    buf[at + 5] = value;
    buf[at + 6] = count;
    t._runFn = undefined;
    t._run = undefined;
  } else {
    buf[at] = TRACED_SWITCH;
    buf[at + 3] = mode;
    buf[at + 4] = value;
  }
  buf[at + 1] = 1;
  buf[at + 2] = t;
  capture(t, buf, 0, at + (buf[at] as FunctionInfo).size);
  return true;
}

/** A tracer frame finished: a tracer that threw is removed and its error raised in the target. */
function tracerDone(mode: number, value: unknown): void {
  if (mode === RESUME_THROW) {
    TS.tracer = null;
    throw value;
  }
}

// The continuation records of traceInto: runtime functions written in the frame protocol
// (abi.ts), registered like transformed ones so that such a greenlet lists and pickles its frames.
const TRACED_SWITCH: FunctionInfo = RT.fn({
  id: "tsgreenlet/runtime#traced switch", name: "(traced switch)", file: "tsgreenlet/runtime", hash: "traced-switch-1",
  size: 5, locals: ["mode", "value"], points: [[0, 0]],
  resume(rec, p, mode, value) {
    tracerDone(mode, value);
    if (rec[p + 3] === RESUME_THROW) throw rec[p + 4];
    return rec[p + 4];
  },
});

/** Waits for run's result when run, started by a TRACED_START record, switched away. */
const RUN_RESULT: FunctionInfo = RT.fn({
  id: "tsgreenlet/runtime#run result", name: "(run)", file: "tsgreenlet/runtime", hash: "run-result-1",
  size: 3, locals: [], points: [[0, 0]],
  resume(_rec, _p, mode, value) {
    if (mode === RESUME_THROW) throw value;
    return value;
  },
});

const TRACED_START: FunctionInfo = RT.fn({
  id: "tsgreenlet/runtime#traced start", name: "(traced start)", file: "tsgreenlet/runtime", hash: "traced-start-1",
  size: 7, locals: ["run", "mode", "value", "count"], points: [[0, 0]],
  resume(this: unknown, rec, p, mode, value) {
    tracerDone(mode, value);
    const run = rec[p + 3];
    const m = rec[p + 4] as number;
    const v = rec[p + 5];
    const count = rec[p + 6] as number;
    // greenlet: an unstarted greenlet that receives an exception dies without running.
    if (m === RESUME_THROW) throw v;
    const r = callRun(run, this, v, count);
    const rt = RT;
    if (rt.unwinding === true) {
      // run's frames spilled from p on (this record was read already); this one waits behind them.
      const at = rt.sp;
      rt.buf[at] = RUN_RESULT;
      rt.buf[at + 1] = 1;
      rt.buf[at + 2] = this;
      rt.sp = at + RUN_RESULT.size;
      return rt.U;
    }
    return r;
  },
});

function arrive(origin: Greenlet, target: Greenlet, mode: number, value: unknown): unknown {
  if (TS.tracer !== null) {
    callTracer(mode, origin, target, value);
    mode = tracedMode;
    value = tracedValue;
  }
  if (mode === RESUME_THROW) throw value;
  return value;
}

/**
 * Re-enters the innermost heap frame and hands each result to the next one out.
 *
 * While a record is resumed, `RT.buf`/`RT.sp` point at that record inside the greenlet's own
 * heap stack: a frame that suspends again spills itself exactly where it was read from, so the
 * common switch (one frame resumed, the same frame suspended) copies nothing. Frames entered
 * since the resume spill there too, innermost first, and `capture` puts them in order.
 */
function resumeStack(g: Greenlet, mode: number, value: unknown): unknown {
  const rt = RT;
  const st = g._stack!;
  const starts = g._starts!;
  while (g._n > 0) {
    const p = starts[--g._n]!;
    const info = st[p] as FunctionInfo;
    if (rt.buf !== st) rt.buf = st; // usually already: no store (and no write barrier) per switch
    rt.sp = p;
    try {
      value = info.resume.call(st[p + 2], st, p, mode, value);
      mode = RESUME_VALUE;
    } catch (e) {
      value = e;
      mode = RESUME_THROW;
    }
    if (rt.unwinding === true) {
      capture(g, st, p, rt.sp);
      return rt.U;
    }
    lastCompleted.self = st[p + 2];
    for (let i = p, end = p + info.size; i < end; i++) st[i] = null;
    g._top = p;
  }
  if (mode === RESUME_THROW) throw value;
  return value;
}

/**
 * Files the records spilled into `buf[from, to)` (innermost first) as g's newest frames
 * (outermost first). `buf` is either the shared spill buffer (a greenlet suspending for the first
 * time since it started) or g's own stack, when the spill happened in place.
 */
function capture(g: Greenlet, buf: unknown[], from: number, to: number): void {
  if (g._stack === null) {
    g._stack = [];
    g._starts = [];
  }
  const st = g._stack;
  const starts = g._starts!;
  const first = (buf[from] as FunctionInfo).size;
  if (buf === st) {
    if (from + first === to) {
      // One record, already in place: the common case of every switch.
      starts[g._n++] = from;
      g._top = to;
      return;
    }
    const outer = from + first;
    if (outer + (st[outer] as FunctionInfo).size === to) {
      // Two records (a frame the resumed one called, then the resumed frame): swap them through
      // `reorder`, copying only the inner one aside.
      const size = to - outer;
      for (let i = 0; i < first; i++) reorder[i] = st[from + i];
      for (let i = 0; i < size; i++) st[from + i] = st[outer + i];
      for (let i = 0; i < first; i++) {
        st[from + size + i] = reorder[i];
        reorder[i] = null;
      }
      starts[g._n++] = from;
      starts[g._n++] = from + size;
      g._top = to;
      return;
    }
    // Several records in place, innermost first: move them aside, then write them back in order.
    for (let i = from; i < to; i++) {
      reorder[i - from] = st[i];
      st[i] = null;
    }
    g._top = from;
    fileRecords(g, reorder, 0, to - from);
    return;
  }
  fileRecords(g, buf, from, to);
}

/** Appends the records of `src[from, to)` (innermost first) to g's stack in outermost-first order, clearing `src`. */
function fileRecords(g: Greenlet, src: unknown[], from: number, to: number): void {
  const st = g._stack!;
  const starts = g._starts!;
  let m = 0;
  for (let k = from; k < to; k += (src[k] as FunctionInfo).size) scratch[m++] = k;
  let top = g._top;
  for (let j = m - 1; j >= 0; j--) {
    const s = scratch[j]!;
    const size = (src[s] as FunctionInfo).size;
    starts[g._n++] = top;
    for (let i = 0; i < size; i++) {
      st[top + i] = src[s + i];
      src[s + i] = null;
    }
    top += size;
  }
  g._top = top;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "function") return `function ${v.name || "(anonymous)"}`;
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v;
}

function boundaryReason(direct: boolean, cur: Greenlet): string {
  if (!direct) {
    const caller = callerOf("switch") ?? callerOf("throw") ?? "unknown caller";
    if (RT.boundary === cur._base) {
      // No transformed function was entered from untransformed code since this greenlet started:
      // transformed code made this call, or called the untransformed code that made it.
      return `switch() was not called at a switch point (${caller}): either the call is in a construct the transform ` +
        "does not instrument (it reported a compile-time warning at that file:line:column), or it comes from a function that is not transformed";
    }
    return `switch() was called from a function that is not transformed (${caller})`;
  }
  const fns = RT.boundaryFns;
  const fn = fns[fns.length - 1];
  const name = fn?.name || "(anonymous)";
  // Below SoftRuntime.enter: the boundary function's first entry, then its untransformed caller.
  return `the transformed function ${name} was called from untransformed code (${callerOf("enter", 2) ?? "unknown caller"}), which cannot be captured`;
}

/** The first stack frame below the named runtime frame: the untransformed caller. */
function callerOf(frameName: string, skip = 1): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 200;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  const lines = stack.split("\n").slice(1).map((l) => l.trim());
  const i = lines.findIndex((l) => l.includes(`.${frameName} `) || l.startsWith(`at ${frameName} `));
  return i >= 0 ? lines[i + skip] : undefined;
}

const ADVICE =
  'Mark the calling code with "use greenlet" (or transform the file with all: true), ' +
  "or move the switch out of callbacks of untransformed code such as Array.prototype.forEach.";

function pinned(cur: Greenlet, t: Greenlet, direct: boolean): GreenletError {
  return new GreenletError(
    `cannot switch from ${cur} to ${t}: ${cur === TS.main ? "the main greenlet" : "the current greenlet"} ` +
    `stays on the real stack (${cur === TS.main ? "it owns it" : boundaryReason(direct, cur)}) and ${t} is below it. ` +
    "Nothing was unwound; the greenlet is still usable. " + ADVICE);
}

function buried(cur: Greenlet, t: Greenlet): GreenletError {
  return new GreenletError(
    `cannot switch from ${cur} to ${t}: ${t} is below ${cur._owner} on the real stack, and ${cur._owner} ` +
    "cannot be suspended (untransformed frames on its stack). Nothing was unwound; the greenlet is still usable. " + ADVICE);
}

/** @internal What hard.ts needs from the core (hard.ts is imported by this module: no import-time use). */
export const _core = {
  main: (): Greenlet => TS.main,
  setCurrent(g: Greenlet): void {
    TS.current = g;
  },
  activate(g: Greenlet): void {
    g._state = ACTIVE;
  },
  kill(g: Greenlet): void {
    g._state = DEAD;
    g._owner = null;
  },
  lookupRun,
  arrive,
  drive,
};
