// Implementation of the low-level hard-switch API: loads the native addon and validates every
// argument before it reaches C++ (the C++ stays thin, like better-sqlite3's lib/*.js).
//
// A hard context runs JS on its own OS thread; `switchTo` hands the isolate lock over to the target
// context's thread and sleeps until something switches back. This layer knows nothing about
// greenlet semantics (parents, dead greenlets, GreenletExit): the Greenlet runtime builds those on
// `create`/`switchTo`/`HardExit`. Context states: "new" -> "running" <-> "suspended" -> "finished".
//
// Loading never throws: `available` says whether the addon loaded and `reason` says why not and how
// to build it. Every other function throws a HardSwitchError (code ERR_HARDSWITCH_UNAVAILABLE)
// when the addon is missing, so the higher layer can fall back to soft switching.
//
// Why the vm patch: a `vm` timeout (or breakOnSigint) watchdog calls TerminateExecution on
// whichever thread holds the isolate lock when it fires. If the context that armed it switched
// away, another context would be terminated silently (the prototype saw main exit with code 0 in
// 30-80% of runs). So on the first `create()` we wrap vm.Script.prototype.runInContext and
// runInThisContext (all vm.run* helpers go through them) and refuse any switch while such a run is
// active: ERR_HARDSWITCH_VM_TIMEOUT.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as vm from "node:vm";

/** Opaque handle of a hard context. Valid only in the isolate (thread or worker) that made it. */
export interface HardContext {
  readonly id: number;
}

/** What a context function returns: where control goes when the context finishes. */
export interface HardExit {
  target: HardContext;
  value: unknown;
  isThrow: boolean;
}

export interface CreateOptions {
  /** OS thread stack in bytes; default 256 KiB, minimum 64 KiB (rounded up to 4 KiB). */
  stackSize?: number;
  /** Bytes kept free below the JS stack limit for native frames V8 does not check; minimum
   * 16 KiB, default min(64 KiB, stackSize / 4). Overflow is then a RangeError, not SIGSEGV. */
  jsMargin?: number;
}

export interface ConfigureOptions {
  /** Spin before sleeping on a switch, so the partner thread, running on another CPU, is handed
   * the baton without an OS wake-up (~5 us round trips instead of ~10), at the cost of keeping a
   * second CPU busy while switches happen. Off by default. Turns `followCpu` off while on. */
  lowLatency?: boolean;
  /** Longest spin per wait in low-latency mode, in microseconds of wall time (default 50). The
   * budget adapts: it halves after a spin that had to sleep anyway, so a busy machine loses little. */
  spinMicros?: number;
  /** Default mode: wake a context's thread on the CPU of the thread that switches to it (pinning
   * the context thread; the main thread only until the end of a macrotask in which the scheduler
   * moved it), avoiding a cross-CPU wake-up (default true). */
  followCpu?: boolean;
  /** Idle threads kept for reuse (default 32). */
  poolSize?: number;
}

export type HardState = "new" | "running" | "suspended" | "finished";

export interface HardStats {
  /** Suspended contexts (not counting the main context). */
  parked: number;
  /** Idle threads waiting in the pool. */
  pooledThreads: number;
  /** OS threads owned by this isolate's addon state (running, suspended or pooled). */
  liveThreads: number;
  /** Threads ever created by this isolate (pool hits do not count). */
  threadsCreated: number;
  /** Threads currently restricted to one CPU by `followCpu` (0 when it is off): context and pooled
   * threads, and the main thread for the rest of a macrotask in which it migrated. */
  pinnedThreads: number;
}

/** Thrown into a context by `killAll()` (and re-thrown by every later switch it attempts). */
class HardExitSignalClass extends Error {
  constructor(message = "hard context killed") {
    super(message);
    this.name = "HardExitSignal";
  }
}

/** Misuse of the hard-switch layer; `code` is one of the ERR_HARDSWITCH_* codes. */
class HardSwitchErrorClass extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "HardSwitchError";
    this.code = code;
  }
}

interface NativeBinding {
  locked: boolean;
  v8Major: number;
  perContextAsyncFrame: boolean;
  setup(
    makeError: (code: string, message: string) => Error,
    makeExitSignal: () => Error,
    makeHandle: (id: number) => HardContext,
    transferBox: TransferBox,
  ): HardContext;
  current(): HardContext;
  create(fn: (value: unknown) => [number, unknown, boolean], stackSize: number, jsMargin: number): HardContext;
  /** The value travels in transferBox[0] both ways; returns 1 when the caller must throw it. */
  switchTo(id: number, isThrow: boolean): number;
  kill(id: number): [boolean, unknown];
  suspendedIds(): number[];
  state(id: number): number;
  configure(spinNs: number, poolSize: number, followCpu: boolean): void;
  stats(): [number, number, number, number, number];
}

const KiB = 1024;
const DEFAULT_STACK = 256 * KiB;
const MIN_STACK = 64 * KiB;
const MAX_STACK = 1024 * 1024 * KiB;
const MIN_MARGIN = 16 * KiB;
const DEFAULT_MARGIN = 64 * KiB;
const STATES: readonly HardState[] = ["new", "running", "suspended", "finished"];

function buildHint(): string {
  return (
    "build it with `npx node-gyp@12.0.0 rebuild -C native-hardswitch` (needs a C++20 compiler, " +
    "make and python3), or set TSGREENLET_HARDSWITCH_BINARY to a built hardswitch.node"
  );
}

function candidates(): string[] {
  const override = process.env.TSGREENLET_HARDSWITCH_BINARY;
  if (override) return [override];
  const here = dirname(fileURLToPath(import.meta.url));
  // Source layout: native-hardswitch/index.ts; published layout: dist/native-hardswitch/index.js.
  const roots = [here, join(here, "..", "..", "native-hardswitch")];
  const prebuilt = join("prebuilds", `${process.platform}-${process.arch}`, `node.abi${process.versions.modules}.node`);
  return roots.flatMap((root) => [join(root, "build", "Release", "hardswitch.node"), join(root, prebuilt)]);
}

function load(): { native?: NativeBinding; reason?: string } {
  if (process.env.TSGREENLET_HARDSWITCH === "0") {
    return { reason: "hard switching disabled by TSGREENLET_HARDSWITCH=0" };
  }
  if (process.platform === "win32") {
    return { reason: "hard switching needs pthreads; Windows is not supported (soft switching only)" };
  }
  const require = createRequire(import.meta.url);
  const problems: string[] = [];
  for (const file of candidates()) {
    if (!existsSync(file)) continue;
    try {
      const native = require(file) as NativeBinding;
      if (!native.locked) {
        return { reason: `${file}: this embedder runs JS without a v8::Locker, so threads cannot share the isolate` };
      }
      return { native };
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  if (problems.length > 0) {
    return { reason: `the hard-switch addon failed to load (${problems.join("; ")}); rebuild it for Node ${process.version}: ${buildHint()}` };
  }
  return { reason: `the hard-switch addon is not built (looked for ${candidates().join(", ")}); ${buildHint()}` };
}

const loaded = load();
const native = loaded.native;

/** Whether the native addon is loaded in this isolate. */
export const available: boolean = native !== undefined;
/** Why the addon is unavailable, and how to build it; undefined when available. */
export const reason: string | undefined = loaded.reason;

/** V8's --stack-size in KiB as given on the command line or NODE_OPTIONS (default 984). */
function v8StackSizeKiB(): number {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  let size = 984;
  for (const flag of flags) {
    const m = /^--stack[-_]size=(\d+)$/.exec(flag);
    if (m) size = Number(m[1]);
  }
  return size;
}

function nodeMajor(): number {
  return Number(process.versions.node.split(".")[0]);
}

/** Whether AsyncLocalStorage stores are kept per context (V8 >= 12 with AsyncContextFrame, i.e.
 * Node >= 24, or Node 22 with --experimental-async-context-frame). Elsewhere a store entered in a
 * context is visible to whatever runs while that context is suspended inside `als.run()`. */
export const perContextAsyncLocalStorage: boolean = (() => {
  if (native === undefined || !native.perContextAsyncFrame) return false;
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  if (nodeMajor() >= 24) return !flags.includes("--no-async-context-frame");
  return flags.includes("--experimental-async-context-frame");
})();

class HardContextHandleClass implements HardContext {
  readonly #brand = true;
  readonly id: number;
  constructor(id: number) {
    this.id = id;
    Object.freeze(this);
  }
  static is(value: unknown): value is HardContextHandleClass {
    return typeof value === "object" && value !== null && #brand in value;
  }
  toString(): string {
    return `HardContext#${this.id}`;
  }
}

// One set of classes per thread (realm), kept on globalThis like the soft runtime (runtime.ts): a
// bundler or test runner may load two copies of this module (e.g. the package's dist/ and the
// source), and the addon's per-isolate state makes handles and errors with the factories of the
// *last* copy's setup(); with per-copy classes, a handle made through one copy failed the brand
// check of the other ("was not created in this thread").
interface SharedClasses {
  HardExitSignal: typeof HardExitSignalClass;
  HardSwitchError: typeof HardSwitchErrorClass;
  HardContextHandle: typeof HardContextHandleClass;
  /** The transfer slot's value (see switchTo); shared by every copy of this module in the realm,
   * because the addon keeps the box of the last copy's setup(). */
  transferBox?: TransferBox;
}
/** Element 0 carries a switch's value from the switching thread to the resumed one. */
type TransferBox = { 0: unknown };
const SHARED = Symbol.for("tsgreenlet.hardswitch.classes@1");
const shared: SharedClasses = ((): SharedClasses => {
  const g = globalThis as { [SHARED]?: SharedClasses };
  if (g[SHARED] === undefined) {
    Object.defineProperty(g, SHARED, {
      value: { HardExitSignal: HardExitSignalClass, HardSwitchError: HardSwitchErrorClass, HardContextHandle: HardContextHandleClass },
      enumerable: false,
    });
  }
  const record = g[SHARED]!;
  // A null-prototype, sealed object: no inherited setter can run when the addon writes to it.
  record.transferBox ??= Object.seal(Object.assign(Object.create(null) as object, { 0: undefined as unknown }));
  return record;
})();
const transferBox: TransferBox = shared.transferBox!;
/** Thrown into a context by `killAll()` (and re-thrown by every later switch it attempts). */
export const HardExitSignal = shared.HardExitSignal;
export type HardExitSignal = HardExitSignalClass;
/** Misuse of the hard-switch layer; `code` is one of the ERR_HARDSWITCH_* codes. */
export const HardSwitchError = shared.HardSwitchError;
export type HardSwitchError = HardSwitchErrorClass;
const HardContextHandle = shared.HardContextHandle;

function requireNative(): NativeBinding {
  if (native === undefined) throw new HardSwitchError("ERR_HARDSWITCH_UNAVAILABLE", `hard switching is unavailable: ${reason}`);
  return native;
}

function idOf(ctx: unknown, what: string): number {
  if (!HardContextHandle.is(ctx)) {
    const shape = typeof ctx === "object" && ctx !== null && "id" in ctx;
    throw new HardSwitchError(
      "ERR_HARDSWITCH_FOREIGN",
      `${what}: ${shape ? `HardContext#${String((ctx as { id: unknown }).id)} was not created in this thread` : `expected a HardContext, got ${describe(ctx)}`}` +
        (shape ? "; hard contexts belong to the isolate (main thread or worker) that created them and cannot cross workers" : ""),
    );
  }
  return ctx.id;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}

function checkKeys(what: string, options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const hint = allowed.find((a) => a.toLowerCase() === key.toLowerCase());
      throw new TypeError(`${what}: unknown option "${key}"${hint ? ` (did you mean "${hint}"?)` : ""}; allowed: ${allowed.join(", ")}`);
    }
  }
}

function checkInteger(what: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${what}: ${name} must be an integer between ${min} and ${max}, got ${String(value)}`);
  }
  return value;
}

// The addon keeps each context's handle (strongly, until the context finishes), so
// currentContext() returns the very object create() returned.
const mainHandle: HardContext | undefined = native?.setup(
  (code, message) => new HardSwitchError(code, message),
  () => new HardExitSignal(),
  (id) => new HardContextHandle(id),
  transferBox,
);

// ---- vm timeout guard ---------------------------------------------------------------------------

let vmTimedDepth = 0;
let vmGuardInstalled = false;

function isTimed(options: unknown): boolean {
  if (typeof options !== "object" || options === null) return false;
  const o = options as { timeout?: unknown; breakOnSigint?: unknown };
  return o.timeout !== undefined || o.breakOnSigint === true;
}

function installVmGuard(): void {
  if (vmGuardInstalled) return;
  vmGuardInstalled = true;
  const proto = vm.Script.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const wrap = (name: "runInContext" | "runInThisContext", optionsIndex: number): void => {
    const original = proto[name];
    if (typeof original !== "function") return;
    proto[name] = function (this: vm.Script, ...args: unknown[]): unknown {
      if (!isTimed(args[optionsIndex])) return Reflect.apply(original, this, args);
      vmTimedDepth++;
      try {
        return Reflect.apply(original, this, args);
      } finally {
        vmTimedDepth--;
      }
    };
  };
  wrap("runInContext", 1);
  wrap("runInThisContext", 0);
}

// ---- API ----------------------------------------------------------------------------------------

/** The calling isolate's main-thread context (the root: never finishes, cannot be killed). */
export function mainContext(): HardContext {
  requireNative();
  return mainHandle as HardContext;
}

/** The context whose thread is running JS now. */
export function currentContext(): HardContext {
  return requireNative().current();
}

/**
 * Makes a context that has not started. When first switched to, `fn(value)` runs on the
 * context's own thread. When `fn` returns a HardExit the context finishes (its thread goes back
 * to the pool) and control goes to `exit.target`; if `fn` throws, the error is thrown into the
 * context that last switched into it.
 */
export function create(fn: (value: unknown) => HardExit, options: CreateOptions = {}): HardContext {
  const n = requireNative();
  if (typeof fn !== "function") throw new TypeError(`create: expected a function, got ${describe(fn)}`);
  if (typeof options !== "object" || options === null) throw new TypeError(`create: options must be an object, got ${describe(options)}`);
  checkKeys("create", options, ["stackSize", "jsMargin"]);
  let stackSize = options.stackSize === undefined ? DEFAULT_STACK : checkInteger("create", "stackSize", options.stackSize, MIN_STACK, MAX_STACK);
  stackSize = Math.ceil(stackSize / 4096) * 4096;
  const jsMargin =
    options.jsMargin === undefined
      ? Math.max(MIN_MARGIN, Math.min(DEFAULT_MARGIN, Math.floor(stackSize / 4)))
      : checkInteger("create", "jsMargin", options.jsMargin, MIN_MARGIN, stackSize - 32 * KiB);
  if (n.v8Major >= 14) {
    // V8 >= 14: the JS limit is V8's default (--stack-size below the thread's top), see
    // src/switch.cpp; reserve that much (virtual memory only) plus the margin.
    stackSize = Math.max(stackSize, Math.ceil((v8StackSizeKiB() * KiB + jsMargin + 64 * KiB) / 4096) * 4096);
  }
  installVmGuard();
  mainContext();
  const run = (value: unknown): [number, unknown, boolean] => {
    const exit = fn(value);
    if (typeof exit !== "object" || exit === null || !("target" in exit)) {
      throw new TypeError(`hard context function must return a HardExit { target, value, isThrow }, got ${describe(exit)}`);
    }
    return [idOf(exit.target, "HardExit.target"), exit.value, exit.isThrow === true];
  };
  return n.create(run, stackSize, jsMargin);
}

/**
 * Suspends the current context and runs `target` (starting it if new). Returns, or throws, what
 * the next switch into the current context delivers.
 */
export function switchTo(target: HardContext, value?: unknown, isThrow = false): unknown {
  const n = requireNative();
  const id = idOf(target, "switchTo");
  if (vmTimedDepth > 0 && target !== n.current()) {
    throw new HardSwitchError(
      "ERR_HARDSWITCH_VM_TIMEOUT",
      `cannot switch to HardContext#${id} inside a vm run with a timeout or breakOnSigint: its watchdog would terminate whichever context runs when it fires`,
    );
  }
  // The value goes through transferBox instead of an argument: the addon would otherwise keep it
  // in a v8::Global, created and destroyed at every switch. Whoever switches back here left its
  // value (or exception) in the box.
  transferBox[0] = value;
  let kind: number;
  try {
    kind = n.switchTo(id, isThrow === true);
  } catch (error) {
    transferBox[0] = undefined;
    throw error;
  }
  const result = transferBox[0];
  transferBox[0] = undefined;
  if (kind === 1) throw result;
  return result;
}

export function state(ctx: HardContext): HardState {
  const n = requireNative();
  return STATES[n.state(idOf(ctx, "state"))] ?? "finished";
}

let config = { lowLatency: false, spinMicros: 50, followCpu: true, poolSize: 32 };

export function configure(opts: ConfigureOptions): void {
  const n = requireNative();
  if (typeof opts !== "object" || opts === null) throw new TypeError(`configure: expected an options object, got ${describe(opts)}`);
  if ("spinIterations" in opts) {
    throw new TypeError("configure: spinIterations was replaced by spinMicros (the spin is bounded by time, not by a count of PAUSE instructions)");
  }
  checkKeys("configure", opts, ["lowLatency", "spinMicros", "followCpu", "poolSize"]);
  const next = { ...config };
  for (const key of ["lowLatency", "followCpu"] as const) {
    const value = opts[key];
    if (value === undefined) continue;
    if (typeof value !== "boolean") throw new TypeError(`configure: ${key} must be a boolean, got ${describe(value)}`);
    next[key] = value;
  }
  if (opts.spinMicros !== undefined) next.spinMicros = checkInteger("configure", "spinMicros", opts.spinMicros, 1, 1_000_000);
  if (opts.poolSize !== undefined) next.poolSize = checkInteger("configure", "poolSize", opts.poolSize, 0, 4096);
  config = next;
  n.configure(config.lowLatency ? config.spinMicros * 1000 : 0, config.poolSize, config.followCpu && !config.lowLatency);
}

export function stats(): HardStats {
  const [parked, pooledThreads, liveThreads, threadsCreated, pinnedThreads] = requireNative().stats();
  return { parked, pooledThreads, liveThreads, threadsCreated, pinnedThreads };
}

/**
 * Unwinds every suspended context (except the main context and the caller) by making its pending
 * switchTo throw a HardExitSignal; `finally` blocks run, and every further switch the context
 * attempts re-throws the signal. Control comes back here when each one finishes. Errors other
 * than the signal escaping a context are collected and thrown as one AggregateError at the end.
 */
export function killAll(): void {
  const n = requireNative();
  const errors: unknown[] = [];
  for (;;) {
    const ids = n.suspendedIds();
    if (ids.length === 0) break;
    for (const id of ids) {
      const [thrown, value] = n.kill(id);
      if (thrown && !(value instanceof HardExitSignal)) errors.push(value);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, `killAll: ${errors.length} hard context(s) failed while unwinding`);
}
