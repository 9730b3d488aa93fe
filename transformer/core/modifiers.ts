import type * as TS from "typescript";

/** Whether a node carries a modifier (`static`, `declare`, `export`…). */
export function hasModifier(ts: typeof TS, n: TS.Node, kind: TS.SyntaxKind): boolean {
  return !!(ts.canHaveModifiers(n) && ts.getModifiers(n)?.some((m) => m.kind === kind));
}
