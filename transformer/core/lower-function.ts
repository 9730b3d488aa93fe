/**
 * Lowering of one marked function into a normal function plus a resume function.
 *
 * Shape (DESIGN-NOTES §2 and osr-shapes.md, shape e5, with a guard-based resume function):
 *
 *   [source]                                  [lowered: normal path]
 *   function f(n) {                           function f(n) {
 *     let acc = 0;                              const $$rt = $$tsgreenlet2;
 *     for (let i = 0; i < n; i++)               if ($$rt.t !== f) return $$rt.enter(f, this, arguments, new.target);
 *       acc = add(acc, i);                      $$rt.t = null;
 *     return acc;                               let acc, i$$1, $$t1, $$pc = 0;
 *   }                                           $$body: {
 *                                                 acc = 0;
 *                                                 for (i$$1 = 0; i$$1 < n; i$$1++) {
 *                                                   $$tsgreenlet2.t = add; $$t1 = add(acc, i$$1);
 *                                                   if ($$t1 === $$tsgreenlet2U) { $$t1 = undefined; $$pc = 1; break $$body; }
 *                                                   acc = $$t1;
 *                                                 }
 *                                                 return acc;
 *                                               }
 *                                               $$rt.buf[$$rt.sp] = $$i1;            // only while unwinding
 *                                               $$rt.buf[$$rt.sp + 1] = $$pc; ...
 *                                               $$rt.sp += 6; return $$tsgreenlet2U;
 *                                             }
 *
 *   [lowered: resume path, module level]
 *   function $$r1($$c, $$p, $$m, $$v) {
 *     const $$rt = $$tsgreenlet2;                  // the runtime as a read-only global (names.ts RT_GLOBAL)
 *     let n = $$c[$$p + 3], acc = ..., $$pc = $$c[$$p + 1];
 *     $$body: {
 *       if ($$pc === 0) acc = 0;                          // statements before the resume point are skipped
 *       if ($$pc <= 1) {
 *         if ($$pc === 0) i$$1 = 0;
 *         for (; $$pc !== 0 || i$$1 < n; i$$1++) {       // first resumed iteration skips the test
 *           if ($$pc === 1) { $$pc = 0; if ($$m === 1) throw $$v; $$t1 = $$v; }
 *           else { ...the call and its test... }
 *           if ($$pc === 0) acc = $$t1;
 *         }
 *       }
 *       ...
 *
 * The normal path is the source plus one predictable test after each call (of the value the
 * call returned: see callAndTest); the unwinding path only stores into the preallocated buffer
 * and returns the runtime's symbol `U` (never allocates, never calls), so it
 * stays cheap even after V8 inlines it into a caller's hot loop. User `finally` blocks are
 * guarded with `$$rt.unwinding !== true` so a capture never runs them.
 */
import type * as TS from "typescript";
import { containsCall, createExploder, type ExplodeHost, type MemberCallForms, type PointKind } from "./explode.js";
import { isAssignmentPattern, patternElements, type AssignmentPattern } from "./patterns.js";
import { skipOuterExpressions } from "./outer.js";
import {
  BODY_LABEL, GEN_LOCAL, GEN_YIELD, GEN_YIELD_RAW, PC, REC_HEADER, RES_MODE, RES_P, RES_RECORDS, RES_VALUE, RESUME_CALL, RESUME_THROW, RT_GLOBAL, RT_LOCAL, UNWIND_GLOBAL, YIELD_LABEL,
} from "./names.js";
import { explodeYield } from "./yield.js";

export interface ResumePoint {
  readonly pc: number;
  /** For a yield point: the value yielded. */
  readonly callee: TS.Expression;
  /** For a yield point: the value yielded too (dead-temporaries analysis reads `call`). */
  readonly call: TS.Expression;
  readonly target: TS.Identifier | undefined;
  /** How the call is made (explode.ts PointKind); see emitNormal and callAndTest. */
  readonly kind?: PointKind;
  /** A `yield` of a rewritten generator (transformer/core/yield.ts) rather than a call. */
  readonly yield?: { readonly mode: TS.Identifier | undefined };
}

export interface FunctionPlan {
  /** Names of record slots after the header, in order. */
  readonly locals: string[];
  /** Locals to declare with `let` in the normal function (params, self and free env vars excluded). */
  readonly declared: string[];
  /** Statements run at entry of the normal function before the body (env creation...). */
  readonly prologue: TS.Statement[];
  readonly body: TS.Statement[];
  readonly points: (readonly [number, number])[];
  readonly rps: Map<TS.Node, ResumePoint>;
}

export interface LowerHost {
  readonly ts: typeof TS;
  readonly f: TS.NodeFactory;
  /** Rewrites a statement-free expression (identifiers, nested functions). */
  rewrite(e: TS.Expression): TS.Expression;
  /** Whether reading `e` twice gives the same value (a const binding). */
  isConstant(e: TS.Expression): boolean;
  /** Finishes an object literal rebuilt by explode (per-evaluation method identities). */
  objectLiteral(original: TS.ObjectLiteralExpression, rebuilt: TS.ObjectLiteralExpression): TS.Expression;
  /** Module-level constant holding a tagged template site's template object (see explode.ts). */
  templateObject(t: TS.TemplateLiteral): TS.Expression | undefined;
  /** Lowered declaration-to-assignment target for a binding name node. */
  bindingTarget(id: TS.Identifier): TS.Expression;
  /** Assignment pattern for a binding pattern (identifiers rewritten). */
  patternTarget(p: TS.BindingName): TS.Expression;
  /** Statements creating block environments when entering the scope of `node` (may be empty). */
  enterScope(node: TS.Node, resumeGuarded: boolean): TS.Statement[];
  /** `const $$bK = $$EK` for the loop body of a for statement whose header bindings are captured. */
  scopeAlias(node: TS.ForStatement): TS.Statement[];
  /** Per-iteration copy of a for statement's header environment (`$$EK = { i: $$EK.i }`). */
  iterationCopy(node: TS.ForStatement): TS.Expression | undefined;
  /** Whether a for-of/for-in loop variable is captured (then the loop is lowered even without calls). */
  loopNeedsLowering(node: TS.ForOfStatement | TS.ForInStatement): boolean;
  /** Hoisted nested function declarations of a block: `name = function name() {...}`. */
  functionDeclaration(d: TS.FunctionDeclaration): TS.Statement | undefined;
  classDeclaration(d: TS.ClassDeclaration): TS.Statement;
  temp(): TS.Identifier;
  /** Whether a call of this identifier provably cannot suspend (non-suspending.ts). */
  cannotSuspend(callee: TS.Identifier): boolean;
  /** Whether evaluating an original expression can run no user code (transform-file.ts inert). */
  inert(e: TS.Expression): boolean;
  /** The inner entry of a function called by this name (transform-file.ts splitEntries). */
  innerEntry(callee: TS.Identifier): TS.Identifier | undefined;
  /** The Smi callee token of `new callee(...)`, if its class has one (transform-file.ts ctorToken). */
  ctorToken(callee: TS.Identifier): TS.Expression | undefined;
  /** A known non-unwinding static method `holder.name` (non-suspending.ts findKnownStatics). */
  knownStatic(holder: TS.Identifier, name: string): { readonly slot: TS.Identifier; readonly receiverFree: boolean } | undefined;
  /** The callee token of a transformed private method `#name` (transform-file.ts privateToken). */
  privateToken(name: TS.PrivateIdentifier): TS.Expression | undefined;
  /** Temporaries in use (a mark), and giving back every temporary taken since a mark. */
  tempMark(): number;
  tempRelease(mark: number): void;
  /** Source position of a node as [line, column], 1-based, in the original file. */
  position(n: TS.Node): readonly [number, number];
  error(n: TS.Node, message: string): void;
}

/**
 * Lowers the statements of a function body into the intermediate form (resume points marked),
 * shared by the normal and the resume emitters.
 */
export function lowerBody(h: LowerHost, statements: readonly TS.Statement[], opts: { uninstrumented?: boolean; generator?: boolean } = {}): { body: TS.Statement[]; rps: Map<TS.Node, ResumePoint>; points: (readonly [number, number])[] } {
  const { ts, f } = h;
  const rps = new Map<TS.Node, ResumePoint>();
  const points: (readonly [number, number])[] = [];
  const xh: ExplodeHost = {
    ts, f,
    temp: () => h.temp(),
    rewrite: (e) => h.rewrite(e),
    cannotSuspend: (callee) => h.cannotSuspend(callee),
    ctorToken: (callee) => h.ctorToken(callee),
    knownStatic: (holder, name) => h.knownStatic(holder, name),
    privateToken: (name) => h.privateToken(name),
    isConstant: (e) => h.isConstant(e),
    inert: (e) => h.inert(e),
    innerEntry: (callee) => h.innerEntry(callee),
    warn: (n, message) => h.error(n, message),
    objectLiteral: (o, lit) => h.objectLiteral(o, lit),
    templateObject: (t) => h.templateObject(t),
    assignmentPattern: (out, p, value) => lowerPattern(out, p, value),
    resumePoint(out, callee, call, target, pos, kind) {
      if (uninstrumented > 0) {
        out.push(f.createExpressionStatement(target ? f.createAssignment(target, call) : call));
        return;
      }
      const pc = points.length + 1;
      points.push(h.position(pos));
      const marker = f.createEmptyStatement();
      // The call's own position (column-exact stack frames), when the call is from the source.
      if (pos.pos >= 0 && !(pos.flags & ts.NodeFlags.Synthesized)) ts.setTextRange(marker, { pos: pos.getStart(), end: pos.end });
      rps.set(marker, { pc, callee, call, target, kind });
      out.push(marker);
    },
  };
  if (opts.generator) {
    const yieldPoint = (out: TS.Statement[], value: TS.Expression, target: TS.Identifier, mode: TS.Identifier | undefined, pos: TS.Node): void => {
      const pc = points.length + 1;
      points.push(h.position(pos));
      const marker = f.createEmptyStatement();
      if (pos.pos >= 0 && !(pos.flags & ts.NodeFlags.Synthesized)) ts.setTextRange(marker, { pos: pos.getStart(), end: pos.end });
      rps.set(marker, { pc, callee: value, call: value, target, yield: { mode } });
      out.push(marker);
    };
    xh.yieldExpression = (out, e, explode) => explodeYield({
      ts, f, temp: () => h.temp(),
      callPoint: (o, callee, call, target, pos) => xh.resumePoint(o, callee, call, target, pos),
      yieldPoint,
    }, out, e, explode);
  }
  // > 0: calls are emitted plain (no resume point): inside `finally` lowering, and for code that
  // runs before a derived constructor's super() (opts.uninstrumented).
  let uninstrumented = opts.uninstrumented ? 1 : 0;
  const x = createExploder(xh);
  const loopTarget = (init: TS.ForInitializer): TS.Expression => {
    if (!ts.isVariableDeclarationList(init)) return h.rewrite(init);
    const d = init.declarations[0]!;
    return ts.isIdentifier(d.name) ? h.bindingTarget(d.name) : h.patternTarget(d.name);
  };
  const has = (n: TS.Node | undefined) => n !== undefined && containsCall(ts, n);

  const lowerList = (stmts: readonly TS.Statement[], scopeNode: TS.Node | undefined, out: TS.Statement[]): void => {
    if (scopeNode) out.push(...h.enterScope(scopeNode, false));
    for (const s of stmts) {
      if (ts.isFunctionDeclaration(s)) {
        const d = h.functionDeclaration(s);
        if (d) out.push(d);
      }
    }
    for (const s of stmts) if (!ts.isFunctionDeclaration(s)) lowerStatement(s, out, undefined);
  };

  const block = (stmts: TS.Statement[]): TS.Block => f.createBlock(stmts, true);
  const lowerToBlock = (s: TS.Statement, scopeNode?: TS.Node): TS.Block => {
    const out: TS.Statement[] = [];
    if (ts.isBlock(s)) lowerList(s.statements, s, out);
    else {
      if (scopeNode) out.push(...h.enterScope(scopeNode, false));
      lowerStatement(s, out, undefined);
    }
    return block(out);
  };

  const lowerDeclList = (list: TS.VariableDeclarationList, out: TS.Statement[]): void => {
    const isVar = !(list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const));
    for (const d of list.declarations) {
      if (!d.initializer) {
        if (!isVar && ts.isIdentifier(d.name)) out.push(f.createExpressionStatement(f.createAssignment(h.bindingTarget(d.name) as TS.Identifier, f.createVoidZero())));
        continue;
      }
      if (ts.isIdentifier(d.name)) {
        const v = x.explode(out, d.initializer);
        out.push(named(h.bindingTarget(d.name), v, d.name.text));
      } else if (has(d.name)) {
        lowerPattern(out, d.name, x.explode(out, d.initializer));
      } else {
        const v = x.explode(out, d.initializer);
        out.push(f.createExpressionStatement(f.createAssignment(h.patternTarget(d.name) as TS.Identifier, v)));
      }
    }
  };

  /**
   * A binding pattern, or an assignment pattern (`({ a = f() } = o)`, `[x.y, z = g()] = it`),
   * whose defaults (or computed keys, or member targets) contain calls, lowered element by element
   * so those calls are switch points. Property reads, target evaluation, default tests and
   * iterator steps happen in the order destructuring performs them (an assignment target's object
   * and key are evaluated before its value is read); an array pattern closes its iterator as
   * destructuring does (on completion unless exhausted, and after a throw).
   *
   *   const { a = f(), ...r } = o   ->  $$s = o; ({} = $$s); $$v = $$s.a;
   *                                     if ($$v === undefined) { $$t = f() <rp>; a = $$t; } else a = $$v;
   *                                     r = $$rt.objectRest($$s, ["a"]);
   */
  const lowerPattern = (out: TS.Statement[], p: TS.BindingName | AssignmentPattern, value: TS.Expression): void => {
    const set = (t: TS.Expression, v: TS.Expression) => f.createExpressionStatement(f.createAssignment(t as TS.Identifier, v));
    const saved = (v: TS.Expression): TS.Expression => {
      if (ts.isIdentifier(v) && v.text.startsWith("$$t")) return v;
      const t = h.temp();
      out.push(set(t, v));
      return t;
    };
    /**
     * What an element's value is stored into: a nested pattern, or an expression evaluated now as
     * far as the language does before reading the value (a member target's object and key).
     */
    const targetOf = (into: TS.Statement[], t: TS.Node): TS.Expression | TS.BindingPattern | AssignmentPattern => {
      if (ts.isObjectBindingPattern(t) || ts.isArrayBindingPattern(t)) return t;
      const e = skipOuterExpressions(ts, t as TS.Expression);
      if (isAssignmentPattern(ts, e)) return e;
      if (ts.isIdentifier(e)) return ts.isBindingElement(e.parent) || ts.isVariableDeclaration(e.parent) || ts.isParameter(e.parent) ? h.bindingTarget(e) : h.rewrite(e);
      return x.explodeTarget(into, e);
    };
    /** Binds one element: value `v` (a temporary), default `init` when it is undefined. */
    const bindElement = (into: TS.Statement[], target: TS.Expression | TS.BindingPattern | AssignmentPattern, name: string | undefined,
                         v: TS.Expression, init: TS.Expression | undefined): void => {
      const nested = ts.isObjectBindingPattern(target) || ts.isArrayBindingPattern(target) || isAssignmentPattern(ts, target);
      if (init) {
        const then: TS.Statement[] = [];
        if (!nested) {
          then.push(name !== undefined ? named(target, x.explode(then, init), name) : set(target, x.explode(then, init)));
          into.push(f.createIfStatement(f.createStrictEquality(v, f.createVoidZero()), block(then), block([set(target, v)])));
          return;
        }
        then.push(set(v, x.explode(then, init)));
        into.push(f.createIfStatement(f.createStrictEquality(v, f.createVoidZero()), block(then)));
      }
      if (!nested) into.push(set(target, v));
      else lowerPattern(into, target, v);
    };
    if (ts.isIdentifier(p)) {
      out.push(set(h.bindingTarget(p), value));
      return;
    }
    const src = saved(value);
    const elements = patternElements(ts, p);
    if (ts.isObjectBindingPattern(p) || ts.isObjectLiteralExpression(p)) {
      // RequireObjectCoercible, with the engine's own TypeError.
      out.push(set(f.createObjectLiteralExpression([]), src));
      const keys: TS.Expression[] = [];
      for (const el of elements) {
        if (el.rest) {
          const target = targetOf(out, el.target!);
          const rest = f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), "objectRest"), undefined,
            [src, f.createArrayLiteralExpression(keys)]);
          bindElement(out, target, undefined, saved(rest), undefined);
          continue;
        }
        const pn = el.key!;
        let read: TS.Expression;
        if (ts.isComputedPropertyName(pn)) {
          const k = saved(x.explode(out, pn.expression));
          keys.push(k);
          read = f.createElementAccessExpression(src, k);
        } else {
          const key = ts.isIdentifier(pn) || ts.isStringLiteral(pn) ? pn.text : ts.isNumericLiteral(pn) ? String(Number(pn.text)) : undefined;
          if (key === undefined) {
            h.error(el.node, "this destructuring key is not supported with calls in the pattern");
            continue;
          }
          keys.push(f.createStringLiteral(key));
          read = f.createElementAccessExpression(src, f.createStringLiteral(key));
        }
        const target = targetOf(out, el.target!);
        const v = h.temp();
        out.push(set(v, read));
        bindElement(out, target, el.name, v, el.init);
      }
      return;
    }
    // Array pattern: the iterator protocol, step by step.
    const it = h.temp();
    const done = h.temp();
    const r = h.temp();
    out.push(set(it, f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), "iter"), undefined, [src])));
    out.push(set(done, f.createFalse()));
    const body: TS.Statement[] = [];
    /** `if (!done) { done = true; r = it.next(); if (!r.done) { <onValue>; done = false; } }` (done stays true if next() throws). */
    const step = (into: TS.Statement[], onValue: TS.Statement[]): void => {
      into.push(f.createIfStatement(f.createLogicalNot(done), block([
        set(done, f.createTrue()),
        set(r, f.createCallExpression(f.createPropertyAccessExpression(it, "next"), undefined, [])),
        f.createIfStatement(f.createLogicalNot(f.createPropertyAccessExpression(r, "done")), block([...onValue, set(done, f.createFalse())])),
      ])));
    };
    for (const el of elements) {
      if (el.hole) { step(body, []); continue; }
      const target = targetOf(body, el.target!);
      const v = h.temp();
      if (el.rest) {
        body.push(set(v, f.createArrayLiteralExpression([])));
        const loop: TS.Statement[] = [];
        step(loop, [set(f.createElementAccessExpression(v, f.createPropertyAccessExpression(v, "length")), f.createPropertyAccessExpression(r, "value"))]);
        body.push(f.createWhileStatement(f.createLogicalNot(done), block(loop)));
        bindElement(body, target, undefined, v, undefined);
        continue;
      }
      body.push(set(v, f.createVoidZero()));
      step(body, [set(v, f.createPropertyAccessExpression(r, "value"))]);
      bindElement(body, target, el.name, v, el.init);
    }
    const rt = (name: string) => f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), name), undefined, [it]);
    const xv = f.createUniqueName("$$x");
    out.push(f.createTryStatement(block(body), f.createCatchClause(f.createVariableDeclaration(xv), block([
      f.createIfStatement(f.createLogicalNot(done), block([set(done, f.createTrue()), f.createExpressionStatement(rt("iterAbort"))])),
      f.createThrowStatement(xv)])), undefined));
    out.push(f.createIfStatement(f.createLogicalNot(done), block([set(done, f.createTrue()), f.createExpressionStatement(rt("iterReturn"))])));
  };

  /** `target = value`, keeping the function name that `let name = function () {}` would infer. */
  const named = (target: TS.Expression, value: TS.Expression, name: string): TS.Statement => {
    if (!(ts.isIdentifier(target) && target.text === name) && (ts.isArrowFunction(value) || ts.isFunctionExpression(value) || ts.isClassExpression(value)) && !value.name) {
      // `$$e.x = function () {}` would infer no name; a block-scoped const of the same name does.
      const tmp = f.createIdentifier(name);
      return block([
        f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(tmp, undefined, undefined, value)], ts.NodeFlags.Const)),
        f.createExpressionStatement(f.createAssignment(target as TS.Identifier, f.createIdentifier(name))),
      ]);
    }
    return f.createExpressionStatement(f.createAssignment(target as TS.Identifier, value));
  };

  // A statement's temporaries are dead once it completes (loop temporaries live until the loop
  // statement completes, since nested statements release only what they took).
  /** Outer labels of a label chain (`a: b: loop`) to the label the lowered loop keeps. */
  const sameLabel = new Map<string, TS.Identifier>();
  const lowerStatement = (s: TS.Statement, out: TS.Statement[], label: TS.Identifier | undefined): void => {
    const mark = h.tempMark();
    const first = out.length;
    try {
      lowerStatementWithTemps(s, out, label);
    } finally {
      h.tempRelease(mark);
    }
    // Code made for this statement maps to it (nested statements already map to themselves):
    // stack traces, and source-map consumers that look up exact generated lines (Vitest), need
    // a position on every generated line.
    if (s.pos >= 0) for (let i = first; i < out.length; i++) positionSynthesized(ts, out[i]!, s);
  };
  const lowerStatementWithTemps = (s: TS.Statement, out: TS.Statement[], label: TS.Identifier | undefined): void => {
    const wrap = (st: TS.Statement): TS.Statement => label ? f.createLabeledStatement(label, st) : st;
    if (ts.isBlock(s)) {
      const inner: TS.Statement[] = [];
      lowerList(s.statements, s, inner);
      out.push(wrap(block(inner)));
      return;
    }
    if (ts.isExpressionStatement(s)) {
      if (!has(s.expression)) {
        out.push(wrap(ts.setTextRange(f.createExpressionStatement(h.rewrite(s.expression)), s)));
        return;
      }
      const inner: TS.Statement[] = [];
      const v = x.explode(inner, s.expression);
      if (!(ts.isIdentifier(v) && v.text.startsWith("$$t"))) inner.push(ts.setTextRange(f.createExpressionStatement(v), s));
      out.push(...(label ? [f.createLabeledStatement(label, block(inner))] : inner));
      return;
    }
    if (ts.isVariableStatement(s)) {
      const inner: TS.Statement[] = [];
      lowerDeclList(s.declarationList, inner);
      out.push(...(label ? [f.createLabeledStatement(label, block(inner))] : inner));
      return;
    }
    if (ts.isReturnStatement(s)) {
      const v = s.expression ? x.explode(out, s.expression) : undefined;
      out.push(wrap(ts.setTextRange(f.createReturnStatement(v), s)));
      return;
    }
    if (ts.isThrowStatement(s)) {
      const v = x.explode(out, s.expression);
      out.push(wrap(ts.setTextRange(f.createThrowStatement(v), s)));
      return;
    }
    if (ts.isIfStatement(s)) {
      const c = x.explode(out, s.expression);
      out.push(wrap(f.createIfStatement(c, lowerToBlock(s.thenStatement), s.elseStatement ? lowerToBlock(s.elseStatement) : undefined)));
      return;
    }
    if (ts.isLabeledStatement(s)) {
      // `a: b: loop`: one label is kept on the lowered statement, so jumps to `a` become jumps to
      // `b` (both name the same statement). Until session 7 `a` was dropped: a SyntaxError.
      if (label) sameLabel.set(label.text, s.label);
      try {
        lowerStatement(s.statement, out, s.label);
      } finally {
        if (label) sameLabel.delete(label.text);
      }
      return;
    }
    if (ts.isWhileStatement(s)) {
      if (!has(s.expression)) {
        out.push(wrap(f.createWhileStatement(h.rewrite(s.expression), lowerToBlock(s.statement))));
        return;
      }
      const inner: TS.Statement[] = [];
      const c = x.explode(inner, s.expression);
      inner.push(f.createIfStatement(f.createLogicalNot(c), f.createBreakStatement()));
      inner.push(...lowerToBlock(s.statement).statements);
      out.push(wrap(f.createWhileStatement(f.createTrue(), block(inner))));
      return;
    }
    if (ts.isDoStatement(s)) {
      if (!has(s.expression)) {
        out.push(wrap(f.createDoStatement(lowerToBlock(s.statement), h.rewrite(s.expression))));
        return;
      }
      const cont = f.createUniqueName("$$cont");
      const body = retargetJumps(ts, f, lowerToBlock(s.statement), label ? [label] : [], cont, undefined);
      const inner: TS.Statement[] = [f.createLabeledStatement(cont, body)];
      const c = x.explode(inner, s.expression);
      inner.push(f.createIfStatement(f.createLogicalNot(c), f.createBreakStatement()));
      out.push(wrap(f.createWhileStatement(f.createTrue(), block(inner))));
      return;
    }
    if (ts.isForStatement(s)) {
      out.push(...h.enterScope(s, false));
      if (s.initializer) {
        if (ts.isVariableDeclarationList(s.initializer)) lowerDeclList(s.initializer, out);
        else out.push(f.createExpressionStatement(x.explode(out, s.initializer)));
      }
      const bodyScope = h.scopeAlias(s);
      const incr = h.iterationCopy(s);
      if (!has(s.condition) && !has(s.incrementor)) {
        const b = lowerToBlock(s.statement);
        out.push(wrap(f.createForStatement(undefined, s.condition ? h.rewrite(s.condition) : undefined,
          withCopy(incr, s.incrementor ? h.rewrite(s.incrementor) : undefined), block([...bodyScope, ...b.statements]))));
        return;
      }
      // for (init; test; update) with calls in test/update:
      //   for (;;) { if (!$$first) { update } $$first = false; test; body }  -- `continue` reaches update.
      const first = h.temp();
      out.push(f.createExpressionStatement(f.createAssignment(first, f.createTrue())));
      const inner: TS.Statement[] = [];
      const upd: TS.Statement[] = [];
      if (incr) upd.push(f.createExpressionStatement(incr));
      if (s.incrementor) upd.push(f.createExpressionStatement(x.explode(upd, s.incrementor)));
      inner.push(f.createIfStatement(f.createLogicalNot(first), block(upd)));
      inner.push(f.createExpressionStatement(f.createAssignment(first, f.createFalse())));
      if (s.condition) {
        const c = x.explode(inner, s.condition);
        inner.push(f.createIfStatement(f.createLogicalNot(c), f.createBreakStatement()));
      }
      inner.push(...bodyScope, ...lowerToBlock(s.statement).statements);
      out.push(wrap(f.createForStatement(undefined, undefined, undefined, block(inner))));
      return;
    }
    if (ts.isForOfStatement(s) && !s.awaitModifier) {
      if (!has(s.statement) && !has(s.expression) && !h.loopNeedsLowering(s)) {
        if (uninstrumented > 0 || containsFunction(ts, s.statement)) {
          out.push(wrap(f.createForOfStatement(undefined, loopTarget(s.initializer), h.rewrite(s.expression), lowerToBlock(s.statement))));
          return;
        }
        // A loop without calls stays a native for-of, except over a rewritten generator: its
        // body may switch, which needs the loop's next() to be a switch point (the lowered form).
        const src = h.temp();
        out.push(f.createExpressionStatement(f.createAssignment(src, h.rewrite(s.expression))));
        // The lowered loop (a try/catch/finally, the iterator protocol, a call) is over half of a
        // small function's bytecode, and V8 inlines nothing over 460 bytes: the normal path leaves
        // at its start (a jump point) and it runs in the resume function only. Measured: bench
        // calls-forof steady state, Node 26 7.7-12 -> 4.4-6.7 ms (plain 4.65), Node 20 17.9 ->
        // 7.4-12.5 (sumOf, 651 bytes of bytecode, was never inlined).
        const lowered: TS.Statement[] = [];
        xh.resumePoint(lowered, f.createVoidZero(), f.createVoidZero(), undefined, s, { jump: true });
        lowerForOf(s, lowered, label, src);
        out.push(f.createIfStatement(rtCall("isGen", [src]), block(lowered),
          block([wrap(f.createForOfStatement(undefined, loopTarget(s.initializer), src, lowerToBlock(s.statement)))])));
        return;
      }
      lowerForOf(s, out, label);
      return;
    }
    if (ts.isForInStatement(s)) {
      if (!has(s.statement) && !has(s.expression) && !h.loopNeedsLowering(s)) {
        out.push(wrap(f.createForInStatement(loopTarget(s.initializer), h.rewrite(s.expression), lowerToBlock(s.statement))));
        return;
      }
      const keys = h.temp();
      const i = h.temp();
      const obj = x.explode(out, s.expression);
      out.push(f.createExpressionStatement(f.createAssignment(keys, rtCall("forInKeys", [obj]))));
      out.push(f.createExpressionStatement(f.createAssignment(i, f.createNumericLiteral(0))));
      const inner: TS.Statement[] = [...h.enterScope(s, false)];
      inner.push(bindLoopVariable(s.initializer, f.createElementAccessExpression(keys, i)));
      inner.push(...lowerToBlock(s.statement).statements);
      out.push(wrap(f.createForStatement(undefined,
        f.createLessThan(i, f.createPropertyAccessExpression(keys, "length")),
        f.createPostfixIncrement(i), block(inner))));
      return;
    }
    if (ts.isSwitchStatement(s)) {
      let d = x.explode(out, s.expression);
      out.push(...h.enterScope(s.caseBlock, false));
      const testsCall = s.caseBlock.clauses.some((c) => ts.isCaseClause(c) && has(c.expression));
      let index: TS.Identifier | undefined;
      if (testsCall) {
        // Case tests with calls: evaluate them in order here (each one a statement sequence that
        // may suspend), then switch on the index of the matching clause: fall-through unchanged.
        //   k = -1; if (d === t0) k = 0; else { t1 = f() <rp>; if (d === t1) k = 1; else k = <default>; }
        if (!(ts.isIdentifier(d) && d.text.startsWith("$$t"))) {
          const dt = h.temp();
          out.push(f.createExpressionStatement(f.createAssignment(dt, d)));
          d = dt;
        }
        index = h.temp();
        out.push(f.createExpressionStatement(f.createAssignment(index, f.createPrefixMinus(f.createNumericLiteral(1)))));
        let cur = out;
        s.caseBlock.clauses.forEach((c, i) => {
          if (!ts.isCaseClause(c)) return;
          const v = x.explode(cur, c.expression);
          const otherwise: TS.Statement[] = [];
          cur.push(f.createIfStatement(f.createStrictEquality(d, v),
            f.createExpressionStatement(f.createAssignment(index!, f.createNumericLiteral(i))), block(otherwise)));
          cur = otherwise;
        });
        const def = s.caseBlock.clauses.findIndex((c) => ts.isDefaultClause(c));
        if (def >= 0) cur.push(f.createExpressionStatement(f.createAssignment(index, f.createNumericLiteral(def))));
      }
      const clauses = s.caseBlock.clauses.map((c, i) => {
        const stmts: TS.Statement[] = [];
        for (const st of c.statements) if (ts.isFunctionDeclaration(st)) { const fd = h.functionDeclaration(st); if (fd) stmts.push(fd); }
        for (const st of c.statements) if (!ts.isFunctionDeclaration(st)) lowerStatement(st, stmts, undefined);
        if (index) return f.createCaseClause(f.createNumericLiteral(i), stmts);
        return ts.isCaseClause(c) ? f.createCaseClause(h.rewrite(c.expression), stmts) : f.createDefaultClause(stmts);
      });
      out.push(wrap(f.createSwitchStatement(index ?? d, f.createCaseBlock(clauses))));
      return;
    }
    if (ts.isTryStatement(s) && s.finallyBlock && has(s.finallyBlock)) {
      lowerTryFinally(s, s.finallyBlock, out, label);
      return;
    }
    if (ts.isTryStatement(s)) {
      const tryBlock = lowerToBlock(s.tryBlock);
      let catchClause: TS.CatchClause | undefined;
      if (s.catchClause) {
        const cc = s.catchClause;
        const param = f.createUniqueName("$$x");
        const stmts: TS.Statement[] = [...h.enterScope(cc, false)];
        if (cc.variableDeclaration) bindCatchParameter(stmts, cc.variableDeclaration.name, param);
        stmts.push(...lowerToBlock(cc.block, cc.block).statements);
        catchClause = f.createCatchClause(f.createVariableDeclaration(param), block(stmts));
      }
      let finallyBlock: TS.Block | undefined;
      if (s.finallyBlock) {
        if (has(s.finallyBlock)) {
          h.error(s.finallyBlock, "calls inside a finally block are not instrumented yet (a switch inside them pins the greenlet)");
        }
        finallyBlock = block([f.createIfStatement(
          unwindingFlag(f, false),
          uninstrumentedBlock(s.finallyBlock))]);
      }
      out.push(wrap(f.createTryStatement(tryBlock, catchClause, finallyBlock)));
      return;
    }
    if (ts.isClassDeclaration(s)) {
      out.push(wrap(h.classDeclaration(s)));
      return;
    }
    if (ts.isFunctionDeclaration(s)) {
      const d = h.functionDeclaration(s);
      if (d) out.push(d);
      return;
    }
    if (ts.isBreakOrContinueStatement(s) && s.label && sameLabel.has(s.label.text)) {
      let to = sameLabel.get(s.label.text)!;
      while (sameLabel.has(to.text)) to = sameLabel.get(to.text)!;
      out.push(wrap(ts.isBreakStatement(s) ? f.createBreakStatement(to) : f.createContinueStatement(to)));
      return;
    }
    if (ts.isBreakOrContinueStatement(s) || ts.isEmptyStatement(s) || ts.isDebuggerStatement(s)) {
      out.push(wrap(s));
      return;
    }
    // Types (not yet erased when this transform runs) produce no code.
    if (ts.isTypeAliasDeclaration(s) || ts.isInterfaceDeclaration(s)) return;
    h.error(s, `${ts.SyntaxKind[s.kind]} is not supported inside a greenlet function`);
    out.push(wrap(s));
  };

  /**
   * try/finally whose finally block has calls: completion-record lowering, so the finally block
   * is ordinary code outside any `try` and may suspend like any other code. The pending
   * completion (normal, throw, return value, break/continue target) lives in two temporaries
   * (saved with the frame) and is completed after the finally block:
   *
   *   try { B } catch (e) { C } finally { F }
   *     ->  $$k = 0; $$v = undefined;
   *         $$fin: { try { try { B' } catch (e) { C' } } catch ($$y) { $$k = 1; $$v = $$y; } }
   *         F
   *         if ($$k === 1) throw $$v;  if ($$k === 2) return $$v;  if ($$k === 3) break L; ...
   *
   * B' and C' are B and C with `return v` -> `{ $$v = v; $$k = 2; break $$fin; }` and every
   * break/continue that leaves the statement -> `{ $$k = 3 + i; break $$fin; }`. A capture leaves
   * through `break $$body` (emitted later), which skips F: the capture never runs it.
   */
  const lowerTryFinally = (s: TS.TryStatement, fin: TS.Block, out: TS.Statement[], label: TS.Identifier | undefined): void => {
    const kind = h.temp();
    const value = h.temp();
    const finLabel = f.createUniqueName("$$fin");
    const set = (t: TS.Expression, v: TS.Expression) => f.createExpressionStatement(f.createAssignment(t as TS.Identifier, v));
    const jumps: TS.BreakOrContinueStatement[] = [];
    const leave = (k: TS.Expression, v?: TS.Expression): TS.Statement =>
      block([...(v ? [set(value, v)] : []), set(kind, k), f.createBreakStatement(finLabel)]);
    /** Rewrites the jumps of lowered code that leave the try statement. */
    const capture = (n: TS.Node, loops: number, breakables: number, labels: ReadonlySet<string>): TS.Node => {
      if (ts.isFunctionLike(n) || ts.isClassLike(n)) return n;
      if (ts.isReturnStatement(n)) return leave(f.createNumericLiteral(2), n.expression ?? f.createVoidZero());
      if (ts.isBreakOrContinueStatement(n)) {
        const inside = n.label ? labels.has(n.label.text) : ts.isBreakStatement(n) ? breakables > 0 : loops > 0;
        if (inside) return n;
        jumps.push(n);
        return leave(f.createNumericLiteral(2 + jumps.length));
      }
      if (ts.isLabeledStatement(n)) {
        const inner = new Set(labels).add(n.label.text);
        return f.updateLabeledStatement(n, n.label, capture(n.statement, loops, breakables, inner) as TS.Statement);
      }
      const isLoop = ts.isIterationStatement(n, false);
      const isSwitch = ts.isSwitchStatement(n);
      return ts.visitEachChild(n, (c) => capture(c, isLoop ? loops + 1 : loops, isLoop || isSwitch ? breakables + 1 : breakables, labels), undefined);
    };
    const body: TS.Statement[] = [set(kind, f.createNumericLiteral(0)), set(value, f.createVoidZero())];
    let guarded: TS.Statement;
    const tryBlock = capture(lowerToBlock(s.tryBlock), 0, 0, new Set()) as TS.Block;
    if (s.catchClause) {
      const cc = lowerCatch(s.catchClause);
      guarded = f.createTryStatement(tryBlock, f.createCatchClause(cc.variableDeclaration, capture(cc.block, 0, 0, new Set()) as TS.Block), undefined);
    } else {
      guarded = tryBlock;
    }
    const y = f.createUniqueName("$$y");
    body.push(f.createLabeledStatement(finLabel, block([f.createTryStatement(ts.isBlock(guarded) ? guarded : block([guarded]),
      f.createCatchClause(f.createVariableDeclaration(y), block([set(kind, f.createNumericLiteral(1)), set(value, y)])), undefined)])));
    body.push(...lowerToBlock(fin).statements);
    const is = (k: number) => f.createStrictEquality(kind, f.createNumericLiteral(k));
    body.push(f.createIfStatement(is(1), f.createThrowStatement(value)));
    body.push(f.createIfStatement(is(2), f.createReturnStatement(value)));
    jumps.forEach((j, i) => body.push(f.createIfStatement(is(3 + i),
      ts.isBreakStatement(j) ? f.createBreakStatement(j.label) : f.createContinueStatement(j.label))));
    out.push(...(label ? [f.createLabeledStatement(label, block(body))] : body));
  };

  const bindCatchParameter = (stmts: TS.Statement[], name: TS.BindingName, param: TS.Identifier): void => {
    if (!ts.isIdentifier(name) && has(name)) {
      lowerPattern(stmts, name, param);
      return;
    }
    const target = ts.isIdentifier(name) ? h.bindingTarget(name) : h.patternTarget(name);
    stmts.push(f.createExpressionStatement(f.createAssignment(target as TS.Identifier, param)));
  };

  const lowerCatch = (cc: TS.CatchClause): TS.CatchClause => {
    const param = f.createUniqueName("$$x");
    const stmts: TS.Statement[] = [...h.enterScope(cc, false)];
    if (cc.variableDeclaration) bindCatchParameter(stmts, cc.variableDeclaration.name, param);
    stmts.push(...lowerToBlock(cc.block, cc.block).statements);
    return f.createCatchClause(f.createVariableDeclaration(param), block(stmts));
  };

  const uninstrumentedBlock = (b: TS.Block): TS.Block => {
    uninstrumented++;
    try {
      return lowerToBlock(b);
    } finally {
      uninstrumented--;
    }
  };

  const withCopy = (copy: TS.Expression | undefined, e: TS.Expression | undefined): TS.Expression | undefined =>
    copy && e ? f.createComma(copy, e) : copy ?? e;

  const rtCall = (name: string, args: TS.Expression[]): TS.Expression =>
    f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), name), undefined, args);

  const bindLoopVariable = (init: TS.ForInitializer, value: TS.Expression): TS.Statement => {
    if (ts.isVariableDeclarationList(init)) {
      const d = init.declarations[0]!;
      if (!ts.isIdentifier(d.name) && has(d.name)) {
        const stmts: TS.Statement[] = [];
        lowerPattern(stmts, d.name, value);
        return block(stmts);
      }
      const target = ts.isIdentifier(d.name) ? h.bindingTarget(d.name) : h.patternTarget(d.name);
      return ts.isIdentifier(d.name) ? named(target, value, d.name.text) : f.createExpressionStatement(f.createAssignment(target as TS.Identifier, value));
    }
    const target = skipOuterExpressions(ts, init);
    if (isAssignmentPattern(ts, target) && has(target)) {
      const stmts: TS.Statement[] = [];
      lowerPattern(stmts, target, value);
      return block(stmts);
    }
    return f.createExpressionStatement(f.createAssignment(h.rewrite(init) as TS.Identifier, value));
  };

  /**
   *   [source]                     [lowered]
   *   for (const x of xs) body     $$it = $$rt.iter(xs); $$d = false;
   *                                try { L: for (;;) { $$r = $$it.next(); if ($$r.done) { $$d = true; break; }
   *                                                    x = $$r.value; body } }
   *                                catch ($$x) { if (!$$d) { $$d = true; $$rt.iterAbort($$it); } throw $$x; }
   *                                finally { if (!$$d && $$rt.unwinding !== true) { $$d = true; $$rt.iterReturn($$it); } }
   */
  const lowerForOf = (s: TS.ForOfStatement, out: TS.Statement[], label: TS.Identifier | undefined, evaluated?: TS.Expression): void => {
    const it = h.temp();
    const done = h.temp();
    const r = h.temp();
    const src = evaluated ?? x.explode(out, s.expression);
    // `for (x of c.keys() / .values() / .entries())`: RT.iter also gets the receiver and the
    // method called, so that a built-in Map/Set/Array iterator made right here can be pickled.
    let head = s.expression;
    while (ts.isParenthesizedExpression(head)) head = head.expression;
    const parts = !evaluated && ts.isCallExpression(head) && head.arguments.length === 0 && ts.isPropertyAccessExpression(head.expression) &&
      ts.isIdentifier(head.expression.name) && /^(keys|values|entries)$/.test(head.expression.name.text) ? x.memberCallParts(src) : undefined;
    out.push(f.createExpressionStatement(f.createAssignment(it, rtCall("iter", parts ? [src, parts.holder, parts.fn] : [src]))));
    // The loop holds its iterator in `it`; the call's temporary must not keep the built-in one
    // alive in the frame (a pickle would meet it: the dead-temporaries analysis is conservative
    // about temporaries reused by later statements).
    if (parts && ts.isIdentifier(src)) out.push(f.createExpressionStatement(f.createAssignment(src, f.createVoidZero())));
    out.push(f.createExpressionStatement(f.createAssignment(done, f.createFalse())));
    // `it.next()` is a switch point like any call: a transformed next() (a genlet) may switch
    // past this loop's frame instead of being entered as a boundary.
    const step: TS.Statement[] = [];
    const next = x.explode(step, f.createCallExpression(f.createPropertyAccessExpression(it, "next"), undefined, []));
    const inner: TS.Statement[] = [
      ...step,
      f.createExpressionStatement(f.createAssignment(r, next)),
      f.createIfStatement(f.createPropertyAccessExpression(r, "done"), block([
        f.createExpressionStatement(f.createAssignment(done, f.createTrue())), f.createBreakStatement()])),
      ...h.enterScope(s, false),
      bindLoopVariable(s.initializer, f.createPropertyAccessExpression(r, "value")),
      ...lowerToBlock(s.statement).statements,
    ];
    let loop: TS.Statement = f.createForStatement(undefined, undefined, undefined, block(inner));
    if (label) loop = f.createLabeledStatement(label, loop);
    const x1 = f.createUniqueName("$$x");
    out.push(f.createTryStatement(block([loop]),
      f.createCatchClause(f.createVariableDeclaration(x1), block([
        f.createIfStatement(f.createLogicalNot(done), block([
          f.createExpressionStatement(f.createAssignment(done, f.createTrue())),
          f.createExpressionStatement(rtCall("iterAbort", [it]))])),
        f.createThrowStatement(x1)])),
      block([f.createIfStatement(
        f.createLogicalAnd(f.createLogicalNot(done), unwindingFlag(f, false)),
        block([f.createExpressionStatement(f.createAssignment(done, f.createTrue())), f.createExpressionStatement(rtCall("iterReturn", [it]))]))])));
  };

  const body: TS.Statement[] = [];
  lowerList(statements, undefined, body);
  return { body, rps, points };
}

/**
 * Rewrites the jumps of a loop body that target the loop itself (by label, or unlabeled and not
 * inside a nested loop, or for `break` a nested switch): `continue` into `break cont`, and when
 * `brk` is given `break` into `break brk`. Nested functions and classes are left alone.
 */
function retargetJumps(ts: typeof TS, f: TS.NodeFactory, body: TS.Block, labels: readonly TS.Identifier[], cont: TS.Identifier, brk: TS.Identifier | undefined): TS.Block {
  const ours = (l: TS.Identifier) => labels.some((x) => x.text === l.text);
  const visit = (n: TS.Node, loops: number, switches: number): TS.Node => {
    if (ts.isContinueStatement(n)) return (n.label ? ours(n.label) : loops === 0) ? f.createBreakStatement(cont) : n;
    if (brk && ts.isBreakStatement(n)) return (n.label ? ours(n.label) : loops === 0 && switches === 0) ? f.createBreakStatement(brk) : n;
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return n;
    const isLoop = ts.isIterationStatement(n, false);
    const isSwitch = ts.isSwitchStatement(n);
    return ts.visitEachChild(n, (c) => visit(c, isLoop ? loops + 1 : loops, isSwitch ? switches + 1 : switches), undefined);
  };
  return visit(body, 0, 0) as TS.Block;
}

/** The statements emitted for a resume point map to its marker (which maps to the source statement). */
function positioned(ts: typeof TS, stmts: TS.Statement[], marker: TS.Node): TS.Statement[] {
  if (marker.pos >= 0) for (const st of stmts) positionSynthesized(ts, st, marker);
  return stmts;
}

/** Gives statements without a source position (and their unpositioned sub-statements) the range of `origin`. */
function positionSynthesized(ts: typeof TS, n: TS.Node, origin: TS.Node): void {
  if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
  if (n.pos < 0 && (ts.isStatement(n) || ts.isCatchClause(n))) ts.setTextRange(n, origin);
  if (ts.isStatement(n) || ts.isCatchClause(n) || ts.isCaseOrDefaultClause(n) || ts.isCaseBlock(n)) {
    ts.forEachChild(n, (c) => positionSynthesized(ts, c, origin));
  }
}

/** Statement-level resume-point ranges, memoised per node. */
function rangeOf(ts: typeof TS, rps: Map<TS.Node, ResumePoint>, memo: Map<TS.Node, readonly [number, number] | null>, n: TS.Node): readonly [number, number] | null {
  const m = memo.get(n);
  if (m !== undefined) return m;
  let r: readonly [number, number] | null = null;
  const rp = rps.get(n);
  if (rp) r = [rp.pc, rp.pc];
  else if (!ts.isFunctionLike(n) && !ts.isClassLike(n)) {
    ts.forEachChild(n, (c) => {
      const cr = rangeOf(ts, rps, memo, c);
      if (cr) r = r ? [Math.min(r[0], cr[0]), Math.max(r[1], cr[1])] : cr;
    });
  }
  memo.set(n, r);
  return r;
}

/**
 * Emits the normal-path statements: resume points become call + suspend test. Arms rare by
 * construction (explode.ts PointKind: a `cold` point, a member call's copied tag, a `jump`
 * point and the rest of its block) become `exit(rp)` when given, a `break` out of the body that
 * leaves the loop around it (transform-file.ts; past the body runtime.ts continueSpilled goes
 * on in the resume function: V8 14 optimizes a loop badly around any arm that stays in it).
 * Constructors get no `exit` (their bytecode size decides whether V8 inlines them). Not inside a
 * `try` with a `finally` either: the break would run that finally (user code, or a lowered
 * for-of closing its iterator) before the body goes on elsewhere.
 */
export function emitNormal(ts: typeof TS, f: TS.NodeFactory, body: TS.Statement[], rps: Map<TS.Node, ResumePoint>,
  exit?: (rp: ResumePoint) => TS.Statement): TS.Statement[] {
  let finallyDepth = 0;
  const visit = (n: TS.Node): TS.Node | TS.Node[] => {
    const rp = rps.get(n);
    if (rp?.yield) throw new Error("tsgreenlet: a yield point on a normal path (generator bodies only run through their resume function)");
    const canExit = exit !== undefined && finallyDepth === 0;
    if (rp) {
      if (rp.kind?.jump) return canExit ? positioned(ts, [exit(rp)], n) : [];
      const member = rp.kind?.member;
      return positioned(ts, canExit && rp.kind?.cold ? [exit(rp)]
        : canExit && member ? memberCallAndTest(f, rp, member, exit(rp)) : callAndTest(ts, f, rp), n);
    }
    if (canExit && ts.isBlock(n)) {
      // A jump point leaves the block: what follows it would be dead code, and bytecode V8
      // counts against its inlining limit.
      const at = n.statements.findIndex((st) => rps.get(st)?.kind?.jump);
      if (at >= 0) return f.updateBlock(n, n.statements.slice(0, at + 1).flatMap((st) => visit(st) as TS.Statement | TS.Statement[]));
    }
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return n;
    if (ts.isTryStatement(n) && n.finallyBlock) {
      finallyDepth++;
      try { return ts.visitEachChild(n, visit, undefined); } finally { finallyDepth--; }
    }
    return ts.visitEachChild(n, visit, undefined);
  };
  return body.flatMap((s) => visit(s) as TS.Statement | TS.Statement[]);
}

/**
 * `$$tsgreenlet2.t = callee; $$t = call; if ($$t === $$tsgreenlet2U) { $$t = undefined; $$pc = N; break $$body; }`
 * A frame that captures returns the runtime's symbol `U` (emitSpill), a read-only global under
 * that name (names.ts UNWIND_GLOBAL), so a call site tests the value it already holds in a
 * register against a constant the optimizing compiler embeds. When V8 inlines a callee whose
 * result type cannot be a symbol (a number, an object), the test folds away entirely. The
 * unwinding flag would be a memory load on every call, and it stops being a constant the first
 * time anything switches. The temporary is cleared so that a saved frame never holds the symbol
 * (a pickle could not encode it).
 * A `new` site keeps the flag test: `new` yields the instance, not a constructor's symbol.
 * The token store and the flag test name the runtime by its global (names.ts RT_GLOBAL), not
 * by the function's `$$rt`: that local is read once on entry, and in a function whose first
 * call runs a long loop the read ran before V8 allocated the function's feedback vector, so the
 * code V8 optimizes during that call knows nothing of `$$rt` (a generic load; map checks in the
 * loop; an inlined callee's entry check no longer sees the token just stored, and does not
 * fold). Whether a process then kept that code made bench `calls-new` bimodal (57-60 or 86-93
 * ms). The global read in the loop records its feedback before V8 optimizes the loop. Not in a
 * `cold` arm (a known static's instrumented call, explode.ts): a global read without feedback
 * stays a generic load call in optimized code, where a store through `$$rt` without feedback is
 * a deoptimization exit, and such a call in a loop's untaken arm slowed `calls-static` ~12%.
 */
function callAndTest(ts: typeof TS, f: TS.NodeFactory, rp: ResumePoint, call = rp.call): TS.Statement[] {
  let out: TS.Statement[];
  if (ts.isNewExpression(skipOuterExpressions(ts, call))) {
    out = [
      f.createExpressionStatement(rp.target ? f.createAssignment(rp.target, call) : call),
      f.createIfStatement(unwindingFlag(f, true), f.createBlock(unwound(f, rp), true)),
    ];
  } else if (rp.target) {
    out = [f.createExpressionStatement(f.createAssignment(rp.target, call)), unwoundTest(f, rp.target, rp)];
  } else {
    out = [f.createIfStatement(f.createStrictEquality(call, unwindSymbol(f)), f.createBlock(unwound(f, rp), true))];
  }
  return [...rp.kind?.cold?.() ?? [], ...tokenStore(f, rp), ...out];
}

/**
 * A member call on the normal path (explode.ts memberCall, as statements):
 *   <token>; if ("$$d" in f) { if (f.$$d === f) t = f(args); else <exit> } else t = f.call(self, args);
 *   if (t === $$tsgreenlet2U) { ... }
 * A tag copied onto another function (`Object.assign(wrapper, taggedClosure)`) is the rare arm:
 * it leaves the loop (emitNormal `exit`), and the resume function makes the `call` form at this
 * point (emitResume, mode RESUME_CALL) without testing the tag again (a Proxy's `has` and `get`
 * traps run once). Measured (hand-edited copies of the emitted loop, steady state): bench
 * calls-dyn Node 26 4.8 -> 1.6 ms (plain 1.2-1.4), Node 20 4.35 -> 3.35 (plain 2.4). With
 * the `call` arm inline, V8 14 optimized the loop around it badly, as for a known static's arm.
 * One token store, before the test as in the conditional form: a second one in the other arm
 * made every member call site ~10 bytes of bytecode longer (V8 inlines no function over 460).
 */
function memberCallAndTest(f: TS.NodeFactory, rp: ResumePoint, m: MemberCallForms, exit: TS.Statement): TS.Statement[] {
  const target = rp.target;
  if (!target) throw new Error("tsgreenlet: a member call's resume point without a result temporary");
  const made = (call: TS.Expression) => f.createExpressionStatement(f.createAssignment(target, call));
  return [
    ...tokenStore(f, rp),
    f.createIfStatement(m.tagged, f.createBlock([f.createIfStatement(m.own, made(m.direct), exit)], true), made(m.viaCall)),
    unwoundTest(f, target, rp),
  ];
}

/** `$$tsgreenlet2.t = callee`: see callAndTest for the global (the local `$$rt` in a cold arm). */
function tokenStore(f: TS.NodeFactory, rp: ResumePoint): TS.Statement[] {
  if (rp.kind?.noToken) return [];
  const rt = f.createIdentifier(rp.kind?.cold ? RT_LOCAL : RT_GLOBAL);
  return [f.createExpressionStatement(f.createAssignment(f.createPropertyAccessExpression(rt, "t"), rp.callee))];
}

/** `if ($$t === $$tsgreenlet2U) { $$t = undefined; $$pc = K; break $$body; }` */
function unwoundTest(f: TS.NodeFactory, target: TS.Identifier, rp: ResumePoint): TS.Statement {
  return f.createIfStatement(f.createStrictEquality(target, unwindSymbol(f)),
    f.createBlock([f.createExpressionStatement(f.createAssignment(target, f.createVoidZero())), ...unwound(f, rp)], true));
}

/** `$$pc = K; break $$body;` */
function unwound(f: TS.NodeFactory, rp: ResumePoint): TS.Statement[] {
  return [
    f.createExpressionStatement(f.createAssignment(f.createIdentifier(PC), f.createNumericLiteral(rp.pc))),
    f.createBreakStatement(f.createIdentifier(BODY_LABEL)),
  ];
}

/**
 * `$$tsgreenlet2.unwinding === true` (`!== true` when `set` is false; the global: see callAndTest): the flag, where a returned value
 * cannot tell (after `new` and `super(...)`) or no call was made (guarded `finally` code).
 */
export function unwindingFlag(f: TS.NodeFactory, set: boolean): TS.Expression {
  const flag = f.createPropertyAccessExpression(f.createIdentifier(RT_GLOBAL), "unwinding");
  return set ? f.createStrictEquality(flag, f.createTrue()) : f.createStrictInequality(flag, f.createTrue());
}

/** What a capturing frame returns (runtime/abi.ts RuntimeABI.U), by its global name (names.ts UNWIND_GLOBAL). */
function unwindSymbol(f: TS.NodeFactory): TS.Expression {
  return f.createIdentifier(UNWIND_GLOBAL);
}

/**
 * Emits the resume-path statements: statements before the resume point are skipped by guards on
 * `$$pc`, loops skip their test on the first resumed iteration, and the resume point itself
 * delivers the value (or throws) instead of calling.
 */
export function emitResume(ts: typeof TS, f: TS.NodeFactory, body: TS.Statement[], rps: Map<TS.Node, ResumePoint>): TS.Statement[] {
  const memo = new Map<TS.Node, readonly [number, number] | null>();
  const range = (n: TS.Node) => rangeOf(ts, rps, memo, n);
  const pc = () => f.createIdentifier(PC);
  const pcIsZero = () => f.createStrictEquality(pc(), f.createNumericLiteral(0));
  const pcNotZero = () => f.createStrictInequality(pc(), f.createNumericLiteral(0));
  const inRange = (r: readonly [number, number]) => r[0] === r[1]
    ? f.createStrictEquality(pc(), f.createNumericLiteral(r[0]))
    : f.createLogicalAnd(f.createGreaterThanEquals(pc(), f.createNumericLiteral(r[0])), f.createLessThanEquals(pc(), f.createNumericLiteral(r[1])));

  const list = (stmts: readonly TS.Statement[]): TS.Statement[] => {
    const out: TS.Statement[] = [];
    let plain: TS.Statement[] = [];
    const flush = () => {
      if (plain.length) out.push(f.createIfStatement(pcIsZero(), f.createBlock(plain, true)));
      plain = [];
    };
    for (const s of stmts) {
      const r = range(s);
      if (!r) {
        if (isAlwaysRun(s)) { flush(); out.push(s); } else plain.push(s);
        continue;
      }
      const rp = rps.get(s);
      if (rp && plain.length) {
        // Statements right before a resume point run in its `$$pc === 0` branch: one guard
        // less, and V8 sees the callee read just before the call (it can inline the callee).
        const before = plain;
        plain = [];
        out.push(...resumePoint(s, rp, before));
        continue;
      }
      flush();
      const st = stmt(s);
      out.push(...(Array.isArray(st) ? st : [f.createIfStatement(f.createLessThanEquals(pc(), f.createNumericLiteral(r[1])), st)]));
    }
    flush();
    return out;
  };
  // `const $$bK = $$EK` aliases of block environments must run even while skipping.
  const isAlwaysRun = (s: TS.Statement): boolean =>
    ts.isVariableStatement(s) && s.declarationList.declarations.every((d) => ts.isIdentifier(d.name) && d.name.text.startsWith("$$b"));

  const blockOf = (s: TS.Statement): TS.Block => f.createBlock(list(ts.isBlock(s) ? s.statements : [s]), true);

  const resumePoint = (s: TS.Statement, rp: ResumePoint, before: TS.Statement[]): TS.Statement[] => {
    if (rp.yield) return yieldPoint(s, rp, before);
    if (rp.kind?.jump) {
      // Entered here from the normal path's exit (mode 3): go on from the start of the block.
      const out = before.length ? [f.createIfStatement(pcIsZero(), f.createBlock(before, true))] : [];
      out.push(f.createIfStatement(f.createStrictEquality(pc(), f.createNumericLiteral(rp.pc)),
        f.createExpressionStatement(f.createAssignment(pc(), f.createNumericLiteral(0)))));
      return out;
    }
    const deliver: TS.Statement[] = [
      f.createExpressionStatement(f.createAssignment(pc(), f.createNumericLiteral(0))),
      f.createIfStatement(f.createStrictEquality(f.createIdentifier(RES_MODE), f.createNumericLiteral(RESUME_THROW)),
        f.createThrowStatement(f.createIdentifier(RES_VALUE))),
    ];
    // `new f()` resumed after f completed: f's own object unless it returned one (classes return
    // their instance themselves; a function's frame only has it as its receiver, runtime.ts lastCompleted).
    const value = ts.isNewExpression(rp.call)
      ? f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), "madeNew"), undefined, [f.createIdentifier(RES_VALUE)])
      : f.createIdentifier(RES_VALUE);
    if (rp.target) deliver.push(f.createExpressionStatement(f.createAssignment(rp.target, value)));
    const here = () => f.createStrictEquality(pc(), f.createNumericLiteral(rp.pc));
    let delivering: TS.Expression = here(), calling: TS.Expression = pcIsZero();
    const call = [...before, ...positioned(ts, callAndTest(ts, f, rp), s)];
    // Also entered here by the normal path's exit (runtime.ts continueSpilled, mode RESUME_CALL): then
    // make the call the exit skipped. A known static's (cold) with the checks that precede it
    // (PointKind.cold); a member call's in its `call` form (memberCallAndTest), never `before`.
    let called: TS.Statement[] | undefined;
    if (rp.kind?.cold || rp.kind?.member) {
      const callMode = f.createStrictEquality(f.createIdentifier(RES_MODE), f.createNumericLiteral(RESUME_CALL));
      delivering = f.createLogicalAnd(delivering, f.createLogicalNot(f.createParenthesizedExpression(callMode)));
    }
    if (rp.kind?.cold) {
      calling = f.createLogicalOr(calling, here());
      call.unshift(f.createExpressionStatement(f.createAssignment(pc(), f.createNumericLiteral(0))));
    } else if (rp.kind?.member) {
      called = [f.createExpressionStatement(f.createAssignment(pc(), f.createNumericLiteral(0))), ...callAndTest(ts, f, rp, rp.kind.member.viaCall)];
    }
    const made = f.createIfStatement(calling, f.createBlock(call, true), called && f.createIfStatement(here(), f.createBlock(called, true)));
    return positioned(ts, [f.createIfStatement(delivering, f.createBlock(deliver, true), made)], s);
  };
  /**
   * A yield (transformer/core/yield.ts): resumed here, throw (mode 1) or deliver; a delegating
   * yield (`yield*`) delivers the mode too. Reached, it leaves through `$$gy` to the spill into
   * the generator's own record, with the unwinding flag set so that guarded finally code is skipped.
   */
  const yieldPoint = (s: TS.Statement, rp: ResumePoint, before: TS.Statement[]): TS.Statement[] => {
    const set = (t: TS.Expression, v: TS.Expression) => f.createExpressionStatement(f.createAssignment(t as TS.Identifier, v));
    const mode = rp.yield!.mode;
    const deliver: TS.Statement[] = [set(pc(), f.createNumericLiteral(0))];
    if (mode) deliver.push(set(mode, f.createIdentifier(RES_MODE)));
    else deliver.push(f.createIfStatement(f.createStrictEquality(f.createIdentifier(RES_MODE), f.createNumericLiteral(RESUME_THROW)),
      f.createThrowStatement(f.createIdentifier(RES_VALUE))));
    deliver.push(set(rp.target!, f.createIdentifier(RES_VALUE)));
    const leave: TS.Statement[] = [
      ...before,
      set(f.createIdentifier(RES_VALUE), rp.callee),
      set(f.createPropertyAccessExpression(f.createIdentifier(GEN_LOCAL), "s"), f.createNumericLiteral(mode ? GEN_YIELD_RAW : GEN_YIELD)),
      set(f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), "unwinding"), f.createTrue()),
      set(pc(), f.createNumericLiteral(rp.pc)),
      f.createBreakStatement(f.createIdentifier(YIELD_LABEL)),
    ];
    return positioned(ts, [f.createIfStatement(f.createStrictEquality(pc(), f.createNumericLiteral(rp.pc)), f.createBlock(deliver, true),
      f.createIfStatement(pcIsZero(), f.createBlock(leave, true)))], s);
  };
  /**
   * A loop holding resume points runs its resumed iteration under `$$pc` guards and then the
   * rest of its iterations as the normal path emits them, unguarded: with the guards in every
   * iteration a resumed loop ran 3-4x slower than the same loop in the normal function (a tight
   * loop of method calls, Node 20 and 26), and so did every function body run from pc 0 by
   * `RT.construct`/`RT.enterAt`. Loops holding yields keep one guarded loop (a yield cannot be
   * emitted on the normal path).
   *
   *   $$lp: {
   *     if ($$pc !== 0) { $$it: { <one guarded iteration> }  <for: update; do: if (!test) break $$lp;> }
   *     L: for (; test; update) { <normal path> }        // while (test) / do ... while (test)
   *   }
   *
   * In the guarded iteration, jumps targeting the loop become `break $$it` (continue) and
   * `break $$lp` (break): that code is no longer inside the loop statement.
   */
  const isSplitLoop = (s: TS.Statement): s is TS.ForStatement | TS.WhileStatement | TS.DoStatement =>
    (ts.isForStatement(s) || ts.isWhileStatement(s) || ts.isDoStatement(s)) && !holdsYield(range(s));
  const yieldPcs = [...rps.values()].filter((rp) => rp.yield).map((rp) => rp.pc);
  const holdsYield = (r: readonly [number, number] | null): boolean => !r || yieldPcs.some((pc) => pc >= r[0] && pc <= r[1]);
  const loop = (s: TS.ForStatement | TS.WhileStatement | TS.DoStatement, labels: TS.Identifier[]): TS.Statement => {
    const it = f.createUniqueName("$$it");
    const lp = f.createUniqueName("$$lp");
    const resumed: TS.Statement[] = [f.createLabeledStatement(it, retargetJumps(ts, f, blockOf(s.statement), labels, it, lp))];
    const normal = f.createBlock(emitNormal(ts, f, ts.isBlock(s.statement) ? [...s.statement.statements] : [s.statement], rps), true);
    let rest: TS.Statement;
    if (ts.isForStatement(s)) {
      if (s.incrementor) resumed.push(f.createExpressionStatement(s.incrementor));
      rest = f.createForStatement(undefined, s.condition, s.incrementor, normal);
    } else if (ts.isWhileStatement(s)) {
      rest = f.createWhileStatement(s.expression, normal);
    } else {
      resumed.push(f.createIfStatement(f.createLogicalNot(s.expression), f.createBreakStatement(lp)));
      rest = f.createDoStatement(normal, s.expression);
    }
    for (const l of [...labels].reverse()) rest = f.createLabeledStatement(l, rest);
    return f.createLabeledStatement(lp, f.createBlock([f.createIfStatement(pcNotZero(), f.createBlock(resumed, true)), rest], true));
  };
  const stmt = (s: TS.Statement): TS.Statement | TS.Statement[] => {
    const rp = rps.get(s);
    if (rp) return resumePoint(s, rp, []);
    if (ts.isBlock(s)) return blockOf(s);
    if (ts.isLabeledStatement(s)) {
      const labels: TS.Identifier[] = [];
      let base: TS.Statement = s;
      for (; ts.isLabeledStatement(base); base = base.statement) labels.push(base.label);
      if (isSplitLoop(base)) return loop(base, labels);
      const inner = stmt(s.statement);
      return f.createLabeledStatement(s.label, Array.isArray(inner) ? f.createBlock(inner, true) : inner);
    }
    if (isSplitLoop(s)) return loop(s, []);
    if (ts.isIfStatement(s)) {
      const rt = range(s.thenStatement);
      const cond = f.createConditionalExpression(pcIsZero(), undefined, s.expression, undefined, rt ? inRange(rt) : f.createFalse());
      return f.createIfStatement(cond, blockOf(s.thenStatement), s.elseStatement ? blockOf(s.elseStatement) : undefined);
    }
    if (ts.isWhileStatement(s)) {
      return f.createWhileStatement(f.createLogicalOr(pcNotZero(), s.expression), blockOf(s.statement));
    }
    if (ts.isDoStatement(s)) return f.createDoStatement(blockOf(s.statement), s.expression);
    if (ts.isForStatement(s)) {
      const test = s.condition ? f.createLogicalOr(pcNotZero(), s.condition) : undefined;
      return f.createForStatement(undefined, test, s.incrementor, blockOf(s.statement));
    }
    if (ts.isSwitchStatement(s)) {
      const sentinel = f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), "resumeCase");
      const clauses: TS.CaseOrDefaultClause[] = [];
      for (const c of s.caseBlock.clauses) {
        const r = range(c);
        if (r) clauses.push(f.createCaseClause(f.createConditionalExpression(inRange(r), undefined, sentinel, undefined,
          f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), "noCase")), []));
        const stmts = list(c.statements);
        clauses.push(ts.isCaseClause(c) ? f.createCaseClause(c.expression, stmts) : f.createDefaultClause(stmts));
      }
      return f.createSwitchStatement(f.createConditionalExpression(pcIsZero(), undefined, s.expression, undefined, sentinel), f.createCaseBlock(clauses));
    }
    if (ts.isTryStatement(s)) {
      const tryStmts = list(s.tryBlock.statements);
      let cc: TS.CatchClause | undefined;
      if (s.catchClause) {
        const cr = range(s.catchClause.block);
        if (cr) tryStmts.unshift(f.createIfStatement(inRange(cr), f.createThrowStatement(f.createNumericLiteral(0))));
        const body = list(s.catchClause.block.statements);
        cc = f.createCatchClause(s.catchClause.variableDeclaration, f.createBlock(body, true));
      }
      return f.createTryStatement(f.createBlock(tryStmts, true), cc, s.finallyBlock);
    }
    return s;
  };
  return list(body);
}

export { emitSpill, emitRestore, emitYieldSpill };

/**
 * After `$$gy:` in a generator's resume function: a yield left the body. Clears the unwinding
 * flag it set, stores pc and locals into the generator's record (`$$g.r`: info, this and `$$g`
 * itself never change) and returns the yielded value (`$$v`).
 */
function emitYieldSpill(f: TS.NodeFactory, locals: readonly string[]): TS.Statement[] {
  const rec = () => f.createIdentifier(RES_RECORDS);
  const set = (t: TS.Expression, v: TS.Expression) => f.createExpressionStatement(f.createAssignment(t as TS.Identifier, v));
  const out: TS.Statement[] = [
    set(f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), "unwinding"), f.createFalse()),
    set(rec(), f.createPropertyAccessExpression(f.createIdentifier(GEN_LOCAL), "r")),
    set(f.createElementAccessExpression(rec(), f.createNumericLiteral(1)), f.createIdentifier(PC)),
  ];
  locals.forEach((name, i) => {
    if (name !== GEN_LOCAL) out.push(set(f.createElementAccessExpression(rec(), f.createNumericLiteral(REC_HEADER + i)), f.createIdentifier(name)));
  });
  out.push(f.createReturnStatement(f.createIdentifier(RES_VALUE)));
  return out;
}

/**
 * `$$rt.buf[$$rt.sp] = info; $$rt.buf[$$rt.sp + 1] = $$pc; ...; $$rt.sp += size; return $$tsgreenlet2U;`
 * Buffer and fill pointer are re-read per store rather than held in locals: this path is cold,
 * and two more locals would enlarge every interpreter frame of the function (recursion depth).
 */
function emitSpill(f: TS.NodeFactory, ts: typeof TS, info: TS.Expression, thisExpr: TS.Expression, locals: readonly string[]): TS.Statement[] {
  const rt = () => f.createIdentifier(RT_LOCAL);
  const sp = () => f.createPropertyAccessExpression(rt(), "sp");
  const at = (i: number) => f.createElementAccessExpression(f.createPropertyAccessExpression(rt(), "buf"),
    i === 0 ? sp() : f.createAdd(sp(), f.createNumericLiteral(i)));
  const out: TS.Statement[] = [
    f.createExpressionStatement(f.createAssignment(at(0), info)),
    f.createExpressionStatement(f.createAssignment(at(1), f.createIdentifier(PC))),
    f.createExpressionStatement(f.createAssignment(at(2), thisExpr)),
  ];
  locals.forEach((name, i) => out.push(f.createExpressionStatement(f.createAssignment(at(REC_HEADER + i), f.createIdentifier(name)))));
  out.push(f.createExpressionStatement(f.createBinaryExpression(sp(), ts.SyntaxKind.PlusEqualsToken, f.createNumericLiteral(REC_HEADER + locals.length))));
  out.push(f.createReturnStatement(unwindSymbol(f)));
  return out;
}

/** `let a = $$c[$$p + 3], ..., $$pc = $$c[$$p + 1];` */
function emitRestore(f: TS.NodeFactory, ts: typeof TS, locals: readonly string[]): TS.Statement {
  const at = (i: number) => f.createElementAccessExpression(f.createIdentifier(RES_RECORDS), f.createAdd(f.createIdentifier(RES_P), f.createNumericLiteral(i)));
  const decls = locals.map((name, i) => f.createVariableDeclaration(name, undefined, undefined, at(REC_HEADER + i)));
  decls.push(f.createVariableDeclaration(PC, undefined, undefined, at(1)));
  return f.createVariableStatement(undefined, f.createVariableDeclarationList(decls, ts.NodeFlags.Let));
}

/** Whether `n` contains a function or class (lowering its code twice would define it twice). */
function containsFunction(ts: typeof TS, n: TS.Node): boolean {
  let found = false;
  const walk = (c: TS.Node): void => {
    if (found) return;
    if (ts.isFunctionLike(c) || ts.isClassLike(c)) { found = true; return; }
    ts.forEachChild(c, walk);
  };
  walk(n);
  return found;
}
