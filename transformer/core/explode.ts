/**
 * Expression linearisation ("explode", after regenerator's explodeExpression): every call that
 * may suspend becomes its own statement `$$tK = callee(args)`, so that after it the caller can
 * test the unwinding flag and leave, and a resume can continue right after it with the partial
 * results of the enclosing expression in locals.
 *
 *   [source]                       [lowered]
 *   x = a + f(b) * g();            $$t1 = a;  $$t2 = f(b) <rp1>;  $$t3 = g() <rp2>;
 *                                  x = $$t1 + $$t2 * $$t3;
 *   y = c && f();                  $$t4 = c;  if ($$t4) { $$t4 = f() <rp3>; }  y = $$t4;
 *   o.m(h());                      $$t5 = o;  $$t6 = $$t5.m;  $$t7 = h() <rp4>;  $$t6.call($$t5, $$t7) <rp5>;
 *
 * Operands evaluated before a later call are saved to temporaries, which keeps evaluation order.
 * A call this module does not lower (calls inside destructuring defaults, computed class keys,
 * optional chains that continue after the call...) stays in place *uninstrumented*: its callee is
 * then entered as a boundary, so a switch below it pins the greenlet instead of corrupting it.
 */
import type * as TS from "typescript";
import { DIRECT_TAG, RT_IMPORT, RT_LOCAL } from "./names.js";
import { skipOuterExpressions } from "./outer.js";

/** How a resume point's call is made on the normal path (lower-function.ts emitNormal). */
export interface PointKind {
  /** A call of an inner entry (transform-file.ts splitEntries), which has no check: no callee token. */
  readonly noToken?: boolean;
  /**
   * Never reached in a program that does not redefine things (a known static's guarded arm):
   * builds the statements that run just before the call when it is made (the not-a-function
   * check). The normal path leaves its loop there instead.
   */
  readonly cold?: () => TS.Statement[];
  /** A member call (`call` is their conditional): the normal path tests the tag as statements. */
  readonly member?: MemberCallForms;
  /**
   * No call: the first statement of a block that is rare by construction (a for-of over a
   * rewritten generator, lower-function.ts). The normal path leaves there, dropping the rest of
   * the block, which then runs in the resume function only (entered at this point in mode 3).
   */
  readonly jump?: boolean;
}

/**
 * The parts of a member call `"$$d" in f && f.$$d === f ? f(args) : f.call(self, args)`
 * (explode.ts memberCall).
 */
export interface MemberCallForms {
  /** `"$$d" in f`: false for class methods and most library functions (folds per site). */
  readonly tagged: TS.Expression;
  /** `f.$$d === f`: the tag is f's own, not one copied onto f from another function. */
  readonly own: TS.Expression;
  readonly direct: TS.Expression;
  readonly viaCall: TS.Expression;
}

export interface ExplodeHost {
  readonly ts: typeof TS;
  readonly f: TS.NodeFactory;
  /** A fresh function-level temporary. */
  temp(): TS.Identifier;
  /**
   * Appends a resume point: `target = call` (or just `call`) with its suspend test, after storing
   * `callee` as the callee token (see PointKind for the variants).
   */
  resumePoint(out: TS.Statement[], callee: TS.Expression, call: TS.Expression, target: TS.Identifier | undefined, pos: TS.Node, kind?: PointKind): void;
  /** Rewrites identifiers of a call-free expression (bindings -> locals/env properties). */
  rewrite(e: TS.Expression): TS.Expression;
  /** Whether a call of this identifier provably cannot suspend (non-suspending.ts). */
  cannotSuspend(callee: TS.Identifier): boolean;
  /**
   * The callee token of `new C(...)` when C is resolved statically to a class with its own
   * token (transform-file.ts ctorToken), instead of the constructor read into a temporary.
   */
  ctorToken?(callee: TS.Identifier): TS.Expression | undefined;
  /**
   * For `C.m(...)`: the module-level variable holding the static method C was defined with, when
   * that method can never unwind its caller (non-suspending.ts findKnownStatics).
   */
  knownStatic?(holder: TS.Identifier, name: string): { readonly slot: TS.Identifier; readonly receiverFree: boolean } | undefined;
  /**
   * For `x.#m(...)`: the callee token of the transformed private method #m names (transform-file.ts
   * privateToken), stored after `x.#m` is read; undefined when #m is not a transformed method.
   */
  privateToken?(name: TS.PrivateIdentifier): TS.Expression | undefined;
  /** Whether reading `e` twice gives the same value (a const binding). */
  isConstant?(e: TS.Expression): boolean;
  /** Whether evaluating `e` (an original expression) can run no user code (transform-file.ts inert). */
  inert?(e: TS.Expression): boolean;
  /**
   * For a call `f(...)` by name: the inner entry of `f` (its body without the entry check), which
   * a transformed caller calls directly, without a callee token (transform-file.ts splitEntries).
   */
  innerEntry?(callee: TS.Identifier): TS.Identifier | undefined;
  /** Finishes a rebuilt object literal (methods' identities: see transform-file wrapSelves). */
  objectLiteral?(original: TS.ObjectLiteralExpression, rebuilt: TS.ObjectLiteralExpression): TS.Expression;
  /** A compile-time warning at `n` (a construct left uninstrumented). */
  warn?(n: TS.Node, message: string): void;
  /**
   * A module-level constant holding the template object of a tagged template site (the frozen
   * strings array the tag receives: one object per site, as the language guarantees), so the
   * tag can be called like a function with it. Undefined: keep the tagged template uninstrumented.
   */
  templateObject?(t: TS.TemplateLiteral): TS.Expression | undefined;
  /**
   * Lowers `pattern = value` (value already in a temporary) element by element, for an
   * assignment pattern with calls in it. Undefined: keep the assignment uninstrumented (warned).
   */
  assignmentPattern?(out: TS.Statement[], pattern: TS.ObjectLiteralExpression | TS.ArrayLiteralExpression, value: TS.Expression): void;
  /**
   * `yield` / `yield*` in a rewritten generator body (transformer/core/yield.ts): appends its
   * statements, returns the expression holding the value the yield evaluates to.
   */
  yieldExpression?(out: TS.Statement[], e: TS.YieldExpression, explode: (out: TS.Statement[], e: TS.Expression) => TS.Expression): TS.Expression;
}

export function containsCall(ts: typeof TS, node: TS.Node): boolean {
  let found = false;
  const walk = (n: TS.Node): void => {
    if (found) return;
    // A `yield` (only in rewritten generator bodies) is a resume point like a call.
    if (ts.isCallExpression(n) || ts.isNewExpression(n) || ts.isTaggedTemplateExpression(n) || ts.isYieldExpression(n)) {
      found = true;
      return;
    }
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    ts.forEachChild(n, walk);
  };
  walk(node);
  return found;
}

export function createExploder(h: ExplodeHost) {
  const { ts, f } = h;
  const has = (n: TS.Node | undefined): boolean => n !== undefined && containsCall(ts, n);

  const isStable = (e: TS.Expression): boolean =>
    ts.isLiteralExpression(e) || e.kind === ts.SyntaxKind.ThisKeyword || e.kind === ts.SyntaxKind.TrueKeyword ||
    e.kind === ts.SyntaxKind.FalseKeyword || e.kind === ts.SyntaxKind.NullKeyword ||
    ts.isFunctionExpression(e) || ts.isArrowFunction(e) || ts.isNoSubstitutionTemplateLiteral(e);

  /** Evaluates `e` now into a temporary (unless its value cannot change). */
  const toTemp = (out: TS.Statement[], e: TS.Expression): TS.Expression => {
    // A const binding needs no temporary (one less local in every frame of the function).
    if (h.isConstant?.(e)) return h.rewrite(e);
    const v = explode(out, e);
    if (isStable(v) || (ts.isIdentifier(v) && v.text.startsWith("$$t"))) return v;
    const t = h.temp();
    out.push(assign(t, v));
    return t;
  };
  const assign = (t: TS.Expression, v: TS.Expression): TS.Statement =>
    f.createExpressionStatement(f.createAssignment(t as TS.Identifier, v));

  /**
   * Evaluates a list of operands left to right; operands before the last call are saved, and so
   * are those before the last one `alsoSave` picks.
   */
  const explodeList = (out: TS.Statement[], items: readonly TS.Expression[], alsoSave?: (e: TS.Expression) => boolean): TS.Expression[] => {
    let lastCall = -1;
    items.forEach((e, i) => { if (has(e) || alsoSave?.(e)) lastCall = i; });
    return items.map((e, i) => {
      if (i > lastCall) return h.rewrite(e);
      if (ts.isSpreadElement(e)) {
        // Spread the iterable into an array now, so iteration happens in source order.
        const arr = toTemp(out, f.createArrayLiteralExpression([f.createSpreadElement(explode(out, e.expression))]));
        return f.createSpreadElement(arr);
      }
      return i === lastCall && !ts.isSpreadElement(e) ? toTemp(out, e) : toTemp(out, e);
    });
  };

  /**
   * The call of a method read into `fn` from `self`:
   *   "$$d" in fn && fn.$$d === fn ? fn(args) : fn.call(self, args)      (fn is a function: `callable`)
   * A receiver-free callee (receiver.ts) is called directly so that V8 gets call feedback for it
   * and can inline it; anything else keeps the exact receiver through `call`. The test is inline
   * so that every call site has its own type feedback (a class method's answer folds to a
   * constant); `in` first, because a Proxy whose get trap throws on unknown string keys (chai's
   * assertions) does not define `has`. Until session 7 this was a call of `RT.isDirect`, whose
   * one feedback vector went megamorphic in any program with varied callees.
   * The normal path makes the same test as statements, with a loop exit for a copied tag
   * (lower-function.ts memberCallAndTest).
   */
  const memberCallForms = (fn: TS.Expression, self: TS.Expression, args: readonly TS.Expression[]): MemberCallForms => ({
    tagged: f.createBinaryExpression(f.createStringLiteral(DIRECT_TAG), ts.SyntaxKind.InKeyword, fn),
    own: f.createStrictEquality(f.createPropertyAccessExpression(fn, DIRECT_TAG), fn),
    direct: f.createCallExpression(fn, undefined, args),
    viaCall: f.createCallExpression(f.createPropertyAccessExpression(fn, "call"), undefined, [self, ...args]),
  });
  const memberCall = (m: MemberCallForms): TS.Expression =>
    f.createConditionalExpression(f.createLogicalAnd(m.tagged, m.own), undefined, m.direct, undefined, m.viaCall);

  /**
   * `o.m(...)` whose `o.m` is not a function throws the engine's TypeError, named after the source
   * ("o.m is not a function"), after the arguments were evaluated (they are inert or temporaries
   * here). The lowered `.call` would otherwise say "Cannot read properties of undefined (reading
   * 'call')", or call a non-callable object's own `call` method. A throwing arm keeps V8's loop
   * optimisations (an arm with any other effect can cost a loop its peeling).
   */
  const callable = (out: TS.Statement[], fn: TS.Expression, callee: TS.Expression): void => {
    const source = (n: TS.Node): string => n.pos >= 0 && n.getSourceFile() !== undefined ? n.getText().replace(/\s*\n\s*/g, "") : "";
    // `(o as T).m`: the object as the engine would print the compiled code, without the type.
    const object = ts.isPropertyAccessExpression(callee) && !callee.questionDotToken ? source(skipOuterExpressions(ts, callee.expression)) : "";
    const text = object !== "" ? `${object}.${(callee as TS.PropertyAccessExpression).name.text}` : source(callee);
    out.push(f.createIfStatement(f.createStrictInequality(f.createTypeOfExpression(fn), f.createStringLiteral("function")),
      f.createThrowStatement(f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), "notCallable"), undefined,
        [f.createStringLiteral(text), fn]))));
  };

  /**
   * Arguments of a call with a callee token are evaluated before the token is stored, whenever one
   * of them may run user code (a getter, `valueOf`, a spread's iterator): that code could call the
   * same function from untransformed code while the token names it, and the callee would then
   * take that entry for a transformed one (and unwind through the untransformed frame on a switch).
   */
  const runsCode = (e: TS.Expression): boolean => !(h.inert?.(e) ?? false);

  /**
   * The callee token of a member call: the method read, except for `f.call(…)` / `f.apply(…)`
   * when the method is Function.prototype's (the function that runs is `f`) and
   * `Reflect.apply(f, …)` (then `f`, its first argument). Without this, such a call entered `f`
   * as a boundary and a switch inside it pinned the greenlet.
   */
  const callToken = (callee: TS.Expression, fn: TS.Expression, thisArg: TS.Expression | undefined, args: readonly TS.Expression[]): TS.Expression => {
    if (!thisArg || !ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.name) ||
        (callee.name.text !== "call" && callee.name.text !== "apply")) return fn;
    const is = (k: string) => f.createStrictEquality(fn, f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), k));
    let token: TS.Expression = f.createConditionalExpression(f.createLogicalOr(is("CALL"), is("APPLY")), undefined, thisArg, undefined, fn);
    const first = args[0];
    // (only when the first argument reads back the same: a temporary or a binding)
    if (callee.name.text === "apply" && first !== undefined && ts.isIdentifier(first)) {
      token = f.createConditionalExpression(is("RAPPLY"), undefined, first, undefined, token);
    }
    return token;
  };

  /** Receiver and method of the member calls exploded so far, by their result temporary. */
  const callParts = new WeakMap<TS.Node, { readonly holder: TS.Expression; readonly fn: TS.Expression }>();

  const explodeCall = (out: TS.Statement[], e: TS.CallExpression, pos: TS.Node): TS.Expression => {
    if (e.questionDotToken || isOptionalChain(e.expression)) return explodeOptional(out, e);
    if (e.expression.kind === ts.SyntaxKind.SuperKeyword || e.expression.kind === ts.SyntaxKind.ImportKeyword) {
      return uninstrumented(out, e);
    }
    const callee = skipOuterExpressions(ts, e.expression);
    // A call of a function that cannot suspend stores no callee token (see runsCode), nor does
    // a call of an inner entry.
    const inner = ts.isIdentifier(callee) ? h.innerEntry?.(callee) : undefined;
    const leaf = ts.isIdentifier(callee) && (h.cannotSuspend(callee) || inner !== undefined);
    let fn: TS.Expression;
    let thisArg: TS.Expression | undefined;
    // super.m(...) / this.#m(...): methods of a class, which take their receiver.
    let classMember = false;
    if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) {
      // o.m(...), o[k](...), this.#m(...), super.m(...): read the method, call it with the receiver
      // (`this` for super calls). Only methods inside a class body use super or #names here.
      const isSuper = callee.expression.kind === ts.SyntaxKind.SuperKeyword;
      classMember = isSuper || (ts.isPropertyAccessExpression(callee) && ts.isPrivateIdentifier(callee.name));
      const holder = isSuper ? f.createSuper() : toTemp(out, callee.expression);
      thisArg = isSuper ? f.createThis() : holder;
      const ft = h.temp();
      if (ts.isPropertyAccessExpression(callee)) {
        out.push(assign(ft, f.createPropertyAccessExpression(holder, ts.isPrivateIdentifier(callee.name) ? callee.name : callee.name.text)));
      } else {
        out.push(assign(ft, f.createElementAccessExpression(holder, toTemp(out, callee.argumentExpression))));
      }
      fn = ft;
    } else if (inner) {
      fn = inner; // a hoisted function declaration, never reassigned: read at the call
    } else if (ts.isIdentifier(callee) && !e.arguments.some((a) => has(a) || (!leaf && runsCode(a)))) {
      fn = h.rewrite(callee);
      // A captured function is read from its environment object: call it without that receiver.
      if (!ts.isIdentifier(fn)) fn = f.createParenthesizedExpression(f.createComma(f.createNumericLiteral(0), fn));
    } else {
      fn = toTemp(out, callee);
    }
    const known = thisArg && !classMember && ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) &&
      ts.isIdentifier(callee.name) && !e.arguments.some(ts.isSpreadElement) ? h.knownStatic?.(callee.expression, callee.name.text) : undefined;
    // A guarded call below appears twice: its arguments are evaluated first, into temporaries.
    const args = known ? e.arguments.map((a) => toTemp(out, a)) : explodeList(out, e.arguments, leaf ? undefined : runsCode);
    // (a known static's guard implies a function: its check is in the other arm, below)
    if (thisArg && !known) callable(out, fn, callee);
    let member = thisArg && !classMember ? memberCallForms(fn, thisArg, args) : undefined;
    let call: TS.Expression = !thisArg
      ? f.createCallExpression(fn, undefined, args)
      : member ? memberCall(member)
        : f.createCallExpression(f.createPropertyAccessExpression(fn, "call"), undefined, [thisArg, ...args]);
    if (thisArg && ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.name) && callee.name.text === "bind" &&
        callee.expression.kind !== ts.SyntaxKind.SuperKeyword) {
      // `x.bind(o, ...)`: when that is Function.prototype.bind, bind through the runtime so the
      // bound function can be pickled (runtime.ts `bind`); any other `bind` method is called as is.
      const rt = f.createIdentifier(RT_IMPORT);
      call = f.createConditionalExpression(
        f.createStrictEquality(fn, f.createPropertyAccessExpression(rt, "BIND")), undefined,
        f.createCallExpression(f.createPropertyAccessExpression(rt, "bind"), undefined, [thisArg, ...args]), undefined, call);
      member = undefined;
    }
    const t = h.temp();
    // A call that cannot suspend is still evaluated here, in order, but needs no resume point.
    if (inner) h.resumePoint(out, fn, call, t, pos, { noToken: true });
    else if (leaf) out.push(assign(t, call));
    else if (known && thisArg) {
      // `if ($$f === $$smN) t = $$f(args); else <resume point>`: the method read is still the one
      // the class was defined with, which never unwinds.
      const fast = known.receiverFree ? f.createCallExpression(fn, undefined, args)
        : f.createCallExpression(f.createPropertyAccessExpression(fn, "call"), undefined, [thisArg, ...args]);
      const slow: TS.Statement[] = [];
      // The check only here: measured in bench calls-static, a test before the guard made the
      // loop ~10% slower (probe, 7 processes: 60 vs 55 ms; plain 28).
      h.resumePoint(slow, fn, call, t, pos, { cold: () => { const check: TS.Statement[] = []; callable(check, fn, callee); return check; } });
      out.push(f.createIfStatement(f.createStrictEquality(fn, known.slot), f.createBlock([assign(t, fast)], true), f.createBlock(slow, true)));
    } else {
      const own = classMember && ts.isPropertyAccessExpression(callee) && ts.isPrivateIdentifier(callee.name) ? h.privateToken?.(callee.name) : undefined;
      h.resumePoint(out, own ?? callToken(callee, fn, thisArg, args), call, t, pos, { member });
    }
    if (thisArg && !classMember) callParts.set(t, { holder: thisArg, fn });
    return t;
  };

  /**
   * An optional chain with calls in it: each `?.` guards the rest of the chain, so calls after a
   * nullish link are never evaluated (and never become resume points).
   *
   *   r = o?.m?.(g())     ->   $$r = void 0; $$o = o;
   *                            if ($$o != null) { $$f = $$o.m; if ($$f != null) { $$a = g() <rp>; $$c = $$f.call($$o, $$a) <rp>; $$r = $$c; } }
   */
  const explodeOptional = (out: TS.Statement[], e: TS.Expression): TS.Expression => {
    let unsupported = false;
    const check = (n: TS.Node): void => {
      if (ts.isPrivateIdentifier(n) || n.kind === ts.SyntaxKind.SuperKeyword) unsupported = true;
      else if (isOptionalChain(n) || ts.isNonNullExpression(n)) ts.forEachChild(n, check);
    };
    check(e);
    if (unsupported) return uninstrumented(out, e);
    const result = h.temp();
    out.push(assign(result, f.createVoidZero()));
    let cur = out;
    const save = (v: TS.Expression): TS.Expression => {
      if (isStable(v) || (ts.isIdentifier(v) && v.text.startsWith("$$t"))) return v;
      const t = h.temp();
      cur.push(assign(t, v));
      return t;
    };
    const guard = (v: TS.Expression): void => {
      const inner: TS.Statement[] = [];
      cur.push(f.createIfStatement(f.createBinaryExpression(v, ts.SyntaxKind.ExclamationEqualsToken, f.createNull()), f.createBlock(inner, true)));
      cur = inner;
    };
    /** `obj.name` / `obj[key]` for an access whose object is evaluated into `obj`: the key after it. */
    const access = (obj: TS.Expression, n: TS.PropertyAccessExpression | TS.ElementAccessExpression): TS.Expression =>
      ts.isPropertyAccessExpression(n) ? f.createPropertyAccessExpression(obj, n.name)
        : f.createElementAccessExpression(obj, has(n.argumentExpression) ? toTemp(cur, n.argumentExpression) : h.rewrite(n.argumentExpression));
    /** The method read of a member callee outside the chain: the object, then the key (until session 7 the receiver was lost). */
    const method = (m: TS.PropertyAccessExpression | TS.ElementAccessExpression): { v: TS.Expression; self: TS.Expression } => {
      const isSuper = m.expression.kind === ts.SyntaxKind.SuperKeyword;
      const obj = isSuper ? f.createSuper() : save(explode(cur, m.expression));
      return { v: access(obj, m), self: isSuper ? f.createThis() : obj };
    };
    const part = (n: TS.Expression): { v: TS.Expression; self?: TS.Expression } => {
      if (!isOptionalChain(n)) return { v: explode(cur, n) };
      if (ts.isNonNullExpression(n)) return part(n.expression);
      if (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) {
        const obj = save(part(n.expression).v);
        if (n.questionDotToken) guard(obj);
        return { v: access(obj, n), self: obj };
      }
      if (ts.isCallExpression(n)) {
        // `o.m?.()`: `o.m` is no link of the chain, but the call still takes `o` as its receiver.
        const target = skipOuterExpressions(ts, n.expression);
        const callee = !isOptionalChain(target) && (ts.isPropertyAccessExpression(target) || ts.isElementAccessExpression(target))
          ? method(target) : part(n.expression);
        const fn = h.temp();
        cur.push(assign(fn, callee.v));
        if (n.questionDotToken) guard(fn);
        const args = explodeList(cur, n.arguments, runsCode);
        if (callee.self) callable(cur, fn, n.expression);
        const member = callee.self ? memberCallForms(fn, callee.self, args) : undefined;
        const call = member ? memberCall(member) : f.createCallExpression(fn, undefined, args);
        const t = h.temp();
        h.resumePoint(cur, fn, call, t, n, { member });
        return { v: t };
      }
      return { v: explode(cur, n) };
    };
    const v = part(e).v;
    cur.push(assign(result, v));
    return result;
  };

  /** tag`a${x}b` -> tag(strings, x) with the site's template object: a resume point like any call. */
  const explodeTagged = (out: TS.Statement[], e: TS.TaggedTemplateExpression): TS.Expression => {
    const tag = skipOuterExpressions(ts, e.tag);
    const strings = h.templateObject?.(e.template);
    if (!strings || tag.kind === ts.SyntaxKind.SuperKeyword || isOptionalChain(tag) ||
        ((ts.isPropertyAccessExpression(tag) || ts.isElementAccessExpression(tag)) && tag.expression.kind === ts.SyntaxKind.SuperKeyword) ||
        (ts.isPropertyAccessExpression(tag) && ts.isPrivateIdentifier(tag.name))) {
      return uninstrumented(out, e);
    }
    let fn: TS.Expression;
    let thisArg: TS.Expression | undefined;
    if (ts.isPropertyAccessExpression(tag)) {
      thisArg = toTemp(out, tag.expression);
      fn = h.temp();
      out.push(assign(fn, f.createPropertyAccessExpression(thisArg, tag.name.text)));
    } else if (ts.isElementAccessExpression(tag)) {
      thisArg = toTemp(out, tag.expression);
      const key = toTemp(out, tag.argumentExpression);
      fn = h.temp();
      out.push(assign(fn, f.createElementAccessExpression(thisArg, key)));
    } else {
      fn = toTemp(out, tag);
      if (!ts.isIdentifier(fn)) {
        const t = h.temp();
        out.push(assign(t, fn));
        fn = t;
      }
    }
    const values = explodeList(out, ts.isTemplateExpression(e.template) ? e.template.templateSpans.map((sp) => sp.expression) : [], runsCode);
    const call = thisArg
      ? f.createCallExpression(f.createPropertyAccessExpression(fn, "call"), undefined, [thisArg, strings, ...values])
      : f.createCallExpression(fn, undefined, [strings, ...values]);
    const t = h.temp();
    h.resumePoint(out, fn, call, t, e);
    return t;
  };

  /** Keeps a call in place without a resume point (its callee will be entered as a boundary). */
  const uninstrumented = (_out: TS.Statement[], e: TS.Expression): TS.Expression => h.rewrite(e);

  const explode = (out: TS.Statement[], e: TS.Expression): TS.Expression => {
    if (!has(e)) return h.rewrite(e);
    if (ts.isParenthesizedExpression(e)) return f.createParenthesizedExpression(explode(out, e.expression));
    if (ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e) || ts.isSatisfiesExpression(e)) {
      return explode(out, e.expression);
    }
    if (ts.isCallExpression(e)) return explodeCall(out, e, e);
    if (ts.isYieldExpression(e)) {
      if (!h.yieldExpression) throw new Error("tsgreenlet: yield outside a rewritten generator body");
      return h.yieldExpression(out, e, explode);
    }
    if (ts.isNewExpression(e)) {
      const token = ts.isIdentifier(e.expression) ? h.ctorToken?.(e.expression) : undefined;
      const ctor = toTemp(out, e.expression);
      const args = explodeList(out, e.arguments ?? [], runsCode);
      const t = h.temp();
      h.resumePoint(out, token ?? ctor, f.createNewExpression(ctor, undefined, args), t, e);
      return t;
    }
    if (ts.isTaggedTemplateExpression(e)) return explodeTagged(out, e);
    if (ts.isBinaryExpression(e)) return explodeBinary(out, e);
    if (ts.isConditionalExpression(e)) {
      const c = explode(out, e.condition);
      const t = h.temp();
      const a: TS.Statement[] = [];
      a.push(assign(t, explode(a, e.whenTrue)));
      const b: TS.Statement[] = [];
      b.push(assign(t, explode(b, e.whenFalse)));
      out.push(f.createIfStatement(c, f.createBlock(a, true), f.createBlock(b, true)));
      return t;
    }
    if (ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) {
      const op = e.operator;
      if (op === ts.SyntaxKind.PlusPlusToken || op === ts.SyntaxKind.MinusMinusToken) {
        const target = explodeTarget(out, e.operand);
        return ts.isPrefixUnaryExpression(e) ? f.createPrefixUnaryExpression(op, target) : f.createPostfixUnaryExpression(target, op);
      }
      return f.createPrefixUnaryExpression(op as TS.PrefixUnaryOperator, explode(out, e.operand));
    }
    if (ts.isTypeOfExpression(e)) return f.createTypeOfExpression(explode(out, e.expression));
    if (ts.isVoidExpression(e)) return f.createVoidExpression(explode(out, e.expression));
    if (ts.isDeleteExpression(e)) return f.createDeleteExpression(explodeTarget(out, e.expression));
    if ((ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) && isOptionalChain(e)) return explodeOptional(out, e);
    if (ts.isPropertyAccessExpression(e)) {
      if (isOptionalChain(e) || e.expression.kind === ts.SyntaxKind.SuperKeyword) return uninstrumented(out, e);
      return f.createPropertyAccessExpression(explode(out, e.expression), e.name);
    }
    if (ts.isElementAccessExpression(e)) {
      if (isOptionalChain(e) || e.expression.kind === ts.SyntaxKind.SuperKeyword) return uninstrumented(out, e);
      const [o, k] = explodeList(out, [e.expression, e.argumentExpression]);
      return f.createElementAccessExpression(o!, k!);
    }
    if (ts.isArrayLiteralExpression(e)) {
      if (e.elements.some((x) => ts.isOmittedExpression(x))) return uninstrumented(out, e);
      return f.createArrayLiteralExpression(explodeList(out, e.elements), false);
    }
    if (ts.isObjectLiteralExpression(e)) return explodeObject(out, e);
    if (ts.isTemplateExpression(e)) {
      const vals = explodeList(out, e.templateSpans.map((s) => s.expression));
      return f.createTemplateExpression(e.head, e.templateSpans.map((s, i) => f.createTemplateSpan(vals[i]!, s.literal)));
    }
    if (ts.isSpreadElement(e)) return f.createSpreadElement(explode(out, e.expression));
    if (ts.isCommaListExpression(e)) {
      let last: TS.Expression = f.createVoidZero();
      e.elements.forEach((x, i) => {
        const v = explode(out, x);
        if (i < e.elements.length - 1) out.push(f.createExpressionStatement(v));
        else last = v;
      });
      return last;
    }
    return uninstrumented(out, e);
  };

  const explodeObject = (out: TS.Statement[], e: TS.ObjectLiteralExpression): TS.Expression => {
    // Evaluate values (and computed keys) in order; methods and accessors are not evaluated.
    const props: TS.ObjectLiteralElementLike[] = [];
    const items: TS.Expression[] = [];
    const shape: ("kv" | "spread" | "keep")[] = [];
    for (const p of e.properties) {
      if (ts.isPropertyAssignment(p)) {
        if (ts.isComputedPropertyName(p.name)) { items.push(p.name.expression); shape.push("kv"); }
        items.push(p.initializer);
        shape.push("keep");
      } else if (ts.isShorthandPropertyAssignment(p)) {
        items.push(p.name);
        shape.push("keep");
      } else if (ts.isSpreadAssignment(p)) {
        items.push(p.expression);
        shape.push("spread");
      } else if (h.objectLiteral && !ts.isComputedPropertyName(p.name)) {
        // A method or accessor with a static key: defined in place, nothing evaluated.
      } else {
        return uninstrumented(out, e);
      }
    }
    let lastCall = -1;
    items.forEach((x, i) => { if (has(x)) lastCall = i; });
    const vals = items.map((x, i) => {
      if (i > lastCall) return h.rewrite(x);
      if (shape[i] === "spread") return toTemp(out, f.createObjectLiteralExpression([f.createSpreadAssignment(explode(out, x))]));
      return toTemp(out, x);
    });
    let k = 0;
    for (const p of e.properties) {
      if (ts.isPropertyAssignment(p)) {
        const name = ts.isComputedPropertyName(p.name) ? f.createComputedPropertyName(vals[k++]!) : p.name;
        props.push(f.createPropertyAssignment(name, vals[k++]!));
      } else if (ts.isShorthandPropertyAssignment(p)) {
        props.push(f.createPropertyAssignment(p.name.text, vals[k++]!));
      } else if (ts.isSpreadAssignment(p)) {
        props.push(f.createSpreadAssignment(vals[k++]!));
      } else {
        props.push(h.rewrite(p as unknown as TS.Expression) as unknown as TS.ObjectLiteralElementLike);
      }
    }
    const literal = f.createObjectLiteralExpression(props, true);
    return h.objectLiteral ? h.objectLiteral(e, literal) : literal;
  };

  /** A reference to assign to / increment / delete, with its object and key evaluated now. */
  const explodeTarget = (out: TS.Statement[], e: TS.Expression): TS.Expression => {
    e = skipOuterExpressions(ts, e);
    if (ts.isPropertyAccessExpression(e) && !isOptionalChain(e) && e.expression.kind !== ts.SyntaxKind.SuperKeyword) {
      return f.createPropertyAccessExpression(toTemp(out, e.expression), e.name);
    }
    if (ts.isElementAccessExpression(e) && !isOptionalChain(e) && e.expression.kind !== ts.SyntaxKind.SuperKeyword) {
      const o = toTemp(out, e.expression);
      const k = toTemp(out, e.argumentExpression);
      return f.createElementAccessExpression(o, k);
    }
    return h.rewrite(e);
  };

  const explodeBinary = (out: TS.Statement[], e: TS.BinaryExpression): TS.Expression => {
    const op = e.operatorToken.kind;
    const K = ts.SyntaxKind;
    if (op === K.AmpersandAmpersandToken || op === K.BarBarToken || op === K.QuestionQuestionToken) {
      if (!has(e.right)) return f.createBinaryExpression(explode(out, e.left), op, h.rewrite(e.right));
      const t = h.temp();
      out.push(assign(t, explode(out, e.left)));
      const rest: TS.Statement[] = [];
      rest.push(assign(t, explode(rest, e.right)));
      const test = op === K.AmpersandAmpersandToken ? t
        : op === K.BarBarToken ? f.createLogicalNot(t)
        : f.createBinaryExpression(t, K.EqualsEqualsToken, f.createNull());
      out.push(f.createIfStatement(test, f.createBlock(rest, true)));
      return t;
    }
    if (op === K.AmpersandAmpersandEqualsToken || op === K.BarBarEqualsToken || op === K.QuestionQuestionEqualsToken) {
      const target = explodeTarget(out, e.left);
      const rest: TS.Statement[] = [];
      rest.push(f.createExpressionStatement(f.createAssignment(target as TS.Identifier, explode(rest, e.right))));
      const test = op === K.AmpersandAmpersandEqualsToken ? target
        : op === K.BarBarEqualsToken ? f.createLogicalNot(target)
        : f.createBinaryExpression(target, K.EqualsEqualsToken, f.createNull());
      out.push(f.createIfStatement(test, f.createBlock(rest, true)));
      return target;
    }
    if (op === K.EqualsToken) {
      if (ts.isObjectLiteralExpression(e.left) || ts.isArrayLiteralExpression(e.left)) {
        if (has(e.left)) {
          if (!h.assignmentPattern) {
            h.warn?.(e.left, "calls inside this assignment pattern are not switch points (a switch inside them pins the greenlet)");
            return uninstrumented(out, e);
          }
          // The value of `pattern = rhs` is rhs.
          const v = toTemp(out, e.right);
          h.assignmentPattern(out, e.left, v);
          return v;
        }
        const v = toTemp(out, e.right);
        return f.createAssignment(h.rewrite(e.left) as TS.Identifier, v);
      }
      const target = explodeTarget(out, e.left);
      return f.createAssignment(target as TS.Identifier, explode(out, e.right));
    }
    if (op >= K.FirstCompoundAssignment && op <= K.LastCompoundAssignment) {
      const target = explodeTarget(out, e.left);
      const old = h.temp();
      out.push(assign(old, target));
      const r = explode(out, e.right);
      return f.createAssignment(target as TS.Identifier, f.createBinaryExpression(old, compoundToBinary(ts, op), r));
    }
    if (op === K.CommaToken) {
      out.push(f.createExpressionStatement(explode(out, e.left)));
      return explode(out, e.right);
    }
    const [l, r] = explodeList(out, [e.left, e.right]);
    return f.createBinaryExpression(l!, op, r!);
  };

  const isOptionalChain = (e: TS.Node): boolean => (e.flags & ts.NodeFlags.OptionalChain) !== 0;

  /**
   * For the result of a member call `o.m(...)` just exploded: what held the receiver and the
   * function called (temporaries or constants, still holding those values right after the call).
   */
  const memberCallParts = (result: TS.Expression) => callParts.get(result);

  return { explode, explodeTarget, has, memberCallParts };
}

function compoundToBinary(ts: typeof TS, op: TS.SyntaxKind): TS.BinaryOperator {
  const K = ts.SyntaxKind;
  const map: Partial<Record<TS.SyntaxKind, TS.BinaryOperator>> = {
    [K.PlusEqualsToken]: K.PlusToken, [K.MinusEqualsToken]: K.MinusToken, [K.AsteriskEqualsToken]: K.AsteriskToken,
    [K.AsteriskAsteriskEqualsToken]: K.AsteriskAsteriskToken, [K.SlashEqualsToken]: K.SlashToken,
    [K.PercentEqualsToken]: K.PercentToken, [K.LessThanLessThanEqualsToken]: K.LessThanLessThanToken,
    [K.GreaterThanGreaterThanEqualsToken]: K.GreaterThanGreaterThanToken,
    [K.GreaterThanGreaterThanGreaterThanEqualsToken]: K.GreaterThanGreaterThanGreaterThanToken,
    [K.AmpersandEqualsToken]: K.AmpersandToken, [K.BarEqualsToken]: K.BarToken, [K.CaretEqualsToken]: K.CaretToken,
  };
  return map[op]!;
}
