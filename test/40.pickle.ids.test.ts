// Pickling support in the transform: stable function ids (no machine paths; unrelated edits do
// not change them), content hashes that change exactly when a function changes, closure
// factories, and module tables (module-level values by reference, registerFunction).
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { Greenlet } from "tsgreenlet";
import { pickle, registerFunction, unpickle } from "tsgreenlet/pickle";
import { transform } from "tsgreenlet/transform";
import { REPO } from "../fixtures/integration/support/harness.js";
import { hold, log } from "../fixtures/pickle/hold.js";

const FILE = join(REPO, "fixtures/pickle/virtual.ts");

/** id -> hash of every descriptor ($$RT.fn for functions with resume points, $$RT.clo for closures). */
function descriptors(code: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of code.matchAll(/\$\$RT\.(?:fn|clo)\(\{ id: "([^"]+)",(?: name: "[^"]*", file: "[^"]*",)? hash: "([0-9a-f]+)"/g)) out.set(`${m[1]}`, m[2]!);
  return out;
}

const V1 = `"use greenlet";
export function a(x: number) { return b(x); }
function b(y: number) { return Math.abs(y); }
export function outer(n: number) {
  const f = () => n;
  const g = () => b(n);
  const h = () => b(n);
  return f() + g() + h() + [1].map(function named(k) { return b(k); })[0]!;
}
`;
const V2 = `"use greenlet";
// an unrelated edit above: a comment and a new function
function z() { return 1; }
export function a(x: number) { return b(x); }
function b(y: number) { return Math.abs(y) + z(); }
export function outer(n: number) {
  const f = () => n;
  const g = () => b(n);
  const h = () => b(n);
  return f() + g() + h() + [1].map(function named(k) { return b(k); })[0]!;
}
`;

describe("stable ids and hashes", () => {
  it("ids are package-relative qualified names; edits elsewhere keep ids and hashes", () => {
    const d1 = descriptors(transform(V1, FILE).code);
    const d2 = descriptors(transform(V2, FILE).code);
    const mod = "tsgreenlet/fixtures/pickle/virtual.ts";
    expect([...d1.keys()].sort()).toEqual([`${mod}#a`, `${mod}#b`, `${mod}#outer`, `${mod}#outer/f`, `${mod}#outer/g`, `${mod}#outer/h`, `${mod}#outer/named`].sort());
    for (const id of d1.keys()) expect(id).not.toContain(REPO);
    expect(d2.get(`${mod}#a`)).toBe(d1.get(`${mod}#a`));
    expect(d2.get(`${mod}#outer/g`)).toBe(d1.get(`${mod}#outer/g`));
    expect(d2.get(`${mod}#b`)).not.toBe(d1.get(`${mod}#b`));
    expect(d2.has(`${mod}#outer/h`)).toBe(true);
  });

  it("same-named siblings get ordinals; anonymous functions their inferred name", () => {
    const src = `"use greenlet";
export function p() { const r = [0, 1].map((x) => x + 1); return [() => r, () => r]; }
export function q() { let a = function () { return 1; }; a = function () { return 2; }; return a; }
`;
    const ids = [...descriptors(transform(src, FILE).code).keys()].map((k) => k.replace(/^.*#/, "")).sort();
    expect(ids).toEqual(["p", "p/anonymous", "p/anonymous~1", "p/anonymous~2", "q/a", "q/a~1"]);
  });
});

describe("module-level values by reference", () => {
  it("a module-level object of a marked module comes back as the same object", () => {
    const g = new Greenlet(hold);
    g.switch({ log });
    expect((unpickle(pickle(g)).switch("give") as { log: unknown }).log).toBe(log);
  });

  it("registerFunction pickles an untransformed function by name", () => {
    const helper = (x: number) => x * 2;
    const g = new Greenlet(hold);
    g.switch({ helper });
    expect(() => pickle(g)).toThrow(/the function helper cannot be pickled/);
    registerFunction(helper, "test.helper");
    expect((unpickle(pickle(g)).switch("give") as { helper: unknown }).helper).toBe(helper);
  });
});
