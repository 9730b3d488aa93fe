/**
 * Iterators of lowered `for (x of …)` loops (and array destructuring) whose state pickles.
 *
 * A frame suspended inside `for (x of xs)` holds the loop's iterator in a temporary. Native
 * iterators of arrays, strings, Maps and Sets do not expose their position to JavaScript, so
 * `RT.iter` replaces them — only when the iterable's `[Symbol.iterator]` and the iterator
 * prototype's `next` are the unmodified built-ins, so nothing observable changes — by these
 * classes, which behave exactly like the built-in iterators:
 *
 * - ArrayIterator / StringIterator: plain data (the array or string and the next index).
 * - CollectionIterator (Map/Set): wraps the native iterator, which keeps the live semantics of
 *   the built-in one (entries added during iteration are visited, deleted ones are not, even
 *   after a rehash). Its position is recovered only when pickling: the entries a live iterator
 *   will still visit are exactly the collection's current entries after its position, so
 *   draining it gives their number R, and a fresh iterator of the same collection advanced by
 *   `size - R` stands at the same place (see `position`). A pickle stores (collection, method,
 *   position); unpickling advances a fresh iterator the same way once the collection is filled.
 *
 * None of them has a `return` method, like the built-ins they stand for (IteratorClose does
 * nothing for them).
 */

const ARRAY_ITERATOR_PROTO = Object.getPrototypeOf([][Symbol.iterator]()) as { next: unknown };
const STRING_ITERATOR_PROTO = Object.getPrototypeOf(""[Symbol.iterator]()) as { next: unknown };
const MAP_ITERATOR_PROTO = Object.getPrototypeOf(new Map()[Symbol.iterator]()) as { next: unknown };
const SET_ITERATOR_PROTO = Object.getPrototypeOf(new Set()[Symbol.iterator]()) as { next: unknown };
export const ARRAY_VALUES = Array.prototype[Symbol.iterator];
export const ARRAY_NEXT = ARRAY_ITERATOR_PROTO.next;
const STRING_ITERATOR = String.prototype[Symbol.iterator];
const STRING_NEXT = STRING_ITERATOR_PROTO.next;
const MAP_NEXT = MAP_ITERATOR_PROTO.next as (this: Iterator<unknown>) => IteratorResult<unknown>;
const SET_NEXT = SET_ITERATOR_PROTO.next as (this: Iterator<unknown>) => IteratorResult<unknown>;

/**
 * The methods that create the native iterators a CollectionIterator wraps; a pickle names one
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

/** `for (c of string)` iterator as plain data: the string and the next code-unit index (by code points). */
export class StringIterator {
  constructor(public s: string | undefined, public i = 0) {}
  next(): IteratorResult<string> {
    const s = this.s;
    // (A revived instance holds whatever the pickle said: anything but a string ends it.)
    if (typeof s !== "string") return { value: undefined, done: true } as IteratorResult<string>;
    const i = this.i;
    if (i >= s.length) {
      this.s = undefined;
      return { value: undefined, done: true } as IteratorResult<string>;
    }
    const cp = s.codePointAt(i)!;
    const n = cp > 0xffff ? 2 : 1; // a valid surrogate pair; a lone surrogate is one unit
    this.i = i + n;
    return { value: n === 1 ? s[i]! : s.slice(i, i + 2), done: false };
  }
}

/** A Map or Set iterator whose position can be saved (see the module comment). */
export class CollectionIterator {
  /** The collection, undefined once the iterator returned done (then it stays done). */
  c: Map<unknown, unknown> | Set<unknown> | undefined;
  /** Index into COLLECTION_METHODS. */
  readonly m: number;
  /** The native iterator (undefined once done, and between unpickling and `open`). */
  n: Iterator<unknown> | undefined;
  /**
   * The built-in `next` of the native iterator, captured when the module loaded (RT.iter only
   * wraps when the prototype's `next` is still that one). Public fields, not #private ones:
   * measured 10-15% less per step in a micro-benchmark.
   */
  readonly nx: (this: Iterator<unknown>) => IteratorResult<unknown>;

  constructor(c: Map<unknown, unknown> | Set<unknown> | undefined, m: number, native: Iterator<unknown> | undefined) {
    this.c = c;
    this.m = m;
    this.n = native;
    this.nx = m < MAP_METHODS ? MAP_NEXT : SET_NEXT;
  }

  next(): IteratorResult<unknown> {
    const n = this.n;
    if (n === undefined) return { value: undefined, done: true };
    const r = this.nx.call(n);
    if (r.done) {
      this.c = undefined;
      this.n = undefined;
    }
    return r;
  }

  /**
   * The number of live entries before the iterator's position (0 when done). Drains the native
   * iterator to count the entries still ahead and replaces it with an equivalent fresh one.
   */
  position(): number {
    const c = this.c;
    const n = this.n;
    if (c === undefined || n === undefined) return 0;
    let ahead = 0;
    while (!this.nx.call(n).done) ahead++;
    const skip = c.size - ahead;
    this.open(skip);
    return skip;
  }

  /** Points the iterator at `skip` live entries into its collection (at most its size). */
  open(skip: number): void {
    const c = this.c;
    if (c === undefined) { this.n = undefined; return; }
    const n = COLLECTION_METHODS[this.m]!.call(c) as Iterator<unknown>;
    for (let k = 0; k < skip && !this.nx.call(n).done; k++);
    this.n = n;
  }
}

/** Whether method `m` (an index into COLLECTION_METHODS) iterates a Map (else a Set). */
export function isMapMethod(m: number): boolean {
  return m < MAP_METHODS;
}

/**
 * GetIterator for the iterables that are not arrays (see `SoftRuntime.iter`): a picklable
 * iterator for strings, Maps and Sets using the built-in iteration, else the iterable's own.
 */
export function iterOther(iterable: unknown): Iterator<unknown> {
  if (typeof iterable === "string") {
    if (String.prototype[Symbol.iterator] === STRING_ITERATOR && STRING_ITERATOR_PROTO.next === STRING_NEXT) return new StringIterator(iterable);
  }
  const method = (iterable as { [Symbol.iterator]?: unknown } | null | undefined)?.[Symbol.iterator];
  if (typeof method !== "function") throw new TypeError(`${describe(iterable)} is not iterable`);
  if (method === COLLECTION_METHODS[2] && MAP_ITERATOR_PROTO.next === MAP_NEXT) {
    // The built-in method throws the built-in TypeError for a non-Map receiver, as for-of would.
    return new CollectionIterator(iterable as Map<unknown, unknown>, 2, method.call(iterable) as Iterator<unknown>);
  }
  if (method === COLLECTION_METHODS[3] && SET_ITERATOR_PROTO.next === SET_NEXT) {
    return new CollectionIterator(iterable as Set<unknown>, 3, method.call(iterable) as Iterator<unknown>);
  }
  const it = method.call(iterable) as Iterator<unknown>;
  if (it === null || (typeof it !== "object" && typeof it !== "function")) throw new TypeError("Result of the Symbol.iterator method is not an object");
  return it;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  return typeof v === "object" ? "object" : `${typeof v} ${String(v)}`;
}
