/**
 * The shapes of destructuring patterns, read the same way for binding patterns
 * (`const { a = f() } = o`) and assignment patterns (`({ a: x.y = f() } = o)`), so that one
 * lowering (lower-function.ts lowerPattern) serves both.
 */
import type * as TS from "typescript";

/** An object or array literal used as the target of `=` or of a for-in/of head. */
export type AssignmentPattern = TS.ObjectLiteralExpression | TS.ArrayLiteralExpression;

export interface PatternElement {
  readonly node: TS.Node;
  /** An elision (`[, a]`). */
  readonly hole?: boolean;
  /** `...rest` (object or array). */
  readonly rest?: boolean;
  /** Object patterns: the property read (identifier, literal or computed name). */
  readonly key?: TS.PropertyName;
  /** What the value goes into: an identifier, a member expression, or a nested pattern. */
  readonly target?: TS.Node;
  /** The default, applied when the value is undefined. */
  readonly init?: TS.Expression;
  /** The name an anonymous function or class default gets (the target is a plain identifier). */
  readonly name?: string;
}

export function isAssignmentPattern(ts: typeof TS, n: TS.Node): n is AssignmentPattern {
  return ts.isObjectLiteralExpression(n) || ts.isArrayLiteralExpression(n);
}

export function patternElements(ts: typeof TS, p: TS.BindingPattern | AssignmentPattern): PatternElement[] {
  if (ts.isObjectBindingPattern(p) || ts.isArrayBindingPattern(p)) {
    const object = ts.isObjectBindingPattern(p);
    return (p.elements as readonly (TS.BindingElement | TS.OmittedExpression)[]).map((el): PatternElement => ts.isOmittedExpression(el)
      ? { node: el, hole: true }
      : {
        node: el, rest: el.dotDotDotToken !== undefined, target: el.name, init: el.initializer,
        key: object && !el.dotDotDotToken ? el.propertyName ?? (el.name as TS.Identifier) : undefined,
        name: ts.isIdentifier(el.name) ? el.name.text : undefined,
      });
  }
  if (ts.isObjectLiteralExpression(p)) {
    return p.properties.map((pr): PatternElement => {
      if (ts.isShorthandPropertyAssignment(pr)) return { node: pr, key: pr.name, target: pr.name, init: pr.objectAssignmentInitializer, name: pr.name.text };
      if (ts.isSpreadAssignment(pr)) return { node: pr, rest: true, target: pr.expression };
      // A method or accessor cannot be an assignment target: the parser reports it.
      const [target, init] = ts.isPropertyAssignment(pr) ? withDefault(ts, pr.initializer) : [pr, undefined];
      return { node: pr, key: pr.name!, target, init, name: ts.isIdentifier(target) ? target.text : undefined };
    });
  }
  return p.elements.map((el): PatternElement => {
    if (ts.isOmittedExpression(el)) return { node: el, hole: true };
    if (ts.isSpreadElement(el)) return { node: el, rest: true, target: el.expression };
    const [target, init] = withDefault(ts, el);
    return { node: el, target, init, name: ts.isIdentifier(target) ? target.text : undefined };
  });
}

/** `t = d` inside an assignment pattern is target t with default d (`(t = d)` is not). */
function withDefault(ts: typeof TS, e: TS.Expression): [TS.Expression, TS.Expression | undefined] {
  return ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken ? [e.left, e.right] : [e, undefined];
}
