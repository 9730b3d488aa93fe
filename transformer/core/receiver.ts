import type * as TS from "typescript";
import { hasModifier } from "./modifiers.js";

/**
 * Receiver-free functions: calling one as `f(...args)` is indistinguishable from
 * `f.call(o, ...args)`, because it never observes its receiver.
 *
 * Why it matters: a member call `o.m(x)` in transformed code is lowered to
 * `$$f = o.m; RT.t = $$f; $$f.call(o, x)` (one property read, the callee token is the function
 * actually called). V8 collects no call-target feedback through `Function.prototype.call`, so a
 * small callee stored as an own data property (`ops.add`, handler tables, arrow callbacks) is
 * never inlined there: 4-9x plain code in a tight loop. Functions created by marked code that
 * ignore their receiver carry the tag `f.$$d === f` (closure factories, and `RT.direct` for
 * top-level declarations); the call site tests it and calls such a callee directly, with the
 * call feedback V8 needs (explode.ts).
 *
 * An arrow never observes its receiver. A function expression or declaration observes it
 * through `this` (also from nested arrows and class heritage/computed keys, which see the
 * enclosing `this`) or a direct `eval` (which could read `this`). The scan is conservative: a
 * `this` anywhere except inside a nested non-arrow function counts.
 */
export function ignoresReceiver(ts: typeof TS, node: TS.FunctionLikeDeclaration): boolean {
  if (ts.isArrowFunction(node)) return true;
  const staticMethod = ts.isMethodDeclaration(node) && hasModifier(ts, node, ts.SyntaxKind.StaticKeyword);
  if (!ts.isFunctionDeclaration(node) && !ts.isFunctionExpression(node) && !staticMethod) return false;
  let uses = false;
  const walk = (c: TS.Node): void => {
    if (uses) return;
    // `super.m()` in a static method calls with the receiver as `this`.
    if (c.kind === ts.SyntaxKind.ThisKeyword || c.kind === ts.SyntaxKind.SuperKeyword) { uses = true; return; }
    if (ts.isCallExpression(c) && ts.isIdentifier(c.expression) && c.expression.text === "eval") { uses = true; return; }
    if (ts.isFunctionDeclaration(c) || ts.isFunctionExpression(c)) return;
    ts.forEachChild(c, walk);
  };
  ts.forEachChild(node, walk);
  return !uses;
}

/**
 * Names of a class's static methods that ignore their receiver (`Util.format(x)`: an own data
 * property of the class, which V8 does not inline through `.call` either, measured 5-7x).
 * Tagged by a static block the transform puts first in the class (`RT.directOwn`). Computed,
 * private and accessor-shadowed names are left alone.
 */
export function receiverFreeStatics(ts: typeof TS, cls: TS.ClassLikeDeclaration, include: (m: TS.MethodDeclaration) => boolean): string[] {
  const nameOf = (m: TS.ClassElement): string | undefined =>
    m.name && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name)) ? m.name.text : undefined;
  const isStatic = (m: TS.ClassElement): boolean => hasModifier(ts, m, ts.SyntaxKind.StaticKeyword);
  const accessors = new Set(cls.members.filter((m) => isStatic(m) && (ts.isGetAccessorDeclaration(m) || ts.isSetAccessorDeclaration(m)))
    .map(nameOf).filter((n) => n !== undefined));
  const names: string[] = [];
  for (const m of cls.members) {
    if (!ts.isMethodDeclaration(m) || !m.body || !isStatic(m) || !include(m)) continue;
    const name = nameOf(m);
    if (name === undefined || accessors.has(name) || names.includes(name)) continue;
    if (ignoresReceiver(ts, m)) names.push(name);
  }
  return names;
}
