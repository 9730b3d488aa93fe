/**
 * Module customization hooks behind tsgreenlet/register (they run on Node's loader thread).
 * `.ts`/`.mts` files are type-erased and transformed; `.js`/`.mjs` files only when marked.
 * TypeScript's `./x.js` import convention resolves to `./x.ts` when only the latter exists.
 */
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatDiagnostic, mayNeedTransform, transform, type GreenletTransformOptions } from "./core/index.js";

let options: GreenletTransformOptions = {};

export function initialize(data: { options?: GreenletTransformOptions } | undefined): void {
  options = data?.options ?? {};
}

type Next<A extends unknown[], R> = (...args: A) => Promise<R>;
interface ResolveResult { url: string; format?: string | null; shortCircuit?: boolean }
interface LoadResult { format?: string | null; source?: string | ArrayBuffer | Uint8Array | null; shortCircuit?: boolean }

export async function resolve(specifier: string, context: { parentURL?: string }, next: Next<[string, { parentURL?: string }], ResolveResult>): Promise<ResolveResult> {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (context.parentURL && /^\.\.?\//.test(specifier) && /\.[cm]?js$/.test(specifier)) {
      const url = new URL(specifier.replace(/\.([cm]?)js$/, ".$1ts"), context.parentURL);
      if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
    }
    throw e;
  }
}

export async function load(url: string, context: { format?: string | null }, next: Next<[string, { format?: string | null }], LoadResult>): Promise<LoadResult> {
  if (!url.startsWith("file:")) return next(url, context);
  const path = fileURLToPath(url);
  const isTs = /\.m?ts$/.test(path);
  const isJs = /\.m?js$/.test(path);
  if (!isTs && !isJs) return next(url, context);
  if (path.includes("/node_modules/") && !isTs) return next(url, context);
  const code = await readFile(path, "utf8");
  if (isJs && !mayNeedTransform(code, path, options)) return next(url, context);
  if (isJs && context.format === "commonjs") return next(url, context);
  const r = transform(code, path, options);
  for (const d of r.diagnostics) if (d.category === "warning") process.emitWarning(formatDiagnostic(d), "TsGreenletWarning");
  const map = r.map ? `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(r.map).toString("base64")}\n` : "";
  return { format: "module", source: r.code + map, shortCircuit: true };
}
