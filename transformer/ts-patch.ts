/**
 * ts-patch "program" plugin: in tsconfig.json, `"plugins": [{ "transform": "tsgreenlet/transformer" }]`
 * (plus any option, e.g. `"all": true`), then compile with `tspc`. The transform runs as a `before`
 * transformer with the compiler's own `ts`; its diagnostics are reported like tsc's, at file:line:col.
 */
import type * as TS from "typescript";
import { createGreenletTransformer, validateOptions, type TransformDiagnostic } from "./core/index.js";

export interface TsPatchExtrasLike {
  ts: typeof TS;
  addDiagnostic(diag: TS.Diagnostic): number;
}

/** ts-patch's own plugin-entry keys, which are not transform options. */
const TS_PATCH_KEYS = ["name", "transform", "transformProgram", "import", "isEsm", "type", "after", "afterDeclarations", "resolvePathAliases", "tsConfig"];

/** Diagnostic code of every transform diagnostic (TSG99001). */
export const DIAGNOSTIC_CODE = 99001;

export default function greenletProgramPlugin(
  program: TS.Program, config: Record<string, unknown> | undefined, extras: TsPatchExtrasLike,
): { before: TS.TransformerFactory<TS.SourceFile>[] } {
  const options: Record<string, unknown> = { ...config };
  for (const k of TS_PATCH_KEYS) delete options[k];
  const opts = validateOptions(options);
  const ts = extras.ts;
  const report = (d: TransformDiagnostic): void => {
    extras.addDiagnostic({
      file: program.getSourceFile(d.file),
      start: d.start,
      length: d.length,
      code: DIAGNOSTIC_CODE,
      category: d.category === "error" ? ts.DiagnosticCategory.Error : ts.DiagnosticCategory.Warning,
      messageText: `tsgreenlet: ${d.message}`,
      source: "tsgreenlet",
    });
  };
  return { before: [createGreenletTransformer(ts, opts, report)] };
}
