// A loop holding a resume point runs, once resumed, its resumed iteration under `$$pc` guards and
// its remaining iterations as plain normal-path code (transformer/core/lower-function.ts
// emitResume, `loop`): jumps of the resumed iteration that target the loop are rewritten, since
// that code is no longer inside the loop statement. Differential: each case runs as plain
// JavaScript (where `pause(v)` returns v) and transformed inside a greenlet whose every `pause`
// switches to the driver and gets v back. Log, result and error must match, and the greenlet must
// really have switched.
import { afterAll, describe, expect, it } from "vitest";
import { differential, runtimeUrl, settle } from "./helpers/differential.js";

const { load, dispose } = differential("resumed-loops");
afterAll(dispose);

const prelude = `
  import { Greenlet, getcurrent } from ${JSON.stringify(runtimeUrl)};
  let pauses = 0;
  export function pause(v) {
    const parent = getcurrent().parent;
    if (parent === null) return v;
    pauses++;
    return parent.switch(v);
  }
  export function inGreenlet(run, arg) {
    const g = new Greenlet(run);
    let v = g.switch(arg);
    while (!g.dead) v = g.switch(v);
    return [v, pauses];
  }
  const iterable = (log, items) => ({
    [Symbol.iterator]() {
      let i = 0;
      return {
        next() { return i < items.length ? { value: items[i++], done: false } : { value: undefined, done: true }; },
        return() { log.push("return"); return {}; },
      };
    },
  });`;

const cases: [name: string, body: string][] = [
  ["for: continue and break after the resume point, in the resumed and later iterations", `
    const log = [];
    for (let i = 0; i < 8; i++) {
      if (i === 1) continue;
      log.push(pause(i));
      if (i === 2 || i === 5) continue;
      if (i === 6) break;
      log.push("after " + i);
    }
    return log;`],
  ["while with labeled continue and break", `
    const log = [];
    let i = 0;
    outer: while (i < 9) {
      i++;
      const v = pause(i);
      if (v % 3 === 0) continue outer;
      log.push(v);
      if (v === 7) break outer;
    }
    return [log, i];`],
  ["do-while: continue goes to the test, also in the resumed iteration", `
    const log = [];
    let i = 0;
    do {
      i++;
      pause(i);
      if (i === 2) continue;
      log.push(i);
    } while (i < 5);
    return log;`],
  ["do-while whose test is false after the resumed iteration", `
    let n = 0;
    do { n = pause(n + 1); } while (n < 1);
    return n;`],
  ["nested loops: continue and break of the outer loop from the inner one", `
    const log = [];
    outer: for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        const v = pause(a * 10 + b);
        if (b === 1 && a === 1) continue outer;
        if (a === 3) break outer;
        if (b === 2) break;
        log.push(v);
      }
      log.push("end " + a);
    }
    return log;`],
  ["several labels on one loop", `
    const log = [];
    a: b: for (let i = 0; i < 5; i++) {
      pause(i);
      if (i === 1) continue a;
      if (i === 2) continue b;
      if (i === 4) break a;
      log.push(i);
    }
    return log;`],
  ["three labels on one loop, and on a block", `
    const log = [];
    x: y: z: for (let i = 0; i < 5; i++) {
      pause(i);
      if (i === 1) continue x;
      if (i === 2) continue y;
      if (i === 4) break x;
      log.push(i);
    }
    p: q: { log.push(pause("block")); if (log.length) break p; log.push("not reached"); }
    return log;`],
  ["a switch in the loop body: its break leaves the switch, continue the loop", `
    const log = [];
    for (let i = 0; i < 6; i++) {
      switch (pause(i) % 3) {
        case 0: log.push("zero " + i); break;
        case 1: continue;
        default: log.push("two " + i);
      }
      log.push("after " + i);
    }
    return log;`],
  ["try/finally in the loop body: continue and break run the finally block", `
    const log = [];
    for (let i = 0; i < 5; i++) {
      try {
        pause(i);
        if (i % 2) continue;
        if (i === 4) break;
        log.push("body " + i);
      } finally {
        log.push("finally " + i);
      }
    }
    return log;`],
  ["for-of: break after the resume point closes the iterator", `
    const log = [];
    for (const x of iterable(log, [1, 2, 3, 4])) {
      log.push(pause(x));
      if (x === 3) break;
    }
    return log;`],
  ["for-in with continue", `
    const log = [];
    for (const k in { a: 1, b: 2, c: 3, d: 4 }) {
      if (pause(k) === "b") continue;
      log.push(k);
    }
    return log;`],
  ["closures capture each iteration's binding, before and after the resume", `
    const fns = [];
    for (let i = 0; i < 4; i++) {
      fns.push(() => i);
      pause(i);
      fns.push(() => i * 10);
    }
    return fns.map((f) => f());`],
  ["calls in the test and update of a for statement", `
    const log = [];
    const next = (i) => pause(i + 1);
    for (let i = pause(0); i < pause(5); i = next(i)) {
      if (i === 2) continue;
      log.push(i);
    }
    return log;`],
  ["a labeled block around a loop, left from the resumed iteration", `
    const log = [];
    done: {
      for (let i = 0; i < 5; i++) {
        if (pause(i) === 3) break done;
        log.push(i);
      }
      log.push("not reached");
    }
    return log;`],
  ["an exception thrown into the resumed iteration is caught inside the loop", `
    const log = [];
    for (let i = 0; i < 4; i++) {
      try {
        if (pause(i) === 2) throw new RangeError("at " + i);
        log.push(i);
      } catch (e) {
        log.push(e.message);
        continue;
      }
      log.push("ok " + i);
    }
    return log;`],
  ["the loop's result is returned from inside it after the resume", `
    let s = 0;
    for (let i = 0; ; i++) {
      s += pause(i);
      if (s > 10) return s;
    }`],
];

describe("loops resumed after a switch behave like plain code", () => {
  for (const [name, body] of cases) {
    it(name, async () => {
      const source = `${prelude}\nexport function run(arg) {\n${body}\n}\n`;
      const { plain, marked, code } = await load<{ run(a?: unknown): unknown; inGreenlet(run: unknown, a?: unknown): [unknown, number] }>(source);
      const expected = settle(() => plain.run());
      const got = settle(() => marked.inGreenlet(marked.run));
      expect(got).toEqual("value" in expected ? { value: [expected.value, expect.any(Number)] } : expected);
      if ("value" in got) expect((got.value as [unknown, number])[1]).toBeGreaterThan(0);
      // The resume function runs later iterations unguarded (a `$$lp` block around the loop).
      expect(code).toMatch(/\$\$lp/);
    });
  }
});
