"use greenlet";
// Methods with computed keys (`[KEY]()`, `[sym]()`, `[Symbol.iterator]()`) are transformed when
// their key expression reads only module-level or global bindings: the key is evaluated once as
// the class or literal is defined (ToPropertyKey once, runtime.ts `key`) and the method's identity
// is read back by that key. A switch inside such a method then resumes in place; it used to pin
// the greenlet. Keys that read a local binding, `this` or `arguments` keep the method plain.
import { afterEach, describe, expect, it } from "vitest";
import { Greenlet, GreenletError, getcurrent } from "tsgreenlet";
import { PickleError, pickle, unpickle } from "tsgreenlet/pickle";

afterEach(() => {
  expect(getcurrent().parent).toBeNull();
});

function ask(q: string): unknown {
  return getcurrent().parent!.switch(q);
}

const KEY = "run";
const kTag = Symbol("tag");
let keyConversions = 0;
const keyObject = { toString: () => (keyConversions++, "converted") };

export class Keyed {
  constructor(readonly base: number) {}
  [KEY](x: number): number {
    return (ask(`run ${x}`) as number) + this.base;
  }
  [kTag](): string {
    return `tag ${String(ask("tag?"))}`;
  }
  [Symbol.iterator](): Iterator<unknown> {
    return [this.base, ask("iterate?")][Symbol.iterator]();
  }
  [1 + 1](): unknown {
    return ask("two?");
  }
  [keyObject as unknown as string](): unknown {
    return ask("converted?");
  }
  static [KEY + "Static"](): unknown {
    return ask("static?");
  }
}

function keyedTask(): number {
  const k = new Keyed(100);
  return k.run(1) + 1;
}

describe("methods with computed keys", () => {
  it("a switch inside resumes in place, for string, symbol, well-known symbol, numeric, converted and static keys", () => {
    const g = new Greenlet(() => {
      const k = new Keyed(10);
      const it = k[Symbol.iterator](); // (a spread would call it from untransformed code)
      const dyn = k as unknown as Record<string, () => unknown>;
      const out: unknown[] = [k.run(1), k[kTag](), [it.next().value, it.next().value], dyn[2]!(), dyn["converted"]!()];
      out.push((Keyed as unknown as Record<string, () => unknown>)["runStatic"]!());
      return out;
    });
    expect(g.switch()).toBe("iterate?");
    expect(g.frames.map((f) => f.functionName)).toEqual(["ask", "[Symbol.iterator]", "(anonymous)"]);
    expect(g.switch(3)).toBe("run 1");
    expect(g.frames.map((f) => f.functionName)).toEqual(["ask", "[KEY]", "(anonymous)"]);
    expect(g.switch(5)).toBe("tag?");
    expect(g.frames[1]!.functionName).toBe("[kTag]");
    expect(g.switch("x")).toBe("two?");
    expect(g.switch(2)).toBe("converted?");
    expect(g.switch("c")).toBe("static?");
    expect(g.switch("s")).toEqual([15, "tag x", [10, 3], 2, "c", "s"]);
  });

  it("defines the same keys as the untransformed class, converting a key object once", () => {
    expect(keyConversions).toBe(1);
    expect(Object.getOwnPropertyNames(Keyed.prototype)).toEqual(["2", "constructor", "run", "converted"]);
    expect(Object.getOwnPropertySymbols(Keyed.prototype).filter((s) => !String(s).includes("resume"))).toEqual([kTag, Symbol.iterator]);
    expect(Keyed.prototype.run.name).toBe("run");
    expect(Keyed.prototype[kTag].name).toBe("[tag]");
  });

  it("object literal methods with computed keys resume too", () => {
    const g = new Greenlet(() => {
      const o = { [KEY]: (n: number) => n, [kTag](n: number) { return `${String(ask("lit?"))} ${n}`; } };
      return o[kTag](o.run(4));
    });
    expect(g.switch()).toBe("lit?");
    expect(g.frames.map((f) => f.functionName)).toEqual(["ask", "[kTag]", "(anonymous)"]);
    expect(g.switch("ok")).toBe("ok 4");
  });

  it("a task suspended in a computed-key method pickles and resumes", () => {
    const g = new Greenlet(keyedTask);
    expect(g.switch()).toBe("run 1");
    const copy = unpickle(pickle(g));
    expect(copy.switch(7)).toBe(108);
    expect(g.switch(1)).toBe(102);
  });

  it("a key that reads a local binding keeps the method plain: a switch inside it is a boundary", () => {
    const g = new Greenlet(() => {
      const local = "m";
      const o = { [local]() { return ask("local?"); } };
      try {
        return o.m();
      } catch (e) {
        return e;
      }
    });
    const out = g.switch();
    expect(out).toBeInstanceOf(GreenletError);
  });
});

// Private methods: checked against a token of their own, stored by transformed `x.#m(...)` call
// sites; other entries run the body from the start as a boundary (runtime.ts enterAt).
export class Counter {
  #count = 0;
  static #made = 0;
  constructor(readonly name: string) {
    Counter.#made++;
  }
  add(n: number): number {
    return this.#step(n) + this.#step(n);
  }
  #step(n: number, scale = 10): number {
    const got = ask(`${this.name} step ${n}`) as number;
    this.#count += got * scale + arguments.length;
    return this.#count;
  }
  static made(): string {
    return Counter.#describe("made");
  }
  static #describe(what: string): string {
    return `${what} ${String(ask("describe?"))} ${Counter.#made}`;
  }
  get viaGetter(): number {
    return this.#step(1); // untransformed code of the class: a boundary entry
  }
  mapped(xs: number[]): unknown[] {
    return xs.map(this.#plain); // a callback: entered without the token, `this` undefined
  }
  #plain(x: number): unknown {
    return [x * 2, this === undefined, arguments.length];
  }
}

function counterTask(): number {
  return new Counter("p").add(1);
}

function madeTask(): string {
  return `${Counter.made()}!`;
}

describe("private methods", () => {
  it("a switch inside an instance or static private method resumes in place", () => {
    const g = new Greenlet(() => {
      const c = new Counter("c");
      return [c.add(2), Counter.made()];
    });
    expect(g.switch()).toBe("c step 2");
    expect(g.frames.map((f) => f.functionName)).toEqual(["ask", "#step", "add", "(anonymous)"]);
    expect(g.switch(1)).toBe("c step 2");
    expect(g.switch(2)).toBe("describe?");
    expect(g.frames.map((f) => f.functionName)).toEqual(["ask", "#describe", "made", "(anonymous)"]);
    const [sum, made] = g.switch("d") as [number, string];
    expect(sum).toBe(11 + 32); // 1*10+1, then 11+2*10+1
    expect(made).toMatch(/^made d \d+$/);
  });

  it("entered from untransformed code of the class it runs as a boundary: a switch inside is a GreenletError, nothing unwound", () => {
    const g = new Greenlet(() => {
      const c = new Counter("b");
      try {
        return c.viaGetter;
      } catch (e) {
        return e;
      }
    });
    const out = g.switch();
    expect(out).toBeInstanceOf(GreenletError);
    expect((out as Error).message).toMatch(/called from untransformed code/);
  });

  it("entered without the token and without switching it runs its whole body: defaults, arguments, any receiver", () => {
    const c = new Counter("u");
    expect(c.mapped([1, 2])).toEqual([[2, true, 3], [4, true, 3]]);
  });

  it("a task suspended in a static private method pickles and resumes (the class is saved by reference)", () => {
    const g = new Greenlet(madeTask);
    expect(g.switch()).toBe("describe?");
    const copy = unpickle(pickle(g));
    expect(copy.switch("copy")).toMatch(/^made copy \d+!$/);
    expect(g.switch("original")).toMatch(/^made original \d+!$/);
  });

  it("an instance whose class declares #private members is refused by pickle, naming them (it could not be revived with them)", () => {
    const g = new Greenlet(counterTask);
    expect(g.switch()).toBe("p step 1");
    expect(() => pickle(g)).toThrow(PickleError);
    expect(() => pickle(g)).toThrow(/instance of class Counter cannot be pickled: Counter declares #private members \(#count, #step, #plain\)/);
    expect(g.switch(3)).toBe("p step 1");
    expect(g.switch(0)).toBe(31 + 32); // 3*10+1, then 31+0+1
  });

  it("classes evaluated more than once keep their own private methods", () => {
    const make = (tag: string) => class {
      run(): string {
        return this.#inner();
      }
      #inner(): string {
        return `${tag} ${String(ask(`${tag}?`))}`;
      }
    };
    const A = make("a");
    const B = make("b");
    const g = new Greenlet(() => [new A().run(), new B().run()]);
    expect(g.switch()).toBe("a?");
    expect(g.switch(1)).toBe("b?");
    expect(g.frames.map((f) => f.functionName)).toEqual(["ask", "#inner", "run", "(anonymous)"]);
    expect(g.switch(2)).toEqual(["a 1", "b 2"]);
  });
});

class Greeter {
  hello(): string {
    return "hello";
  }
}
class Recursive extends Greeter {
  #fact(n: number): number {
    return n <= 1 ? (ask("bottom") as number) : n * this.#fact(n - 1);
  }
  #viaSuper(): string {
    return `${super.hello()} ${String(ask("name?"))}`;
  }
  #guarded(log: string[]): string {
    try {
      log.push("try");
      return String(ask("in try"));
    } finally {
      log.push(`finally ${String(ask("in finally"))}`);
    }
  }
  static #twice(x: number): number {
    return 2 * (ask(`twice ${x}`) as number);
  }
  static twice(x: number): number {
    return this.#twice(x);
  }
  fact(n: number): number {
    return this.#fact(n);
  }
  greet(): string {
    return this.#viaSuper();
  }
  guarded(log: string[]): string {
    return this.#guarded(log);
  }
}

describe("private methods: recursion, super, finally, throw", () => {
  it("a switch at the bottom of a private recursion resumes every frame", () => {
    const g = new Greenlet(() => new Recursive().fact(5));
    expect(g.switch()).toBe("bottom");
    expect(g.frames.map((f) => f.functionName)).toEqual(["ask", "#fact", "#fact", "#fact", "#fact", "#fact", "fact", "(anonymous)"]);
    expect(g.switch(1)).toBe(120);
  });

  it("super inside a private method, and a static private method called through this", () => {
    const g = new Greenlet(() => [new Recursive().greet(), Recursive.twice(3)]);
    expect(g.switch()).toBe("name?");
    expect(g.switch("ann")).toBe("twice 3");
    expect(g.switch(5)).toEqual(["hello ann", 10]);
  });

  it("switches inside try and finally of a private method; throw() into it runs the finally", () => {
    const log: string[] = [];
    const g = new Greenlet(() => new Recursive().guarded(log));
    expect(g.switch()).toBe("in try");
    expect(g.switch("t")).toBe("in finally");
    expect(g.switch("f")).toBe("t");
    expect(log).toEqual(["try", "finally f"]);
    const log2: string[] = [];
    const h = new Greenlet(() => new Recursive().guarded(log2));
    expect(h.switch()).toBe("in try");
    expect(h.throw(new RangeError("stop"))).toBe("in finally");
    expect(() => h.switch("done")).toThrow(RangeError);
    expect(log2).toEqual(["try", "finally done"]);
    expect(h.dead).toBe(true);
  });
});

export class WithAccessor {
  accessor level = 1;
  bump(): number {
    return ++this.level + (ask("bump?") as number);
  }
}
export class SubOfCounter extends Counter {}
function accessorTask(): number {
  return new WithAccessor().bump();
}
function subTask(): number {
  return new SubOfCounter("s").add(1);
}

describe("pickling refuses hidden private state", () => {
  it("an accessor field (its value lives in a hidden private slot) and a subclass of a class with #private members", () => {
    const g = new Greenlet(accessorTask);
    expect(g.switch()).toBe("bump?");
    expect(() => pickle(g)).toThrow(/instance of class WithAccessor cannot be pickled: WithAccessor declares #private members \(accessor level\)/);
    expect(g.switch(1)).toBe(3);
    const h = new Greenlet(subTask);
    expect(h.switch()).toBe("s step 1");
    expect(() => pickle(h)).toThrow(/instance of class SubOfCounter, a subclass of Counter, cannot be pickled: Counter declares/);
    expect(h.switch(0)).toBe("s step 1");
    expect(h.switch(0)).toBe(1 + 2);
  });
});

// Receivers that carry a class's private brand without inheriting from it: resume code of a
// top-level class's methods is reached through a variable, not through `this` (review finding).
class ReturnsArgument {
  constructor(o: object) {
    return o;
  }
}
export class Stamper extends ReturnsArgument {
  #tag = "stamped";
  #m(a: number): string {
    return `${a + 1} ${String(ask("in #m"))} ${this.#tag}`;
  }
  static callOn(o: object): string {
    return (o as Stamper).#m(41);
  }
  readTag(): string {
    return `${String(ask("in readTag"))} ${this.#tag}`;
  }
}

describe("resuming methods whose receiver does not inherit from their class", () => {
  it("a private method on an object branded by a base constructor returning it, a public one on a prototype-less instance", () => {
    const plain = {};
    new Stamper(plain);
    const g = new Greenlet(() => Stamper.callOn(plain));
    expect(g.switch()).toBe("in #m");
    expect(g.switch("R")).toBe("42 R stamped");
    const s = new Stamper({});
    const readTag = Stamper.prototype.readTag;
    Object.setPrototypeOf(s, null);
    const h = new Greenlet(() => readTag.call(s));
    expect(h.switch()).toBe("in readTag");
    expect(h.switch("T")).toBe("T stamped");
  });
});

function replaceClass<T extends new (...a: any[]) => object>(C: T, _ctx: ClassDecoratorContext): T {
  return class extends C {
    readonly decorated = true;
  };
}
@replaceClass
class Decorated {
  run(): string {
    return `run ${String(ask("in run"))}`;
  }
  quiet(): string {
    return "quiet";
  }
}

describe("classes with a class decorator", () => {
  it("keep their members untransformed: they work, and a switch inside one is a GreenletError (the decorator may replace the class)", () => {
    expect(new Decorated().quiet()).toBe("quiet");
    const g = new Greenlet(() => {
      try {
        return new Decorated().run();
      } catch (e) {
        return e;
      }
    });
    expect(g.switch()).toBeInstanceOf(GreenletError);
  });
});
