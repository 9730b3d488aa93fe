// Integration: the Node loader, `node --import tsgreenlet/register program.ts`, run from the
// repository (so "tsgreenlet" resolves through the package's own exports: self-reference).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markedLine } from "./helpers/source-lines.js";
import {
  RUN_EACH, columnOf, fixture, node, splitRunEach, stackPositions, tempProject, untransformedOutputs, type RunResult, expectThrowsMapped,
} from "../fixtures/integration/support/harness.js";

const FIXTURES = ["semantics.ts", "constructs.ts", "pipeline.reference.ts", "throws.ts", "warnings.ts", "param-initializers.ts", "generators.ts"] as const;
const REGISTER = ["--import", "tsgreenlet/register"];

let scratch: ReturnType<typeof tempProject>;
let reference: Record<(typeof FIXTURES)[number], RunResult>;
/** The pipeline program as a user runs it: the entry point of `node --import tsgreenlet/register`. */
let pipeline: RunResult;
/** Every other fixture, imported in turn by one process with the loader (see run-each.mjs). */
let batch: RunResult;
let outputs: Record<string, string>;
let badOptions: RunResult;
/** The same batch with every function inheriting a direct-call tag it does not own. */
let inheritedTag: RunResult;

beforeAll(async () => {
  scratch = tempProject("register");
  const each = ["semantics.ts", "constructs.ts", "throws.ts", "warnings.ts", "param-initializers.ts", "generators.ts"].map(fixture);
  [reference, pipeline, batch, badOptions, inheritedTag] = await Promise.all([
    untransformedOutputs(FIXTURES, scratch.dir),
    node([...REGISTER, fixture("pipeline.ts")]),
    node([...REGISTER, RUN_EACH, ...each]),
    node([...REGISTER, fixture("semantics.ts")], { env: { TSGREENLET_OPTIONS: '{"al":true}' } }),
    node(["--import", "./fixtures/integration/support/inherited-tag.mjs", ...REGISTER, RUN_EACH, fixture("pipeline.ts"), ...each]),
  ]);
  outputs = splitRunEach(batch.stdout);
}, 55_000);
afterAll(() => scratch?.cleanup());

const out = (name: string): string => {
  expect(batch.status, batch.stderr).toBe(0);
  const o = outputs[fixture(name)];
  if (o === undefined) throw new Error(`no output for ${name}:\n${batch.stdout}\n${batch.stderr}`);
  return o;
};

describe("register loader", () => {
  it("runs a marked program exactly like the untransformed program", () => {
    expect(reference["semantics.ts"].status).toBe(0);
    expect(reference["semantics.ts"].stdout).toContain("greenlets 5 dead=true");
    expect(out("semantics.ts")).toBe(reference["semantics.ts"].stdout);
    expect(out("constructs.ts")).toBe(reference["constructs.ts"].stdout);
    // Rewritten generators (a program full of them) behave as native ones.
    expect(reference["generators.ts"].stdout).toMatch(/^fib \[0,1,1,1,2,3,5,8,13,21\]/);
    expect(out("generators.ts")).toBe(reference["generators.ts"].stdout);
  });

  it("runs a switching program (as the entry point) like its native-generator twin", () => {
    expect(reference["pipeline.reference.ts"].stdout.split("\n")[0]).toBe("walk [1,2,3,4,5,6,7]");
    expect(pipeline.stderr).toBe("");
    expect(pipeline.status).toBe(0);
    expect(pipeline.stdout).toBe(reference["pipeline.reference.ts"].stdout);
  });

  it("runs the same programs like the untransformed ones when every member call takes the copied-tag exit", () => {
    const warnings = (r: RunResult) => r.stderr.replace(/^\(node:\d+\) /gm, "");
    expect(warnings(inheritedTag)).toBe(warnings(batch)); // warnings.ts's transform warnings, nothing else
    expect(inheritedTag.status).toBe(0);
    const runs = splitRunEach(inheritedTag.stdout);
    expect(runs[fixture("pipeline.ts")]).toBe(reference["pipeline.reference.ts"].stdout);
    for (const name of ["semantics.ts", "constructs.ts", "param-initializers.ts", "generators.ts"] as const) {
      expect(runs[fixture(name)], name).toBe(out(name));
    }
  });

  it("maps stack traces to the original .ts lines, before a switch and after a resume", () => {
    // The column lands inside the throw statement (the next test pins it to `new`).
    expectThrowsMapped(out("throws.ts"), true);
  });

  it("maps a thrown Error to the column of `new`, as the untransformed program does", () => {
    const transformed = stackPositions(out("throws.ts"), "fixtures/integration/throws.ts");
    const early = markedLine(fixture("throws.ts"), "early");
    const late = markedLine(fixture("throws.ts"), "late");
    expect(transformed.map((f) => [f.line, f.column])).toEqual([
      [early.line, columnOf(early.text, "new Error")],
      [late.line, columnOf(late.text, "new Error")],
    ]);
    // The untransformed twin reaches the second throw only where it can switch at all (a hard
    // greenlet when the addon is built): compare the frame both runs have.
    const untransformed = stackPositions(reference["throws.ts"].stdout, "fixtures/integration/throws.ts");
    expect(untransformed[0]).toEqual(transformed[0]);
  });

  it("reports transform warnings as process warnings with file:line:column", () => {
    expect(out("warnings.ts")).toBe(reference["warnings.ts"].stdout);
    const m = markedLine(fixture("warnings.ts"), "getter");
    expect(batch.stderr).toContain(`${fixture("warnings.ts")}:${m.line}:${columnOf(m.text, "summary")} - warning TSG: getters and setters run on property access`);
  });

  it("rejects bad TSGREENLET_OPTIONS with a clear error", () => {
    expect(badOptions.status).not.toBe(0);
    expect(badOptions.stderr).toContain('tsgreenlet/register: TSGREENLET_OPTIONS is not valid: tsgreenlet: unknown option "al"');
    expect(badOptions.stdout).toBe("");
  });

  it("runs parameter defaults and destructured parameters like the untransformed program", () => {
    expect(reference["param-initializers.ts"].stdout).toBe("2 10\n1/2/c/7/9 5/6//undefined/9\n");
    expect(out("param-initializers.ts")).toBe(reference["param-initializers.ts"].stdout);
  });
});
