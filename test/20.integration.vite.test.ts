// Integration: the Vite plugin in a real Vite SSR build (Node target, dependencies bundled, the
// runtime included through the package's self-reference), then the built programs run in Node.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build, type Rollup } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import greenlet from "tsgreenlet/vite";
import { markedLine } from "./helpers/source-lines.js";
import {
  BUILD_FIXTURES as FIXTURES, DIFFERENTIAL_FIXTURES, REPO, expectSameAsReference, fixture, ok, runBuilt, tempProject, untransformedOutputs, type BuildFixture as Fixture, type RunResult, expectThrowsMapped,
} from "../fixtures/integration/support/harness.js";

let scratch: ReturnType<typeof tempProject>;
const warnings: Rollup.RollupLog[] = [];
let runs: Record<Fixture, RunResult>;
let reference: Record<Fixture, RunResult>;
const outfile = (f: string): string => join(scratch.dir, "out", f.replace(/\.ts$/, ".mjs"));

beforeAll(async () => {
  scratch = tempProject("vite");
  const referenceP = untransformedOutputs(FIXTURES, scratch.dir);
  await build({
    configFile: false, root: REPO, logLevel: "silent", plugins: [greenlet()],
    ssr: { noExternal: true },
    build: {
      ssr: true, outDir: join(scratch.dir, "out"), emptyOutDir: true, minify: false, sourcemap: "inline",
      rollupOptions: {
        input: Object.fromEntries(FIXTURES.map((f) => [f.replace(/\.ts$/, ""), fixture(f)])),
        output: { format: "es", entryFileNames: "[name].mjs" },
        onwarn: (w) => { warnings.push(w); },
      },
    },
  });
  runs = await runBuilt(FIXTURES, outfile, scratch.dir);
  reference = await referenceP;
}, 55_000);
afterAll(() => scratch?.cleanup());

describe("vite plugin (SSR build)", () => {
  it("builds marked programs that print exactly what the untransformed programs print", () => {
    expect(readFileSync(outfile("semantics.ts"), "utf8")).toContain("$$pc");
    expectSameAsReference(runs, reference, DIFFERENTIAL_FIXTURES);
  });

  it("builds a switching program that prints what its native-generator twin prints", () => {
    expect(ok(reference["pipeline.reference.ts"]).split("\n")[0]).toBe("walk [1,2,3,4,5,6,7]");
    expect(ok(runs["pipeline.ts"])).toBe(reference["pipeline.reference.ts"].stdout);
    expect(readFileSync(outfile("pipeline.reference.ts"), "utf8")).not.toContain("$$pc");
  });

  it("keeps stacks pointing at the original .ts lines", () => {
    expectThrowsMapped(ok(runs["throws.ts"]), false);
  });

  it("reports transform warnings through the build's warnings", () => {
    const m = markedLine(fixture("warnings.ts"), "getter");
    const ours = warnings.filter((w) => w.message.includes("getters and setters run on property access"));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.message).toContain(`fixtures/integration/warnings.ts:${m.line}:`);
  });

  it("validates options when the plugin is created", () => {
    expect(() => greenlet({ al: true } as never)).toThrow(TypeError);
    expect(() => greenlet({ al: true } as never)).toThrow('tsgreenlet: unknown option "al"');
    expect(() => greenlet({ runtimeModule: 1 } as never)).toThrow("option runtimeModule must be a string");
  });
});
