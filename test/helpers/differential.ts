// Differential runs of one JavaScript function body: once as plain code, once transformed as a
// marked function by the public transform API (loaded from files, as a user's build would).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transform } from "tsgreenlet/transform";

export const runtimeUrl = pathToFileURL(fileURLToPath(new URL("../../dist/runtime/index.js", import.meta.url))).href;

export type Outcome = { value: unknown } | { error: string };

export function settle(fn: () => unknown): Outcome {
  try {
    return { value: fn() };
  } catch (e) {
    return { error: `${(e as Error).constructor.name}: ${(e as Error).message}` };
  }
}

/** A scratch directory for one test file; `dispose` removes it (call it in afterAll). */
export function differential(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), `tsgreenlet-${prefix}-`));
  let n = 0;
  const write = (source: string): string => {
    const file = join(dir, `case-${++n}.mjs`);
    writeFileSync(file, source);
    return pathToFileURL(file).href;
  };
  /** Imports module `source` as plain JavaScript and transformed as a marked module. */
  const load = async <M>(source: string): Promise<{ plain: M; marked: M; code: string; warnings: string[] }> => {
    const plain = (await import(/* @vite-ignore */ write(source))) as M;
    const { code, diagnostics } = transform(`"use greenlet";\n${source}`, `${prefix}-case-${n}.js`, { runtimeModule: runtimeUrl });
    const marked = (await import(/* @vite-ignore */ write(code))) as M;
    return { plain, marked, code, warnings: diagnostics.map((d) => d.message) };
  };
  /** Runs `run(arg)` with `body` as plain JavaScript and as a transformed marked function. */
  const both = async (body: string, arg?: unknown): Promise<{ plain: Outcome; transformed: Outcome; code: string }> => {
    const { plain, marked, code } = await load<{ run(a: unknown): unknown }>(`export function run(arg) {\n${body}\n}\n`);
    return { plain: settle(() => plain.run(arg)), transformed: settle(() => marked.run(arg)), code };
  };
  return { both, load, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
