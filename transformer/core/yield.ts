/**
 * `yield` and `yield*` in rewritten generator bodies (the runtime half is runtime/generators.ts).
 *
 * A generator body only runs through its resume function. A `yield` is a resume point of its
 * own kind: reached, it evaluates its operand into `$$v`, marks the state (`$$g.s`), sets the
 * unwinding flag (so guarded `finally` code and for-of closing are skipped exactly as for a
 * capture) and leaves by `break $$gy`, past the unwinding spill, to a second spill that stores the
 * frame into the generator's own record `$$g.r`. Resumed there with mode 0/1/2 (next / throw /
 * return), it delivers the value, throws, or — for `return(v)` — runs `return v` written right
 * after the point, so the lowering of `finally` blocks applies to it like to any `return`.
 *
 *   [source]                      [intermediate form]
 *   x = 1 + (yield a);            $$t1 = <yield point: value a, result into $$t2>;
 *                                 if ($$m === 2) return $$t2;
 *                                 x = 1 + $$t2;
 *
 *   r = yield* inner;             $$it = $$rt.iter(inner); $$nx = $$it.next; $$md = 0; $$rv = void 0;
 *                                 for (;;) {
 *                                   if ($$md === 0) $$r = $$nx.call($$it, $$rv) <rp>;
 *                                   else if ($$md === 1) { $$f = $$it.throw; if ($$f == null) $$rt.yieldStarNoThrow($$it);
 *                                                          $$r = $$f.call($$it, $$rv) <rp>; }
 *                                   else { $$f = $$it.return; if ($$f == null) return $$rv; $$r = $$f.call($$it, $$rv) <rp>; }
 *                                   $$rt.iterResult($$r);
 *                                   if ($$r.done) { if ($$md === 2) return $$r.value; r = $$r.value; break; }
 *                                   <delegating yield point: passes $$r itself; resumed: $$md = $$m; $$rv = $$v>
 *                                 }
 *
 * (ECMA-262 yield* evaluation: the inner `next` method is read once; throw/return are looked up
 * per use; an inner iterator without `throw` is closed, then a TypeError is thrown.)
 * The calls of the delegation loop are ordinary resume points: delegating to another rewritten
 * generator from marked code keeps a greenlet switch inside it switchable.
 */
import type * as TS from "typescript";
import { RES_MODE, RESUME_RETURN, RT_LOCAL } from "./names.js";
import { inPattern } from "./writes.js";
import { isOuterExpression } from "./outer.js";

export interface YieldHost {
  readonly ts: typeof TS;
  readonly f: TS.NodeFactory;
  temp(): TS.Identifier;
  /** Appends a call resume point (`target = call`). */
  callPoint(out: TS.Statement[], callee: TS.Expression, call: TS.Expression, target: TS.Identifier, pos: TS.Node): void;
  /** Appends a yield point: yields `value`; resumed, puts the delivered value in `target` (and the mode in `mode` if given: delegation). */
  yieldPoint(out: TS.Statement[], value: TS.Expression, target: TS.Identifier, mode: TS.Identifier | undefined, pos: TS.Node): void;
}

export function explodeYield(h: YieldHost, out: TS.Statement[], e: TS.YieldExpression, explode: (out: TS.Statement[], e: TS.Expression) => TS.Expression): TS.Expression {
  const { f } = h;
  const set = (t: TS.Expression, v: TS.Expression): TS.Statement => f.createExpressionStatement(f.createAssignment(t as TS.Identifier, v));
  const num = (n: number) => f.createNumericLiteral(n);
  const is = (a: TS.Expression, n: number) => f.createStrictEquality(a, num(n));
  const rt = (name: string, args: TS.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), name), undefined, args);
  const block = (s: TS.Statement[]) => f.createBlock(s, true);
  const mode = f.createIdentifier(RES_MODE);
  if (!e.asteriskToken) {
    const value = e.expression ? explode(out, e.expression) : f.createVoidZero();
    const t = h.temp();
    h.yieldPoint(out, value, t, undefined, e);
    out.push(f.createIfStatement(is(mode, RESUME_RETURN), f.createReturnStatement(t)));
    return t;
  }
  const src = explode(out, e.expression!);
  const it = h.temp();
  const nx = h.temp();
  const md = h.temp();
  const rv = h.temp();
  const r = h.temp();
  const fn = h.temp();
  const result = h.temp();
  out.push(set(it, rt("iter", [src])));
  out.push(set(nx, f.createPropertyAccessExpression(it, "next")));
  out.push(set(md, num(0)));
  out.push(set(rv, f.createVoidZero()));
  const callWith = (callee: TS.Identifier): TS.Expression =>
    f.createCallExpression(f.createPropertyAccessExpression(callee, "call"), undefined, [it, rv]);
  const onNext: TS.Statement[] = [];
  h.callPoint(onNext, nx, callWith(nx), r, e);
  const onThrow: TS.Statement[] = [set(fn, f.createPropertyAccessExpression(it, "throw")),
    f.createIfStatement(f.createBinaryExpression(fn, h.ts.SyntaxKind.EqualsEqualsToken, f.createNull()),
      f.createExpressionStatement(rt("yieldStarNoThrow", [it])))];
  h.callPoint(onThrow, fn, callWith(fn), r, e);
  const onReturn: TS.Statement[] = [set(fn, f.createPropertyAccessExpression(it, "return")),
    f.createIfStatement(f.createBinaryExpression(fn, h.ts.SyntaxKind.EqualsEqualsToken, f.createNull()), f.createReturnStatement(rv))];
  h.callPoint(onReturn, fn, callWith(fn), r, e);
  const loop: TS.Statement[] = [
    f.createIfStatement(is(md, 0), block(onNext), f.createIfStatement(is(md, 1), block(onThrow), block(onReturn))),
    f.createExpressionStatement(rt("iterResult", [r])),
    f.createIfStatement(f.createPropertyAccessExpression(r, "done"), block([
      f.createIfStatement(is(md, RESUME_RETURN), f.createReturnStatement(f.createPropertyAccessExpression(r, "value"))),
      set(result, f.createPropertyAccessExpression(r, "value")),
      f.createBreakStatement(),
    ])),
  ];
  h.yieldPoint(loop, r, rv, md, e);
  out.push(f.createForStatement(undefined, undefined, undefined, block(loop)));
  return result;
}

/**
 * The first `yield` of a generator body in a position the lowering cannot take apart (it would
 * be left inside a plain function): such a generator stays native (warned). Undefined: all fine.
 */
export function unsupportedYield(ts: typeof TS, body: TS.Node): TS.YieldExpression | undefined {
  let bad: TS.YieldExpression | undefined;
  const ok = (y: TS.YieldExpression): boolean => {
    let node: TS.Node = y;
    for (let p = y.parent; p; node = p, p = p.parent) {
      if ((p.flags & ts.NodeFlags.OptionalChain) !== 0) return false;
      if (isOuterExpression(ts, p) || ts.isYieldExpression(p) || ts.isConditionalExpression(p) || ts.isPrefixUnaryExpression(p) ||
          ts.isTypeOfExpression(p) || ts.isVoidExpression(p) || ts.isSpreadElement(p) || ts.isTemplateSpan(p) || ts.isTemplateExpression(p) ||
          ts.isSpreadAssignment(p) || ts.isObjectBindingPattern(p) || ts.isArrayBindingPattern(p) || ts.isVariableDeclarationList(p)) continue;
      if (ts.isCallExpression(p)) {
        const callee = p.expression;
        if (callee.kind === ts.SyntaxKind.SuperKeyword || callee.kind === ts.SyntaxKind.ImportKeyword) return false;
        continue;
      }
      if (ts.isNewExpression(p)) continue;
      if (ts.isBinaryExpression(p)) continue; // assignment patterns are lowered element by element too
      if (ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) {
        if (p.expression.kind === ts.SyntaxKind.SuperKeyword) return false;
        continue;
      }
      if (ts.isArrayLiteralExpression(p)) {
        // Holes in an array value cannot be rebuilt element by element; in a pattern they are skips.
        if (p.elements.some((x) => ts.isOmittedExpression(x)) && !inPattern(ts, p)) return false;
        continue;
      }
      if (ts.isObjectLiteralExpression(p)) continue;
      if (ts.isPropertyAssignment(p)) continue;
      if (ts.isShorthandPropertyAssignment(p) && node === p.objectAssignmentInitializer) continue; // `({ a = yield } = o)`
      if (ts.isComputedPropertyName(p)) {
        if (!ts.isPropertyAssignment(p.parent) && !ts.isBindingElement(p.parent)) return false;
        continue;
      }
      if (ts.isBindingElement(p)) continue;
      if (ts.isVariableDeclaration(p) || ts.isCatchClause(p)) return true;
      if (ts.isExpressionStatement(p) || ts.isReturnStatement(p) || ts.isThrowStatement(p) || ts.isIfStatement(p) || ts.isWhileStatement(p) ||
          ts.isDoStatement(p) || ts.isForStatement(p) || ts.isSwitchStatement(p) || ts.isCaseClause(p) || ts.isForInStatement(p)) return true;
      if (ts.isForOfStatement(p)) return !p.awaitModifier;
      return false;
    }
    return false;
  };
  const walk = (n: TS.Node): void => {
    if (bad) return;
    if (ts.isFunctionLike(n) && n !== body.parent) return;
    if (ts.isYieldExpression(n) && !ok(n)) {
      bad = n;
      return;
    }
    ts.forEachChild(n, walk);
  };
  walk(body);
  return bad;
}
