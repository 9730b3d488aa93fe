"use greenlet";
// Hard greenlets through the public Greenlet API: { stack: "hard" | "soft" | "auto" }, switching
// out of untransformed code, mixing soft and hard greenlets, values, exceptions, throw(),
// GreenletExit, parent delivery and tracing across native stacks (runtime/greenlet/hard.ts).
// Subprocess cases (GC stress, missing addon) are at the end.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { Greenlet, GreenletError, GreenletExit, getcurrent, hardAvailable, hardUnavailableReason, settrace } from "tsgreenlet";
import { pickle } from "tsgreenlet/pickle";
import { outcome, SomeError, thrownBy } from "./helpers/outcome.js";
import { forEachSwitcher, insideForEach, sortSwitching, switchingGetter } from "./helpers/unmarked.js";

const here = dirname(fileURLToPath(import.meta.url));

function topLevelLeaf(): number {
  return 42;
}
const required = process.env.TSGREENLET_REQUIRE_HARDSWITCH === "1";
const HARD = { stack: "hard" } as const;

afterEach(() => {
  settrace(null);
  expect(getcurrent().parent).toBeNull();
});

describe("hard greenlets: availability", () => {
  it("reports whether hard greenlets are available, and why not", () => {
    if (hardAvailable) {
      expect(hardUnavailableReason()).toBeUndefined();
    } else {
      expect(hardUnavailableReason()).toMatch(/node-gyp|TSGREENLET_HARDSWITCH/);
      if (required) throw new Error(`hard switching required but unavailable: ${hardUnavailableReason()}`);
    }
  });

  it("rejects unknown options and stack values", () => {
    expect(thrownBy(() => new Greenlet(() => 1, null, { stack: "deep" as never }))).toBeInstanceOf(GreenletError);
    expect(String(thrownBy(() => new Greenlet(() => 1, null, { stak: "hard" } as never)))).toMatch(/unknown Greenlet option "stak"/);
  });
});

describe.skipIf(!hardAvailable)("hard greenlets through the Greenlet API", () => {
  it("refuses to pickle a hard greenlet, suspended or not yet started, saying why", () => {
    const main = getcurrent();
    const h = new Greenlet(() => main.switch("parked"), null, HARD);
    expect(String(thrownBy(() => pickle(h)))).toMatch(/PickleError: .*is a hard greenlet .*can never be pickled/);
    expect(h.switch()).toBe("parked");
    expect(String(thrownBy(() => pickle(h)))).toMatch(/is a hard greenlet/);
    expect(h.switch("done")).toBe("done");
  });

  it("a soft greenlet pinned under a native switch keeps its spill position while other stacks run", () => {
    // S is resumed from its heap stack (its spill position points into that stack), then switches
    // natively from inside an untransformed callback. On H's stack, `other` is resumed from its
    // own heap stack (moving the spill position there) and switches natively back to S from a
    // callback. When S continues and suspends, its record must land on its own stack: the spill
    // position is saved and restored per native stack.
    const main = getcurrent();
    let S!: Greenlet;
    const H = new Greenlet(() => {
      main.switch("H parked");
      const other = new Greenlet(() => {
        H.switch("o1");
        insideForEach(() => S.switch("from other"));
      }, null, { stack: "soft" });
      expect(other.switch()).toBe("o1");
      other.switch(); // resumes other from its heap stack; it never comes back here
    }, null, HARD);
    expect(H.switch()).toBe("H parked");
    S = new Greenlet(() => {
      const a = main.switch("s0") as number;
      const b = insideForEach(() => H.switch("to H"));
      const c = main.switch("s2") as number;
      return [a, b, c];
    }, null, { stack: "soft" });
    expect(S.switch()).toBe("s0");
    expect(S.switch(1)).toBe("s2");
    expect(S.frames.map((f) => f.functionName)).toHaveLength(1);
    expect(S.switch(3)).toEqual([1, "from other", 3]);
  });

  it("suspends a hard greenlet mid native forEach and resumes each iteration in order", () => {
    const main = getcurrent();
    const g = new Greenlet(forEachSwitcher(main, ["a", "b", "c"]));
    expect(g.stack).toBe("hard"); // auto + untransformed run
    expect(g.switch()).toBe("a");
    expect(g.switch(1)).toBe("b");
    expect(g.switch(2)).toBe("c");
    expect(g.switch(3)).toEqual([1, 2, 3]);
    expect(g.dead).toBe(true);
    expect(g.stack).toBe("hard");
  });

  it("switches out of a getter and of sort comparisons inside untransformed code", () => {
    const main = getcurrent();
    const g = new Greenlet(() => [switchingGetter(main).value, sortSwitching(main, [3, 1, 2])], null, HARD);
    expect(g.switch()).toBe("from getter");
    const comparisons: unknown[] = [];
    let r = g.switch("getter result");
    while (!g.dead) {
      comparisons.push(r);
      r = g.switch();
    }
    expect(comparisons.length).toBeGreaterThan(1);
    expect(r).toEqual(["getter result", [1, 2, 3]]);
  });

  it("a transformed callback in a hard greenlet switches from inside native forEach", () => {
    const main = getcurrent();
    const seen: unknown[] = [];
    const g = new Greenlet(() => {
      [10, 20].forEach((x) => seen.push(main.switch(x)));
      return "done";
    }, null, HARD);
    expect(g.stack).toBe("hard");
    expect(g.switch()).toBe(10);
    expect(g.switch("x")).toBe(20);
    expect(g.switch("y")).toBe("done");
    expect(seen).toEqual(["x", "y"]);
  });

  it("auto picks soft for transformed run functions and hard for untransformed ones", () => {
    const main = getcurrent();
    const soft = new Greenlet((x: number) => main.switch(x + 1));
    expect(soft.stack).toBe("soft");
    expect(soft.switch(1)).toBe(2);
    expect(soft.stack).toBe("soft");
    soft.switch();
    expect(new Greenlet(forEachSwitcher(main, [])).stack).toBe("hard");
    expect(new Greenlet(forEachSwitcher(main, []), null, { stack: "soft" }).stack).toBe("soft");
    expect(new Greenlet(() => main.switch(), null, HARD).stack).toBe("hard");
    expect(main.stack).toBe("hard");
    // Marked functions that make no call have no entry check: recognised by their closure tag
    // (closures) or the module's registration (top-level declarations).
    expect(new Greenlet(() => 42).stack).toBe("soft");
    expect(new Greenlet(topLevelLeaf).stack).toBe("soft");
    expect(new Greenlet(topLevelLeaf).switch()).toBe(42);
  });

  it("delivers a hard greenlet's return value and its exception to its parent", () => {
    const ok = new Greenlet(() => insideForEach(() => 42), null, HARD);
    expect(ok.switch()).toBe(42);
    const bad = new Greenlet(() => insideForEach(() => {
      throw new SomeError("inside hard");
    }), null, HARD);
    const e = thrownBy(() => bad.switch());
    expect(e).toBeInstanceOf(SomeError);
    expect(bad.dead).toBe(true);
  });

  it("throw() into a suspended hard greenlet raises at its switch; GreenletExit kills it quietly", () => {
    const main = getcurrent();
    const log: string[] = [];
    const g = new Greenlet(() => {
      try {
        insideForEach(() => main.switch("parked"));
      } catch (error) {
        log.push(`caught ${(error as Error).message}`);
      }
      try {
        insideForEach(() => main.switch("parked again"));
      } finally {
        log.push("finally");
      }
      return "not reached";
    }, null, HARD);
    expect(g.switch()).toBe("parked");
    expect(g.throw(new SomeError("boom"))).toBe("parked again");
    const r = g.throw();
    expect(r).toBeInstanceOf(GreenletExit);
    expect(g.dead).toBe(true);
    expect(log).toEqual(["caught boom", "finally"]);
  });

  it("throw() into an unstarted hard greenlet kills it without running it", () => {
    let ran = false;
    const g = new Greenlet(() => {
      ran = true;
    }, null, HARD);
    expect(thrownBy(() => g.throw(new SomeError("early")))).toBeInstanceOf(SomeError);
    expect(ran).toBe(false);
    expect(g.dead).toBe(true);
  });

  it("forwards switches to a dead hard greenlet to its (hard) parent", () => {
    const main = getcurrent();
    const parent = new Greenlet(() => {
      const child = new Greenlet(() => "child result", null, HARD);
      const r = child.switch();
      const again = main.switch([r, child]);
      return `parent got ${String(again)}`;
    }, null, HARD);
    const [r, child] = parent.switch() as [unknown, Greenlet];
    expect(r).toBe("child result");
    expect(child.dead).toBe(true);
    expect(child.switch("via dead child")).toBe("parent got via dead child");
    expect(parent.dead).toBe(true);
  });

  it("nests hard greenlets: a child's result goes to its hard parent parked on another thread", () => {
    const main = getcurrent();
    let inner!: Greenlet;
    const outer = new Greenlet(() => {
      inner = new Greenlet(() => {
        const v = insideForEach(() => main.switch("inner parked"));
        return `inner got ${String(v)}`;
      }, null, HARD);
      expect(inner.parent).toBe(getcurrent());
      const r = insideForEach(() => inner.switch());
      return `outer got ${String(r)}`;
    }, null, HARD);
    expect(outer.switch()).toBe("inner parked");
    // main resumes inner directly; inner's result goes to outer (its parent, parked inside a
    // forEach on its own thread), and outer's result to main (outer's parent).
    expect(inner.switch("v")).toBe("outer got inner got v");
    expect(inner.dead && outer.dead).toBe(true);
  });

  it("nests hard greenlets: resuming the parked parent first leaves the child suspended", () => {
    const main = getcurrent();
    let inner!: Greenlet;
    const outer = new Greenlet(() => {
      inner = new Greenlet(() => `inner got ${String(insideForEach(() => main.switch("inner parked")))}`, null, HARD);
      return `outer got ${String(inner.switch())}`;
    }, null, HARD);
    expect(outer.switch()).toBe("inner parked");
    expect(outer.switch("direct")).toBe("outer got direct");
    expect(inner.dead).toBe(false);
    // outer is dead: inner's result is forwarded to outer's parent, main.
    expect(inner.switch("late")).toBe("inner got late");
  });

  it("a soft greenlet started in a hard greenlet runs on its stack, migrates to main, and returns to its hard parent", () => {
    const main = getcurrent();
    const stacks: string[] = [];
    let soft!: Greenlet;
    const hard = new Greenlet(() => {
      soft = new Greenlet(() => {
        stacks.push(`soft started, parent hard: ${getcurrent().parent === hard}`);
        const a = main.switch("soft parked (on hard's stack)");
        stacks.push(`soft resumed by main with ${String(a)}`);
        return "soft result";
      }, null, { stack: "soft" });
      const r = insideForEach(() => soft.switch());
      return `hard got ${String(r)}`;
    }, null, HARD);
    expect(hard.switch()).toBe("soft parked (on hard's stack)");
    expect(soft.stack).toBe("soft");
    // The soft greenlet unwound to hard's drive loop, which switched the native stack: it is
    // placable, so main runs it on top of itself; its death delivers to hard (another thread).
    expect(soft.switch("A")).toBe("hard got soft result");
    expect(stacks).toEqual(["soft started, parent hard: true", "soft resumed by main with A"]);
    expect(soft.dead && hard.dead).toBe(true);
  });

  it("a hard greenlet started by a soft greenlet hands its result to the soft parent", () => {
    const main = getcurrent();
    let hard!: Greenlet;
    const soft = new Greenlet(() => {
      hard = new Greenlet(forEachSwitcher(main, ["h1", "h2"]));
      expect(hard.stack).toBe("hard");
      expect(hard.parent).toBe(getcurrent());
      const r = hard.switch();
      return ["soft got", r];
    });
    expect(soft.stack).toBe("soft");
    expect(soft.switch()).toBe("h1");
    expect(soft.dead).toBe(false);
    expect(hard.switch("r1")).toBe("h2");
    // hard dies: its parent (soft, unwound and placable) resumes on top of the stack that last
    // switched into hard (main's) and returns to main, its parent.
    expect(hard.switch("r2")).toEqual(["soft got", ["r1", "r2"]]);
    expect(soft.dead && hard.dead).toBe(true);
  });

  it("a soft greenlet that dies on a hard greenlet's stack delivers to its own parent (main), not to its host", () => {
    const main = getcurrent();
    const h = new Greenlet(() => {
      const s = new Greenlet((v: string) => `s done ${v}`, main, { stack: "soft" });
      return `h got ${String(s.switch("x"))}`;
    }, null, HARD);
    expect(h.switch()).toBe("s done x");
    expect(h.switch("back")).toBe("h got back");
  });

  it("a finished hard greenlet starts its unstarted parent, hard or soft, with its result", () => {
    const hardParent = new Greenlet((v: string) => `hard parent started with ${v}`, null, HARD);
    expect(new Greenlet(() => "c1", hardParent, HARD).switch()).toBe("hard parent started with c1");
    const softParent = new Greenlet((v: string) => `soft parent started with ${v}`, null, { stack: "soft" });
    expect(new Greenlet(() => "c2", softParent, HARD).switch()).toBe("soft parent started with c2");
    expect(hardParent.dead && softParent.dead).toBe(true);
  });

  it("reports every transfer to the tracer with the right origin and target, across threads", () => {
    const main = getcurrent();
    const events: string[] = [];
    const names = new Map<Greenlet, string>([[main, "main"]]);
    const g = new Greenlet(forEachSwitcher(main, [1]));
    names.set(g, "g");
    settrace((event, { origin, target }) => {
      events.push(`${event} ${names.get(origin) ?? "?"}->${names.get(target) ?? "?"} in ${names.get(getcurrent()) ?? "?"}`);
    });
    g.switch();
    expect(thrownBy(() => g.throw(new SomeError("x")))).toBeInstanceOf(SomeError);
    settrace(null);
    expect(events).toEqual([
      "switch main->g in g",
      "switch g->main in main",
      "throw main->g in g",
      "throw g->main in main",
    ]);
  });

  it("refuses to switch to a hard greenlet buried under a soft greenlet stuck on its stack, and nothing moves", () => {
    const main = getcurrent();
    let stuck!: Greenlet;
    const hard = new Greenlet(() => {
      stuck = new Greenlet(() => insideForEach(() => main.switch("stuck parked")), null, { stack: "soft" });
      return ["hard got", stuck.switch()];
    }, null, HARD);
    expect(hard.switch()).toBe("stuck parked");
    // stuck switched from a native callback: it stays on hard's thread, above hard.
    const e = thrownBy(() => hard.switch("no"));
    expect(e).toBeInstanceOf(GreenletError);
    expect(String((e as Error).message)).toMatch(/resident on another native stack/);
    expect(stuck.switch("yes")).toEqual(["hard got", "yes"]);
  });

  it("refuses a buried hard target in the soft greenlet that asked, before it unwinds", () => {
    const main = getcurrent();
    let stuck!: Greenlet;
    const hard = new Greenlet(() => {
      stuck = new Greenlet(() => insideForEach(() => main.switch("stuck parked")), null, { stack: "soft" });
      return stuck.switch();
    }, null, HARD);
    expect(hard.switch()).toBe("stuck parked");
    const asker = new Greenlet(() => {
      const r = outcome(() => hard.switch("no"));
      // Still running here: nothing was unwound, and the error is ours, not main's.
      return [r.threw ? (r.error as Error).name : "switched", getcurrent() === asker];
    }, null, { stack: "soft" });
    expect(asker.switch()).toEqual(["GreenletError", true]);
    expect(stuck.switch("done")).toBe("done");
    expect(hard.dead).toBe(true);
  });

  it("works next to a second copy of the hard-switch module (source and dist loaded together)", async () => {
    const hs = await import("../native-hardswitch/index.js");
    const main = getcurrent();
    const g = new Greenlet(forEachSwitcher(main, [1, 2]));
    expect(g.switch()).toBe(1);
    const ctxMain = hs.mainContext();
    const c = hs.create((v) => ({ target: ctxMain, value: `ctx got ${String(v)}`, isThrow: false }));
    expect(hs.switchTo(c, "x")).toBe("ctx got x");
    expect(g.switch("a")).toBe(2);
    expect(g.switch("b")).toEqual(["a", "b"]);
  });

  it("keeps untransformed frames of each native stack separate (boundary per thread)", () => {
    const main = getcurrent();
    // hard sits inside a forEach on its own thread while main runs a soft greenlet that enters
    // its own forEach and switches to hard from there; when hard comes back, the soft greenlet
    // is still above its forEach and must not unwind through it.
    const log: string[] = [];
    let soft!: Greenlet;
    const hard = new Greenlet(() => {
      insideForEach(() => main.switch("hard in forEach"));
      log.push("hard left forEach");
      return soft.switch("back to soft");
    }, null, HARD);
    expect(hard.switch()).toBe("hard in forEach");
    soft = new Greenlet(() => {
      const r = insideForEach(() => {
        const v = hard.switch();
        log.push(`soft got ${String(v)}`);
        // Above an untransformed frame: switching to main (below on this stack) is refused.
        const refused = outcome(() => main.switch("must not unwind"));
        log.push(refused.threw ? "refused" : "unwound!");
        return "soft callback done";
      });
      return r;
    }, null, { stack: "soft" });
    expect(soft.switch()).toBe("soft callback done");
    expect(log).toEqual(["hard left forEach", "soft got back to soft", "refused"]);
    expect(hard.dead).toBe(false);
    expect(hard.switch("finish")).toBe("finish");
  });

  it("runs many hard greenlets alternately with values intact", () => {
    const main = getcurrent();
    const gs = Array.from({ length: 8 }, (_, i) => new Greenlet(forEachSwitcher(main, Array.from({ length: 20 }, (_, k) => i * 100 + k))));
    const firsts = gs.map((g) => g.switch());
    expect(firsts).toEqual(gs.map((_, i) => i * 100));
    for (let k = 1; k < 20; k++) {
      for (let i = 0; i < gs.length; i++) expect(gs[i]!.switch(k)).toBe(i * 100 + k);
    }
    for (const g of gs) expect(g.switch(20)).toEqual(Array.from({ length: 20 }, (_, k) => k + 1));
  });
});

describe.skipIf(!hardAvailable)("hard greenlets in a subprocess", () => {
  it("100,000 switches through the Greenlet API with forced full GCs keep suspended stacks intact", () => {
    const r = spawnSync(process.execPath, ["--expose-gc", join(here, "greenlet-scripts", "hard-gc.mjs"), "100000"], { encoding: "utf8", timeout: 120_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const last = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(last).toMatchObject({ switches: 200_008, results: 8 });
    expect(last.fullGCs).toBeGreaterThanOrEqual(100);
  });
});

describe.skipIf(!hardAvailable)("hard greenlets in worker_threads (subprocess)", () => {
  it("each worker has its own main and hard greenlets; exiting with parked ones leaks no thread", () => {
    const r = spawnSync(process.execPath, [join(here, "greenlet-scripts", "hard-worker.mjs")], { encoding: "utf8", timeout: 120_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const last = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(last.results).toHaveLength(8);
    for (const w of last.results) expect(w).toMatchObject({ sum: 47, hard: true, code: 0 });
    expect(last.after).toBeLessThanOrEqual(last.before);
  });
});

describe("without the addon", () => {
  it("soft greenlets still work; { stack: \"hard\" } throws a GreenletError saying why and how to build", () => {
    const r = spawnSync(process.execPath, [join(here, "greenlet-scripts", "no-addon.mjs")], {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, TSGREENLET_HARDSWITCH_BINARY: join(here, "does-not-exist", "hardswitch.node") },
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const last = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(last.available).toBe(false);
    expect(last.error.name).toBe("GreenletError");
    expect(last.error.message).toMatch(/does-not-exist/);
    expect(last.error.message).toMatch(/npm run build:native/);
    expect(last.autoStack).toBe("soft");
    expect(last.autoResult).toBe(42);
  });
});
