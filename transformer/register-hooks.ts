/**
 * Module customization hooks behind tsgreenlet/register: synchronous ones for
 * `module.registerHooks` (Node >= 22.15, in-thread; `module.register` is deprecated on Node 26)
 * and asynchronous wrappers for `module.register` (Node 20, on the loader thread).
 * `.ts`/`.mts` files are type-erased and transformed; `.js`/`.mjs` files only when marked.
 * TypeScript's `./x.js` import convention resolves to `./x.ts` when only the latter exists.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatDiagnostic, mayNeedTransform, transform, type GreenletTransformOptions } from "./core/index.js";

let options: GreenletTransformOptions = {};

export function initialize(data: { options?: GreenletTransformOptions } | undefined): void {
  options = data?.options ?? {};
}

type Next<A extends unknown[], R> = (...args: A) => R;
interface ResolveResult { url: string; format?: string | null; shortCircuit?: boolean }
interface LoadResult { format?: string | null; source?: string | ArrayBuffer | Uint8Array | null; shortCircuit?: boolean }
type ResolveContext = { parentURL?: string };
type LoadContext = { format?: string | null };

/** TypeScript's `./x.js` import convention: resolve to `./x.ts` when only the latter exists. */
function tsSibling(specifier: string, context: ResolveContext): ResolveResult | undefined {
  if (context.parentURL && /^\.\.?\//.test(specifier) && /\.[cm]?js$/.test(specifier)) {
    const url = new URL(specifier.replace(/\.([cm]?)js$/, ".$1ts"), context.parentURL);
    if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
  }
  return undefined;
}

/** The transformed module for `url`, or undefined when the file is not ours to transform. */
function transformed(url: string, context: LoadContext): LoadResult | undefined {
  if (!url.startsWith("file:")) return undefined;
  const path = fileURLToPath(url);
  const isTs = /\.m?ts$/.test(path);
  const isJs = /\.m?js$/.test(path);
  if (!isTs && !isJs) return undefined;
  if (path.includes("/node_modules/") && !isTs) return undefined;
  const code = readFileSync(path, "utf8");
  if (isJs && !mayNeedTransform(code, path, options)) return undefined;
  if (isJs && context.format === "commonjs") return undefined;
  const r = transform(code, path, options);
  for (const d of r.diagnostics) if (d.category === "warning") process.emitWarning(formatDiagnostic(d), "TsGreenletWarning");
  const map = r.map ? `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(r.map).toString("base64")}\n` : "";
  return { format: "module", source: r.code + map, shortCircuit: true };
}

export function resolveSync(specifier: string, context: ResolveContext, next: Next<[string, ResolveContext], ResolveResult>): ResolveResult {
  try {
    return next(specifier, context);
  } catch (e) {
    const alt = tsSibling(specifier, context);
    if (alt) return alt;
    throw e;
  }
}

export function loadSync(url: string, context: LoadContext, next: Next<[string, LoadContext], LoadResult>): LoadResult {
  return transformed(url, context) ?? next(url, context);
}

export async function resolve(specifier: string, context: ResolveContext, next: Next<[string, ResolveContext], Promise<ResolveResult>>): Promise<ResolveResult> {
  try {
    return await next(specifier, context);
  } catch (e) {
    const alt = tsSibling(specifier, context);
    if (alt) return alt;
    throw e;
  }
}

export async function load(url: string, context: LoadContext, next: Next<[string, LoadContext], Promise<LoadResult>>): Promise<LoadResult> {
  return transformed(url, context) ?? next(url, context);
}
