/**
 * Iterators of lowered `for (x of …)` loops (and array destructuring) whose state pickles.
 *
 * A frame suspended inside `for (x of xs)` holds the loop's iterator in a temporary. Native
 * iterators of arrays, strings, Maps and Sets do not expose their position to JavaScript, so
 * `RT.iter` replaces them — only when the iterable's `[Symbol.iterator]` and the iterator
 * prototype's `next` are the unmodified built-ins, so nothing observable changes — by these
 * classes, which behave exactly like the built-in iterators:
 *
 * - arrays: ArrayIterator, plain data (the array and the next index). It has no `return`
 *   method, like %ArrayIteratorPrototype% (IteratorClose does nothing for either).
 * - strings, Maps, Sets: the native iterator itself (the engine inlines its `next`: a wrapper
 *   measured ~1.6x slower on a Map loop around one call), tagged with own properties `$$c`/`$$m`
 *   (collection, method) or `$$s` (string); the iterator is only ever held by the lowered loop's
 *   temporary. Its position is recovered when pickling (loopIteratorState) and the frame's
 *   temporary gets an equivalent fresh iterator; unpickling opens one the same way once the
 *   collection is filled. Live semantics stay the engine's own: entries added during the loop
 *   are visited, deleted ones are not.
 */

export const ARRAY_ITERATOR_PROTO = Object.getPrototypeOf([][Symbol.iterator]()) as { next: unknown };
const STRING_ITERATOR_PROTO = Object.getPrototypeOf(""[Symbol.iterator]()) as { next: unknown };
const MAP_ITERATOR_PROTO = Object.getPrototypeOf(new Map()[Symbol.iterator]()) as { next: unknown };
const SET_ITERATOR_PROTO = Object.getPrototypeOf(new Set()[Symbol.iterator]()) as { next: unknown };
export const ARRAY_VALUES = Array.prototype[Symbol.iterator];
export const ARRAY_NEXT = ARRAY_ITERATOR_PROTO.next;
const STRING_ITERATOR = String.prototype[Symbol.iterator] as (this: string) => Iterator<unknown>;
const STRING_NEXT = STRING_ITERATOR_PROTO.next;
export { MAP_ITERATOR_PROTO, SET_ITERATOR_PROTO, STRING_ITERATOR_PROTO };
const MAP_NEXT = MAP_ITERATOR_PROTO.next as (this: Iterator<unknown>) => IteratorResult<unknown>;
const SET_NEXT = SET_ITERATOR_PROTO.next as (this: Iterator<unknown>) => IteratorResult<unknown>;

/**
 * The methods that create Map/Set loop iterators; a pickle names one
 * by its index here. `Map.prototype[Symbol.iterator]` is `entries`, `Set.prototype[Symbol.iterator]`
 * is `values` (and Set's `keys` is the same function).
 */
export const COLLECTION_METHODS: readonly Function[] = [
  Map.prototype.keys, Map.prototype.values, Map.prototype.entries, Set.prototype.values, Set.prototype.entries,
];
const MAP_METHODS = 3; // indices below this are Map methods

/** `for (x of array)` iterator as plain data: the array and the next index (undefined when done). */
export class ArrayIterator {
  constructor(public a: unknown[] | undefined, public i = 0) {}
  next(): IteratorResult<unknown> {
    const a = this.a;
    if (a === undefined) return { value: undefined, done: true };
    const i = this.i;
    if (i >= a.length) {
      this.a = undefined;
      return { value: undefined, done: true };
    }
    this.i = i + 1;
    return { value: a[i], done: false };
  }
}

/**
 * `for (x of array.keys())` / `array.entries()` iterator as plain data (`array.values()` is an
 * ArrayIterator): the array, the next index and the kind, with %ArrayIteratorPrototype%.next's
 * semantics for it.
 */
export class ArrayMethodIterator extends ArrayIterator {
  constructor(a: unknown[] | undefined, public k: "keys" | "entries", i = 0) {
    super(a, i);
  }
  override next(): IteratorResult<unknown> {
    const i = this.i;
    const r = super.next();
    if (!r.done) r.value = this.k === "keys" ? i : [i, r.value];
    return r;
  }
}

const ARRAY_METHODS = new Map<unknown, "keys" | "values" | "entries">([
  [Array.prototype.keys, "keys"], [Array.prototype.values, "values"], [Array.prototype.entries, "entries"],
]);
const ITERATOR_PROTO = Object.getPrototypeOf(ARRAY_ITERATOR_PROTO) as { [Symbol.iterator]: unknown };
const ITERATOR_SELF = ITERATOR_PROTO[Symbol.iterator];

/**
 * GetIterator for a lowered `for (x of c.keys() / .values() / .entries())` (see SoftRuntime.iter):
 * `it` is what GetIterator gave for `result`, the value of calling `method` on `holder` just
 * before. When that was a built-in collection method and the iterator is the fresh built-in
 * iterator it made (iterator [Symbol.iterator] returning itself, `next` unmodified), the loop
 * gets a picklable equivalent: an array's becomes plain data, a Map's or Set's is tagged with
 * its collection and method (as for `for (x of map)`). Anything else is returned unchanged.
 */
export function iterMethod(it: Iterator<unknown>, result: unknown, holder: unknown, method: unknown): Iterator<unknown> {
  if (it !== result || ITERATOR_PROTO[Symbol.iterator] !== ITERATOR_SELF) return it;
  const proto = Object.getPrototypeOf(it);
  if (proto === ARRAY_ITERATOR_PROTO && Array.isArray(holder) && ARRAY_ITERATOR_PROTO.next === ARRAY_NEXT) {
    const kind = ARRAY_METHODS.get(method);
    if (kind === "values") return new ArrayIterator(holder);
    if (kind !== undefined) return new ArrayMethodIterator(holder, kind);
    return it;
  }
  const index = COLLECTION_METHODS.indexOf(method as Function); // Set's keys is its values function
  if (index < 0) return it;
  // The built-in method returned, so `holder` is a real Map / Set (it throws on anything else).
  if (isMapMethod(index) ? proto === MAP_ITERATOR_PROTO && MAP_ITERATOR_PROTO.next === MAP_NEXT
    : proto === SET_ITERATOR_PROTO && SET_ITERATOR_PROTO.next === SET_NEXT) {
    const tagged = it as Iterator<unknown> & LoopTags;
    tagged.$$c = holder as Map<unknown, unknown>;
    tagged.$$m = index;
  }
  return it;
}

/** Where RT.iter notes what a native loop iterator iterates (see the module comment). */
interface LoopTags {
  /** The Map or Set (with `$$m`), or the string. */
  $$c?: Map<unknown, unknown> | Set<unknown>;
  $$m?: number;
  $$s?: string;
}
/** `$$m` of a string iterator in a pickle. */
export const STRING_METHOD = COLLECTION_METHODS.length;

/**
 * GetIterator for the iterables that are not arrays (see `SoftRuntime.iter`): the iterable's own
 * iterator; when that is the built-in iterator of a string, Map or Set, it is tagged with what it
 * iterates so that a frame suspended in the loop can be pickled.
 */
export function iterOther(iterable: unknown): Iterator<unknown> {
  if (typeof iterable === "string" && String.prototype[Symbol.iterator] === STRING_ITERATOR && STRING_ITERATOR_PROTO.next === STRING_NEXT) {
    const it = STRING_ITERATOR.call(iterable) as Iterator<unknown> & LoopTags;
    it.$$s = iterable;
    return it;
  }
  const method = (iterable as { [Symbol.iterator]?: unknown } | null | undefined)?.[Symbol.iterator];
  if (typeof method !== "function") throw new TypeError(`${describe(iterable)} is not iterable`);
  const it = method.call(iterable) as Iterator<unknown> & LoopTags;
  if (it === null || (typeof it !== "object" && typeof it !== "function")) throw new TypeError("Result of the Symbol.iterator method is not an object");
  if ((method === COLLECTION_METHODS[2] && MAP_ITERATOR_PROTO.next === MAP_NEXT) || (method === COLLECTION_METHODS[3] && SET_ITERATOR_PROTO.next === SET_NEXT)) {
    // (The built-in method threw its TypeError above for a receiver that is not a Map / Set.)
    it.$$c = iterable as Map<unknown, unknown>;
    it.$$m = method === COLLECTION_METHODS[2] ? 2 : 3;
  }
  return it;
}

/** A native loop iterator as pickle data: [source, method, position]. */
export interface LoopIteratorState {
  /** The Map / Set, or the string. */
  readonly source: unknown;
  /** Index into COLLECTION_METHODS, or STRING_METHOD. */
  readonly m: number;
  /** Map/Set: live entries before the position. String: code-unit index. */
  readonly skip: number;
  /** An iterator equivalent to the one given, which this drained. */
  readonly fresh: Iterator<unknown>;
}

/**
 * For an iterator RT.iter tagged: its state, read by draining it (a native iterator does not
 * expose its position), and a fresh equivalent iterator to use instead of it. The entries a live
 * Map/Set iterator will still visit are exactly the collection's current entries after its
 * position, so `skip = size - (entries drained)`, and a fresh iterator advanced by `skip` stands
 * at the same place (holes left by deletions are invisible). Undefined for other values.
 */
export function loopIteratorState(v: unknown): LoopIteratorState | undefined {
  if (v === null || typeof v !== "object") return undefined;
  const proto = Object.getPrototypeOf(v);
  const it = v as Iterator<unknown> & LoopTags;
  if (proto === STRING_ITERATOR_PROTO && Object.hasOwn(it, "$$s")) {
    const s = it.$$s!;
    let ahead = 0;
    while (!(STRING_NEXT as () => IteratorResult<unknown>).call(it).done) ahead++;
    // The last `ahead` code points start at code unit `skip`.
    let skip = s.length;
    for (let k = 0; k < ahead; k++) skip -= skip >= 2 && isTrail(s.charCodeAt(skip - 1)) && isLead(s.charCodeAt(skip - 2)) ? 2 : 1;
    return { source: s, m: STRING_METHOD, skip, fresh: openLoopIterator(s, STRING_METHOD, skip) };
  }
  if ((proto === MAP_ITERATOR_PROTO || proto === SET_ITERATOR_PROTO) && Object.hasOwn(it, "$$c")) {
    const c = it.$$c!;
    const next = proto === MAP_ITERATOR_PROTO ? MAP_NEXT : SET_NEXT;
    let ahead = 0;
    while (!next.call(it).done) ahead++;
    const skip = c.size - ahead;
    return { source: c, m: it.$$m!, skip, fresh: openLoopIterator(c, it.$$m!, skip) };
  }
  return undefined;
}

/**
 * A tagged native iterator over `source` (a Map/Set of the kind method `m` iterates, or a string
 * for STRING_METHOD) advanced to `skip` (clamped to the source's end). The Map/Set may still be
 * empty: then call `advance` once it is filled.
 */
export function openLoopIterator(source: unknown, m: number, skip: number): Iterator<unknown> {
  if (m === STRING_METHOD) {
    const s = source as string;
    const it = STRING_ITERATOR.call(s) as Iterator<unknown> & LoopTags;
    it.$$s = s;
    for (let u = 0; u < skip;) {
      const r = (STRING_NEXT as () => IteratorResult<string>).call(it);
      if (r.done) break;
      u += r.value.length;
    }
    return it;
  }
  const it = COLLECTION_METHODS[m]!.call(source) as Iterator<unknown> & LoopTags;
  it.$$c = source as Map<unknown, unknown>;
  it.$$m = m;
  advance(it, skip);
  return it;
}

/** Steps a Map/Set iterator `skip` times (fewer when it ends first). */
export function advance(it: Iterator<unknown>, skip: number): void {
  const next = Object.getPrototypeOf(it) === MAP_ITERATOR_PROTO ? MAP_NEXT : SET_NEXT;
  for (let k = 0; k < skip && !next.call(it).done; k++);
}

/** Whether method `m` (an index into COLLECTION_METHODS) iterates a Map (else a Set). */
export function isMapMethod(m: number): boolean {
  return m < MAP_METHODS;
}

/** The built-in `next` methods of native loop iterators (a lowered loop holds one in a temporary). */
export const NATIVE_NEXTS: readonly [string, unknown][] = [
  ["js:%MapIteratorPrototype%.next", MAP_NEXT], ["js:%SetIteratorPrototype%.next", SET_NEXT], ["js:%StringIteratorPrototype%.next", STRING_NEXT],
];

function isLead(c: number): boolean { return c >= 0xd800 && c <= 0xdbff; }
function isTrail(c: number): boolean { return c >= 0xdc00 && c <= 0xdfff; }

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  return typeof v === "object" ? "object" : `${typeof v} ${String(v)}`;
}
