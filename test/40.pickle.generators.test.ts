// Pickling rewritten generator objects (runtime/generators.ts, pickle/encode.ts generatorFrame):
// not started, suspended at a yield, delegating with yield*, inside a for-of over a changed Map,
// done; in locals, inside objects, captured by closures, shared; a task suspended inside a
// generator body and in a loop consuming a generator. fixtures/pickle/generators.ts is marked;
// generators.plain.ts is the same source untransformed (native generators).
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Greenlet, getcurrent } from "tsgreenlet";
import { $RT } from "tsgreenlet/runtime";
import { describe as describePickle, pickle, registerMigration, unpickle, PickleError, UnpickleError } from "tsgreenlet/pickle";
import * as marked from "../fixtures/pickle/generators.js";
import * as plain from "../fixtures/pickle/generators.plain.js";
import { nodeOk, REPO } from "../fixtures/integration/support/harness.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

afterEach(() => {
  expect(getcurrent().parent).toBeNull();
});

const reference = (): string => plain.program(() => undefined);

describe("pickling rewritten generators", () => {
  it("the fixture pair differs only in its directive line", () => {
    const a = readFileSync(new URL("../fixtures/pickle/generators.ts", import.meta.url), "utf8").split("\n");
    const b = readFileSync(new URL("../fixtures/pickle/generators.plain.ts", import.meta.url), "utf8").split("\n");
    expect(a.slice(1)).toEqual(b.slice(1));
    expect(a[0]).toBe('"use greenlet";');
  });

  it("a task holding generators in every state, pickled at every suspension, prints what native generators print", () => {
    let g = new Greenlet(marked.program);
    let v = g.switch(marked.ask);
    const questions: unknown[] = [];
    while (!g.dead) {
      questions.push(v);
      g = unpickle(pickle(g));
      v = g.switch();
    }
    expect(questions).toEqual(["holding generators", "map changed", "in loop 0", "in loop 1", "in loop 2", "delegating", "inside asking 0", "inside asking 1",
      "inside asking 0", "inside asking 1"]);
    expect(v).toBe(reference());
    expect(v).toContain("counter 10 closed at 15");
    expect(v).toMatch(/nested asked 0\nnested asked 1\nnested nested done$/);
  });

  it("two copies of one pickle are independent (forking a task forks its generators)", () => {
    const g = new Greenlet(marked.program);
    g.switch(marked.ask);
    const bytes = pickle(g);
    const dump = describePickle(bytes);
    expect(dump).toMatch(/fresh = <generator \S+#counter not started #\d+>/);
    expect(dump).toMatch(/outer = <generator \S+#delegating suspended at a yield \(resume point \d+\) #\d+>/);
    expect(dump).toMatch(/finished = <generator done #\d+>/);
    const a = unpickle(bytes);
    const b = unpickle(bytes);
    let va: unknown = a.switch();
    while (!a.dead) va = a.switch();
    let vb: unknown = b.switch();
    while (!b.dead) vb = b.switch();
    let vg: unknown = g.switch();
    while (!g.dead) vg = g.switch();
    expect([va, vb, vg]).toEqual([reference(), reference(), reference()]);
  });

  it("a generator suspended at a yield inside an object graph: shared references and its prototype survive", () => {
    const g = new Greenlet(marked.holdGenerators);
    const first = g.switch(marked.ask);
    expect(first).toBe("holding");
    const copy = unpickle(pickle(g));
    expect(copy.switch()).toBe(g.switch());
  });

  it("a generator that is running refuses with a path naming where it was met", () => {
    const g = new Greenlet(marked.runningInside);
    expect(g.switch(marked.ask)).toBe("pickle me");
    // A second greenlet holds the generator g is running.
    const other = new Greenlet(marked.holdForeign);
    expect(other.switch(marked.ask, marked.lastRunning())).toBe("holding a running generator");
    expect(() => pickle(other)).toThrow(PickleError);
    expect(() => pickle(other)).toThrow(/a generator that is running cannot be pickled[\s\S]*<generator frame>/);
    // g itself (suspended inside that generator's body) can be pickled and finishes the same way.
    const copy = unpickle(pickle(g));
    expect(copy.switch()).toBe(g.switch());
    other.switch();
  });

  it("a generator object carrying own properties is refused (they would be lost)", () => {
    const g = new Greenlet(marked.holdTagged);
    expect(g.switch(marked.ask)).toBe("tagged");
    expect(() => pickle(g)).toThrow(/a generator object with own properties \(tag\) cannot be pickled[\s\S]*-> it/);
    g.switch();
  });

  it("changed generator code is refused by id, and a registered migration maps its frame", () => {
    const g = new Greenlet(marked.holdGenerators);
    g.switch(marked.ask);
    const bytes = pickle(g);
    const info = $RT.functions.get(Array.from($RT.functions.keys()).find((k) => k.endsWith("generators.ts#counter"))!)!;
    const original = info.hash;
    $RT.functions.set(info.id, { ...info, hash: "changed-hash" });
    try {
      expect(() => unpickle(bytes)).toThrow(UnpickleError);
      expect(() => unpickle(bytes)).toThrow(/generators\.ts#counter changed/);
      const seen: number[] = [];
      registerMigration(info.id, { from: original, frame(old, target) { seen.push(old.pc); return { pc: old.pc, locals: { ...old.locals } }; } });
      const copy = unpickle(bytes);
      expect(seen.length).toBeGreaterThan(0);
      expect(copy.switch()).toBe(g.switch());
    } finally {
      $RT.functions.set(info.id, info);
    }
  });
});

describe("cross-process", () => {
  const scratch = mkdtempSync(join(tmpdir(), "tsgreenlet-pickle-gen-"));
  it("a task consuming and holding rewritten generators: save in one process, load in another, same output", { timeout: 120_000 }, async () => {
    try {
      const file = join(scratch, "gen.pickle");
      const cross = join(REPO, "fixtures/pickle/cross-gen.ts");
      const R = ["--import", "tsgreenlet/register"];
      const [full, saved] = await Promise.all([nodeOk([...R, cross, "full"]), nodeOk([...R, cross, "save", file])]);
      const loaded = await nodeOk([...R, cross, "load", file]);
      expect(saved).toBe("suspended(0): holding generators\nsuspended(1): map changed\nsuspended(2): in loop 0\nsuspended(3): in loop 1\n");
      expect(saved + loaded).toBe(full);
      expect(full).toContain(`result:\n${reference()}\n`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
