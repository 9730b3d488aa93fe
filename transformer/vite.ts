/**
 * Vite / Vitest plugin: `import greenlet from "tsgreenlet/vite"` and `plugins: [greenlet()]`.
 * Runs before Vite's own TypeScript handling; a cheap text check skips files with nothing to do.
 */
import { formatDiagnostic, mayNeedTransform, transform, validateOptions, GreenletTransformError, type GreenletTransformOptions } from "./core/index.js";

export interface VitePluginLike {
  name: string;
  enforce: "pre";
  transform(this: { warn(msg: string): void; error(msg: string): never }, code: string, id: string): { code: string; map: string | undefined } | null;
}

const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

export default function greenlet(options: GreenletTransformOptions = {}): VitePluginLike {
  const opts = validateOptions(options);
  return {
    name: "tsgreenlet",
    enforce: "pre",
    transform(code, id) {
      const file = id.split("?", 1)[0]!;
      if (!SOURCE.test(file) || !mayNeedTransform(code, file, opts)) return null;
      try {
        const r = transform(code, file, opts);
        for (const d of r.diagnostics) if (d.category === "warning") this.warn(formatDiagnostic(d));
        return r.transformed ? { code: r.code, map: r.map } : null;
      } catch (e) {
        if (e instanceof GreenletTransformError) this.error(e.message);
        throw e;
      }
    },
  };
}
