/**
 * What pickles may refer to by name: registered classes (with optional reducer/reviver),
 * values by reference (JavaScript builtins, the tsgreenlet API, top-level bindings of marked
 * modules, registered functions), and migrations for changed code.
 *
 * Unpickling resolves names only through these tables: it never evaluates text, never looks
 * properties up along a path given by the input, and so runs no code except registered
 * functions, class revivers and closure factories of marked modules.
 */
import { RT } from "../runtime.js";
import { ArrayIterator, ArrayMethodIterator, NATIVE_NEXTS } from "../iterators.js";
import { Greenlet, getcurrent, gettrace, settrace } from "../greenlet/greenlet.js";
import { GreenletError, GreenletExit } from "../greenlet/errors.js";
import { PickleError } from "./errors.js";

export interface ClassOptions<T = unknown, D = unknown> {
  /** Name in pickles (default: the class name). Must be the same in the unpickling process. */
  name?: string;
  /** Turns an instance into picklable data (any picklable value). */
  reduce?: (value: T) => D;
  /** Re-creates an instance from the data `reduce` returned (after that data is fully revived). */
  revive?: (data: D) => T;
}

export interface ClassEntry {
  readonly name: string;
  readonly cls: Function;
  readonly reduce: ((value: unknown) => unknown) | undefined;
  readonly revive: ((data: unknown) => unknown) | undefined;
  /** Registered with registerClass (or by the runtime), not resolved from a module table. */
  readonly registered?: boolean;
  /** The prototype chain below Object.prototype has accessors (then properties are defined, not assigned). */
  accessors?: boolean;
}

const classesByName = new Map<string, ClassEntry>();
const classesByCtor = new Map<Function, ClassEntry>();
// The runtime's own picklable classes.
for (const [name, cls] of [["tsgreenlet:ArrayIterator", ArrayIterator], ["tsgreenlet:ArrayMethodIterator", ArrayMethodIterator]] as const) {
  const e: ClassEntry = { name, cls, reduce: undefined, revive: undefined, registered: true };
  classesByName.set(e.name, e);
  classesByCtor.set(cls, e);
}

/**
 * Registers a class so that its instances can be pickled (own enumerable properties, revived
 * without running the constructor), or, with `reduce`/`revive`, a custom type.
 * Classes declared at top level of marked modules are registered automatically as
 * `<module>#<Name>`; registering them again gives them a custom name or hooks.
 */
export function registerClass<T, D>(cls: abstract new (...args: any[]) => T, options?: string | ClassOptions<T, D>): void {
  if (typeof cls !== "function" || typeof cls.prototype !== "object") throw new TypeError("registerClass: expected a class");
  const o: ClassOptions<T, D> = typeof options === "string" ? { name: options } : options ?? {};
  const name = o.name ?? cls.name;
  if (!name) throw new TypeError("registerClass: anonymous class: pass a name");
  if ((o.reduce === undefined) !== (o.revive === undefined)) throw new TypeError(`registerClass(${name}): reduce and revive go together`);
  const prev = classesByName.get(name);
  if (prev && prev.cls !== cls) throw new TypeError(`registerClass: the name "${name}" is already registered for another class`);
  const e: ClassEntry = { name, cls, reduce: o.reduce as ClassEntry["reduce"], revive: o.revive as ClassEntry["revive"], registered: true };
  classesByName.set(name, e);
  classesByCtor.set(cls, e);
}

export function classByCtor(c: Function): ClassEntry | undefined {
  return classesByCtor.get(c);
}

export function classByName(name: string): ClassEntry | undefined {
  return classesByName.get(name);
}

// ---- values by reference ----------------------------------------------------------------------

const registered = new Map<string, unknown>();

/**
 * Registers a value (typically a function from untransformed code) to be pickled by reference
 * under `name`; the unpickling process must register the same name.
 */
export function registerFunction(fn: Function, name: string): void {
  if (typeof fn !== "function") throw new TypeError("registerFunction: expected a function");
  if (typeof name !== "string" || !name) throw new TypeError("registerFunction: expected a name");
  registered.set(`user:${name}`, fn);
  refsVersion++;
}

const BUILTIN_NAMESPACES = ["Math", "JSON", "Reflect", "Atomics", "Intl", "console"];
const BUILTIN_CTORS = [
  "Object", "Array", "Number", "Boolean", "String", "Symbol", "BigInt", "Date", "RegExp", "Promise",
  "Map", "Set", "WeakMap", "WeakSet", "ArrayBuffer", "DataView", "Error", "AggregateError", "EvalError", "RangeError",
  "ReferenceError", "SyntaxError", "TypeError", "URIError", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array",
  "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array",
  "TextEncoder", "TextDecoder", "URL", "URLSearchParams",
];
const BUILTIN_FUNCTIONS = [
  "parseInt", "parseFloat", "isNaN", "isFinite", "encodeURI", "encodeURIComponent", "decodeURI", "decodeURIComponent",
  "structuredClone", "queueMicrotask", "setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate",
];

/** Name -> value of everything pickled by reference that does not come from a marked module. */
let fixedRefs: Map<string, unknown> | null = null;

function addFunctionsOf(out: Map<string, unknown>, prefix: string, holder: object): void {
  for (const k of Reflect.ownKeys(holder)) {
    if (typeof k !== "string") continue;
    const d = Object.getOwnPropertyDescriptor(holder, k);
    if (d && typeof d.value === "function" && !out.has(`${prefix}.${k}`)) out.set(`${prefix}.${k}`, d.value);
  }
}

function fixed(): Map<string, unknown> {
  if (fixedRefs) return fixedRefs;
  const out = new Map<string, unknown>();
  const g = globalThis as Record<string, unknown>;
  // Deliberately absent: the Function constructor, eval, globalThis and process functions. A
  // hostile pickle can put any referenced function where the resumed code will call it; these
  // would turn that into arbitrary code execution.
  out.set("js:Function.prototype.call", Function.prototype.call);
  out.set("js:Function.prototype.apply", Function.prototype.apply);
  out.set("js:Function.prototype.bind", Function.prototype.bind);
  for (const n of BUILTIN_NAMESPACES) {
    const v = g[n];
    if (v && typeof v === "object") { out.set(`js:${n}`, v); addFunctionsOf(out, `js:${n}`, v); }
  }
  for (const n of BUILTIN_CTORS) {
    const v = g[n];
    if (typeof v !== "function") continue;
    out.set(`js:${n}`, v);
    addFunctionsOf(out, `js:${n}`, v);
    if (v.prototype) addFunctionsOf(out, `js:${n}.prototype`, v.prototype);
  }
  for (const n of BUILTIN_FUNCTIONS) if (typeof g[n] === "function") out.set(`js:${n}`, g[n]);
  const proc = g.process;
  if (proc && typeof proc === "object") out.set("node:process", proc);
  out.set("tsgreenlet:Greenlet", Greenlet);
  out.set("tsgreenlet:Greenlet.prototype.switch", Greenlet.prototype.switch);
  out.set("tsgreenlet:Greenlet.prototype.throw", Greenlet.prototype.throw);
  out.set("tsgreenlet:getcurrent", getcurrent);
  out.set("tsgreenlet:settrace", settrace);
  out.set("tsgreenlet:gettrace", gettrace);
  out.set("tsgreenlet:GreenletExit", GreenletExit);
  out.set("tsgreenlet:GreenletError", GreenletError);
  // Lowered for-of loops hold their iterator's `next` (a switch point) in a frame temporary.
  addFunctionsOf(out, "tsgreenlet:ArrayIterator.prototype", ArrayIterator.prototype);
  addFunctionsOf(out, "tsgreenlet:ArrayMethodIterator.prototype", ArrayMethodIterator.prototype);
  for (const [name, fn] of NATIVE_NEXTS) out.set(name, fn);
  // Rewritten generators' next/return/throw (a frame temporary holds the method it calls).
  addFunctionsOf(out, "tsgreenlet:Generator.prototype", RT.generators.proto);
  fixedRefs = out;
  return out;
}

let refsVersion = 0;
let reverse: Map<unknown, string> | null = null;
let reverseKey = "";

/**
 * Value -> reference name, for pickling (one snapshot per pickle() call). Built lazily and rebuilt when modules or registrations
 * change, or when a module binding was still in its temporal dead zone last time.
 */
export function referenceTable(): Map<unknown, string> {
  const key = `${RT.modules.size}/${refsVersion}`;
  if (reverse === null || key !== reverseKey) {
    reverseKey = key;
    const r = new Map<unknown, string>();
    for (const [n, val] of fixed()) if (!r.has(val)) r.set(val, n);
    for (const [n, val] of registered) if (!r.has(val)) r.set(val, n);
    let incomplete = false;
    for (const m of RT.modules.values()) {
      for (const name of m.names) {
        if (m.reassignable?.includes(name)) continue; // pickled by value (see ModuleTable)
        let val: unknown;
        try { val = m.get(name); } catch { incomplete = true; continue; }
        if (val === null || (typeof val !== "object" && typeof val !== "function")) continue;
        const ref = `${m.id}#${name}`;
        if (!r.has(val)) r.set(val, ref);
        // Methods of module-level classes (a temporary may hold `obj.method`), and one level of
        // functions below module-level objects (imported namespaces like `fs`).
        if (typeof val === "function") {
          addOwnFunctions(r, ref, val);
          if (typeof val.prototype === "object" && val.prototype !== null) {
            // The prototype object itself too: the home object of a method (an arrow's `super`).
            if (!r.has(val.prototype)) r.set(val.prototype, `${ref}.prototype`);
            addOwnFunctions(r, `${ref}.prototype`, val.prototype as object);
          }
        } else if (Object.getPrototypeOf(val) === null || Object.getPrototypeOf(val) === Object.prototype || isNamespace(val)) {
          for (const k of Object.keys(val)) {
            let f: unknown;
            try { f = (val as Record<string, unknown>)[k]; } catch { continue; }
            if (typeof f === "function" && !r.has(f)) r.set(f, `${ref}.${k}`);
          }
        }
      }
    }
    reverse = r;
    if (incomplete) reverseKey = "";
  }
  return reverse;
}

function addOwnFunctions(r: Map<unknown, string>, prefix: string, holder: object): void {
  for (const k of Object.getOwnPropertyNames(holder)) {
    if (k === "constructor" || k === "prototype") continue;
    const d = Object.getOwnPropertyDescriptor(holder, k);
    if (d && typeof d.value === "function" && !r.has(d.value)) r.set(d.value, `${prefix}.${k}`);
  }
}

function isNamespace(v: object): boolean {
  return (v as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === "Module";
}

/** Reference name -> value, for unpickling. Throws a message (string) when the name is unknown. */
export function resolveReference(name: string): unknown {
  const f = fixed();
  if (f.has(name)) return f.get(name);
  if (registered.has(name)) return registered.get(name);
  const hash = name.indexOf("#");
  if (hash > 0) {
    const m = RT.modules.get(name.slice(0, hash));
    if (m === undefined) throw `module "${name.slice(0, hash)}" is not loaded in this process (import it before unpickling)`;
    const rest = name.slice(hash + 1);
    const dot = rest.indexOf(".");
    const binding = dot < 0 ? rest : rest.slice(0, dot);
    if (!m.names.includes(binding)) throw `module "${m.id}" has no top-level binding "${binding}"`;
    let v: unknown;
    try { v = m.get(binding); } catch (e) { throw `module binding "${name}" is not initialised yet (${String(e)})`; }
    if (dot < 0) return v;
    // `binding.fn`, `Class.staticFn` or `Class.prototype.method`: own data properties only
    // (reading them runs no code).
    const path = rest.slice(dot + 1).split(".");
    if (path.length > 2 || (path.length === 2 && path[0] !== "prototype")) throw `"${name}" is not a valid reference`;
    for (const prop of path) {
      if (v === null || (typeof v !== "object" && typeof v !== "function") || !Object.hasOwn(v, prop)) throw `"${name}" does not exist in this process`;
      const d = Object.getOwnPropertyDescriptor(v, prop);
      v = d && "value" in d ? d.value : isNamespace(v as object) ? (v as Record<string, unknown>)[prop] : undefined;
    }
    if (typeof v !== "function" && !(path.length === 1 && path[0] === "prototype" && v !== null && typeof v === "object")) throw `"${name}" is not a function in this process`;
    return v;
  }
  throw `unknown reference "${name}" (not a builtin, not registered with registerFunction, not a marked module binding)`;
}

/** A class (constructor) resolved by pickle name: registered classes and classes of marked modules. */
export function classNameOf(ctor: Function, refs: Map<unknown, string>): string | undefined {
  const e = classesByCtor.get(ctor);
  if (e) return e.name;
  const ref = refs.get(ctor);
  return ref !== undefined && ref.includes("#") ? ref : undefined;
}

export function resolveClass(name: string): ClassEntry {
  const e = classesByName.get(name);
  if (e) return e;
  if (!name.includes("#") && !name.startsWith("js:") && !name.startsWith("tsgreenlet:")) throw `class "${name}" is not registered in this process (registerClass)`;
  const v = resolveReference(name);
  if (typeof v !== "function" || typeof v.prototype !== "object" || v.prototype === null) throw `"${name}" is not a class in this process`;
  const ce: ClassEntry = { name, cls: v, reduce: undefined, revive: undefined };
  classesByName.set(name, ce);
  return ce;
}

export function fail(message: string, path?: string): never {
  throw new PickleError(path ? `${message}\n  at ${path}` : message, path);
}

// ---- migrations -------------------------------------------------------------------------------

/** A suspended frame of the old code, as a migration sees it. */
export interface OldFrame {
  readonly id: string;
  readonly hash: string;
  /** Resume point (1-based) in the old code, and its original line. */
  readonly pc: number;
  readonly line: number;
  readonly this: unknown;
  /**
   * Old locals by their transform names (block-scoped ones are renamed `name$$N`) and, when
   * unambiguous, also by their source names.
   */
  readonly locals: Readonly<Record<string, unknown>>;
}

/** The function as the current code defines it. */
export interface TargetFunction {
  readonly id: string;
  readonly hash: string;
  readonly locals: readonly string[];
  /** [line, column] of each resume point; index pc - 1. */
  readonly points: readonly (readonly [number, number])[];
  /** The pc of the `nth` (0-based) resume point on `line`; throws if there is none. */
  pcAtLine(line: number, nth?: number): number;
}

export interface NewFrame {
  pc: number;
  this?: unknown;
  /** New locals by transform name or source name; missing ones start as undefined. */
  locals: Record<string, unknown>;
}

export interface Migration {
  /** Content hash of the old code this migration upgrades ("*" accepts any). */
  from: string;
  /** Id of the function in the current code, when it was renamed (default: the same id). */
  to?: string;
  /** Maps a suspended frame onto the current code. Required for functions that have frames. */
  frame?: (old: OldFrame, target: TargetFunction) => NewFrame;
}

const migrations = new Map<string, Migration[]>();

/**
 * Registers an upgrade for pickles made with an older version of function `id`
 * (`<module>#<qualified name>`, see docs/pickling.md). For a closure, a registered migration
 * accepts the current code with the pickled environment as it is.
 */
export function registerMigration(id: string, migration: Migration): void {
  if (typeof id !== "string" || !id.includes("#")) throw new TypeError(`registerMigration: "${id}" is not a function id (<module>#<name>)`);
  if (!migration || typeof migration.from !== "string") throw new TypeError("registerMigration: migration.from (old hash or \"*\") is required");
  const list = migrations.get(id) ?? [];
  list.push(migration);
  migrations.set(id, list);
}

export function migrationFor(id: string, hash: string): Migration | undefined {
  return migrations.get(id)?.find((m) => m.from === hash || m.from === "*");
}
