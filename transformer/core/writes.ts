/**
 * How an identifier reference is written, from syntax alone: shared by the temporal-dead-zone
 * analysis (tdz.ts: when a write must check) and the leaf analysis (non-suspending.ts: which
 * function bindings are ever reassigned).
 */
import type * as TS from "typescript";
import { isOuterExpression } from "./outer.js";

/** Not written, `x = v`, `x op= v`/`x++` (read first), or a destructuring/for-in/of target. */
export type WriteKind = "none" | "assign" | "compound" | "pattern";

export function writeKind(ts: typeof TS, id: TS.Identifier): WriteKind {
  const K = ts.SyntaxKind;
  let c: TS.Node = id;
  // `(x)`, `x as T`, `x!`, `<T>x`, `x satisfies T` are the same assignment target as x.
  while (isOuterExpression(ts, c.parent)) c = c.parent;
  const p = c.parent;
  if (ts.isBinaryExpression(p) && p.left === c && p.operatorToken.kind >= K.FirstAssignment && p.operatorToken.kind <= K.LastAssignment) {
    if (inPattern(ts, p)) return "pattern";
    return p.operatorToken.kind === K.EqualsToken ? "assign" : "compound";
  }
  if ((ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p)) && (p.operator === K.PlusPlusToken || p.operator === K.MinusMinusToken)) return "compound";
  if (ts.isShorthandPropertyAssignment(p) && p.name === c) return inPattern(ts, p) ? "pattern" : "none";
  return inPattern(ts, c) ? "pattern" : "none";
}

/** Whether `n` is (part of) the target of a destructuring assignment or a for-in/of head. */
export function inPattern(ts: typeof TS, n: TS.Node): boolean {
  for (let c = n; ;) {
    const p = c.parent;
    if (!p) return false;
    if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && p.left === c) {
      // The root of a pattern, or `target = default` inside one (or a plain assignment).
      if (ts.isArrayLiteralExpression(c) || ts.isObjectLiteralExpression(c)) return true;
    } else if ((ts.isForOfStatement(p) || ts.isForInStatement(p)) && p.initializer === c) {
      return true;
    } else if (!(isOuterExpression(ts, p) || ts.isSpreadElement(p) || ts.isSpreadAssignment(p) ||
        (ts.isShorthandPropertyAssignment(p) && p.name === c) || (ts.isPropertyAssignment(p) && p.initializer === c) ||
        ts.isArrayLiteralExpression(p) || ts.isObjectLiteralExpression(p))) {
      return false;
    }
    c = p;
  }
}
