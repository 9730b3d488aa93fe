/**
 * Object graph -> table of entries (the payload of a pickle).
 *
 * A value in the table is a *slot*: a string, boolean, null or finite number >= 0 (not -0) stands
 * for itself; a negative integer `-(i + 1)` refers to entry i (negative numbers are entries, so
 * references cost no allocation). Entries are arrays whose first element is a tag (format.ts).
 * Every object, function, bigint, symbol and special number gets one entry, so shared references
 * and cycles survive. The walk is iterative (a queue, not recursion): a linked list 100,000 long
 * pickles without a stack overflow.
 *
 * Why not devalue: devalue 6.0.3 recurses once per nesting level (a 20,000-long linked list
 * overflows the stack) and its custom revivers cannot take part in cycles (a class instance that
 * refers to itself came back as two different objects in our probe), and class instances,
 * closures and greenlets in cycles are the normal case here.
 */
import { HIDDEN, RT } from "../runtime.js";
import { Greenlet } from "../greenlet/greenlet.js";
import type { ClosureInfo, FunctionInfo } from "../abi.js";
import { GEN_DONE, GEN_RUNNING, GeneratorState, generatorState } from "../generators.js";
import { classByCtor, classNameOf, fail, referenceTable } from "./registry.js";
import { bytesToBase64 } from "./base64.js";
import { IdentityIndex } from "./identity.js";
import { MAP_ITERATOR_PROTO, SET_ITERATOR_PROTO, STRING_ITERATOR_PROTO, type LoopIteratorState } from "../iterators.js";

/** A value in the table: a literal (string, boolean, null, number >= 0) or `-(i + 1)`: entry i. */
export type Slot = string | number | boolean | null;

const BOXES = new Map<object, string>([
  [Number.prototype, "Number"], [String.prototype, "String"], [Boolean.prototype, "Boolean"], [BigInt.prototype, "BigInt"],
]);
const ERRORS = new Map<object, string>(
  ["Error", "TypeError", "RangeError", "ReferenceError", "SyntaxError", "EvalError", "URIError", "AggregateError"]
    .filter((n) => typeof (globalThis as Record<string, unknown>)[n] === "function")
    .map((n) => [((globalThis as Record<string, unknown>)[n] as Function).prototype as object, `js:${n}`]),
);
const TYPED = new Map<object, string>(
  ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float32Array",
    "Float64Array", "BigInt64Array", "BigUint64Array", "Float16Array"]
    .filter((n) => typeof (globalThis as Record<string, unknown>)[n] === "function")
    .map((n) => [((globalThis as Record<string, unknown>)[n] as Function).prototype as object, n]),
);
const REFUSED: [string, Function | undefined][] = [
  ["Promise", Promise], ["WeakMap", WeakMap], ["WeakSet", WeakSet],
  ["WeakRef", (globalThis as Record<string, unknown>).WeakRef as Function | undefined],
  ["FinalizationRegistry", (globalThis as Record<string, unknown>).FinalizationRegistry as Function | undefined],
  ["SharedArrayBuffer", (globalThis as Record<string, unknown>).SharedArrayBuffer as Function | undefined],
];

/** for-in over a plain object lists exactly its own enumerable keys (nothing enumerable was added to Object.prototype). */
const PLAIN_FOR_IN_IS_OWN = ((): boolean => { for (const _ in {}) return false; return true; })();

/** A label on the path to a value that is not a property name or index. */
interface Label { readonly l: string }
const MAP_KEY: Label = { l: "<Map key>" };
const MAP_VALUE: Label = { l: "<Map value>" };
const SET_ELEMENT: Label = { l: "<Set element>" };
const ENV: Label = { l: "<captured variables>" };
const THIS: Label = { l: "<lexical this>" };
const BOUND_TARGET: Label = { l: "<bound target>" };
const BOUND_THIS: Label = { l: "<bound this>" };
const GEN_STATE: Label = { l: "<generator frame>" };
const GEN_FUNCTION: Label = { l: "<generator function>" };
const GEN_OBJECT: Label = { l: "<generator object>" };
const GEN_THIS: Label = { l: "<generator this>" };

export class Encoder {
  readonly table: unknown[] = [];
  /** Code the pickle depends on: id -> [id, hash, kind ("f" frame function, "c" closure)]. */
  readonly code = new Map<string, [string, string, string]>();
  private readonly index = new IdentityIndex();
  private readonly objs: unknown[] = [];
  /** Entry -> the entry it was first reached from (negative: root); keys are recovered on error. */
  private readonly parent: number[] = [];
  /** Key lists of plain objects and class instances, shared by index (`shapes` in the envelope). */
  readonly shapes: string[][] = [];
  private readonly shapeRoot: ShapeNode = { id: -1, next: new Map() };
  private lastKeys: string[] = [];
  private lastShape = -1;
  private readonly roots: string[] = [];
  private qi = 0;
  private readonly refTable = referenceTable();
  /** Loop iterators of the frames (index.ts replaces them by fresh ones and gives their state). */
  readonly loops = new Map<object, LoopIteratorState>();
  /**
   * Generators running with the pickled greenlet suspended inside them (their `next` frame is
   * on its stack): their frame is that stack's record, so they are saved without locals.
   */
  readonly runningGenerators = new Set<GeneratorState>();
  /** Applied to each local of a suspended generator's record (index.ts: native loop iterators). */
  localValue: (v: unknown, record: unknown[], at: number) => unknown = (v) => v;

  constructor(private readonly self: Greenlet, private readonly parentG: Greenlet | null, private readonly main: Greenlet) {}

  /** A root value (frame local, `this`, run function); `label` names it in error paths. */
  root(label: string, v: unknown): Slot {
    this.roots.push(label);
    return this.slot(v, -this.roots.length, undefined);
  }

  /** Walks everything reachable from the roots given so far. */
  finish(): void {
    while (this.qi < this.objs.length) {
      const i = this.qi++;
      if (this.table[i] === null) this.table[i] = this.entry(i, this.objs[i]);
    }
  }

  private add(v: unknown, parent: number, entry?: unknown): number {
    const i = this.objs.length;
    this.objs.push(v);
    this.parent.push(parent);
    this.index.set(v, i);
    this.table[i] = entry === undefined ? null : entry;
    return -(i + 1);
  }

  slot(v: unknown, parent: number, key: unknown): Slot {
    switch (typeof v) {
      case "string":
      case "boolean":
        return v;
      case "number":
        if (v > 0 || (v === 0 && 1 / v > 0)) { if (v !== Infinity) return v; }
        break;
      case "object":
        if (v === null) return null;
        break;
      case "function":
        break;
      case "symbol":
        if (Symbol.keyFor(v) === undefined) fail(`a symbol that is not registered (${String(v)}) cannot be pickled; use Symbol.for(key)`, this.pathOf(parent, key));
        break;
    }
    const known = this.index.get(v);
    if (known !== undefined) return -(known + 1);
    if (typeof v === "object" || typeof v === "function") return this.add(v, parent);
    return this.add(v, parent, primitiveEntry(v));
  }

  private entry(i: number, v: unknown): unknown[] {
    if (typeof v === "function") return this.functionEntry(i, v);
    const o = v as object;
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype) {
      const ref = this.refTable.get(o);
      if (ref !== undefined) return ["f", ref];
      // An `arguments` object (a frame's `$$args`, or its environment's) has Object.prototype too.
      if (Object.hasOwn(o, "callee") && Object.prototype.toString.call(o) === "[object Arguments]") return this.argumentsEntry(i, o);
      return this.shaped("o", undefined, i, o, PLAIN_FOR_IN_IS_OWN);
    }
    if (Array.isArray(o)) {
      const ref = this.refTable.get(o);
      if (ref !== undefined) return ["f", ref];
      if (proto !== Array.prototype) fail(`an instance of an Array subclass (${proto?.constructor?.name}) cannot be pickled`, this.pathOf(i));
      return this.array(i, o);
    }
    if (proto === null) return this.props(["n"], i, o);
    // Greenlets first: the pickled one, its parent and main map to their counterparts even when a
    // module binding also holds them.
    if (o instanceof Greenlet) {
      if (o === this.self) return ["G", "self"];
      if (o === this.parentG) return ["G", "parent"];
      if (o === this.main) return ["G", "main"];
      fail(`a reference to another greenlet (${String(o)}) cannot be pickled: only the pickled greenlet itself, its parent and the main greenlet are mapped (to the new greenlet, its new parent and the main greenlet)`, this.pathOf(i));
    }
    const ref = this.refTable.get(o);
    if (ref !== undefined) return ["f", ref];
    if (proto === Map.prototype) {
      const e: unknown[] = ["M"];
      for (const [k, val] of o as Map<unknown, unknown>) {
        e.push(this.slot(k, i, MAP_KEY), this.slot(val, i, MAP_VALUE));
      }
      return e;
    }
    if (proto === Set.prototype) {
      const e: unknown[] = ["S"];
      for (const val of o as Set<unknown>) e.push(this.slot(val, i, SET_ELEMENT));
      return e;
    }
    if (proto === MAP_ITERATOR_PROTO || proto === SET_ITERATOR_PROTO || proto === STRING_ITERATOR_PROTO) {
      // The iterator of a lowered for-of over a Map, Set or string (runtime/iterators.ts).
      const st = this.loops.get(o);
      if (st !== undefined) return ["J", this.slot(st.source, i, { l: "<iterated collection>" }), st.m, st.skip];
    }
    if (proto === Date.prototype) {
      const t = (o as Date).getTime();
      return ["D", Number.isNaN(t) ? null : t];
    }
    if (proto === RegExp.prototype) {
      const r = o as RegExp;
      return ["R", r.source, r.flags, r.lastIndex];
    }
    if (proto === ArrayBuffer.prototype) return ["B", bytesToBase64(new Uint8Array(o as ArrayBuffer))];
    const typed = TYPED.get(proto);
    if (typed !== undefined) {
      const t = o as Uint8Array;
      return ["T", typed, this.slot(t.buffer, i, { l: "<buffer>" }), t.byteOffset, t.length];
    }
    if (proto === DataView.prototype) {
      const d = o as DataView;
      return ["V", this.slot(d.buffer, i, { l: "<buffer>" }), d.byteOffset, d.byteLength];
    }
    const box = BOXES.get(proto);
    if (box !== undefined) {
      let inner: unknown;
      try { inner = (proto as { valueOf(): unknown }).valueOf.call(o); } catch { fail(`an object inheriting from ${box}.prototype that is not a boxed ${box} cannot be pickled`, this.pathOf(i)); }
      return ["b", box, this.slot(inner, i, { l: "<boxed value>" })];
    }
    if (o instanceof Error) return this.error(i, o, proto);
    if (proto === GeneratorState.prototype) return this.generatorFrame(i, o as GeneratorState);
    const gst = generatorState(o);
    if (gst !== undefined) {
      if (Reflect.ownKeys(o).length > 0) fail(`a generator object with own properties (${Reflect.ownKeys(o).map(String).join(", ")}) cannot be pickled: keep such data next to the generator, not on it`, this.pathOf(i));
      return ["Go", this.slot(gst, i, GEN_STATE)];
    }
    for (const [name, c] of REFUSED) {
      if (c !== undefined && o instanceof c) fail(`a ${name} cannot be pickled${name === "Promise" ? " (a pending operation cannot be saved; wait for it before suspending, or keep only its result)" : ""}`, this.pathOf(i));
    }
    const ctor = proto !== null && Object.hasOwn(proto, "constructor") ? (proto as { constructor: unknown }).constructor : undefined;
    if (typeof ctor === "function" && ctor.prototype === proto) {
      const ce = classByCtor(ctor);
      if (ce?.reduce !== undefined) {
        let data: unknown;
        try { data = ce.reduce(o); } catch (e) { fail(`the reducer of class ${ce.name} threw: ${String(e)}`, this.pathOf(i)); }
        return ["x", ce.name, this.slot(data, i, { l: `<reduced ${ce.name}>` })];
      }
      const name = ce?.name ?? classNameOf(ctor, this.refTable);
      if (name !== undefined) {
        this.refuseHidden(i, o);
        return this.shaped("c", name, i, o, false);
      }
      fail(`an instance of class ${ctor.name || "(anonymous)"} cannot be pickled: declare the class at top level of a marked module or call registerClass(${ctor.name || "Cls"})`, this.pathOf(i));
    }
    const type = Object.prototype.toString.call(o).slice(8, -1);
    if (/^(Map|Set|Array|String) Iterator$/.test(type)) {
      fail(`a ${type} cannot be pickled: a native iterator does not expose its position. Loops over a Map, Set, array or string themselves ` +
        "are picklable (for (const [k, v] of map), for (const v of set)); a frame suspended inside for (… of map.keys() / .values() / .entries()) " +
        "holds a native iterator: iterate the Map or Set itself, or a copy ([...map.keys()])", this.pathOf(i));
    }
    if (type === "Generator") fail("a native generator object cannot be pickled: only generators of marked (\"use greenlet\") code are rewritten so that their frame is data (async generators and generators the transform warned about stay native)", this.pathOf(i));
    fail(`an object of type ${type} (no registered class) cannot be pickled`, this.pathOf(i));
  }

  /** Fails for an instance of a class (or subclass) of marked code that declares #private members (runtime.ts HIDDEN). */
  private refuseHidden(i: number, o: object): void {
    for (let p = Object.getPrototypeOf(o) as object | null; p !== null; p = Object.getPrototypeOf(p) as object | null) {
      const c = Object.hasOwn(p, "constructor") ? (p as { constructor: unknown }).constructor : undefined;
      const names = typeof c === "function" ? HIDDEN.get(c) : undefined;
      if (names === undefined) continue;
      const cls = (c as Function).name || "(anonymous)";
      const own = (Object.getPrototypeOf(o) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
      const what = typeof own === "string" && own !== "" && own !== cls ? `class ${own}, a subclass of ${cls},` : `class ${cls}`;
      fail(`an instance of ${what} cannot be pickled: ${cls} declares #private members (${names.join(", ")}), which no pickler ` +
        `can read or restore (an instance revived without them would fail its brand checks). Use public or TypeScript \`private\` ` +
        `members, or registerClass(${typeof own === "string" && own !== "" ? own : cls}, { reduce, revive }) to save and rebuild the state through the class's own methods`, this.pathOf(i));
    }
  }

  /**
   * A rewritten generator's state (runtime/generators.ts): `["Gs", state, fn, object]`, then for
   * a generator not done its record `id, hash, pc, this, locals...` (`$$g`, the state itself, left
   * out; a running one's locals are omitted: its live frame is a record of the pickled stack).
   */
  private generatorFrame(i: number, st: GeneratorState): unknown[] {
    const e: unknown[] = ["Gs", st.s, this.slot(st.f, i, GEN_FUNCTION), this.slot(st.o, i, GEN_OBJECT)];
    if (st.s === GEN_DONE) return e;
    if (st.s === GEN_RUNNING && !this.runningGenerators.has(st)) {
      fail(`a generator that is running cannot be pickled (its frame is on the real stack: pickle it once it is suspended at a yield, or from outside the greenlet suspended inside it)`, this.pathOf(i));
    }
    const rec = st.r!;
    const info = rec[0] as FunctionInfo;
    const pc = rec[1] as number;
    this.code.set(`f:${info.id}`, [info.id, info.hash, "f"]);
    e.push(info.id, info.hash, st.s === GEN_RUNNING ? 0 : pc, this.slot(rec[2], i, GEN_THIS), this.keyList(info.locals));
    if (st.s === GEN_RUNNING) return e;
    const dead = pc > 0 ? info.dead?.[pc - 1] : undefined;
    for (let j = 1; j < info.locals.length; j++) {
      const v = dead !== undefined && dead.includes(j) ? undefined : this.localValue(rec[3 + j], rec, 3 + j);
      e.push(this.slot(v, i, { l: `local ${info.locals[j]!}` }));
    }
    return e;
  }

  /** Index in `shapes` of a list of names (a generator record's local names). */
  private keyList(names: readonly string[]): number {
    const k = names.join("\u0000");
    let at = this.keyLists.get(k);
    if (at === undefined) {
      at = this.shapes.length;
      this.shapes.push([...names]);
      this.keyLists.set(k, at);
    }
    return at;
  }
  private readonly keyLists = new Map<string, number>();

  private functionEntry(i: number, fn: Function): unknown[] {
    const ref = this.refTable.get(fn);
    if (ref !== undefined) return ["f", ref];
    // Closures of marked code carry `$$k` (their ClosureInfo), `$$this` and `$$e0..` (closures.ts).
    const f = fn as unknown as { $$k?: ClosureInfo; $$this?: unknown } & Record<string, unknown>;
    const info = Object.hasOwn(fn, "$$k") ? f.$$k : undefined;
    if (info !== undefined && typeof info.id === "string" && RT.closures.get(info.id)?.hash === info.hash) {
      this.code.set(`c:${info.id}`, [info.id, info.hash, "c"]);
      const e: unknown[] = ["k", info.id, this.slot(f.$$this, i, THIS)];
      for (let k = 0; k < info.envs; k++) e.push(this.slot(f[`$$e${k}`], i, ENV));
      return e;
    }
    // Bound functions made by marked code (runtime.ts `bind`): target, this and arguments.
    const bound = RT.bound.get(fn);
    if (bound !== undefined) {
      const e: unknown[] = ["F", this.slot(bound.target, i, BOUND_TARGET), this.slot(bound.self, i, BOUND_THIS)];
      bound.args.forEach((a, k) => e.push(this.slot(a, i, { l: `<bound argument ${k}>` })));
      return e;
    }
    const src = Function.prototype.toString.call(fn);
    if (!Object.hasOwn(fn, "prototype") && /\bsuper\b|\bnew\.target\b|#[A-Za-z_$]/.test(src) && !src.startsWith("class")) {
      fail(`the arrow function ${fn.name || "(anonymous)"} cannot be pickled: it uses super in a way the transform does not lower (assignment, delete, ++, optional call, template tag, outside a method of a named class), new.target of a constructor, or a #private name, so it stayed a native closure (docs/pickling.md, Limits)`, this.pathOf(i));
    }
    const what = /^class[\s{]/.test(src) ? "class" : "function";
    fail(`the ${what} ${fn.name || "(anonymous)"} cannot be pickled: it was not created by marked ("use greenlet") code and is not a top-level binding of a marked module (functions bound or created outside marked code are not inspectable; create or bind it in marked code, or registerFunction(fn, name))`, this.pathOf(i));
  }

  /** `["o", shape, values...]` / `["c", class, shape, values...]`. */
  private shaped(tag: string, cls: string | undefined, i: number, o: object, forInIsOwn: boolean): unknown[] {
    // Objects of one shape usually come in runs (arrays of records): compare with the last
    // shape before walking the trie.
    let keys = this.lastKeys;
    let n = 0;
    let same = true;
    for (const key in o) {
      if (!forInIsOwn && !Object.hasOwn(o, key)) continue;
      if (n >= keys.length || keys[n] !== key) { same = false; break; }
      n++;
    }
    let id = this.lastShape;
    if (!same || n !== keys.length) {
      keys = Object.keys(o);
      let node = this.shapeRoot;
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k]!;
        let nx = node.next.get(key);
        if (nx === undefined) { nx = { id: -1, next: new Map() }; node.next.set(key, nx); }
        node = nx;
      }
      if (node.id < 0) node.id = this.shapes.push(keys) - 1;
      id = node.id;
      this.lastKeys = keys;
      this.lastShape = id;
    }
    const off = cls === undefined ? 2 : 3;
    const e: unknown[] = new Array(keys.length + off);
    e[0] = tag;
    if (cls === undefined) e[1] = id;
    else { e[1] = cls; e[2] = id; }
    for (let k = 0; k < keys.length; k++) e[k + off] = this.slot((o as Record<string, unknown>)[keys[k]!], i, keys[k]);
    return e;
  }

  private props(e: unknown[], i: number, o: object): unknown[] {
    const keys = Object.keys(o);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      e.push(key, this.slot((o as Record<string, unknown>)[key], i, key));
    }
    return e;
  }

  private array(i: number, a: unknown[]): unknown[] {
    const n = a.length;
    let dense = true;
    for (let k = 0; k < n; k++) if (!(k in a)) { dense = false; break; }
    if (dense) {
      const e: unknown[] = new Array(n + 1);
      e[0] = "a";
      for (let k = 0; k < n; k++) e[k + 1] = this.slot(a[k], i, k);
      return e;
    }
    const e: unknown[] = ["A", n];
    for (const key of Object.keys(a)) {
      const k = Number(key);
      if (!Number.isInteger(k) || String(k) !== key) continue;
      e.push(k, this.slot(a[k], i, k));
    }
    return e;
  }

  /**
   * `["g", value…]`: an unmodified-shape `arguments` object (strict mode: unmapped, as in every
   * marked module). Its elements may have been reassigned; anything beyond that (extra or deleted
   * properties, a changed length) is refused rather than approximated.
   */
  private argumentsEntry(i: number, o: object): unknown[] {
    const a = o as ArrayLike<unknown>;
    const d = Object.getOwnPropertyDescriptor(o, "length");
    const n = d !== undefined && "value" in d && !d.enumerable && d.writable && d.configurable ? d.value : undefined;
    const keys = Object.keys(o);
    let ok = typeof n === "number" && Number.isInteger(n) && n >= 0 && keys.length === n;
    for (let k = 0; ok && k < (n as number); k++) ok = keys[k] === String(k);
    if (!ok) fail("an arguments object whose length or properties were changed cannot be pickled (copy it into an array: [...arguments])", this.pathOf(i));
    const e: unknown[] = new Array((n as number) + 1);
    e[0] = "g";
    for (let k = 0; k < (n as number); k++) e[k + 1] = this.slot(a[k], i, k);
    return e;
  }

  private error(i: number, o: Error, proto: object): unknown[] {
    let ctor = ERRORS.get(proto);
    if (ctor === undefined) {
      const c = Object.hasOwn(proto, "constructor") ? (proto as { constructor: unknown }).constructor : undefined;
      ctor = typeof c === "function" ? classNameOf(c, this.refTable) : undefined;
      if (ctor === undefined) fail(`an error of class ${o.name} cannot be pickled: declare the class at top level of a marked module or call registerClass`, this.pathOf(i));
    }
    const hasCause = Object.hasOwn(o, "cause");
    // AggregateError's `errors` is a non-enumerable own property (an enumerable one is saved
    // with the other keys). Flags: 1 has cause, 2 has errors (then its slot follows the cause).
    const ed = Object.getOwnPropertyDescriptor(o, "errors");
    const hasErrors = ed !== undefined && !ed.enumerable && "value" in ed;
    const e: unknown[] = ["E", ctor, String(o.message), typeof o.stack === "string" ? o.stack : null,
      (hasCause ? 1 : 0) | (hasErrors ? 2 : 0), hasCause ? this.slot(o.cause, i, { l: "<cause>" }) : null];
    if (hasErrors) e.push(this.slot(ed.value, i, { l: "<errors>" }));
    const keys = Object.keys(o);
    for (const key of keys) e.push(key, this.slot((o as unknown as Record<string, unknown>)[key], i, key));
    return e;
  }

  /** The path to entry i (or to `key` inside it): root label, then property path. */
  pathOf(i: number, key?: unknown): string {
    const parts: string[] = [];
    if (key !== undefined) parts.push(fmtKey(key));
    let cur = i;
    let guard = 0;
    while (cur >= 0 && guard++ < 1_000_000) {
      const p = this.parent[cur]!;
      if (p >= 0) parts.push(fmtKey(keyIn(this.objs[p], this.objs[cur])));
      cur = p;
    }
    const root = cur < 0 ? this.roots[-cur - 1] ?? "?" : "?";
    const tail = parts.reverse().join("");
    const v = i >= 0 ? this.objs[i] : undefined;
    return `${root}${tail}${i >= 0 && key === undefined ? ` (${typeName(v)})` : ""}`;
  }
}

interface ShapeNode { id: number; readonly next: Map<string, ShapeNode> }

/** Where `child` sits inside `parent` (error paths only: a slow search is fine). */
function keyIn(parent: unknown, child: unknown): unknown {
  if (Array.isArray(parent)) { const k = parent.indexOf(child); if (k >= 0) return k; }
  if (parent instanceof Map) {
    let n = 0;
    for (const [k, v] of parent) {
      if (k === child) return { l: `<Map key #${n}>` };
      if (v === child) return { l: `<Map value #${n}>` };
      n++;
    }
  }
  if (parent instanceof Set) { let n = 0; for (const v of parent) { if (v === child) return { l: `<Set element #${n}>` }; n++; } }
  if (typeof parent === "function" && Object.hasOwn(parent, "$$k")) {
    return (parent as { $$this?: unknown }).$$this === child ? { l: "<lexical this>" } : { l: "<captured variables>" };
  }
  if (parent instanceof GeneratorState) {
    if (parent.f === child) return GEN_FUNCTION;
    if (parent.o === child) return GEN_OBJECT;
    const r = parent.r;
    if (r !== null && r[2] === child) return GEN_THIS;
    const k = r === null ? -1 : r.indexOf(child, 4);
    if (k >= 0) return { l: `local ${(r![0] as FunctionInfo).locals[k - 3]}` };
  }
  if (generatorState(parent) === child) return GEN_STATE;
  if (ArrayBuffer.isView(parent)) return { l: "<buffer>" };
  if (parent instanceof Error && parent.cause === child) return { l: "<cause>" };
  if (parent instanceof Error && (parent as { errors?: unknown }).errors === child) return { l: "<errors>" };
  if (parent !== null && typeof parent === "object") {
    for (const k of Object.keys(parent)) if ((parent as Record<string, unknown>)[k] === child) return k;
  }
  return { l: "<value>" };
}

function fmtKey(k: unknown): string {
  if (typeof k === "number") return `[${k}]`;
  if (typeof k === "string") return /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
  return ` -> ${(k as Label).l}`;
}

export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "function") return `function ${v.name || "(anonymous)"}`;
  if (typeof v !== "object") return typeof v;
  const p = Object.getPrototypeOf(v);
  const c = p && Object.hasOwn(p, "constructor") ? (p as { constructor: { name?: string } }).constructor : undefined;
  return c?.name || Object.prototype.toString.call(v).slice(8, -1);
}

function primitiveEntry(v: unknown): unknown[] {
  switch (typeof v) {
    case "undefined": return ["u"];
    case "number":
      if (Number.isFinite(v) && v !== 0) return ["N", v]; // negative
      return ["N", Number.isNaN(v) ? "NaN" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : "-0"];
    case "bigint": return ["I", v.toString()];
    case "symbol": return ["Y", Symbol.keyFor(v)!];
    default: throw new Error(`unreachable: ${typeof v}`);
  }
}
