/**
 * The one core transform behind every adapter: `transform(code, fileName, options)`.
 *
 * `createGreenletTransformer(ts, options, report)` returns the TypeScript transformer factory
 * (used as a `before` transformer by the ts-patch plugin with the user's own `ts` instance);
 * `transform` runs it through `ts.transpileModule` on the pinned TypeScript, which also erases
 * types and produces the source map, for esbuild, Vite and the Node loader.
 */
import ts from "typescript";
import type * as TS from "typescript";
import { transformSourceFile } from "./transform-file.js";
import { fileSelected, validateOptions, type GreenletTransformOptions, type TransformDiagnostic } from "./options.js";

export type { GreenletTransformOptions, TransformDiagnostic } from "./options.js";
export { validateOptions, fileSelected } from "./options.js";

export interface TransformResult {
  code: string;
  map: string | undefined;
  diagnostics: TransformDiagnostic[];
  /** False when the file has nothing to transform (code is then only type-erased). */
  transformed: boolean;
}

export class GreenletTransformError extends Error {
  constructor(readonly diagnostics: TransformDiagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join("\n"));
    this.name = "GreenletTransformError";
  }
}

export function formatDiagnostic(d: TransformDiagnostic): string {
  return `${d.file}:${d.line}:${d.column} - ${d.category} TSG: ${d.message}`;
}

export function createGreenletTransformer(
  tsi: typeof TS, options: GreenletTransformOptions, report: (d: TransformDiagnostic) => void,
): TS.TransformerFactory<TS.SourceFile> {
  const opts = validateOptions(options);
  return (context) => (sf) => {
    const sel = fileSelected(sf.fileName, opts);
    if (!sel.scan) return sf;
    return transformSourceFile(tsi, context, sf, sf.fileName, opts, report, sel.all);
  };
}

/** Quick textual pre-check: can this file need the transform at all? */
export function mayNeedTransform(code: string, fileName: string, options: GreenletTransformOptions = {}): boolean {
  const sel = fileSelected(fileName, options);
  return sel.scan && (sel.all || code.includes("use greenlet"));
}

const COMPILER_OPTIONS: TS.CompilerOptions = {
  target: ts.ScriptTarget.ES2023,
  module: ts.ModuleKind.ESNext,
  sourceMap: true,
  inlineSources: true,
  allowJs: true,
  useDefineForClassFields: true,
  verbatimModuleSyntax: false,
  jsx: ts.JsxEmit.Preserve,
};

/** TypeScript's syntax errors for `code`, without emitting it (a one-file program: public API only). */
function syntaxErrors(code: string, fileName: string): readonly TS.Diagnostic[] {
  const sf = ts.createSourceFile(fileName, code, ts.ScriptTarget.ES2023, true);
  const host = ts.createCompilerHost({});
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, ...rest) => (name === fileName ? sf : read(name, ...rest));
  return ts.createProgram([fileName], { noLib: true, noResolve: true, allowJs: true }, host).getSyntacticDiagnostics(sf);
}

/** TypeScript's own errors (syntax and the few checks transpileModule makes), as diagnostics. */
function transpileErrors(out: { readonly diagnostics?: readonly TS.Diagnostic[] }, fileName: string): TransformDiagnostic[] {
  const found: TransformDiagnostic[] = [];
  for (const d of out.diagnostics ?? []) {
    if (d.category !== ts.DiagnosticCategory.Error || !d.file || d.start === undefined) continue;
    const lc = d.file.getLineAndCharacterOfPosition(d.start);
    found.push({ file: fileName, line: lc.line + 1, column: lc.character + 1, start: d.start, length: d.length ?? 0,
      category: "error", message: ts.flattenDiagnosticMessageText(d.messageText, "\n") });
  }
  return found;
}

export function transform(code: string, fileName: string, options: GreenletTransformOptions = {}): TransformResult {
  const opts = validateOptions(options);
  const diagnostics: TransformDiagnostic[] = [];
  let out: TS.TranspileOutput;
  try {
    out = ts.transpileModule(code, {
      fileName,
      reportDiagnostics: true,
      compilerOptions: COMPILER_OPTIONS,
      transformers: { before: [createGreenletTransformer(ts as unknown as typeof TS, opts, (d) => diagnostics.push(d))] },
    });
  } catch (e) {
    // TypeScript's printer can fail on rewritten code for input it rejects itself (such as
    // `o?.#m()`): report TypeScript's errors for the file, or else say where the transform failed.
    const own = transpileErrors({ diagnostics: syntaxErrors(code, fileName) }, fileName);
    throw new GreenletTransformError(own.length ? own : [{ file: fileName, line: 1, column: 1, start: 0, length: 0, category: "error",
      message: `the transform failed on this file (${e instanceof Error ? e.message : String(e)}); this is a tsgreenlet bug: please report it with the file` }]);
  }
  diagnostics.push(...transpileErrors(out, fileName));
  const errors = diagnostics.filter((d) => d.category === "error");
  if (errors.length) throw new GreenletTransformError(errors);
  const code2 = out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
  return { code: code2, map: out.sourceMapText, diagnostics, transformed: code2 !== code };
}
