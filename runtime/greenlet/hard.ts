/**
 * Implementation of hard greenlets: Greenlet semantics across native stacks (the addon in
 * native-hardswitch/), kept out of greenlet.ts so the soft fast path stays as it is.
 *
 * Model. A *native stack* is the main thread's stack or the OS thread of one hard greenlet (an
 * addon context). Exactly one native stack runs JS at a time. On each native stack, greenlets are
 * stacked exactly as in the soft core: at the bottom its *base* (main, or the hard greenlet),
 * then soft greenlets driven on top of it (`drive(owner, t)`, linked by `_owner`). A hard
 * greenlet is resident from birth: it never unwinds and is never placed on another stack.
 *
 * When a native stack is suspended, exactly one greenlet on it is blocked in `park`: its
 * *waiter* (the greenlet that was running there, or the owner whose drive loop handed off).
 * A native switch carries a letter (target, mode, value, count, origin) to the destination's
 * waiter, which either is the target (it returns/throws there) or hosts a placable soft target on
 * top of itself (`drive(waiter, target)`), exactly as if the target had been switched to there.
 *
 * Rules for a switch from the current greenlet C to a target T (dead T forwards to its parent):
 * - T placable (soft, unstarted or fully unwound): unchanged soft rules (it runs on top of the
 *   current native stack).
 * - T resident on the current native stack (in C's `_owner` chain): unchanged soft rules (T must
 *   be C's owner and C must be able to unwind; otherwise a GreenletError before anything moves).
 * - T resident on another native stack, or an unstarted hard greenlet: T must be the waiter of
 *   its native stack (otherwise it is buried under a greenlet that cannot be suspended:
 *   GreenletError). If C can unwind (soft, switch called from transformed code, no boundary), it
 *   unwinds to its owner's drive loop, and the owner parks (becomes the waiter) and switches the
 *   native stack; C stays placable. Otherwise C itself parks.
 * - A hard greenlet that finishes hands its result up the parent chain: to the parent's native
 *   stack if the parent is resident, or, for a placable parent, to the native stack that last
 *   switched into the dying greenlet, whose waiter runs the parent on top of itself.
 *
 * RT.boundary (untransformed frames on the real stack) is per native stack: saved in `park` and
 * restored when the stack resumes, so a boundary on one thread never allows or forbids unwinding
 * on another.
 */
import * as hs from "../../native-hardswitch/index.js";
import { RESUME_THROW, RESUME_VALUE } from "../abi.js";
import { RT } from "../runtime.js";
import { GreenletError, GreenletExit } from "./errors.js";
import { _core, type Greenlet } from "./greenlet.js";

export type StackKind = "soft" | "hard";
export type StackOption = StackKind | "auto";

/** Greenlet._stackMode values. */
export const MODE_SOFT = 0;
export const MODE_HARD = 1;
export const MODE_AUTO = 2;

/** Whether any hard greenlet was ever made in this thread: greenlet.ts checks this before the slow paths. */
export const HARD = { used: false };

/** Letter carried by a native switch (one thread runs JS at a time, so module state is safe). */
export const MAIL = {
  target: null as Greenlet | null,
  mode: RESUME_VALUE,
  value: undefined as unknown,
  /** How many values the switch passed (greenlet.ts `transfer`): value is undefined, the value, or an array. */
  count: 1,
  origin: null as Greenlet | null,
};
let mailFrom: NativeStack | null = null;

/** One native stack: the main thread's or a hard greenlet's OS thread. */
export class NativeStack {
  /** Addon context; null until a hard greenlet first starts. */
  ctx: hs.HardContext | null;
  readonly base: Greenlet;
  /** The greenlet blocked in `park` while this stack is suspended. */
  waiter: Greenlet | null = null;
  /** The native stack that last switched into this one (suspended while this one runs). */
  resumer: NativeStack | null = null;
  /** RT.boundary and RT.boundaryFns of this stack while it is suspended. */
  boundary = 0;
  boundaryFns: Function[] = [];
  /** RT.buf and RT.sp of this stack while it is suspended (a running soft frame may spill later). */
  buf: unknown[] | null = null;
  sp = 0;
  constructor(base: Greenlet, ctx: hs.HardContext | null) {
    this.base = base;
    this.ctx = ctx;
  }
}

let mainStack: NativeStack | null = null;
let current: NativeStack | null = null;

/** Whether the addon loaded (a module constant: cheaper than reading the namespace on every start). */
export const hardAvailable: boolean = hs.available;

/** Why hard greenlets are unavailable and how to fix it (undefined when available). */
export function unavailableReason(): string | undefined {
  return hs.reason;
}

function unavailableError(what: string): GreenletError {
  return new GreenletError(
    `${what}: hard switching is unavailable (${hs.reason}). Build the native addon with \`npm run build:native\` ` +
      '(or `npx node-gyp rebuild -C native-hardswitch`), or use { stack: "soft" } with a function transformed by "use greenlet".',
  );
}

/** Validates the constructor's options; returns the mode. */
export function parseStackOption(options: unknown): number {
  if (options === undefined) return hardAvailable ? MODE_AUTO : MODE_SOFT;
  if (typeof options !== "object" || options === null) {
    throw new GreenletError(`Greenlet options must be an object like { stack: "hard" }, not ${options === null ? "null" : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== "stack") throw new GreenletError(`unknown Greenlet option "${key}"; allowed: stack ("soft" | "hard" | "auto")`);
  }
  const stack = (options as { stack?: unknown }).stack;
  if (stack === undefined || stack === "auto") return hardAvailable ? MODE_AUTO : MODE_SOFT;
  if (stack === "soft") return MODE_SOFT;
  if (stack === "hard") {
    if (!hs.available) throw unavailableError('cannot create a Greenlet with { stack: "hard" }');
    return MODE_HARD;
  }
  throw new GreenletError(`Greenlet option stack must be "soft", "hard" or "auto", not ${JSON.stringify(stack) ?? String(stack)}`);
}

// ---- marked (transformed) functions ----------------------------------------------------------

const markedCache = new WeakMap<Function, boolean>();
/**
 * The transform's entry check, as the first statements of a function with resume points:
 * `const $$rt = …; if ($$rt.t !== f) { $$rt.a = [...]; $$rt.nt = new.target; return $$rt.enter(f, this); }`
 * (also after minification: `if(e.t!==n){e.a=[…],e.nt=new.target;return e.enter(n,this)}`).
 * Matched loosely (the test in test/51 transforms real code) so the argument hand-over can change.
 */
const ENTRY_CHECK = /\.t\s*!==?\s*([\w$]+)\s*\)[^]{0,240}?\breturn\b[^]{0,160}?\.enter\(\s*\1\s*,/;

let lastFn: unknown = null;
let lastMarked = false;

/** Whether the source text of `fn` starts with the transform's entry check. */
function hasEntryCheck(fn: Function): boolean {
  let src: string;
  try {
    src = Function.prototype.toString.call(fn);
  } catch {
    return false;
  }
  const open = src.indexOf("{");
  return open >= 0 && ENTRY_CHECK.test(src.slice(open, open + 400));
}

/**
 * Whether `fn` is marked code, so a soft greenlet can run it: a top-level declaration of a marked
 * module (registered by the transform, `RT.marks`), a closure created by marked code (its closure
 * tag), or a function whose source text starts with the transform's entry check (V8 returns a
 * slice of the script). Cached per function. Bound functions count as unmarked.
 */
export function isMarked(fn: unknown): boolean {
  // Programs usually start many greenlets with one run function: one compare, no WeakMap lookup.
  if (fn === lastFn) return lastMarked;
  if (typeof fn !== "function") return false;
  let marked = markedCache.get(fn);
  if (marked === undefined) {
    // Registered top-level declarations and closures of marked code (their closure tag, even
    // without resume points) are known without reading source; the entry check is the fallback.
    marked = RT.marked.has(fn) || Object.getOwnPropertyDescriptor(fn, "$$k")?.value !== undefined || hasEntryCheck(fn);
    markedCache.set(fn, marked);
  }
  lastFn = fn;
  lastMarked = marked;
  return marked;
}

/** Called by lookupRun when a greenlet in mode hard or auto is about to start. */
export function decideStack(g: Greenlet, run: unknown): void {
  if (g._stackMode === MODE_AUTO) {
    if (isMarked(run)) {
      g._stackMode = MODE_SOFT;
      return;
    }
  }
  if (g._hard === null) makeHard(g);
}

function makeHard(g: Greenlet): void {
  if (mainStack === null) {
    const main = _core.main();
    mainStack = new NativeStack(main, hs.mainContext());
    main._hard = mainStack;
    current = mainStack;
  }
  HARD.used = true;
  g._stackMode = MODE_HARD;
  g._hard = new NativeStack(g, null);
  g._resident = true;
}

/** `g.stack`: "hard" for hard greenlets and main; before the start of an auto greenlet, the prediction. */
export function stackKind(g: Greenlet): StackKind {
  if (g._hard !== null || g === _core.main()) return "hard";
  if (g._stackMode === MODE_HARD) return "hard";
  if (g._stackMode === MODE_AUTO && !g.dead && !g.active) {
    return hs.available && !isMarked(g._run) ? "hard" : "soft";
  }
  return "soft";
}

// ---- routing -----------------------------------------------------------------------------------

/** Whether resident `t` lives on the current native stack (in `top`'s owner chain). */
function onCurrentStack(top: Greenlet, t: Greenlet): boolean {
  for (let q: Greenlet | null = top; q !== null; q = q._owner) if (q === t) return true;
  return false;
}

/** For greenlet.ts: resident (or unstarted hard) `t` is reached by a native switch, not by unwinding. */
export function elsewhere(top: Greenlet, t: Greenlet): boolean {
  return HARD.used && !onCurrentStack(top, t);
}

/** The native stack whose waiter is `t`, or a GreenletError if `t` is buried there. */
function route(from: Greenlet, t: Greenlet): NativeStack {
  if (!t.active) {
    // An unstarted hard greenlet: its context is made here (no thread until the first switch).
    const s = t._hard!;
    if (s.ctx === null) s.ctx = hs.create(entry(s));
    return s;
  }
  let b = t;
  while (b._owner !== null) b = b._owner;
  const s = b._hard;
  if (s === null || s.waiter !== t) {
    const top = s?.waiter ?? null;
    return buriedError(from, t, top);
  }
  return s;
}

/** Throws the GreenletError of `route` (before a soft greenlet unwinds to reach `t`). */
export function reachable(from: Greenlet, t: Greenlet): void {
  route(from, t);
}

function buriedError(from: Greenlet, t: Greenlet, top: Greenlet | null): never {
  throw new GreenletError(
    `cannot switch from ${from} to ${t}: ${t} is resident on another native stack below ${top ?? "a greenlet"}, ` +
      "which cannot be suspended there (it switched away from untransformed code, or drives a greenlet that did). " +
      'Nothing was unwound; the greenlet is still usable. Switch to the greenlet on top instead, or create the blocking greenlet with { stack: "hard" }.',
  );
}

/**
 * Suspends the current native stack with `waiter` blocked here, delivers the letter to `dest`,
 * and returns the greenlet the letter that wakes this stack is for (`waiter`, or a placable
 * greenlet to run on top of it); the rest of that letter is in MAIL.
 */
function park(waiter: Greenlet, dest: NativeStack, target: Greenlet, mode: number, value: unknown, count: number, origin: Greenlet): Greenlet {
  const here = current!;
  const rt = RT;
  here.waiter = waiter;
  here.boundary = rt.boundary;
  here.buf = rt.buf;
  here.sp = rt.sp;
  if (rt.boundaryFns.length > 0) here.boundaryFns = rt.boundaryFns.splice(0);
  MAIL.target = target;
  MAIL.mode = mode;
  MAIL.value = value;
  MAIL.count = count;
  MAIL.origin = origin;
  mailFrom = here;
  const wasResident = waiter._resident;
  waiter._resident = true;
  try {
    hs.switchTo(dest.ctx!);
  } catch (e) {
    // Refused before switching (vm timeout or async scope guard): nothing moved.
    waiter._resident = wasResident;
    wake(here);
    clearMail();
    throw e instanceof hs.HardSwitchError ? new GreenletError(`cannot switch from ${waiter} to ${target}: ${e.message}`) : e;
  }
  waiter._resident = wasResident;
  wake(here);
  return MAIL.target!;
}

function wake(here: NativeStack): void {
  current = here;
  here.waiter = null;
  if (mailFrom !== here) here.resumer = mailFrom;
  const rt = RT;
  rt.boundary = here.boundary;
  if (here.buf !== null) {
    rt.buf = here.buf;
    rt.sp = here.sp;
    here.buf = null;
  }
  if (rt.boundaryFns.length !== 0) rt.boundaryFns.length = 0; // a length store is a runtime call
  if (here.boundaryFns.length > 0) {
    rt.boundaryFns.push(...here.boundaryFns);
    here.boundaryFns = [];
  }
}

export function clearMail(): void {
  MAIL.target = null;
  MAIL.value = undefined;
  MAIL.count = 1;
  MAIL.origin = null;
}

/**
 * transfer() from a greenlet that stays on its stack (cannot unwind) to `t`, which is resident on
 * another native stack or an unstarted hard greenlet. Returns what `cur` receives.
 */
export function switchNative(cur: Greenlet, t: Greenlet, mode: number, value: unknown, count: number): unknown {
  const dest = route(cur, t);
  const next = park(cur, dest, t, mode, value, count, cur);
  const m = MAIL.mode, v = MAIL.value, c = MAIL.count, o = MAIL.origin!;
  clearMail();
  if (next === cur) {
    _core.setCurrent(cur);
    return _core.arrive(o, cur, m, v);
  }
  return _core.drive(cur, next, m, v, c, o);
}

/**
 * From `owner`'s drive loop: control must go to `t` on another native stack. Parks `owner`;
 * returns `owner` (deliver MAIL to it) or a placable greenlet for the loop to run next.
 */
export function handoff(owner: Greenlet, t: Greenlet, mode: number, value: unknown, count: number, origin: Greenlet): Greenlet {
  let dest: NativeStack;
  try {
    dest = route(owner, t);
  } catch (e) {
    // The drive loop delivers this error to owner (its switch/finish could not be routed).
    MAIL.target = owner;
    MAIL.mode = RESUME_THROW;
    MAIL.value = e;
    MAIL.count = 1;
    MAIL.origin = origin;
    return owner;
  }
  return park(owner, dest, t, mode, value, count, origin);
}

// ---- the hard greenlet's own thread ------------------------------------------------------------

function entry(s: NativeStack): (value: unknown) => hs.HardExit {
  return () => {
    wake(s);
    const g = s.base;
    let mode = MAIL.mode;
    let value = MAIL.value;
    const count = MAIL.count;
    const origin = MAIL.origin!;
    clearMail();
    _core.setCurrent(g);
    _core.activate(g);
    const run = g._runFn;
    g._runFn = undefined;
    g._run = undefined;
    let result: unknown;
    let threw = false;
    try {
      // The tracer sees the start (and may turn it into a throw); a throw into an unstarted
      // greenlet kills it without running `run`.
      value = _core.arrive(origin, g, mode, value);
      if (typeof run !== "function") throw new TypeError(`greenlet run is not callable (got ${typeof run})`);
      RT.t = run;
      result = count === 0 ? run.call(g) : count === 1 ? run.call(g, value) : Reflect.apply(run, g, value as unknown[]);
    } catch (e) {
      threw = true;
      result = e;
    }
    return finish(s, g, threw, result);
  };
}

/** `g` (hard) has finished: route its result up the parent chain (greenlet §4). */
function finish(s: NativeStack, g: Greenlet, threw: boolean, result: unknown): hs.HardExit {
  _core.kill(g);
  let mode = threw && !(result instanceof GreenletExit) ? RESUME_THROW : RESUME_VALUE;
  let value = result;
  let p = g.parent!;
  for (;;) {
    while (p.dead) p = p.parent!;
    if (p.active) break;
    try {
      _core.lookupRun(p);
      break;
    } catch (e) {
      mode = RESUME_THROW;
      value = e;
      p = p.parent!;
    }
  }
  const fallback = s.resumer ?? mainStack!;
  let dest: NativeStack;
  let target: Greenlet = p;
  if (p._resident) {
    try {
      dest = route(g, p);
    } catch (e) {
      // Like the soft core: the result cannot be delivered; the resumer gets the error instead.
      dest = fallback;
      target = fallback.waiter!;
      mode = RESUME_THROW;
      value = new GreenletError(`greenlet ${g} finished but its result could not be delivered to its parent: ${(e as Error).message}`);
    }
  } else {
    // A placable parent runs on top of the stack that last switched into g.
    dest = fallback;
  }
  MAIL.target = target;
  MAIL.mode = mode;
  MAIL.value = value;
  MAIL.count = 1;
  MAIL.origin = g;
  mailFrom = s;
  s.ctx = null;
  s.resumer = null;
  g._resident = false;
  return { target: dest.ctx!, value: undefined, isThrow: false };
}
