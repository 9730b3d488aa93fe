import type * as TS from "typescript";

/** The name ES would give an anonymous function from its syntactic context (NamedEvaluation). */
export function inferredName(ts: typeof TS, node: TS.Node): string | undefined {
  const p = node.parent;
  if (!p) return undefined;
  if (ts.isVariableDeclaration(p) && p.initializer === node && ts.isIdentifier(p.name)) return p.name.text;
  if (ts.isPropertyAssignment(p) && p.initializer === node && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) return p.name.text;
  if (ts.isBinaryExpression(p) && p.right === node && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(p.left)) return p.left.text;
  if ((ts.isParameter(p) || ts.isBindingElement(p)) && p.initializer === node && ts.isIdentifier(p.name)) return p.name.text;
  if (ts.isShorthandPropertyAssignment(p) && p.objectAssignmentInitializer === node) return p.name.text;
  if (ts.isPropertyDeclaration(p) && p.initializer === node && ts.isIdentifier(p.name)) return p.name.text;
  if (ts.isExportAssignment(p)) return "default";
  return undefined;
}

/** Whether an identifier named `name` occurs anywhere in `node` (then that name cannot be borrowed for it). */
export function mentions(ts: typeof TS, node: TS.Node, name: string): boolean {
  let found = false;
  const walk = (c: TS.Node): void => {
    if (found) return;
    if (ts.isIdentifier(c) && c.text === name) { found = true; return; }
    ts.forEachChild(c, walk);
  };
  walk(node);
  return found;
}
