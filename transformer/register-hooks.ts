/**
 * Module customization hooks behind tsgreenlet/register (they run on Node's loader thread).
 * `.ts`/`.mts` files are type-erased and transformed; `.js`/`.mjs` files only when marked.
 * TypeScript's `./x.js` import convention resolves to `./x.ts` when only the latter exists.
 */
import { readFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatDiagnostic, mayNeedTransform, transform, type GreenletTransformOptions } from "./core/index.js";

let options: GreenletTransformOptions = {};

export function initialize(data: { options?: GreenletTransformOptions } | undefined): void {
  options = data?.options ?? {};
}

type Next<A extends unknown[], R> = (...args: A) => Promise<R>;
interface ResolveResult { url: string; format?: string | null; shortCircuit?: boolean }
interface LoadResult { format?: string | null; source?: string | ArrayBuffer | Uint8Array | null; shortCircuit?: boolean }

/** TypeScript's `./x.js` import convention: `./x.ts` when only that exists. */
function typeScriptTwin(specifier: string, parentURL: string | undefined): ResolveResult | undefined {
  if (parentURL && /^\.\.?\//.test(specifier) && /\.[cm]?js$/.test(specifier)) {
    const url = new URL(specifier.replace(/\.([cm]?)js$/, ".$1ts"), parentURL);
    if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
  }
  return undefined;
}

export async function resolve(specifier: string, context: { parentURL?: string }, next: Next<[string, { parentURL?: string }], ResolveResult>): Promise<ResolveResult> {
  try {
    return await next(specifier, context);
  } catch (e) {
    const twin = typeScriptTwin(specifier, context.parentURL);
    if (twin) return twin;
    throw e;
  }
}

/** Synchronous twin of `resolve` for `module.registerHooks` (Node 22.15+; `register` is deprecated on 26). */
export function resolveSync(specifier: string, context: { parentURL?: string }, next: (s: string, c: { parentURL?: string }) => ResolveResult): ResolveResult {
  try {
    return next(specifier, context);
  } catch (e) {
    const twin = typeScriptTwin(specifier, context.parentURL);
    if (twin) return twin;
    throw e;
  }
}

/** The file a load hook may transform, or undefined to leave the URL to the next hook. */
function candidate(url: string): { path: string; isJs: boolean } | undefined {
  if (!url.startsWith("file:")) return undefined;
  const path = fileURLToPath(url);
  const isTs = /\.m?ts$/.test(path);
  const isJs = /\.m?js$/.test(path);
  if (!isTs && !isJs) return undefined;
  if (path.includes("/node_modules/") && !isTs) return undefined;
  return { path, isJs };
}

/** The transformed module, or undefined when the file is left alone. */
function transformed(path: string, isJs: boolean, code: string, context: { format?: string | null }): LoadResult | undefined {
  if (isJs && !mayNeedTransform(code, path, options)) return undefined;
  if (isJs && context.format === "commonjs") return undefined;
  const r = transform(code, path, options);
  for (const d of r.diagnostics) if (d.category === "warning") process.emitWarning(formatDiagnostic(d), "TsGreenletWarning");
  const map = r.map ? `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(r.map).toString("base64")}\n` : "";
  return { format: "module", source: r.code + map, shortCircuit: true };
}

export async function load(url: string, context: { format?: string | null }, next: Next<[string, { format?: string | null }], LoadResult>): Promise<LoadResult> {
  const c = candidate(url);
  if (!c) return next(url, context);
  return transformed(c.path, c.isJs, await readFile(c.path, "utf8"), context) ?? next(url, context);
}

/** Synchronous twin of `load` for `module.registerHooks`. */
export function loadSync(url: string, context: { format?: string | null }, next: (u: string, c: { format?: string | null }) => LoadResult): LoadResult {
  const c = candidate(url);
  if (!c) return next(url, context);
  return transformed(c.path, c.isJs, readFileSync(c.path, "utf8"), context) ?? next(url, context);
}
