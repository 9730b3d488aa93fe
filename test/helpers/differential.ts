// Differential runs of one JavaScript function body: once as plain code, once transformed as a
// marked function by the public transform API (loaded from files, as a user's build would).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transform } from "tsgreenlet/transform";

const runtimeUrl = pathToFileURL(fileURLToPath(new URL("../../dist/runtime/index.js", import.meta.url))).href;

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
  /** Runs `run(arg)` with `body` as plain JavaScript and as a transformed marked function. */
  const both = async (body: string, arg?: unknown): Promise<{ plain: Outcome; transformed: Outcome; code: string }> => {
    const source = `export function run(arg) {\n${body}\n}\n`;
    const plain = (await import(/* @vite-ignore */ write(source))) as { run(a: unknown): unknown };
    const { code } = transform(`"use greenlet";\n${source}`, `${prefix}-case-${n}.js`, { runtimeModule: runtimeUrl });
    const marked = (await import(/* @vite-ignore */ write(code))) as { run(a: unknown): unknown };
    return { plain: settle(() => plain.run(arg)), transformed: settle(() => marked.run(arg)), code };
  };
  return { both, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
