/**
 * Table of entries -> object graph (the inverse of encode.ts), for untrusted input.
 *
 * Rules that make hostile input harmless:
 * - every entry and field is type-checked; indices are bounds-checked; every loop is bounded by
 *   the input's size (no recursion except closure/custom chains, guarded against cycles);
 * - objects are created empty (`{}`, `Object.create(null)`, `Object.create(Cls.prototype)`
 *   without running constructors) and filled with own data properties; the key `__proto__` is
 *   refused, and instances of classes whose prototype chain has accessors are filled with
 *   `Object.defineProperty` so that no setter runs;
 * - names (classes, references, closures) resolve only through the registries (registry.ts):
 *   the code that can run is registered revivers and closure factories of marked modules.
 *
 * Passes: (A) create every value (shells for containers); (B) fill objects, arrays, instances,
 * errors; (C) revive custom types innermost first; (D) patch references to custom values made in
 * B, fill Maps and Sets.
 */
import { RT } from "../runtime.js";
import { GEN_DONE, GEN_RUNNING, GEN_START, GEN_YIELD, GeneratorState } from "../generators.js";
import { Greenlet } from "../greenlet/greenlet.js";
import { base64ToBytes } from "./base64.js";
import { resolveClass, resolveReference, type ClassEntry } from "./registry.js";
import { STRING_METHOD, advance, isMapMethod, openLoopIterator } from "../iterators.js";

/** Thrown for malformed input; the caller wraps it into an UnpickleError. */
export class Corrupt extends Error {}

const PENDING = Symbol("pending custom value");
const TYPED: Record<string, new (b: ArrayBuffer, o: number, n: number) => unknown> = {};
for (const n of ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array",
  "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "Float16Array"]) {
  const c = (globalThis as Record<string, unknown>)[n];
  if (typeof c === "function") TYPED[n] = c as (typeof TYPED)[string];
}
const BOX_TYPES = new Set(["Number", "String", "Boolean", "BigInt"]);
const MAX_LEN = 2 ** 32 - 1;

export interface GreenletMap {
  self: Greenlet;
  parent: Greenlet | null;
  main: Greenlet;
  /** The record of a rewritten generator's frame (index.ts: code checks and migrations). */
  generatorRecord?: (id: string, hash: string, pc: number, locals: readonly string[], values: unknown[]) => unknown[];
}

export class Decoder {
  private readonly values: unknown[];
  private readonly built: boolean[];
  private readonly building = new Set<number>();
  private readonly fixups: (() => void)[] = [];
  private readonly customs: number[] = [];
  private readonly deferred: number[] = [];
  private readonly iterators: number[] = [];
  /** Generator objects: their prototype is their function's `prototype`, known once frames are filled. */
  private readonly generators: number[] = [];
  constructor(private readonly table: unknown[], private readonly shapes: string[][], private readonly g: GreenletMap) {
    this.values = new Array(table.length);
    this.built = new Array(table.length).fill(false);
  }

  run(): void {
    const n = this.table.length;
    for (let i = 0; i < n; i++) this.value(i);
    for (let i = 0; i < n; i++) this.fill(i);
    for (let k = this.customs.length - 1; k >= 0; k--) this.revive(this.customs[k]!);
    for (const f of this.fixups) f();
    for (const i of this.generators) {
      const o = this.values[i] as object;
      const st = this.values[-((this.table[i] as unknown[])[1] as number) - 1] as GeneratorState;
      const p = (st.f as { prototype?: unknown }).prototype;
      if (p !== null && typeof p === "object" && p !== RT.generators.proto) Object.setPrototypeOf(o, p);
    }
    for (const i of this.deferred) this.fillCollection(i);
    for (const i of this.iterators) this.openIterator(i);
  }

  /** A slot as a final value (custom values not yet revived read as PENDING; see `set`). */
  slot(s: unknown): unknown {
    switch (typeof s) {
      case "string":
      case "boolean":
        return s;
      case "number":
        if (s >= 0) return s;
        if (Number.isInteger(s) && s >= -this.table.length) return this.value(-s - 1);
        break;
      case "object":
        if (s === null) return null;
    }
    throw new Corrupt(`invalid slot ${short(s)}`);
  }

  private entry(i: number): unknown[] {
    const e = this.table[i];
    if (!Array.isArray(e) || typeof e[0] !== "string") throw new Corrupt(`entry ${i} is not a tagged array`);
    return e;
  }

  value(i: number): unknown {
    if (this.built[i]) return this.values[i];
    const e = this.entry(i);
    let v: unknown;
    switch (e[0]) {
      case "o": v = {}; break;
      case "n": v = Object.create(null); break;
      case "a": v = new Array(e.length - 1); break;
      case "A": {
        const len = e[1];
        if (!Number.isInteger(len) || (len as number) < 0 || (len as number) > MAX_LEN) throw new Corrupt(`invalid array length in entry ${i}`);
        v = new Array(len as number);
        break;
      }
      case "c": v = Object.create(this.cls(e[1], i, false).cls.prototype as object); break;
      case "M": v = new Map(); this.deferred.push(i); break;
      case "S": v = new Set(); this.deferred.push(i); break;
      case "D": {
        if (e[1] !== null && typeof e[1] !== "number") throw new Corrupt(`invalid date in entry ${i}`);
        v = new Date(e[1] === null ? NaN : e[1]);
        break;
      }
      case "R": {
        if (typeof e[1] !== "string" || typeof e[2] !== "string" || !Number.isInteger(e[3])) throw new Corrupt(`invalid RegExp in entry ${i}`);
        const r = new RegExp(e[1], e[2]);
        r.lastIndex = e[3] as number;
        v = r;
        break;
      }
      case "B": {
        if (typeof e[1] !== "string") throw new Corrupt(`invalid ArrayBuffer in entry ${i}`);
        v = base64ToBytes(e[1]).buffer;
        break;
      }
      case "T": {
        const C = typeof e[1] === "string" && Object.hasOwn(TYPED, e[1]) ? TYPED[e[1]] : undefined;
        const buf = this.guarded(i, () => this.slot(e[2]));
        if (!C || !(buf instanceof ArrayBuffer) || !Number.isInteger(e[3]) || !Number.isInteger(e[4])) throw new Corrupt(`invalid typed array in entry ${i}`);
        v = new C(buf, e[3] as number, e[4] as number);
        break;
      }
      case "V": {
        const buf = this.guarded(i, () => this.slot(e[1]));
        if (!(buf instanceof ArrayBuffer) || !Number.isInteger(e[2]) || !Number.isInteger(e[3])) throw new Corrupt(`invalid DataView in entry ${i}`);
        v = new DataView(buf, e[2] as number, e[3] as number);
        break;
      }
      case "b": {
        if (typeof e[1] !== "string" || !BOX_TYPES.has(e[1])) throw new Corrupt(`invalid boxed primitive in entry ${i}`);
        const inner = this.guarded(i, () => this.slot(e[2]));
        const want = e[1].toLowerCase();
        if (typeof inner !== want) throw new Corrupt(`boxed ${e[1]} holds a ${typeof inner} in entry ${i}`);
        v = Object(inner);
        break;
      }
      case "E": {
        const ce = this.cls(e[1], i, true);
        if (ce.cls !== Error && !Object.prototype.isPrototypeOf.call(Error.prototype, ce.cls.prototype)) throw new Corrupt(`entry ${i}: "${String(e[1])}" is not an Error class`);
        v = Object.create(ce.cls.prototype as object);
        break;
      }
      case "J": {
        const m = e[2];
        if (!Number.isInteger(m) || (m as number) < 0 || (m as number) > STRING_METHOD || !Number.isInteger(e[3]) || (e[3] as number) < 0 || e.length !== 4) {
          throw new Corrupt(`invalid loop iterator in entry ${i}`);
        }
        if (m === STRING_METHOD) {
          if (typeof e[1] !== "string") throw new Corrupt(`entry ${i}: the source of a string iterator is not a string`);
          v = openLoopIterator(e[1], m, e[3] as number);
          break;
        }
        // Only a real Map / Set of this pickle (entries "M" / "S"), of the kind the method iterates;
        // still empty here: advanced once the collections are filled (openIterator).
        const ref = e[1];
        const want = isMapMethod(m as number) ? "M" : "S";
        const tag = typeof ref === "number" && Number.isInteger(ref) && ref < 0 && ref >= -this.table.length ? (this.entry(-ref - 1))[0] : undefined;
        if (tag !== want) throw new Corrupt(`entry ${i}: the collection of a ${want === "M" ? "Map" : "Set"} iterator is not a ${want === "M" ? "Map" : "Set"}`);
        v = openLoopIterator(this.slot(ref), m as number, 0);
        this.iterators.push(i);
        break;
      }
      case "g": v = argumentsOf(e.length - 1); break;
      case "x": v = PENDING; this.customs.push(i); this.values[i] = v; this.built[i] = true; return v;
      case "u": v = undefined; break;
      case "N": {
        const m: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0 };
        if (typeof e[1] === "number" && Number.isFinite(e[1])) v = e[1];
        else if (typeof e[1] === "string" && Object.hasOwn(m, e[1])) v = m[e[1]];
        else throw new Corrupt(`invalid number entry ${i}`);
        break;
      }
      case "I": {
        if (typeof e[1] !== "string" || !/^-?\d{1,100000}$/.test(e[1])) throw new Corrupt(`invalid BigInt in entry ${i}`);
        v = BigInt(e[1]);
        break;
      }
      case "Y": {
        if (typeof e[1] !== "string") throw new Corrupt(`invalid symbol in entry ${i}`);
        v = Symbol.for(e[1]);
        break;
      }
      case "f": {
        if (typeof e[1] !== "string") throw new Corrupt(`invalid reference in entry ${i}`);
        try { v = resolveReference(e[1]); } catch (m) { throw new Corrupt(typeof m === "string" ? m : String(m)); }
        break;
      }
      case "G": {
        if (e[1] === "self") v = this.g.self;
        else if (e[1] === "parent") v = this.g.parent;
        else if (e[1] === "main") v = this.g.main;
        else throw new Corrupt(`invalid greenlet reference in entry ${i}`);
        break;
      }
      case "Gs": v = new GeneratorState(null, GEN_DONE, Object, null); break;
      case "Go": {
        const ref = e[1];
        const tag = typeof ref === "number" && Number.isInteger(ref) && ref < 0 && ref >= -this.table.length ? (this.entry(-ref - 1))[0] : undefined;
        if (tag !== "Gs") throw new Corrupt(`entry ${i}: a generator object without a generator frame`);
        v = RT.generators.wrap(this.slot(ref) as GeneratorState, RT.generators.proto);
        this.generators.push(i);
        break;
      }
      case "k": v = this.closure(i, e); break;
      case "F": v = this.boundFunction(i, e); break;
      default:
        throw new Corrupt(`unknown entry tag ${short(e[0])} in entry ${i}`);
    }
    this.values[i] = v;
    this.built[i] = true;
    return v;
  }

  private guarded(i: number, f: () => unknown): unknown {
    if (this.building.has(i)) throw new Corrupt(`entry ${i} refers to itself`);
    this.building.add(i);
    try { return f(); } finally { this.building.delete(i); }
  }

  /**
   * Instances ("c") only of registered classes and classes of marked modules; built-in
   * constructors (js:..., tsgreenlet:Greenlet) only for errors ("E", checked to be Error classes).
   * A forged Greenlet or Map with arbitrary internal fields must not be constructible.
   */
  private cls(name: unknown, i: number, builtins: boolean): ClassEntry {
    if (typeof name !== "string") throw new Corrupt(`invalid class name in entry ${i}`);
    let ce: ClassEntry;
    try { ce = resolveClass(name); } catch (m) { throw new Corrupt(typeof m === "string" ? m : String(m)); }
    if (!builtins && !ce.registered && (name.startsWith("js:") || name.startsWith("tsgreenlet:") || ce.cls === Greenlet || Object.prototype.isPrototypeOf.call(Greenlet.prototype, ce.cls.prototype))) {
      throw new Corrupt(`entry ${i}: "${name}" cannot be revived as a class instance`);
    }
    return ce;
  }

  private closure(i: number, e: unknown[]): Function {
    const id = e[1];
    if (typeof id !== "string") throw new Corrupt(`invalid closure id in entry ${i}`);
    const info = RT.closures.get(id);
    if (info === undefined) throw new Corrupt(`closure ${id} does not exist in this process (module not loaded, or the function was renamed or removed)`);
    const envs = e.length - 3;
    if (envs !== info.envs) throw new Corrupt(`closure ${id}: the pickle has ${envs} environments, the current code needs ${info.envs}`);
    return this.guarded(i, () => {
      const self = this.slot(e[2]);
      const args: unknown[] = [];
      for (let k = 3; k < e.length; k++) {
        const env = this.slot(e[k]);
        if (env === null || typeof env !== "object") throw new Corrupt(`closure ${id}: environment ${k - 3} is not an object`);
        args.push(env);
      }
      if (self === PENDING) throw new Corrupt(`closure ${id}: a custom-reduced lexical this is not supported`);
      return info.mk.apply(self, args);
    }) as Function;
  }

  /** A bound function ("F": target, this, args...), re-bound through the runtime so it stays picklable. */
  private boundFunction(i: number, e: unknown[]): Function {
    if (e.length < 3) throw new Corrupt(`invalid bound function in entry ${i}`);
    return this.guarded(i, () => {
      const target = this.slot(e[1]);
      if (typeof target !== "function") throw new Corrupt(`entry ${i}: the target of a bound function is not a function`);
      const vals: unknown[] = [];
      for (let k = 2; k < e.length; k++) {
        const v = this.slot(e[k]);
        if (v === PENDING) throw new Corrupt(`entry ${i}: a custom-reduced bound this or argument is not supported`);
        vals.push(v);
      }
      return RT.bind(target, vals[0], ...vals.slice(1));
    }) as Function;
  }

  /** Sets o[k] = slot, deferring references to custom values not revived yet. */
  private set(o: object, key: string | number, s: unknown, define: boolean): void {
    const v = this.slot(s);
    if (v === PENDING) {
      const j = -(s as number) - 1;
      this.fixups.push(() => put(o, key, this.values[j], define));
    }
    put(o, key, v, define);
  }

  /** A non-enumerable own data property (an Error's cause / errors), also when it refers to a custom value. */
  private setHidden(o: object, key: string, s: unknown): void {
    const hide = () => Object.defineProperty(o, key, { enumerable: false });
    this.set(o, key, s, true);
    hide();
    if (this.slot(s) === PENDING) this.fixups.push(hide);
  }

  private fill(i: number): void {
    const e = this.table[i] as unknown[];
    const v = this.values[i];
    switch (e[0]) {
      case "Gs":
        // After custom values are revived (a frame's locals may hold them).
        this.fixups.push(() => this.fillGenerator(i, e, v as GeneratorState));
        return;
      case "o":
        this.fillShaped(v as object, e, 1, i, false);
        return;
      case "n":
        this.fillProps(v as object, e, 1, i, false);
        return;
      case "c": {
        const ce = this.cls(e[1], i, false);
        this.fillShaped(v as object, e, 2, i, hasAccessors(ce));
        return;
      }
      case "a":
      case "g": {
        const a = v as unknown[];
        for (let k = 1; k < e.length; k++) this.set(a, k - 1, e[k], false);
        return;
      }
      case "A": {
        const a = v as unknown[];
        if ((e.length - 2) % 2 !== 0) throw new Corrupt(`sparse array entry ${i} has an odd number of fields`);
        for (let k = 2; k < e.length; k += 2) {
          const idx = e[k];
          if (!Number.isInteger(idx) || (idx as number) < 0 || (idx as number) >= a.length) throw new Corrupt(`invalid index in sparse array entry ${i}`);
          this.set(a, idx as number, e[k + 1], false);
        }
        return;
      }
      case "E": {
        const err = v as Error;
        const flags = e[4];
        if (typeof e[2] !== "string" || (e[3] !== null && typeof e[3] !== "string") || (flags !== 0 && flags !== 1 && flags !== 2 && flags !== 3) || e.length < 6 + (flags >> 1)) {
          throw new Corrupt(`invalid Error entry ${i}`);
        }
        Object.defineProperty(err, "message", { value: e[2], writable: true, enumerable: false, configurable: true });
        if (e[3] !== null) Object.defineProperty(err, "stack", { value: e[3], writable: true, enumerable: false, configurable: true });
        // (`set` defines them enumerable, and again once a custom value is revived: see hidden.)
        if (flags & 1) this.setHidden(err, "cause", e[5]);
        if (flags & 2) this.setHidden(err, "errors", e[6]);
        this.fillProps(err, e, 6 + (flags >> 1), i, true);
        return;
      }
    }
  }

  /** `["Gs", state, fn, object, id, hash, pc, this, names, ...locals]` (encode.ts generatorFrame). */
  private fillGenerator(i: number, e: unknown[], st: GeneratorState): void {
    const s = e[1];
    if (s !== GEN_START && s !== GEN_YIELD && s !== GEN_RUNNING && s !== GEN_DONE) throw new Corrupt(`entry ${i}: invalid generator state`);
    const fn = this.slot(e[2]);
    const o = this.slot(e[3]);
    if (typeof fn !== "function" || o === null || typeof o !== "object") throw new Corrupt(`entry ${i}: invalid generator`);
    st.s = s;
    st.f = fn;
    st.o = o;
    if (s === GEN_DONE) {
      st.r = null;
      return;
    }
    const [id, hash, pc, , si] = e.slice(4, 9);
    const names = typeof si === "number" ? this.shapes[si] : undefined;
    if (typeof id !== "string" || typeof hash !== "string" || typeof pc !== "number" || names === undefined || this.g.generatorRecord === undefined) {
      throw new Corrupt(`entry ${i}: invalid generator frame`);
    }
    const locals = s === GEN_RUNNING ? new Array(names.length - 1).fill(undefined) : e.slice(9).map((x) => this.slot(x));
    if (locals.length !== names.length - 1) throw new Corrupt(`entry ${i}: the generator frame has ${locals.length} locals, ${names.length - 1} expected`);
    const rec = this.g.generatorRecord(id, hash, pc, names, [this.slot(e[7]), st, ...locals]);
    rec[3] = st;
    st.r = rec;
  }

  /** Shape keys were checked by decodeEnvelope (strings, no "__proto__", no duplicates). */
  private fillShaped(o: object, e: unknown[], at: number, i: number, define: boolean): void {
    const si = e[at];
    const shape = Number.isInteger(si) && (si as number) >= 0 && (si as number) < this.shapes.length ? this.shapes[si as number]! : undefined;
    if (shape === undefined || e.length !== shape.length + at + 1) throw new Corrupt(`entry ${i} has an invalid shape`);
    for (let k = 0; k < shape.length; k++) this.set(o, shape[k]!, e[k + at + 1], define);
  }

  private fillProps(o: object, e: unknown[], from: number, i: number, define: boolean): void {
    if ((e.length - from) % 2 !== 0) throw new Corrupt(`entry ${i} has an odd number of fields`);
    for (let k = from; k < e.length; k += 2) {
      const key = e[k];
      if (typeof key !== "string") throw new Corrupt(`entry ${i} has a non-string key`);
      if (key === "__proto__") throw new Corrupt(`entry ${i} has a "__proto__" key (refused: it would change the object's prototype)`);
      this.set(o, key, e[k + 1], define);
    }
  }

  private revive(i: number): void {
    const e = this.table[i] as unknown[];
    const ce = this.cls(e[1], i, false);
    if (ce.revive === undefined) throw new Corrupt(`class ${ce.name} has no reviver in this process (registerClass with reduce/revive)`);
    const data = this.slot(e[2]);
    if (data === PENDING) throw new Corrupt(`custom value ${ce.name} reduces to another custom value that is not revived yet`);
    let v: unknown;
    try { v = ce.revive(data); } catch (err) { throw new Corrupt(`the reviver of class ${ce.name} threw: ${String(err)}`); }
    this.values[i] = v;
  }

  /** A Map/Set loop iterator, once its collection is filled: advanced to its position. */
  private openIterator(i: number): void {
    advance(this.values[i] as Iterator<unknown>, (this.table[i] as unknown[])[3] as number);
  }

  private fillCollection(i: number): void {
    const e = this.table[i] as unknown[];
    if (e[0] === "M") {
      if ((e.length - 1) % 2 !== 0) throw new Corrupt(`Map entry ${i} has an odd number of fields`);
      const m = this.values[i] as Map<unknown, unknown>;
      for (let k = 1; k < e.length; k += 2) m.set(this.slot(e[k]), this.slot(e[k + 1]));
    } else {
      const s = this.values[i] as Set<unknown>;
      for (let k = 1; k < e.length; k++) s.add(this.slot(e[k]));
    }
  }
}

/** A strict-mode (unmapped) arguments object of length n, elements filled later. */
function argumentsOf(n: number): object {
  // Spreading up to the input's size is bounded (the entry holds n slots already).
  const make = function (this: unknown, ..._: unknown[]): IArguments { return arguments; };
  return make.apply(undefined, new Array<unknown>(n));
}

function put(o: object, key: string | number, v: unknown, define: boolean): void {
  if (define) Object.defineProperty(o, key, { value: v, writable: true, enumerable: true, configurable: true });
  else (o as Record<string | number, unknown>)[key] = v;
}

/** Whether assigning properties on an instance could run a setter of its class. */
function hasAccessors(ce: ClassEntry): boolean {
  if (ce.accessors !== undefined) return ce.accessors;
  let found = false;
  for (let p: object | null = ce.cls.prototype as object; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Reflect.ownKeys(p)) {
      const d = Object.getOwnPropertyDescriptor(p, k);
      if (d && (d.get || d.set)) { found = true; break; }
    }
    if (found) break;
  }
  ce.accessors = found;
  return found;
}

function short(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 40 ? s.slice(0, 40) + "…" : s;
  } catch {
    return typeof v;
  }
}
