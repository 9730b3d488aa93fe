/**
 * Parentheses and TypeScript's type-only wrappers (`x as T`, `x!`, `<T>x`, `x satisfies T`):
 * erased by the compiler, so the expression inside is the same value, receiver and assignment
 * target. (TypeScript's own `skipOuterExpressions` is not public API.)
 */
import type * as TS from "typescript";

export function isOuterExpression(ts: typeof TS, n: TS.Node): n is TS.ParenthesizedExpression | TS.AsExpression | TS.NonNullExpression | TS.TypeAssertion | TS.SatisfiesExpression {
  return ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isNonNullExpression(n) ||
    ts.isTypeAssertionExpression(n) || ts.isSatisfiesExpression(n);
}

export function skipOuterExpressions(ts: typeof TS, e: TS.Expression): TS.Expression {
  while (isOuterExpression(ts, e)) e = e.expression;
  return e;
}
