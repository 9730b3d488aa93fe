// Integration: the esbuild plugin, `plugins: [greenlet()]` from "tsgreenlet/esbuild", bundling
// fixture programs for Node (the runtime bundled in, through the package's self-reference).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import greenlet from "tsgreenlet/esbuild";
import { markedLine } from "./helpers/source-lines.js";
import {
  BUILD_FIXTURES as FIXTURES, DIFFERENTIAL_FIXTURES, REPO, columnOf, expectSameAsReference, fixture, node, ok, runBuilt, tempProject, untransformedOutputs, type BuildFixture as Fixture, type RunResult, expectThrowsMapped,
} from "../fixtures/integration/support/harness.js";

/** The directive, spelt so that this test file itself is not selected for the transform. */
const DIRECTIVE = ["use", "greenlet"].join(" ");

let scratch: ReturnType<typeof tempProject>;
let result: esbuild.BuildResult;
let runs: Record<Fixture, RunResult>;
let reference: Record<Fixture, RunResult>;
const outfile = (f: string): string => join(scratch.dir, "out", f.replace(/\.ts$/, ".mjs"));

beforeAll(async () => {
  scratch = tempProject("esbuild");
  const referenceP = untransformedOutputs(FIXTURES, scratch.dir);
  result = await esbuild.build({
    entryPoints: FIXTURES.map(fixture), bundle: true, platform: "node", format: "esm",
    outdir: join(scratch.dir, "out"), outExtension: { ".js": ".mjs" }, sourcemap: "inline",
    plugins: [greenlet()], logLevel: "silent", absWorkingDir: REPO,
  });
  runs = await runBuilt(FIXTURES, outfile, scratch.dir);
  reference = await referenceP;
}, 55_000);
afterAll(() => scratch?.cleanup());

describe("esbuild plugin", () => {
  it("bundles marked programs that print exactly what the untransformed programs print", () => {
    expect(result.errors).toEqual([]);
    expect(readFileSync(outfile("semantics.ts"), "utf8")).toContain("$$pc");
    expectSameAsReference(runs, reference, DIFFERENTIAL_FIXTURES);
  });

  it("bundles a switching program that prints what its native-generator twin prints", () => {
    expect(ok(reference["pipeline.reference.ts"]).split("\n")[0]).toBe("walk [1,2,3,4,5,6,7]");
    expect(ok(runs["pipeline.ts"])).toBe(reference["pipeline.reference.ts"].stdout);
  });

  it("leaves files without the directive to esbuild", () => {
    expect(readFileSync(outfile("pipeline.reference.ts"), "utf8")).not.toContain("$$pc");
    expect(ok(runs["pipeline.reference.ts"])).toBe(reference["pipeline.reference.ts"].stdout);
  });

  it("chains the transform's source map: stacks point at the original .ts lines", () => {
    expectThrowsMapped(ok(runs["throws.ts"]), true);
  });

  it("reports transform warnings as esbuild warnings with a location", () => {
    const m = markedLine(fixture("warnings.ts"), "getter");
    const w = result.warnings.filter((x) => x.text.includes("getters and setters run on property access"));
    expect(w).toHaveLength(1);
    expect(w[0]!.location).toMatchObject({ line: m.line, column: columnOf(m.text, "summary") - 1, lineText: m.text });
    expect(w[0]!.location!.file).toMatch(/fixtures\/integration\/warnings\.ts$/);
    expect(result.warnings).toHaveLength(1);
  });

  it("reports syntax errors in marked files as esbuild errors with a location", async () => {
    const dir = join(scratch.dir, "bad");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "bad.ts"), `"${DIRECTIVE}";\nexport function f(): number {\n  return 1 +;\n}\n`);
    const r = await esbuild.build({
      entryPoints: [join(dir, "bad.ts")], bundle: true, write: false, platform: "node", format: "esm",
      plugins: [greenlet()], logLevel: "silent",
    }).catch((e: esbuild.BuildFailure) => e);
    expect(r).toBeInstanceOf(Error);
    const errors = (r as esbuild.BuildFailure).errors;
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.text).toContain("Expression expected");
    expect(errors[0]!.location).toMatchObject({ line: 3, column: 12, lineText: "  return 1 +;" });
  });

  it("uses the jsx loader for .tsx files", async () => {
    const dir = join(scratch.dir, "jsx");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "view.tsx"), [
      `"${DIRECTIVE}";`,
      `import { getcurrent } from "tsgreenlet";`,
      `const h = (tag: string, _props: unknown, ...kids: unknown[]): string => \`<\${tag}>\${kids.flat().join("")}</\${tag}>\`;`,
      `function view(items: string[]): string { return <ul>{items.map((i) => <li>{i}</li>)}</ul>; }`,
      `console.log(view(["a", "b"]), getcurrent().parent);`,
    ].join("\n"));
    const r = await esbuild.build({
      entryPoints: [join(dir, "view.tsx")], bundle: true, platform: "node", format: "esm", outfile: join(dir, "view.mjs"),
      jsxFactory: "h", plugins: [greenlet()], logLevel: "silent", absWorkingDir: REPO,
    });
    expect(r.errors).toEqual([]);
    expect(readFileSync(join(dir, "view.mjs"), "utf8")).toContain("$$pc");
    expect(ok(await node([join(dir, "view.mjs")]))).toBe("<ul><li>a</li><li>b</li></ul> null\n");
  });

  it("skips node_modules unless the exclude option says otherwise", async () => {
    const dep = join(scratch.dir, "node_modules", "dep");
    mkdirSync(dep, { recursive: true });
    writeFileSync(join(dep, "package.json"), JSON.stringify({ name: "dep", type: "module", main: "index.js" }));
    writeFileSync(join(dep, "index.js"), `"${DIRECTIVE}";\nexport function twice(f) { return f() + f(); }\n`);
    writeFileSync(join(scratch.dir, "app.js"), `import { twice } from "dep";\nconsole.log(twice(() => 21));\n`);
    const bundle = async (options?: Parameters<typeof greenlet>[0]) => {
      const r = await esbuild.build({
        entryPoints: [join(scratch.dir, "app.js")], bundle: true, write: false, platform: "node", format: "esm",
        plugins: [greenlet(options)], logLevel: "silent", absWorkingDir: scratch.dir,
      });
      return r.outputFiles[0]!.text;
    };
    expect(await bundle()).not.toContain("$$pc");
    expect(await bundle({ exclude: [] })).toContain("$$pc");
  });

  it("validates options when the plugin is created", () => {
    expect(() => greenlet({ al: true } as never)).toThrow(TypeError);
    expect(() => greenlet({ al: true } as never)).toThrow('tsgreenlet: unknown option "al"');
    expect(() => greenlet({ include: "src/**" } as never)).toThrow("option include must be an array of glob strings");
    expect(greenlet({ all: true, include: ["src/**"] }).name).toBe("tsgreenlet");
  });
});
