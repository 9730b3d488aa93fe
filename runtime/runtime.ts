/**
 * Implementation of the soft-switching runtime object that transformed code talks to.
 *
 * One instance per realm, kept on `globalThis` under a registered symbol: a bundler or a test
 * runner may load two copies of this package, and every transformed module must see the same
 * unwinding flag and spill buffer or a capture would be lost half-way.
 *
 * Boundary detection: a transformed call site stores the callee in `t` right before the call; a
 * transformed function with resume points checks `t === itself` on entry and clears it. Any
 * other entry (a native `forEach` callback, a getter, an untransformed library calling back)
 * goes through `enter`, which counts the boundary while the call is on the stack. A greenlet can
 * only be captured (soft-switched away) while no boundary was entered since its driver started
 * it: otherwise the untransformed frame would be unwound silently (Quasar's failure mode).
 */
import { REC_PC, REC_THIS, RESUME_CALL, type ClosureInfo, type FunctionInfo, type ModuleTable, type RuntimeABI } from "./abi.js";
import { UNINITIALIZED, constStandIn, tdzStandIn, throwTdz } from "./tdz.js";
import { GreenletError } from "./greenlet/errors.js";
import { generatorState, generatorSupport, type GeneratorSupport } from "./generators.js";
import { ARRAY_ITERATOR_PROTO, ARRAY_NEXT, ARRAY_VALUES, ArrayIterator, iterMethod, iterOther } from "./iterators.js";

export { ArrayIterator } from "./iterators.js";

/**
 * The receiver of the heap frame the greenlet runtime completed last (greenlet.ts afterResume and
 * resumeStack set it): what a resumed `new f()` yields when f (a function, not a class: those
 * return their instance themselves) returned no object.
 */
export const lastCompleted: { self: unknown } = { self: undefined };

/** Classes of marked code with no constructor of their own and no instance fields (see thinEntry). */
const THIN = new WeakSet<object>();
/**
 * Classes of marked code whose instances carry #private members, with their names (registered by
 * the class's first static block, RT.hidden). JavaScript gives a pickler no way to read or
 * restore them, so the pickler refuses such instances rather than revive them without them (pickle/encode.ts).
 */
export const HIDDEN = new WeakMap<object, readonly string[]>();

/** Whether every class from `c` up to (not including) `base` is registered as thin. */
function thinChain(c: object, base: object): boolean {
  for (let k: object | null = c; k !== base; k = Object.getPrototypeOf(k) as object | null) {
    if (k === null || !THIN.has(k)) return false;
  }
  return true;
}

export class SoftRuntime implements RuntimeABI {
  unwinding = false;
  /** What capturing frames return (abi.ts); not registered (Symbol.for), so no code can forge it. */
  readonly U: symbol = Symbol("tsgreenlet unwinding");
  t: unknown = null;
  /** Shared spill buffer: where a greenlet's frames go the first time it suspends. */
  readonly spill: unknown[] = new Array(4096).fill(null);
  /**
   * Where unwinding frames spill their records, from `sp` on: `spill`, or the heap stack of the
   * greenlet being resumed (runtime/greenlet: records are then rewritten in place).
   */
  buf: unknown[] = this.spill;
  sp = 0;

  /** Number of boundary entries on the real stack. */
  boundary = 0;
  /** The functions entered through a boundary, innermost last (for error messages). */
  readonly boundaryFns: Function[] = [];
  readonly functions = new Map<string, FunctionInfo>();

  /**
   * A new callee token for a class constructor (transformer/core/transform-file.ts ctorToken): a
   * `new C(...)` whose C the transform resolves to a top-level class stores this number instead
   * of C. Unique per class evaluation, like C itself, but a small integer: no write barrier at
   * the store, and V8 folds the constructor's entry check when it inlines it.
   */
  tok(): number {
    return ++this.tokens;
  }
  private tokens = 0;

  /** Arguments and new.target of the pending `enter` (stored by the caller: see abi.ts). */
  a: ArrayLike<unknown> | null = null;
  nt: Function | undefined = undefined;

  enter(fn: Function, self: unknown): unknown {
    const args = this.a ?? [];
    const newTarget = this.nt;
    this.a = null;
    this.nt = undefined;
    this.boundary++;
    this.boundaryFns.push(fn);
    try {
      this.t = fn;
      return newTarget === undefined
        ? Reflect.apply(fn, self, args)
        : Reflect.construct(fn, args, newTarget);
    } finally {
      this.boundary--;
      this.boundaryFns.pop();
    }
  }

  /** Rewritten generators (runtime/generators.ts). */
  readonly generators: GeneratorSupport = generatorSupport(this);

  /**
   * Whether `o` is a rewritten generator object (a call-free for-of in marked code then takes its
   * lowered form). Arrays and primitives first: the private-brand test (`#x in o`) costs 8-20 ns
   * on a miss, which a small array helper would pay per call (measured 1.3x -> 2.1x plain).
   */
  isGen(o: unknown): boolean {
    return typeof o === "object" && o !== null && !Array.isArray(o) && generatorState(o) !== undefined;
  }

  /** A rewritten generator function called: its generator object (body not started). */
  gen(fn: Function, record: unknown[]): object {
    return this.generators.make(fn, record);
  }

  /** A rewritten generator function created (declaration, expression): its prototype and [[Prototype]] as a generator function's. */
  genfn<F extends Function>(fn: F): F {
    return this.generators.mark(fn, false) as F;
  }

  /**
   * A transformed constructor entered from untransformed code (its callee token did not name
   * it). It cannot re-enter itself through `enter` (the instance exists, field initialisers have
   * run), so it runs its body through its resume function from the start (pc 0, its locals as
   * they are) while a boundary is counted. Returns what the constructor returns.
   */
  construct(info: FunctionInfo, self: unknown, locals: unknown[], ctor: Function): unknown {
    return this.fromStart(info.resume, info, self, locals, ctor);
  }

  /**
   * A transformed private method entered without its token (transformer/core/transform-file.ts
   * privateMethod): like `construct`, its body runs from the start through `resume`, the class's
   * resume member for it (read by key when the class was defined; it takes any receiver).
   */
  enterAt(info: FunctionInfo, self: unknown, locals: unknown[], resume: Function): unknown {
    return this.fromStart(resume, info, self, locals, resume);
  }

  /**
   * A transformed function leaving a loop at an arm that is rare by construction (a known static
   * method replaced since its class was defined, a direct-call tag copied onto another function:
   * transformer/core/explode.ts): V8 14 optimizes a loop badly around any arm that stays in it,
   * even one never taken (docs/ARCHITECTURE.md "Member calls"). The function spilled its frame
   * as a capture would, at `buf[sp]`, with the call's resume point as a negative pc. The record
   * is taken back out, and the rest of the body runs in the function's resume function, entered
   * at that point in mode RESUME_CALL: it makes the call there instead of delivering a value.
   * Not a boundary: the function's own frame goes on in its resume function, and a switch there
   * spills that frame's record and returns the unwinding symbol to the caller, as any
   * transformed callee. (`buf[sp]` is where a capture at that call would have written: the
   * slots are free, or the frame resumed there, whose values its resume function holds.)
   */
  continueSpilled(info: FunctionInfo): unknown {
    const buf = this.buf;
    const start = this.sp - info.size;
    const record = buf.slice(start, this.sp);
    for (let i = start; i < this.sp; i++) buf[i] = null;
    this.sp = start;
    record[REC_PC] = -(record[REC_PC] as number);
    return info.resume.call(record[REC_THIS], record, 0, RESUME_CALL, undefined);
  }

  private fromStart(resume: Function, info: FunctionInfo, self: unknown, locals: unknown[], named: Function): unknown {
    const record: unknown[] = [info, 0, self, ...locals];
    this.boundary++;
    this.boundaryFns.push(named);
    try {
      return resume.call(self, record, 0, 0, undefined);
    } finally {
      this.boundary--;
      this.boundaryFns.pop();
    }
  }

  /**
   * A derived constructor resumed at `super(...)`: the base constructor it ran (which switched)
   * finished with `v`. Its `this` is the instance it spilled; a base constructor that returned
   * another object after switching would need a different `this`, which cannot be given to it.
   */
  superDone(v: unknown, self: unknown): void {
    // A plain function used as the base (`class C extends F`) completes with its own return
    // value; a primitive one means the instance, as for `new`.
    if (this.made(v, self) !== self) {
      throw new GreenletError("a base constructor reached through super(...) switched and then returned an object other than the " +
        "instance: the derived constructor, resumed after super, cannot continue with it as `this`. Return nothing from base " +
        "constructors that switch, or construct the object without subclassing.");
    }
  }

  /** What `new` yields when a resumed constructor returns `v`: v if it is an object, else the instance. */
  made(v: unknown, self: unknown): unknown {
    return v !== null && (typeof v === "object" || typeof v === "function") ? v : self;
  }

  /** What a resumed `new f()` of a plain function yields (see lastCompleted). */
  madeNew(v: unknown): unknown {
    return this.made(v, lastCompleted.self);
  }

  /** The same for a derived class: a primitive other than undefined is a TypeError, as for `new`. */
  madeDerived(v: unknown, self: unknown): unknown {
    if (v === undefined) return self;
    if (v !== null && (typeof v === "object" || typeof v === "function")) return v;
    throw new TypeError("Derived constructors may only return object or undefined");
  }

  /** Sentinels of a resumed `switch`: the clause holding the resume point matches `resumeCase`. */
  readonly resumeCase = Object.freeze({ resumeCase: true });
  readonly noCase = Object.freeze({ noCase: true });

  /**
   * `for (x of it)` lowered by the transform: GetIterator (runtime/iterators.ts). For a head
   * `c.keys()` / `c.values()` / `c.entries()` the transform also passes the receiver and the
   * method it called (see iterMethod).
   */
  iter(iterable: unknown, holder?: unknown, method?: unknown): Iterator<unknown> {
    // Arrays with the built-in iterator get a plain-data iterator (same semantics as
    // %ArrayIteratorPrototype%.next) so that a frame suspended inside `for (x of array)` can be
    // pickled: native iterators do not expose their position. Strings, Maps and Sets: iterOther.
    if (Array.isArray(iterable) && (iterable as { [Symbol.iterator]: unknown })[Symbol.iterator] === ARRAY_VALUES && ARRAY_ITERATOR_PROTO.next === ARRAY_NEXT) {
      return new ArrayIterator(iterable);
    }
    const it = iterOther(iterable);
    return method === undefined ? it : iterMethod(it, iterable, holder, method);
  }

  /**
   * Temporal dead zones (runtime/tdz.ts): the sentinel of a binding whose declaration has not run
   * (methods use this instance's, in case two copies of the package are loaded), the throw, and
   * assignable stand-ins for destructuring/for-in/of targets.
   */
  readonly Z: unknown = UNINITIALIZED;
  tdz(name: string): never { return throwTdz(name, SoftRuntime.prototype.tdz); }
  tdzRef(env: Record<string, unknown> | null, name: string): object { return tdzStandIn(env, name, this.Z); }
  /** A write to a const hoisted by the transform: a stand-in whose store throws (runtime/tdz.ts). */
  constRef(name: string, value?: unknown): object { return constStandIn(name, value); }

  /**
   * `super[key]` in an arrow of a class method, lowered through the method's home object (the
   * class prototype, or the class for a static method): the property of the home object's
   * current prototype, read with `this` as receiver.
   */
  sget(home: object, key: PropertyKey, self: unknown): unknown {
    return Reflect.get(Object.getPrototypeOf(home) as object, key, self);
  }

  /** IteratorClose after a break or return out of a lowered for-of. */
  iterReturn(it: Iterator<unknown>): void {
    const ret = it.return;
    if (ret === undefined || ret === null) return;
    const r = ret.call(it);
    if (r === null || (typeof r !== "object" && typeof r !== "function")) throw new TypeError("Iterator result is not an object");
  }

  /** `yield*` (transformer/core/yield.ts): an inner result that is not an object is a TypeError. */
  iterResult(r: unknown): void {
    if (r === null || (typeof r !== "object" && typeof r !== "function")) throw new TypeError(`Iterator result ${String(r)} is not an object`);
  }

  /** `yield*` received throw() but the inner iterator has no `throw` method: close it, then a TypeError. */
  yieldStarNoThrow(it: Iterator<unknown>): never {
    this.iterReturn(it);
    throw new TypeError("The iterator does not provide a 'throw' method");
  }

  /** Top-level rewritten generator function declarations: generator-function prototype (see genfn). */
  genfns(fns: readonly Function[]): void {
    for (const fn of fns) this.genfn(fn);
  }

  /** IteratorClose after a throw: the original exception wins. */
  iterAbort(it: Iterator<unknown>): void {
    try {
      it.return?.();
    } catch {
      // The exception that left the loop is the one that propagates.
    }
  }

  /** `{ a, ...rest } = o` lowered by the transform: CopyDataProperties excluding the keys read. */
  objectRest(o: unknown, excluded: unknown[]): Record<PropertyKey, unknown> {
    const from = Object(o) as Record<PropertyKey, unknown>;
    const skip = new Set(excluded.map((k) => (typeof k === "symbol" ? k : String(k))));
    const out: Record<PropertyKey, unknown> = {};
    for (const k of Reflect.ownKeys(from)) {
      if (skip.has(k) || !Object.prototype.propertyIsEnumerable.call(from, k)) continue;
      // CreateDataProperty: an own "__proto__" key stays a plain property.
      Object.defineProperty(out, k, { value: from[k], writable: true, enumerable: true, configurable: true });
    }
    return out;
  }

  /** The keys a for-in loop visits, collected up front for a lowered loop. */
  forInKeys(o: unknown): string[] {
    const keys: string[] = [];
    for (const k in o as object) keys.push(k);
    return keys;
  }

  /**
   * The property key a computed member name `[k]` defines (ToPropertyKey, applied once: a key
   * object's toString/valueOf runs here, and the class then gets a string or symbol, which
   * converts to itself). Used as `[$$kyN = $$RT.key(k)]` for methods whose identity is read by key.
   */
  key(k: unknown): PropertyKey {
    if (typeof k === "string" || typeof k === "symbol") return k;
    // The engine's own conversion, exactly once (numbers become their canonical strings, a
    // symbol returned by toString stays a symbol).
    return Reflect.ownKeys({ [k as PropertyKey]: 0 })[0]!;
  }

  /**
   * A transformed method or accessor as stored on `holder` (kind 0 value, 1 get, 2 set): its
   * identity for the entry check, read once per evaluation of its class or object literal.
   */
  own(holder: object, key: PropertyKey, kind: number): unknown {
    const d = Object.getOwnPropertyDescriptor(holder, key);
    if (d === undefined) return undefined;
    // Kind 3: a rewritten generator method (it gets a `prototype` like a generator method).
    if (kind === 3) return typeof d.value === "function" ? this.generators.mark(d.value as Function, true) : d.value;
    return kind === 0 ? d.value : kind === 1 ? d.get : d.set;
  }

  /**
   * Bound functions made by marked code: `f.bind(o, ...args)` in a transformed function calls
   * `bind` here when the method read is Function.prototype.bind, so the pickler can save
   * (target, this, args); a bound function exposes none of them to JavaScript.
   */
  readonly BIND = Function.prototype.bind;
  /**
   * `f.call(...)`, `f.apply(...)`, `Reflect.apply(f, ...)` of marked code store `f` as the callee
   * token when the method read is one of these (explode.ts callToken), so `f` resumes in place.
   */
  readonly CALL = Function.prototype.call;
  readonly APPLY = Function.prototype.apply;
  readonly RAPPLY = Reflect.apply;
  readonly bound = new WeakMap<Function, { readonly target: Function; readonly self: unknown; readonly args: readonly unknown[] }>();

  bind(target: unknown, self: unknown, ...args: unknown[]): Function {
    const r = Reflect.apply(this.BIND, target, [self, ...args]) as Function; // TypeError as bind's own
    this.bound.set(r, { target: target as Function, self, args });
    return r;
  }

  /** Top-level function declarations of marked modules (for the "auto" stack choice). */
  readonly marked = new WeakSet<Function>();

  marks(fns: readonly Function[]): void {
    for (const fn of fns) this.marked.add(fn);
  }

  /**
   * Tags top-level function declarations that ignore their receiver (transformer/core/receiver.ts):
   * member calls in transformed code call them directly. Non-enumerable, so `Object.keys(fn)` and
   * console.log of the function do not show it (closures get a plain store: it is on their
   * creation path).
   */
  direct(fns: readonly Function[]): void {
    for (const fn of fns) Object.defineProperty(fn, "$$d", { value: fn, configurable: true });
  }

  /** Registers a class whose instances have #private members (see HIDDEN). */
  hidden(cls: object, names: readonly string[]): void {
    HIDDEN.set(cls, names);
  }

  /** Registers a derived class with no constructor of its own and no instance fields (its first static block). */
  thin(cls: object): void {
    THIN.add(cls);
  }

  /**
   * Whether a transformed constructor `base` without its callee token was reached from a
   * transformed `new C(...)` (which stored C) through subclasses that have no constructor of
   * their own and no instance fields: their implicit constructors run nothing but `super(...args)`
   * and nothing after it, so `base` may unwind through them into the `new` site like a direct
   * `new base()`. `self` is the instance being built: its prototype is `C.prototype` only when
   * C is the class being constructed (`prototype` of a class is read-only). Anything else (an
   * unregistered class, a subclass with fields or its own constructor, an untransformed `new`)
   * stays a boundary.
   */
  thinEntry(self: object, base: object): boolean {
    const c = this.t;
    // Registered first: only then is reading `prototype` free of user code (a Proxy token's trap).
    return THIN.has(c as object) && Object.getPrototypeOf(self) === (c as { prototype: unknown }).prototype && this.thinNew(c, base);
  }

  /**
   * Base of the helper classes that hold a derived class's moved instance fields
   * (transformer/core/transform-file.ts fieldMove): `new Helper(instance)` defines the fields on
   * the instance, since a base constructor that returns an object makes it the derived class's
   * `this`. So the engine itself defines them, with the semantics and order of class fields.
   */
  readonly Stamp = function Stamp(o: object): object {
    return o;
  } as unknown as new (o: object) => object;

  /** thinEntry in a constructor body, where `new.target` is the class being constructed (no `this` before super). */
  thinNew(newTarget: unknown, base: object): boolean {
    const c = this.t;
    return c !== base && c === newTarget && THIN.has(c as object) && thinChain(c as object, base);
  }

  /** `direct` for the static methods `keys` of a class (read as own data properties: no getter runs). */
  directOwn(holder: object, keys: readonly string[]): void {
    for (const k of keys) {
      const d = Object.getOwnPropertyDescriptor(holder, k);
      if (d !== undefined && typeof d.value === "function") this.direct([d.value as Function]);
    }
  }

  /**
   * A member call of marked code whose method is not a function (explode.ts `callable`): the
   * engine's TypeError, named after the source, or after the value for a call the transform made
   * (the `next()` of a lowered for-of), as the engine words it ("number 5 is not a function").
   */
  notCallable(what: string, value?: unknown): TypeError {
    if (what !== "") return new TypeError(`${what} is not a function`);
    const v = value === null || value === undefined ? String(value)
      : typeof value === "object" ? "object" : `${typeof value} ${String(value)}`;
    return new TypeError(`${v} is not a function`);
  }

  /**
   * Whether the callee of a member call may be called without its receiver (tagged `$$d`, the
   * function itself, so a tag copied onto another function does not count).
   * Only code from transforms before session 7 calls this: since then the test is inline at each
   * call site (transformer/core/explode.ts memberCall), because one shared function has one set of
   * type feedback for every call site of a program and went megamorphic (member calls in a loop
   * 5-11x plain once it had seen a few function shapes). Kept so such output keeps running.
   */
  isDirect(fn: unknown): boolean {
    try {
      return (fn as { $$d?: unknown }).$$d === fn;
    } catch {
      return false;
    }
  }

  /** Pickling (runtime/pickle): closure factories by id (closures carry `$$k`, `$$this`, `$$e0..`). */
  readonly closures = new Map<string, ClosureInfo>();
  /** Top-level bindings of marked modules, read lazily at pickle/unpickle time. */
  readonly modules = new Map<string, ModuleTable>();

  clo(info: ClosureInfo): ClosureInfo {
    // Last registration wins: a module evaluated again (hot reload) re-creates closures through
    // its new factories.
    this.closures.set(info.id, info);
    return info;
  }

  mod(id: string, names: readonly string[], get: (name: string) => unknown, reassignable?: readonly string[]): void {
    // A module loaded twice under one id (two copies in a bundle): the last one wins.
    this.modules.set(id, { id, names, get, reassignable });
  }

  fn(info: FunctionInfo): FunctionInfo {
    // Several closures of one function share an id; the first registration wins so that the
    // registry stays bounded. Pickling (a later layer) resolves ids through this map.
    if (!this.functions.has(info.id)) this.functions.set(info.id, info);
    return info;
  }
}


// The ABI version (2): code transformed for version 1 tested the unwinding flag after calls, where
// version 2 tests for RT.U; a realm never mixes the two (each version has its own instance).
const KEY = Symbol.for("tsgreenlet.runtime@2");
/**
 * The same instance under a global name that transformed functions read as a free identifier
 * (`const $$rt = $$tsgreenlet2;`, transformer/core/names.ts RT_GLOBAL; same ABI version as KEY).
 * Why a global: it is a read-only, non-configurable property of the global object, so V8's
 * optimizing compiler embeds the runtime object as a constant (no load, and no map check before
 * each access to `t`/`unwinding`); a module-level copy of the import is a mutable variable that
 * is loaded and map-checked at every call site of a loop (measured: the token store, the
 * unwinding test and a constructor's entry check each carried one). It also exists before any
 * transformed module body runs (import cycles), as the runtime module is their first import.
 */
const GLOBAL_NAME = "$$tsgreenlet2";
/** RT.U under a global name (transformer/core/names.ts UNWIND_GLOBAL says why). */
const UNWIND_NAME = "$$tsgreenlet2U";
type Holder = { [KEY]?: SoftRuntime; [GLOBAL_NAME]?: SoftRuntime; [UNWIND_NAME]?: symbol };

function readOnlyGlobal(g: object, name: string, value: unknown): void {
  if (!Object.prototype.hasOwnProperty.call(g, name)) {
    Object.defineProperty(g, name, { value, enumerable: false, configurable: false, writable: false });
  }
}

function install(): SoftRuntime {
  const g = globalThis as Holder;
  const fresh = g[KEY] === undefined;
  const rt = g[KEY] ?? new SoftRuntime();
  if (fresh) {
    rt.fn(rt.generators.nextInfo); // the `next` frame of a generator suspended with its greenlet (pickles name it)
    Object.defineProperty(g, KEY, { value: rt, enumerable: false, configurable: false, writable: false });
  }
  // A copy of the package that installed the instance before these globals existed: add them now.
  readOnlyGlobal(g, GLOBAL_NAME, rt);
  readOnlyGlobal(g, UNWIND_NAME, rt.U);
  return rt;
}

/** The realm's runtime. Transformed modules import it as `$RT`. */
export const RT: SoftRuntime = install();
