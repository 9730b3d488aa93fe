// Pickling: what cannot be pickled fails at pickle time with the path to the value; describe();
// code identity (changed or missing functions); hostile input cannot pollute prototypes.
import { afterEach, describe, expect, it } from "vitest";
import { readEnvelope, writeEnvelope } from "./helpers/envelope.js";
import { Greenlet, getcurrent } from "tsgreenlet";
import { PickleError, UnpickleError, describe as describePickle, pickle, unpickle } from "tsgreenlet/pickle";
import { chain, driver, hold, holdDeep } from "../fixtures/pickle/hold.js";
import { task } from "../fixtures/pickle/program.js";

afterEach(() => {
  expect(getcurrent().parent).toBeNull();
});

const HOLD = "tsgreenlet/fixtures/pickle/hold.ts";

function pickleError(v: unknown): PickleError {
  const g = new Greenlet(holdDeep);
  g.switch(v);
  try {
    pickle(g);
  } catch (e) {
    expect(e).toBeInstanceOf(PickleError);
    return e as PickleError;
  }
  throw new Error("pickle did not fail");
}

/** Rewrites a pickle's JSON envelope (as a corrupt or hostile producer would). */
function edit(bytes: Uint8Array, f: (env: Record<string, any>) => void): Uint8Array {
  const env = readEnvelope(bytes);
  f(env);
  return writeEnvelope(env);
}

describe("values that cannot be pickled", () => {
  it("names the frame, the variable, the property path and the type", () => {
    const e = pickleError({ a: [{ b: new WeakMap() }] });
    expect(e.message).toContain("a WeakMap cannot be pickled");
    expect(e.path).toMatch(new RegExp(`^frame #0 holdDeep \\(${HOLD}:\\d+\\) -> inner\\.a\\[0\\]\\.b \\(WeakMap\\)$`));
  });

  it.each([
    ["Promise", Promise.resolve(1), /a Promise cannot be pickled/],
    ["WeakRef", new WeakRef({}), /a WeakRef cannot be pickled/],
    ["function of untransformed code", function plainFn() {}, /the function plainFn cannot be pickled: it was not created by marked/],
    ["function bound in untransformed code", hold.bind(null), /the function bound hold cannot be pickled: .*bound or created outside marked code/],
    ["unregistered class", new (class Secret { x = 1; })(), /instance of class Secret cannot be pickled: .*registerClass\(Secret\)/],
    ["unregistered symbol", Symbol("local"), /symbol that is not registered/],
    ["another greenlet", new Greenlet(() => 0), /a reference to another greenlet/],
  ] as [string, unknown, RegExp][])("%s", (_n, v, re) => {
    const e = pickleError({ x: v });
    expect(e.message).toMatch(re);
    expect(e.path).toMatch(/-> inner\.x( \(|$)/);
  });

  it("a Map value deep inside a closure environment", () => {
    const e = pickleError(new Map([["k", { p: Promise.resolve() }]]));
    expect(e.path).toMatch(/-> inner -> <Map value #0>\.p \(Promise\)$/);
  });
});

describe("greenlets that cannot be pickled", () => {
  it("the running greenlet, the main greenlet, a dead one, a resident one", () => {
    expect(() => pickle(getcurrent())).toThrow(/cannot pickle the running greenlet/);
    const dead = new Greenlet(() => 1, null, { stack: "soft" });
    dead.switch();
    expect(() => pickle(dead)).toThrow(/it is dead/);
    // `outer` runs untransformed code, so it stays on the real stack (resident) while it drives `inner`.
    let seen: unknown;
    const outer: Greenlet = new Greenlet(() => {
      const inner = new Greenlet(() => {
        try { pickle(outer); } catch (e) { seen = e; }
        return "done";
      });
      return inner.switch();
    }, null, { stack: "soft" }); // untransformed run: "auto" would give it a native stack
    expect(outer.switch()).toBe("done");
    expect(String(seen)).toMatch(/PickleError: cannot pickle .*not suspended in transformed code/);
    expect(() => pickle({} as Greenlet)).toThrow(/expects a Greenlet/);
  });
});

describe("describe()", () => {
  it("lists frames (function, file:line, locals) and summarises the object graph", () => {
    const g = new Greenlet(task);
    g.switch("ada", 3);
    g.switch();
    const text = describePickle(pickle(g));
    expect(text).toMatch(/^tsgreenlet pickle \(format 2\): suspended greenlet, 6 frame\(s\), \d+ object\(s\)$/m);
    expect(text).toMatch(/#0 pause {2}tsgreenlet\/fixtures\/pickle\/program\.ts:18 /);
    expect(text).toMatch(/#1 descend {2}tsgreenlet\/fixtures\/pickle\/program\.ts:24 /);
    expect(text).toMatch(/#5 task {2}tsgreenlet\/fixtures\/pickle\/program\.ts:\d+ /);
    expect(text).toContain('label = "bottom: ada has 100"');
    expect(text).toMatch(/acc = Account \{owner: "ada", balance: 100, history: <Array #\d+>\} #\d+/);
    expect(text).toMatch(/^objects: .*\b1 Map\b.*$/m);
    expect(text).toMatch(/\b\d+ closure\b/);
    expect(text).toMatch(/^code: .*program\.ts#task \(frame [0-9a-f]{16}\)/m);
    g.switch(1); g.switch();
  });
});

describe("code identity", () => {
  const suspendedChain = () => {
    const g = new Greenlet(chain);
    g.switch(2, { hits: 0 });
    return pickle(g);
  };

  it("a changed function is named, with both hashes", () => {
    const bytes = edit(suspendedChain(), (env) => {
      for (const c of env.code) if (c[0].endsWith("#chain")) c[1] = "0000000000000000";
      for (const f of env.frames) f.hash = "0000000000000000";
    });
    expect(() => unpickle(bytes)).toThrow(UnpickleError);
    expect(() => unpickle(bytes)).toThrow(new RegExp(`${HOLD}#chain changed \\(pickled with code hash 0000000000000000, the current code has [0-9a-f]{16}\\)`));
    expect(() => unpickle(bytes)).toThrow(/registerMigration/);
  });

  it("the same source laid out differently by another transform version is named, not taken for corruption", () => {
    // A frame pickled by a tsgreenlet whose transform used one more temporary in this function.
    const bytes = edit(suspendedChain(), (env) => {
      for (const f of env.frames) {
        if (!f.id.endsWith("#chain")) continue;
        f.locals = [...f.locals, "$$t99"];
        f.slots = [...f.slots, f.slots[f.slots.length - 1]];
      }
    });
    expect(() => unpickle(bytes)).toThrow(UnpickleError);
    expect(() => unpickle(bytes)).toThrow(new RegExp(`cannot unpickle frame ${HOLD}#chain: its source is unchanged \\(code hash [0-9a-f]{16}\\) but the tsgreenlet that pickled it laid its frame out differently \\(locals .*\\$\\$t99; this version: `));
    expect(() => unpickle(bytes)).toThrow(/register a migration from hash [0-9a-f]{16}/);
  });

  it("a function that does not exist here is named", () => {
    const bytes = edit(suspendedChain(), (env) => {
      for (const c of env.code) c[0] = c[0].replace("#chain", "#chainRenamed");
      for (const f of env.frames) f.id = f.id.replace("#chain", "#chainRenamed");
    });
    expect(() => unpickle(bytes)).toThrow(new RegExp(`${HOLD}#chainRenamed does not exist in this process`));
  });
});

describe("hostile input", () => {
  const sample = () => {
    const g = new Greenlet(hold);
    g.switch({ a: 1, list: [1, 2] });
    return pickle(g);
  };

  it("a __proto__ key is refused", () => {
    const bytes = edit(sample(), (env) => { env.shapes[0] = ["__proto__", ...env.shapes[0].slice(1)]; });
    expect(() => unpickle(bytes)).toThrow(/corrupt pickle: a "__proto__" key/);
    expect(({} as Record<string, unknown>).a).toBeUndefined();
  });

  it("constructor and prototype keys stay own data properties; nothing is polluted", () => {
    const g = new Greenlet(hold);
    g.switch({ constructor: { prototype: { polluted: true } }, prototype: { polluted: true } });
    const r = unpickle(pickle(g)).switch("give") as Record<string, any>;
    expect(Object.hasOwn(r, "constructor")).toBe(true);
    expect(r.constructor.prototype.polluted).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("unknown classes, references and closures are errors, never lookups along input paths", () => {
    const withEntry = (entry: unknown[]) => edit(sample(), (env) => { env.table.push(entry); env.frames[0].slots[1] = -env.table.length; });
    expect(() => unpickle(withEntry(["c", "Function", 0]))).toThrow(/class "Function" is not registered/);
    expect(() => unpickle(withEntry(["c", "tsgreenlet:Greenlet", 0]))).toThrow(/"tsgreenlet:Greenlet" cannot be revived as a class instance/);
    expect(() => unpickle(withEntry(["c", "js:Map", 0]))).toThrow(/"js:Map" cannot be revived as a class instance/);
    expect(() => unpickle(withEntry(["f", "js:Function"]))).toThrow(/unknown reference "js:Function"/);
    expect(() => unpickle(withEntry(["f", "js:eval"]))).toThrow(/unknown reference "js:eval"/);
    expect(() => unpickle(withEntry(["f", `${HOLD}#hold.constructor`]))).toThrow(/not a valid reference|does not exist/);
    expect(() => unpickle(withEntry(["f", "nowhere.ts#x"]))).toThrow(/module "nowhere.ts" is not loaded/);
    expect(() => unpickle(withEntry(["k", "nowhere.ts#f", null]))).toThrow(/closure nowhere.ts#f does not exist/);
    expect(() => unpickle(withEntry(["zz"]))).toThrow(/unknown entry tag "zz"/);
  });

  it("wrong magic, version, truncation, non-UTF-8 and non-bytes", () => {
    const b = sample();
    expect(() => unpickle(new TextEncoder().encode("hello"))).toThrow(/not a tsgreenlet pickle/);
    expect(() => unpickle(new TextEncoder().encode("tsgreenlet-pickle/9\n{}"))).toThrow(/unsupported pickle format version "9"/);
    expect(() => unpickle(b.subarray(0, b.length - 7))).toThrow(/corrupt or truncated pickle/);
    expect(() => unpickle(new Uint8Array([0xff, 0xfe]))).toThrow(/not valid UTF-8/);
    expect(() => unpickle("text" as unknown as Uint8Array)).toThrow(/expects a Uint8Array/);
  });
});

describe("format versions", () => {
  it("reads format 1 (one JSON envelope after the header line)", () => {
    const g = new Greenlet(chain);
    g.switch(3, { hits: 0 });
    const env = readEnvelope(pickle(g));
    const v1 = new TextEncoder().encode(`tsgreenlet-pickle/1\n${JSON.stringify(env)}`);
    expect(unpickle(v1).switch(5)).toBe(5 + 6);
  });

  it("refuses a format-2 pickle whose table lines are missing, extra or not arrays", () => {
    const g = new Greenlet(chain);
    g.switch(3, { hits: 0 });
    const lines = new TextDecoder().decode(pickle(g)).split("\n");
    const bytes = (ls: string[]) => new TextEncoder().encode(ls.join("\n"));
    expect(() => unpickle(bytes(lines.slice(0, -1)))).toThrow(/corrupt or truncated pickle: 1 table lines announced, 0 found/);
    expect(() => unpickle(bytes([...lines, "[]"]))).toThrow(/corrupt pickle: data after the last table line/);
    expect(() => unpickle(bytes([...lines.slice(0, -1), "{}"]))).toThrow(/corrupt pickle: table line 1 is not an array/);
  });
});
