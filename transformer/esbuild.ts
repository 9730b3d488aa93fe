/**
 * esbuild plugin: `import greenlet from "tsgreenlet/esbuild"` and `plugins: [greenlet()]`.
 * Loads JS/TS files itself only when they may need the transform (a cheap text check); every
 * other file is left to esbuild. Transformed files keep an inline source map, which esbuild chains.
 */
import { readFile } from "node:fs/promises";
import { mayNeedTransform, transform, validateOptions, GreenletTransformError, type GreenletTransformOptions, type TransformDiagnostic } from "./core/index.js";

export interface EsbuildMessageLike {
  text: string;
  location: { file: string; line: number; column: number; length: number; lineText: string } | null;
}
export interface EsbuildLoadResultLike {
  contents: string;
  loader: "js" | "jsx";
  warnings: EsbuildMessageLike[];
}
export interface EsbuildPluginBuildLike {
  onLoad(
    options: { filter: RegExp; namespace?: string },
    callback: (args: { path: string; namespace: string }) => Promise<EsbuildLoadResultLike | { errors: EsbuildMessageLike[] } | undefined>,
  ): void;
}
export interface EsbuildPluginLike {
  name: string;
  setup(build: EsbuildPluginBuildLike): void;
}

const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

function message(d: TransformDiagnostic, code: string): EsbuildMessageLike {
  const lineText = code.split(/\r?\n/)[d.line - 1] ?? "";
  // esbuild columns are 0-based; ours are 1-based.
  return { text: `${d.message} [TSG]`, location: { file: d.file, line: d.line, column: d.column - 1, length: d.length, lineText } };
}

export default function greenlet(options: GreenletTransformOptions = {}): EsbuildPluginLike {
  const opts = validateOptions(options);
  return {
    name: "tsgreenlet",
    setup(build) {
      build.onLoad({ filter: SOURCE, namespace: "file" }, async ({ path }) => {
        const code = await readFile(path, "utf8");
        if (!mayNeedTransform(code, path, opts)) return undefined;
        try {
          const r = transform(code, path, opts);
          const warnings = r.diagnostics.filter((d) => d.category === "warning").map((d) => message(d, code));
          if (!r.transformed && !warnings.length) return undefined;
          const map = r.map ? `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(r.map).toString("base64")}\n` : "";
          return { contents: r.code + map, loader: /x$/.test(path) ? "jsx" : "js", warnings };
        } catch (e) {
          if (e instanceof GreenletTransformError) return { errors: e.diagnostics.map((d) => message(d, code)) };
          throw e;
        }
      });
    },
  };
}
