// Integration: the ts-patch program plugin. A temporary project lists the fixtures in its
// tsconfig.json with `"plugins": [{ "transform": ".../dist/transformer/ts-patch.js" }]`, `tspc`
// compiles it, and the emitted JavaScript runs against the repository's runtime.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import tsPatchPlugin, { type TsPatchExtrasLike } from "tsgreenlet/transformer";
import { markedLine } from "./helpers/source-lines.js";
import {
  BUILD_FIXTURES as FIXTURES, DIFFERENTIAL_FIXTURES, FIXTURES as FIXTURE_DIR, REPO, columnOf, expectSameAsReference, fixture, node, ok, runBuilt, tempProject, untransformedOutputs, type BuildFixture as Fixture, type RunResult, expectThrowsMapped,
} from "../fixtures/integration/support/harness.js";

const DIRECTIVE = ["use", "greenlet"].join(" ");
/** The compiler instance as ts-patch hands it over (the CommonJS module object). */
const tsi = ts as unknown as TsPatchExtrasLike["ts"];

const require = createRequire(import.meta.url);
const tsPatchPkg = require.resolve("ts-patch/package.json");
const TSPC = join(dirname(tsPatchPkg), (require(tsPatchPkg) as { bin: Record<string, string> }).bin.tspc!);
const PLUGIN = join(REPO, "dist", "transformer", "ts-patch.js");

function writeTsconfig(dir: string, name: string, plugin: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({
    compilerOptions: {
      target: "ES2023", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true,
      types: [], sourceMap: true, rootDir: FIXTURE_DIR, outDir: join(dir, "out"),
      plugins: [{ transform: PLUGIN, ...plugin }],
    },
    files: FIXTURES.map(fixture),
  }, null, 2));
  return file;
}

let scratch: ReturnType<typeof tempProject>;
let compile: RunResult;
let badCompile: RunResult;
let runs: Record<Fixture, RunResult>;
let reference: Record<Fixture, RunResult>;
// eslint-disable-next-line no-control-regex
const plain = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, "");

beforeAll(async () => {
  scratch = tempProject("tspatch");
  const good = writeTsconfig(scratch.dir, "tsconfig.json", {});
  const bad = writeTsconfig(scratch.dir, "tsconfig.bad.json", { alll: true });
  const referenceP = untransformedOutputs(FIXTURES, scratch.dir);
  [compile, badCompile] = await Promise.all([
    node([TSPC, "-p", good, "--pretty"], { cwd: scratch.dir }),
    node([TSPC, "-p", bad, "--noEmit"], { cwd: scratch.dir }),
  ]);
  runs = await runBuilt(FIXTURES, (f) => join(scratch.dir, "out", f.replace(/\.ts$/, ".js")), scratch.dir);
  reference = await referenceP;
}, 55_000);
afterAll(() => scratch?.cleanup());

describe("ts-patch plugin (tspc)", () => {
  it("compiles without errors; its only diagnostic is the transform warning", () => {
    const out = plain(compile.stdout);
    expect(out).not.toMatch(/error TS/);
    // tsc exits with 2 ("diagnostics present, outputs generated") for warnings too.
    expect(compile.status).toBe(2);
    expect(out.match(/TS99001/g)).toHaveLength(1);
  });

  it("prints transform warnings at file:line:column", () => {
    const m = markedLine(fixture("warnings.ts"), "getter");
    expect(plain(compile.stdout)).toContain(
      `fixtures/integration/warnings.ts:${m.line}:${columnOf(m.text, "summary")} - warning TS99001: tsgreenlet: getters and setters run on property access`);
  });

  it("emits marked programs that print exactly what the untransformed programs print", () => {
    expectSameAsReference(runs, reference, DIFFERENTIAL_FIXTURES);
  });

  it("emits a switching program that prints what its native-generator twin prints", () => {
    expect(ok(reference["pipeline.reference.ts"]).split("\n")[0]).toBe("walk [1,2,3,4,5,6,7]");
    expect(ok(runs["pipeline.ts"])).toBe(reference["pipeline.reference.ts"].stdout);
    expect(ok(runs["pipeline.reference.ts"])).toBe(reference["pipeline.reference.ts"].stdout);
  });

  it("emits source maps that lead stacks back to the original .ts lines", () => {
    expectThrowsMapped(ok(runs["throws.ts"]), false);
  });

  it("fails the compilation with a clear message for a bad option", () => {
    expect(badCompile.status).not.toBe(0);
    expect(badCompile.stdout + badCompile.stderr).toContain('tsgreenlet: unknown option "alll"');
  });
});

describe("ts-patch plugin (in process)", () => {
  const source = `"${DIRECTIVE}";\nclass C {\n  constructor(private g: () => number) {}\n  get v(): number { return this.g(); }\n}\nexport function f(g: () => number): number {\n  return new C(g).v + 1;\n}\n`;
  const fileName = join(REPO, "fixtures", "integration", "virtual.ts");
  const program = (): ts.Program => {
    const host = ts.createCompilerHost({});
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, lang) => (name === fileName ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang));
    return ts.createProgram([fileName], { target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.ESNext, noLib: true, types: [] }, host);
  };

  it("turns transform diagnostics into ts.Diagnostics on the program's source file", () => {
    const p = program();
    const added: ts.Diagnostic[] = [];
    const plugin = tsPatchPlugin(p, { transform: PLUGIN, after: false, afterDeclarations: false, name: "x", isEsm: true },
      { ts: tsi, addDiagnostic: (d) => added.push(d) });
    let js = "";
    p.emit(undefined, (_n, text) => { if (_n.endsWith(".js")) js = text; }, undefined, false, plugin);
    expect(js).toContain("$$pc");
    expect(added).toHaveLength(1);
    const d = added[0]!;
    expect(d.file).toBe(p.getSourceFile(fileName));
    expect(d).toMatchObject({ code: 99001, category: ts.DiagnosticCategory.Warning });
    expect(source.slice(d.start, d.start! + d.length!)).toBe("v");
    expect(ts.flattenDiagnosticMessageText(d.messageText, "\n")).toContain("getters and setters run on property access");
  });

  it("validates options when the plugin is created", () => {
    const p = program();
    const extras = { ts: tsi, addDiagnostic: () => 0 };
    expect(() => tsPatchPlugin(p, { transform: PLUGIN, alll: true }, extras)).toThrow(TypeError);
    expect(() => tsPatchPlugin(p, { transform: PLUGIN, alll: true }, extras)).toThrow('tsgreenlet: unknown option "alll"');
    expect(() => tsPatchPlugin(p, { transform: PLUGIN, all: 1 }, extras)).toThrow("option all must be a boolean");
    expect(tsPatchPlugin(p, { transform: PLUGIN, all: true, exclude: [] }, extras).before).toHaveLength(1);
  });
});
