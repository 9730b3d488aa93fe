/**
 * The core transform over one source file: finds marked functions, rewrites their bindings
 * (hoisted locals, environment objects for captured variables), lowers them (lower-function.ts)
 * and adds the module prologue (runtime import, function descriptors) and the resume functions.
 *
 * Runs as a TypeScript `before` transformer on the parse tree, so it sees original positions and
 * parent pointers; TypeScript's own transforms (type erasure, down-levelling, module format) run
 * on its output. Every adapter (ts-patch, esbuild, Vite, the Node loader) goes through here.
 *
 * What is transformed: function declarations, function expressions and arrow functions, and
 * methods and constructors of classes (not getters/setters, not generators or async functions;
 * derived constructors from their super(...) statement on: see derivedShape). Everything else inside a marked
 * region keeps running untransformed: a call into it is a boundary, so a switch below it pins the
 * greenlet (see runtime/greenlet) instead of unwinding through native frames.
 */
import type * as TS from "typescript";
import { createHash } from "node:crypto";
import { analyzeScopes, type Binding, type Scope, type ScopeInfo } from "./scopes.js";
import { containsCall } from "./explode.js";
import { findKnownStatics, findNonSuspending, onlyCalls, reassigned } from "./non-suspending.js";
import { inferredName, mentions } from "./inferred-name.js";
import { emitNormal, emitRestore, emitResume, emitSpill, emitYieldSpill, lowerBody, unwindingFlag, type LowerHost, type ResumePoint } from "./lower-function.js";
import { BODY_LABEL, CTOR_FLAG, CTOR_OUTSIDE, GEN_LOCAL, PC, RES_MODE, RES_P, RES_RECORDS, RES_VALUE, RT_GLOBAL, RT_IMPORT, RT_LOCAL, YIELD_LABEL } from "./names.js";
import { unsupportedYield } from "./yield.js";
import { ignoresReceiver, receiverFreeStatics } from "./receiver.js";
import { hasModifier } from "./modifiers.js";
import type { TransformDiagnostic, GreenletTransformOptions } from "./options.js";
import { createPickleSupport } from "./closures.js";
import { analyzeTdz } from "./tdz.js";
import { writeKind } from "./writes.js";
import { isOuterExpression, skipOuterExpressions } from "./outer.js";

const DIRECTIVE = "use greenlet";

interface FnState {
  readonly node: TS.FunctionLikeDeclaration;
  readonly scope: Scope;
  readonly locals: string[];
  readonly localSet: Set<string>;
  /** Locals that are parameters or natively bound (not declared with let in the normal path). */
  readonly native: Set<string>;
  readonly freeEnvs: Set<string>;
  envName: string | undefined;
  tempCount: number;
  usesArguments: boolean;
}

export function transformSourceFile(
  ts: typeof TS, context: TS.TransformationContext, sf: TS.SourceFile, fileName: string,
  options: GreenletTransformOptions, report: (d: TransformDiagnostic) => void, wholeFile: boolean,
): TS.SourceFile {
  const f = context.factory;
  if (!wholeFile && !sf.text.includes(DIRECTIVE)) return sf;
  const fileMarked = wholeFile || hasDirective(ts, sf.statements);
  const fieldSemantics = classFieldSemantics(ts, context.getCompilerOptions());
  const scopes: ScopeInfo = analyzeScopes(ts, sf);
  const prologue: TS.Statement[] = [];
  const epilogue: TS.Statement[] = [];
  const relFile = fileName;
  let uid = 0;
  let transformedAny = false;
  // Pickling support (closures.ts): stable ids, closure factories, module table.
  const pickling = createPickleSupport(ts, f, sf, fileName, scopes, prologue, epilogue);

  const transformedFns = new Set<TS.Node>();
  /** Generator functions among them (rewritten: transformer/core/yield.ts). */
  const rewrittenGenerators = new Set<TS.Node>();
  const fnStates = new Map<TS.Node, FnState>();
  const stack: FnState[] = [];
  /** Innermost function-like node being visited (transformed or not). */
  const fnNodeStack: TS.Node[] = [];
  const localNames = new Map<Binding, string>();
  const blockEnvs = new Map<Scope, { E: string; b: string }>();

  const pos = (n: TS.Node): readonly [number, number] => {
    const lc = sf.getLineAndCharacterOfPosition(n.getStart(sf));
    return [lc.line + 1, lc.character + 1];
  };
  const diag = (n: TS.Node, category: "error" | "warning", message: string): void => {
    const [line, column] = pos(n);
    report({ file: fileName, line, column, category, message, start: n.getStart(sf), length: n.getWidth(sf) });
  };

  // ---- which functions are transformed --------------------------------------------------------
  /**
   * Whether the code of `n` (which its resume function repeats) needs the class body: `super`
   * of `n` itself (not of a nested method or function), or a #private name that no class nested
   * in `n` declares.
   */
  const usesSuperOrPrivate = (n: TS.Node): boolean => {
    let found = false;
    const walk = (c: TS.Node, ownSuper: boolean, declared: ReadonlySet<string>): void => {
      if (found) return;
      if (c.kind === ts.SyntaxKind.SuperKeyword && ownSuper) { found = true; return; }
      if (ts.isPrivateIdentifier(c) && !declared.has(c.text)) { found = true; return; }
      let inner = declared;
      if (ts.isClassLike(c)) {
        const names = new Set(declared);
        for (const m of c.members) if (m.name && ts.isPrivateIdentifier(m.name)) names.add(m.name.text);
        inner = names;
      }
      const superStays = ownSuper && !(ts.isClassLike(c) || (ts.isFunctionLike(c) && !ts.isArrowFunction(c) && c !== n));
      ts.forEachChild(c, (k) => walk(k, superStays, inner));
    };
    walk(n, true, new Set());
    return found;
  };
  /**
   * Arrows whose `super` uses go through their method's home object (kept in the method's
   * environment, runtime `sget`): every `super` of the arrow (nested arrows included) is a
   * property read or a method call (`super.x`, `super[k]`, `super.m(...)`, not an assignment
   * target, `delete` operand, optional call or template tag) in a transformed method of a named
   * class whose name the method does not shadow; no #private names. Filled while marking.
   */
  const superArrows = new Set<TS.Node>();
  const homeMethods = new Set<TS.Node>();
  const superThroughHome = (n: TS.Node): boolean => {
    if (!ts.isArrowFunction(n)) return false;
    let ok = true;
    let method: TS.Node | undefined;
    const walk = (c: TS.Node): void => {
      if (!ok) return;
      if (ts.isPrivateIdentifier(c)) { ok = false; return; }
      if (c.kind === ts.SyntaxKind.SuperKeyword) {
        const b = scopes.refs.get(c);
        const m = b?.kind === "home" ? b.fn!.node : undefined;
        if (!m || !transformedFns.has(m) || homeExpression(m as TS.MethodDeclaration) === undefined || !superReadOrCall(c.parent)) ok = false;
        method = m;
        return;
      }
      if ((ts.isFunctionLike(c) && !ts.isArrowFunction(c)) || ts.isClassLike(c)) {
        // Their `super` is their own; a nested class may still name the outer class's #private members.
        if (ts.isClassLike(c) && usesSuperOrPrivate(c)) ok = false;
        return;
      }
      ts.forEachChild(c, walk);
    };
    ts.forEachChild(n, walk);
    if (ok && method) homeMethods.add(method);
    return ok;
  };
  /** `super.x` / `super[k]` read as a value or called as a method (not written, deleted, optional-called or a template tag). */
  const superReadOrCall = (p: TS.Node): boolean => {
    if (!ts.isPropertyAccessExpression(p) && !ts.isElementAccessExpression(p)) return false;
    let c: TS.Node = p;
    let up = c.parent;
    while (ts.isParenthesizedExpression(up)) { c = up; up = up.parent; }
    if (ts.isCallExpression(up) && up.expression === c) return !up.questionDotToken;
    if (ts.isTaggedTemplateExpression(up) || ts.isDeleteExpression(up)) return false;
    if ((ts.isPrefixUnaryExpression(up) || ts.isPostfixUnaryExpression(up)) &&
        (up.operator === ts.SyntaxKind.PlusPlusToken || up.operator === ts.SyntaxKind.MinusMinusToken)) return false;
    // Through destructuring patterns up to what they are assigned from.
    while (ts.isArrayLiteralExpression(up) || ts.isSpreadElement(up) || ts.isPropertyAssignment(up) || ts.isShorthandPropertyAssignment(up) ||
           ts.isSpreadAssignment(up) || ts.isObjectLiteralExpression(up) || ts.isParenthesizedExpression(up)) {
      if (ts.isPropertyAssignment(up) && up.initializer !== c) return true;
      c = up;
      up = up.parent;
    }
    if (ts.isBinaryExpression(up) && up.left === c && up.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && up.operatorToken.kind <= ts.SyntaxKind.LastAssignment) return false;
    if ((ts.isForOfStatement(up) || ts.isForInStatement(up)) && up.initializer === c) return false;
    return true;
  };
  /** `C.prototype` (or `C` for a static method) from inside the method: its class's own name, when the method does not shadow it. */
  const homeExpression = (m: TS.MethodDeclaration): TS.Expression | undefined => {
    const cls = m.parent;
    if (!ts.isClassLike(cls) || !cls.name) return undefined;
    const name = cls.name.text;
    if (scopes.scopes.get(m)?.decls.has(name)) return undefined;
    const c = f.createIdentifier(name);
    return hasModifier(ts, m, ts.SyntaxKind.StaticKeyword) ? c : f.createPropertyAccessExpression(c, "prototype");
  };
  const isPlainFunction = (n: TS.Node): n is TS.FunctionDeclaration | TS.FunctionExpression | TS.ArrowFunction =>
    (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n)) && n.body !== undefined &&
    (!n.asteriskToken || rewritableGenerator(n)) && !hasModifier(ts, n, ts.SyntaxKind.AsyncKeyword);
  /**
   * Generators rewritten so their frame is a heap record (transformer/core/yield.ts,
   * runtime/generators.ts): not async, every yield in a position the lowering takes apart.
   */
  const rewritableGenerator = (n: TS.FunctionLikeDeclaration): boolean =>
    !!n.asteriskToken && n.body !== undefined && !hasModifier(ts, n, ts.SyntaxKind.AsyncKeyword) && unsupportedYield(ts, n.body) === undefined;
  /**
   * Methods and accessors of classes and object literals. Their identity for the entry check is
   * read once per evaluation of the class/literal (see wrapSelves), so the key must be static.
   */
  const isMethodLike = (n: TS.Node): n is MethodLike =>
    (ts.isMethodDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n)) &&
    (ts.isClassLike(n.parent) || ts.isObjectLiteralExpression(n.parent));
  // Accessors stay untransformed: they run on property access, which is not a call site, so
  // their caller could not resume there anyway (they would only get slower).
  const isTransformableMethod = (n: TS.Node): n is MethodLike =>
    ts.isMethodDeclaration(n) && isMethodLike(n) && n.body !== undefined && (!n.asteriskToken || rewritableGenerator(n)) &&
    !hasModifier(ts, n, ts.SyntaxKind.AsyncKeyword) && (staticKey(ts, n) !== undefined || wellKnownSymbolKey(n) || movableKey(n) || privateMethod(n)) &&
    (!usesSuperOrPrivate(n) || ts.isClassLike(n.parent)) && !awaitsOrYieldsAround(n) && !classDecorated(n.parent);
  /**
   * A class decorator may replace the class: the static block that reads the methods' identities
   * then sees the replacement (TypeScript's lowering points `this` there at it), whose prototype
   * need not hold them, and every call of a method would fail its entry check. Members of such
   * classes stay untransformed (warned).
   */
  const classDecorated = (n: TS.Node): boolean => ts.isClassLike(n) && decorated(n);
  const decorated = (n: TS.Node): boolean => ts.canHaveDecorators(n) && (ts.getDecorators(n)?.length ?? 0) > 0;
  /**
   * `*[Symbol.iterator]()`: a generator method keyed by a well-known symbol (the global `Symbol`)
   * is rewritten too; its key is evaluated into a variable as the class is defined
   * (`[$$kyN = Symbol.iterator]`) so that its identity can be read like a static key's.
   */
  const wellKnownSymbolKey = (n: MethodLike): boolean => {
    const name = n.name;
    if (!ts.isComputedPropertyName(name)) return false;
    const e = name.expression;
    return ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === "Symbol" &&
      ts.isIdentifier(e.name) && scopes.refs.get(e.expression) === undefined;
  };
  /**
   * Any other computed key `[expr]` whose expression the transform leaves where it is: it reads
   * no binding of a function (only module-level and global ones, which are never rewritten), no
   * `this`, `super`, `arguments` or `new.target`, creates no function or class and does not
   * yield or await. It is evaluated once as the class/literal is defined, like the original, into
   * a variable (`[$$kyN = $$RT.key(expr)]`: RT.key applies ToPropertyKey once, so a key object's
   * toString/valueOf runs once, as it would), from which the method's identity is read.
   */
  const movableKey = (n: MethodLike): boolean => {
    if (!ts.isComputedPropertyName(n.name)) return false;
    let ok = true;
    const walk = (c: TS.Node): void => {
      if (!ok) return;
      if (ts.isIdentifier(c)) {
        const b = scopes.refs.get(c);
        if (c.text === "arguments" || (b !== undefined && b.fn !== null)) ok = false;
        return;
      }
      if (c.kind === ts.SyntaxKind.ThisKeyword || c.kind === ts.SyntaxKind.SuperKeyword || ts.isMetaProperty(c) || ts.isFunctionLike(c) ||
          ts.isClassLike(c) || ts.isYieldExpression(c) || ts.isAwaitExpression(c) || ts.isPrivateIdentifier(c)) { ok = false; return; }
      // `o.name`: the name is not a reference (checked by the walk above only as the object).
      if (ts.isPropertyAccessExpression(c)) { walk(c.expression); return; }
      ts.forEachChild(c, walk);
    };
    walk(n.name.expression);
    return ok;
  };
  /**
   * `#m() {}`: a private method (instance or static) is transformed too. Its identity cannot be
   * read when the class is defined (there is no instance to read `#m` from), so its entry check
   * compares the callee token with a number of its own (`$$ptN = $$RT.tok()`, privateToken),
   * which transformed call sites `x.#m(...)` store after reading `x.#m` (that read is the brand
   * check, and it can only yield this very method). Any other entry (untransformed code of the
   * class, `.call` of the method value, a callback) runs the body through its resume function
   * from the start inside `RT.enterAt`, which counts a boundary, like a constructor entered from
   * untransformed code: the resume code is a symbol-keyed member of the class, which works for
   * any receiver, read by that key when the class is defined (selfAssignments). Not generators
   * (kept native) and not decorated methods: a decorator's replacement would be entered with the
   * token and call the original from untransformed code.
   */
  const privateMethod = (n: MethodLike): boolean =>
    ts.isMethodDeclaration(n) && ts.isPrivateIdentifier(n.name) && !n.asteriskToken && !decorated(n);
  /** A module-level `const <prefix>N = $$RT.tok()` per node: the callee token of a constructor or private method. */
  const numberTokens = new Map<TS.Node, string>();
  const numberToken = (node: TS.Node, prefix: string): string => {
    let name = numberTokens.get(node);
    if (name === undefined) {
      name = `${prefix}${++uid}`;
      numberTokens.set(node, name);
      prologue.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined,
        f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "tok"), undefined, []))], ts.NodeFlags.Const)));
    }
    return name;
  };
  const privateToken = (m: TS.MethodDeclaration): string => numberToken(m, "$$pt");
  /** The transformed private method `x.#m` names: the member of the innermost class declaring #m. */
  const privateCallee = (name: TS.PrivateIdentifier): TS.MethodDeclaration | undefined => {
    for (let p: TS.Node | undefined = name.parent; p; p = p.parent) {
      if (!ts.isClassLike(p)) continue;
      const m = p.members.find((c) => c.name !== undefined && ts.isPrivateIdentifier(c.name) && c.name.text === name.text);
      if (m === undefined) continue;
      return ts.isMethodDeclaration(m) && transformedFns.has(m) ? m : undefined;
    }
    return undefined;
  };
  /** Resume keys (`$$skN`) of transformed private methods: their identity for RT.enterAt. */
  const privateResumeKeys = new Map<TS.Node, string>();
  /** Methods of top-level classes whose resume member is read into a variable (`v`) by its key. */
  const resumeRefs = new Map<TS.Node, { readonly v: string; readonly key: string }>();
  /** Variables holding the evaluated computed keys of such methods. */
  const computedKeys = new Map<TS.Node, string>();
  /** The class/literal is wrapped in an arrow (wrapSelves): `await`/`yield` around the member would break. */
  const awaitsOrYieldsAround = (n: MethodLike | TS.ConstructorDeclaration): boolean => awaitsOrYieldsIn(n.parent);
  const awaitsOrYieldsIn = (holder: TS.Node): boolean => {
    let found = false;
    const walk = (c: TS.Node): void => {
      if (found) return;
      if (ts.isAwaitExpression(c) || ts.isYieldExpression(c) || (ts.isForOfStatement(c) && c.awaitModifier)) { found = true; return; }
      if (ts.isFunctionLike(c) || ts.isClassStaticBlockDeclaration(c)) return;
      ts.forEachChild(c, walk);
    };
    ts.forEachChild(holder, walk);
    return found;
  };

  /** Marked derived classes without a constructor of their own (see fieldMove). */
  const implicitCandidates = new Set<TS.ClassLikeDeclaration>();
  /** Marks transformable functions top-down (nested functions of untransformed ones stay untransformed). */
  const mark = (n: TS.Node, marked: boolean, insideFn: boolean): void => {
    if (ts.isFunctionLike(n) && (n as TS.FunctionLikeDeclaration).body) {
      const body = (n as TS.FunctionLikeDeclaration).body!;
      const m = marked || (ts.isBlock(body) && hasDirective(ts, body.statements));
      const ok = m && ((isPlainFunction(n) && (!usesSuperOrPrivate(n) || (superThroughHome(n) && (superArrows.add(n), true)))) || isTransformableMethod(n) ||
        (ts.isConstructorDeclaration(n) && ctorObstacle(n) === undefined)) && !inNamespaceOrBlockAtTop(n);
      if (ok) {
        transformedFns.add(n);
        if ((n as TS.FunctionLikeDeclaration).asteriskToken) rewrittenGenerators.add(n);
      }
      else if (m) warnUntransformed(n);
      // Functions nested in an untransformed function (or in a class body) stay untransformed.
      ts.forEachChild(n, (c) => mark(c, ok ? m : false, true));
      return;
    }
    if (ts.isClassLike(n)) {
      // A marked derived class without a constructor may get one (fieldMove: case "implicit").
      if (marked && isDerived(n) && !n.members.some((m) => ts.isConstructorDeclaration(m))) implicitCandidates.add(n);
      for (const member of n.members) {
        if (isMethodLike(member) || (marked && ts.isConstructorDeclaration(member) && ctorObstacle(member) === undefined)) mark(member, marked, insideFn);
        else {
          if (marked && (ts.isConstructorDeclaration(member) || ts.isClassStaticBlockDeclaration(member)) && member.body && callsBesidesSuper(member.body)) {
            warnUntransformed(member);
          }
          ts.forEachChild(member, (c) => mark(c, false, true));
        }
      }
      if (n.heritageClauses) ts.forEachChild(n, (c) => { if (ts.isHeritageClause(c)) mark(c, marked, insideFn); });
      return;
    }
    ts.forEachChild(n, (c) => mark(c, marked, insideFn));
  };
  /**
   * Why a class constructor stays untransformed (undefined: it is transformed). A constructor is
   * lowered like a method: `this` is in its record, its resume function completes the `new`.
   */
  const ctorObstacle = (n: TS.ConstructorDeclaration): string | undefined => {
    const cls = n.parent;
    if (!n.body) return "constructor overloads have no body";
    // No frame can be captured before super() returns (no `this` yet), and a resume function
    // cannot call super(): a derived constructor is transformed from its super() call on, which
    // must be its first statement (the arguments run untransformed).
    if (isDerived(cls)) {
      const why = derivedShape(n);
      if (why !== undefined) return why;
    }
    if (classDecorated(cls)) return "members of decorated classes are not transformed (a class decorator may replace the class)";
    if (usesNewTarget(n)) return "this constructor reads new.target, which its resume function would not have";
    if (readsArguments(n)) return "this constructor reads arguments, which its resume function would not have";
    if (awaitsOrYieldsAround(n)) return "the class of this constructor is next to await/yield and is not transformed";
    return undefined;
  };
  /**
   * Whether evaluating an expression can run no user code: literals, `this`, bindings, function
   * creation, literals of those. Anything else may (a call, a getter or Proxy trap on a property
   * read, `valueOf` of an operand, a computed key, an iterator of a spread).
   */
  const inert = (e: TS.Expression): boolean => {
    if (isOuterExpression(ts, e)) return inert(e.expression);
    switch (e.kind) {
      case ts.SyntaxKind.TrueKeyword: case ts.SyntaxKind.FalseKeyword: case ts.SyntaxKind.NullKeyword: case ts.SyntaxKind.ThisKeyword:
        return true;
    }
    if (ts.isLiteralExpression(e) || ts.isFunctionExpression(e) || ts.isArrowFunction(e)) return true;
    // A declared binding, or the global `undefined` (a non-writable data property).
    if (ts.isIdentifier(e)) return scopes.refs.has(e) || e.text === "undefined";
    if (ts.isPrefixUnaryExpression(e)) {
      return e.operator === ts.SyntaxKind.ExclamationToken ? inert(e.operand)
        : (e.operator === ts.SyntaxKind.MinusToken || e.operator === ts.SyntaxKind.PlusToken) && (ts.isNumericLiteral(e.operand) || ts.isBigIntLiteral(e.operand));
    }
    if (ts.isVoidExpression(e) || ts.isTypeOfExpression(e)) return inert(e.expression);
    if (ts.isArrayLiteralExpression(e)) return e.elements.every((x) => ts.isOmittedExpression(x) || (!ts.isSpreadElement(x) && inert(x)));
    if (ts.isObjectLiteralExpression(e)) {
      return e.properties.every((p) => !ts.isSpreadAssignment(p) && (p.name === undefined || !ts.isComputedPropertyName(p.name)) &&
        (ts.isPropertyAssignment(p) ? inert(p.initializer) : ts.isShorthandPropertyAssignment(p) ? p.objectAssignmentInitializer === undefined && inert(p.name) : true));
    }
    return false;
  };
  /**
   * Whether a class's instance field initialisers may run user code (calls, getters, Proxy traps,
   * valueOf…). They run between a transformed `new` and the constructor's entry check, so such
   * code could construct the same class again from untransformed code while the callee token
   * still names it: the constructor then reads the token first, in a private field (ctorNormalBody).
   */
  const fieldsRunCode = (cls: TS.ClassLikeDeclaration): boolean => cls.members.some((m) =>
    ts.isPropertyDeclaration(m) && !hasModifier(ts, m, ts.SyntaxKind.StaticKeyword) && m.initializer !== undefined && !inert(m.initializer));
  /** First members added to a class (by original class node): the entry flag field of its constructor. */
  const classLeadMembers = new Map<TS.Node, TS.ClassElement[]>();
  /**
   * Members to put first in a transformed class (by original class node): a static block tagging
   * its receiver-free static methods (receiver.ts), then `classLeadMembers`.
   */
  const leadMembers = (cls: TS.Node): TS.ClassElement[] => {
    // Not methods using super or #private names: their resume code is reached through the
    // frame's `this` (a member of the class), which a direct call would leave undefined.
    const direct = ts.isClassLike(cls) ? receiverFreeStatics(ts, cls, (m) => transformedFns.has(m) && !usesSuperOrPrivate(m)) : [];
    const first: TS.Statement[] = direct.length ? [f.createExpressionStatement(f.createCallExpression(
      f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "directOwn"), undefined,
      [f.createThis(), f.createArrayLiteralExpression(direct.map((n) => f.createStringLiteral(n)))]))] : [];
    // Static methods are defined before any static block runs: this reads the methods themselves.
    if (ts.isClassDeclaration(cls)) {
      for (const m of cls.members) {
        const slot = ts.isMethodDeclaration(m) ? staticSlots.get(m) : undefined;
        if (slot) first.push(assignStmt(f.createIdentifier(slot), f.createPropertyAccessExpression(f.createThis(), (m.name as TS.Identifier).text)));
      }
    }
    // Instances with #private members refuse to be pickled (runtime.ts HIDDEN): name them.
    // `accessor x` keeps its value in a hidden private field too.
    const hidden = ts.isClassLike(cls) ? [...new Set(cls.members.filter((m) => m.name !== undefined && !hasModifier(ts, m, ts.SyntaxKind.StaticKeyword) &&
      (ts.isPrivateIdentifier(m.name) || hasModifier(ts, m, ts.SyntaxKind.AccessorKeyword)))
      .map((m) => hasModifier(ts, m, ts.SyntaxKind.AccessorKeyword) ? `accessor ${m.name!.getText(sf)}` : (m.name as TS.PrivateIdentifier).text))] : [];
    if (hidden.length) {
      first.push(f.createExpressionStatement(f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "hidden"),
        undefined, [f.createThis(), f.createArrayLiteralExpression(hidden.map((h) => f.createStringLiteral(h)))])));
    }
    if (ts.isClassLike(cls) && isThin(cls)) {
      first.push(f.createExpressionStatement(f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "thin"),
        undefined, [f.createThis()])));
    }
    const move = ts.isClassLike(cls) ? fieldMove(cls) : undefined;
    if (move) first.unshift(...fieldMoveStatics(cls as TS.ClassLikeDeclaration, move));
    const tag = first.length ? [f.createClassStaticBlockDeclaration(f.createBlock(first, true))] : [];
    const implicit = move && !move.ctor ? [implicitConstructor(cls as TS.ClassLikeDeclaration, move)] : [];
    return [...tag, ...(classLeadMembers.get(cls) ?? []), ...implicit];
  };
  /**
   * A variable per class evaluation: module-level `var` for a top-level class declaration
   * (evaluated once), otherwise a parameter of the arrow wrapSelves puts around the class.
   */
  const classVariable = (cls: TS.ClassLikeDeclaration, prefix: string): string => {
    const name = `${prefix}${++uid}`;
    if (ts.isClassDeclaration(cls) && ts.isSourceFile(cls.parent)) {
      prologue.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name)], ts.NodeFlags.None)));
    }
    return name;
  };
  /** The helper class holding a class's moved fields (fieldMove), when it has any. */
  const helperOf = (cls: TS.ClassLikeDeclaration, move: FieldMove): string | undefined =>
    move.fields.length || (fieldSemantics === "native" && move.params.length) ? (move.helper ??= classVariable(cls, "$$f")) : undefined;
  /** The synthesized constructor's identity (a class without a constructor: implicitConstructor). */
  const implicitSelf = (cls: TS.ClassLikeDeclaration, move: FieldMove): string | undefined =>
    move.ctor ? undefined : (move.self ??= classVariable(cls, "$$m"));
  /** Variables fieldMove adds to a class's evaluation (wrapSelves makes them parameters). */
  const fieldMoveVariables = (cls: TS.ClassLikeDeclaration): string[] => {
    const move = fieldMove(cls);
    return move ? [implicitSelf(cls, move), helperOf(cls, move)].filter((v): v is string => v !== undefined) : [];
  };
  /**
   * First statements of the lead static block of a moved class: the synthesized constructor's
   * identity and `$$fN = class extends $$RT.Stamp { fields }`. The block precedes the class's
   * own static fields and blocks, so both exist before any code can construct the class, and
   * creating the helper runs no user code (its keys are not computed).
   */
  const fieldMoveStatics = (cls: TS.ClassLikeDeclaration, move: FieldMove): TS.Statement[] => {
    const out: TS.Statement[] = [];
    const self = implicitSelf(cls, move);
    if (self) out.push(assignStmt(f.createIdentifier(self), f.createThis()));
    const helper = helperOf(cls, move);
    if (helper) {
      // Native class fields: TypeScript declares parameter properties (`x;`) before the other fields.
      const declared = fieldSemantics === "native"
        ? move.params.map((p) => f.createPropertyDeclaration(undefined, (p.name as TS.Identifier).text, undefined, undefined, undefined)) : [];
      out.push(assignStmt(f.createIdentifier(helper), f.createClassExpression(undefined, undefined, undefined,
        [f.createHeritageClause(ts.SyntaxKind.ExtendsKeyword, [f.createExpressionWithTypeArguments(
          f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "Stamp"), undefined)])],
        [...declared, ...move.visited])));
    }
    return out;
  };
  /**
   * What runs right after a moved class's super(...) returned (after the unwinding test, and in
   * the resume function after the base constructor's completion): the parameter properties and
   * `new $$fN(this)` (the fields), in the order TypeScript emits them (fieldSemantics).
   * `value(p)`: the parameter's current value (a captured one lives in the environment).
   */
  const movedFieldStatements = (cls: TS.ClassLikeDeclaration, move: FieldMove, value: (p: TS.ParameterDeclaration) => TS.Expression): TS.Statement[] => {
    const helper = helperOf(cls, move);
    const make = helper ? [f.createExpressionStatement(f.createNewExpression(f.createIdentifier(helper), undefined, [f.createThis()]))] : [];
    const props = move.params.map((p) => assignStmt(f.createPropertyAccessExpression(f.createThis(), (p.name as TS.Identifier).text), value(p)));
    return fieldSemantics === "native" ? [...make, ...props] : [...props, ...make];
  };
  /**
   * The constructor of a moved class that has none of its own (fieldMove "implicit"): the
   * implicit `constructor(...args) { super(...args); }` made a transformed derived constructor
   * whose only switch point is its super call, followed by the fields:
   *   constructor(...$$a) { const $$rt = ...; const $$x = <entry test>; $$rt.t = null; let $$pc = 0;
   *     if (!$$x) $$rt.t = Object.getPrototypeOf(C); super(...$$a);
   *     if ($$rt.unwinding === true) { $$pc = 1; spill [info, pc, this]; return; }
   *     new $$fN(this); }
   * Its resume code (a symbol-keyed method: the helper variable may be a parameter around the
   * class) delivers the base constructor's completion (RT.superDone), runs the fields and
   * completes the `new` with the instance. Entered without its token (untransformed code), it
   * passes none on: the base constructor is then a boundary, as a direct `new Base()` would be.
   */
  const implicitConstructor = (cls: TS.ClassLikeDeclaration, move: FieldMove): TS.ClassElement => {
    transformedAny = true;
    const n = ++uid;
    const infoName = `$$i${n}`;
    const key = `$$sk${n}`;
    const self = f.createIdentifier(implicitSelf(cls, move)!);
    const rt = (): TS.Identifier => f.createIdentifier(RT_LOCAL);
    const rtDecl = (): TS.Statement => f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(RT_LOCAL, undefined, undefined,
      f.createIdentifier(RT_GLOBAL))], ts.NodeFlags.Const));
    const fields = (): TS.Statement[] => movedFieldStatements(cls, move, () => f.createVoidZero());
    const spill = emitSpill(f, ts, f.createIdentifier(infoName), f.createThis(), []);
    spill[spill.length - 1] = f.createReturnStatement(); // a derived constructor may only return an object or undefined
    const outside = f.createIdentifier(CTOR_OUTSIDE);
    const ctor = f.createConstructorDeclaration(undefined, [f.createParameterDeclaration(undefined, f.createToken(ts.SyntaxKind.DotDotDotToken), "$$a")], f.createBlock([
      rtDecl(),
      f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(outside, undefined, undefined, ctorEntryTest(cls, self))], ts.NodeFlags.Const)),
      assignStmt(f.createPropertyAccessExpression(rt(), "t"), f.createNull()),
      f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(PC, undefined, undefined, f.createNumericLiteral(0))], ts.NodeFlags.Let)),
      f.createIfStatement(f.createLogicalNot(outside), assignStmt(f.createPropertyAccessExpression(rt(), "t"), f.createCallExpression(
        f.createPropertyAccessExpression(f.createIdentifier("Object"), "getPrototypeOf"), undefined, [self]))),
      f.createExpressionStatement(f.createCallExpression(f.createSuper(), undefined, [f.createSpreadElement(f.createIdentifier("$$a"))])),
      f.createIfStatement(unwindingFlag(f, true),
        f.createBlock([assignStmt(f.createIdentifier(PC), f.createNumericLiteral(1)), ...spill], true)),
      ...fields(),
    ], true));
    const params = (): TS.ParameterDeclaration[] => [RES_RECORDS, RES_P, RES_MODE, RES_VALUE].map((p) => f.createParameterDeclaration(undefined, undefined, p));
    const resume = f.createMethodDeclaration(undefined, undefined, f.createComputedPropertyName(f.createIdentifier(key)), undefined, undefined, params(), undefined, f.createBlock([
      rtDecl(),
      f.createIfStatement(f.createStrictEquality(f.createIdentifier(RES_MODE), f.createNumericLiteral(1)), f.createThrowStatement(f.createIdentifier(RES_VALUE))),
      f.createExpressionStatement(f.createCallExpression(f.createPropertyAccessExpression(rt(), "superDone"), undefined, [f.createIdentifier(RES_VALUE), f.createThis()])),
      ...fields(),
      f.createReturnStatement(f.createThis()),
    ], true));
    classResumeMembers.set(cls, [...(classResumeMembers.get(cls) ?? []), resume]);
    const name = cls.name?.text ?? "(anonymous)";
    const [line, col] = pos(cls);
    declareResumeKey(key, name);
    prologue.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(infoName, undefined, undefined,
      f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "fn"), undefined, [f.createObjectLiteralExpression([
        f.createPropertyAssignment("id", f.createStringLiteral(`${pickling.idOf(cls)}/constructor`)),
        f.createPropertyAssignment("name", f.createStringLiteral(name)),
        f.createPropertyAssignment("file", f.createStringLiteral(relFile)),
        // The code of every implicit constructor is the same; its fields are the class's, like methods it calls.
        f.createPropertyAssignment("hash", f.createStringLiteral(createHash("sha256").update("constructor(...args) { super(...args); }").digest("hex").slice(0, 16))),
        f.createPropertyAssignment("size", f.createNumericLiteral(3)),
        f.createPropertyAssignment("locals", f.createArrayLiteralExpression([])),
        f.createPropertyAssignment("points", f.createArrayLiteralExpression([f.createArrayLiteralExpression([f.createNumericLiteral(line), f.createNumericLiteral(col)])])),
        f.createPropertyAssignment("resume", f.createIdentifier(`$$r${n}`)),
      ], false)]))], ts.NodeFlags.Const)));
    forwardResume(`$$r${n}`, key, undefined);
    return ctor;
  };
  /** `const $$skN = Symbol("resume <name>")`: the key of a resume member of a class. */
  const declareResumeKey = (key: string, name: string): void => {
    prologue.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(key, undefined, undefined,
      f.createCallExpression(f.createIdentifier("Symbol"), undefined, [f.createStringLiteral(`resume ${name}`)]))], ts.NodeFlags.Const)));
  };
  /**
   * The module-level resume function of a frame whose resume code is a member of its class: it
   * calls `ref` (a variable holding that member) with the record's `this`, or, without one,
   * the member found on the record's `this` under `key`.
   */
  const forwardResume = (resumeName: string, key: string, ref: string | undefined): void => {
    const args = [RES_RECORDS, RES_P, RES_MODE, RES_VALUE].map((p) => f.createIdentifier(p));
    const call = ref !== undefined
      ? f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(ref), "call"), undefined, [f.createThis(), ...args])
      : f.createCallExpression(f.createElementAccessExpression(f.createThis(), f.createIdentifier(key)), undefined, args);
    epilogue.push(f.createFunctionDeclaration(undefined, undefined, resumeName, undefined,
      [RES_RECORDS, RES_P, RES_MODE, RES_VALUE].map((p) => f.createParameterDeclaration(undefined, undefined, p)), undefined,
      f.createBlock([f.createReturnStatement(call)], true)));
  };
  const isDerived = (cls: TS.ClassLikeDeclaration): boolean =>
    cls.heritageClauses?.some((h) => h.token === ts.SyntaxKind.ExtendsKeyword) ?? false;
  /** An instance field that defines something when super returns (`declare` and `abstract` ones are erased by TypeScript). */
  const definesOnInstance = (m: TS.ClassElement): m is TS.PropertyDeclaration => ts.isPropertyDeclaration(m) &&
    !hasModifier(ts, m, ts.SyntaxKind.StaticKeyword) && !hasModifier(ts, m, ts.SyntaxKind.DeclareKeyword) && !hasModifier(ts, m, ts.SyntaxKind.AbstractKeyword);
  const hasInstanceFields = (cls: TS.ClassLikeDeclaration): boolean => cls.members.some(definesOnInstance);
  /**
   * A derived class whose implicit constructor only calls `super(...args)` with nothing after it:
   * no constructor of its own, no instance fields (`declare` ones define nothing). Registered with
   * `RT.thin`, so a transformed base constructor reached through it can unwind into the `new`
   * site (runtime.ts thinEntry).
   */
  const isThin = (cls: TS.ClassLikeDeclaration): boolean =>
    isDerived(cls) && !cls.members.some((m) => ts.isConstructorDeclaration(m)) && !hasInstanceFields(cls);
  /**
   * The `super(...)` statement of a derived constructor when it is a statement of the body itself
   * (not nested in a block, condition or loop), and its index in the body.
   */
  const topLevelSuper = (n: TS.ConstructorDeclaration): { stmt: TS.ExpressionStatement; index: number } | undefined => {
    const stmts = n.body?.statements ?? [];
    for (let i = prologueLength(ts, stmts); i < stmts.length; i++) {
      const s = stmts[i]!;
      if (ts.isExpressionStatement(s) && ts.isCallExpression(s.expression) && s.expression.expression.kind === ts.SyntaxKind.SuperKeyword) {
        return { stmt: s, index: i };
      }
    }
    return undefined;
  };
  /** Why a derived constructor cannot be transformed (undefined: it can). */
  const derivedShape = (n: TS.ConstructorDeclaration): string | undefined => {
    const found = topLevelSuper(n);
    const why = "derived-class constructors are transformed only when they call super(...) once, as a statement of the " +
      "constructor body, take plain or parameter-property parameters, and neither the super arguments nor the statements " +
      "before super(...) create functions or classes, use this/super or return";
    if (!found) return why;
    const pre = new Set<TS.Node>(n.body!.statements.slice(prologueLength(ts, n.body!.statements), found.index));
    let superCalls = 0;
    let bad = false;
    // Before super() returns there is no instance: nothing there may capture or use `this` (an
    // arrow created there would evaluate `this` in its closure factory), or leave the constructor.
    const walk = (c: TS.Node, early: boolean): void => {
      if (ts.isCallExpression(c) && c.expression.kind === ts.SyntaxKind.SuperKeyword) superCalls++;
      if (early && (ts.isFunctionLike(c) || ts.isClassLike(c) || c.kind === ts.SyntaxKind.ThisKeyword || ts.isReturnStatement(c) ||
        (c.kind === ts.SyntaxKind.SuperKeyword && !(ts.isCallExpression(c.parent) && c.parent.expression === c)))) bad = true;
      if (ts.isClassLike(c) || (ts.isFunctionLike(c) && !ts.isArrowFunction(c))) return;
      ts.forEachChild(c, (k) => walk(k, early || c === found.stmt.expression || pre.has(c)));
    };
    walk(n.body!, false);
    const plainParams = n.parameters.every((p) => ts.isIdentifier(p.name) &&
      (!p.initializer || ts.getModifiers(p)?.some((m) => isParameterPropertyModifier(ts, m.kind))));
    return superCalls === 1 && !bad && plainParams ? undefined : why;
  };
  /**
   * Whether `super(...)` of this (transformable) derived constructor can be a switch point: the
   * base constructor it runs may then switch, and this constructor's frame is captured right
   * after super returns. Only when nothing of this class runs between super's return and the
   * body: no instance fields (their initialisers, or `x;` definitions, would run before the base
   * body finished, if it resumed later) and no parameter properties (TypeScript assigns them
   * right after the super call), unless fieldMove takes them out of the class. Otherwise
   * super(...) stays a boundary.
   */
  const superSwitchable = (n: TS.ConstructorDeclaration): boolean =>
    fieldMove(n.parent) !== undefined || (!parameterProperties(n).length && !hasInstanceFields(n.parent));
  const parameterProperties = (n: TS.ConstructorDeclaration): TS.ParameterDeclaration[] =>
    n.parameters.filter((p) => ts.getModifiers(p)?.some((m) => isParameterPropertyModifier(ts, m.kind)));

  /**
   * Instance fields and parameter properties of a marked derived class moved out of the way of
   * super(...) (session 6). JavaScript defines a derived class's fields the moment super()
   * returns; when the base constructor unwinds (a switch inside it), super returns early, so the
   * fields would be defined before the base body finished (and not at all on the resume path).
   * Moved, they run after the base constructor really finished, on both paths:
   *   - the fields go, as they are (rewritten like any field), into a helper class created once
   *     per class evaluation by the class's first static block:
   *       `$$fN = class extends $$RT.Stamp { x; a = init; b; }`
   *     and the constructor runs `new $$fN(this)` right after super (after its unwinding test;
   *     in its resume function right after the base constructor's completion). `Stamp` returns
   *     its argument, so the helper's fields are defined on the instance by the engine itself:
   *     define semantics, order, function names (`a = () => 1` is named "a"), `this`, and for
   *     other compiler settings TypeScript lowers the helper's fields exactly as it would have
   *     lowered the class's. The helper sits in the class body, so its initialisers see the same
   *     names (the class's own name, its #private names, outer bindings) as before.
   *   - parameter properties are assigned where TypeScript would have put them relative to the
   *     fields (fieldSemantics): declared `x;` first among the helper's fields and assigned after
   *     it (native class fields), or assigned before it (useDefineForClassFields false).
   *   - "implicit": a class without a constructor of its own gets one (implicitConstructor), a
   *     transformed constructor whose only switch point is its `super(...$$a)`.
   * Not moved (super(...) stays a boundary, as before): private (`#x`) or `accessor` instance
   * fields (they cannot leave the class: the fields would then run in a different order),
   * computed keys (evaluated once, as the class is defined), initialisers that use `super` (the
   * helper has its own home object) or call `eval` directly, decorators anywhere in the class,
   * and every class when the output keeps no native static blocks (below ES2022) or the
   * TypeScript in use does not say how it emits fields (classFieldSemantics).
   */
  interface FieldMove {
    readonly fields: readonly TS.PropertyDeclaration[];
    readonly params: readonly TS.ParameterDeclaration[];
    /** Undefined: the class has no constructor (one is synthesized). */
    readonly ctor: TS.ConstructorDeclaration | undefined;
    /** The fields as the class visit rewrote them (visitClass). */
    visited: TS.ClassElement[];
    /** The helper class's variable, and the synthesized constructor's identity (`$$mN`, "implicit"). */
    helper?: string;
    self?: string;
  }
  const fieldMoves = new Map<TS.Node, FieldMove | null>();
  const fieldMove = (cls: TS.ClassLikeDeclaration): FieldMove | undefined => {
    if (!fieldMoves.has(cls)) fieldMoves.set(cls, planFieldMove(cls) ?? null);
    return fieldMoves.get(cls) ?? undefined;
  };
  /**
   * Whether the constructor of `cls`'s base may switch, so that its `super(...)` may return
   * before the base body finished. No for a global base (`Error`, `Map`: never transformed) and
   * for a class declared in this file (binding never reassigned) whose constructor is
   * untransformed or calls only functions that never suspend (non-suspending.ts), or that has
   * no constructor and a base of that kind. Then nothing needs moving: the fields would cost a
   * helper construction per instance for nothing (measured 1.6-2.7x on a loop constructing them).
   */
  const classOfBinding = new Map<Binding, TS.ClassDeclaration>();
  const baseMaySwitch = (cls: TS.ClassLikeDeclaration, seen = new Set<TS.Node>()): boolean => {
    const e = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
    if (e === undefined || !ts.isIdentifier(e)) return true;
    const b = scopes.refs.get(e);
    if (b === undefined) return false;
    if (!classOfBinding.size) {
      const collect = (n: TS.Node): void => {
        if (ts.isClassDeclaration(n) && n.name) {
          const cb = scopes.refs.get(n.name);
          if (cb) classOfBinding.set(cb, n);
        }
        ts.forEachChild(n, collect);
      };
      collect(sf);
    }
    const base = classOfBinding.get(b);
    if (base === undefined || writtenBindings.has(b) || seen.has(base)) return true;
    seen.add(base);
    const ctor = base.members.find((m): m is TS.ConstructorDeclaration => ts.isConstructorDeclaration(m) && m.body !== undefined);
    if (ctor) return transformedFns.has(ctor) && !onlyCalls(ts, ctor, scopes, nonSuspending);
    return isDerived(base) && baseMaySwitch(base, seen);
  };
  const planFieldMove = (cls: TS.ClassLikeDeclaration): FieldMove | undefined => {
    if (!isDerived(cls) || !baseMaySwitch(cls)) return undefined;
    const ctors = cls.members.filter(ts.isConstructorDeclaration);
    const ctor = ctors.find((c) => c.body !== undefined);
    const fields = cls.members.filter(definesOnInstance);
    const params = ctor ? parameterProperties(ctor) : [];
    // Nothing runs after super: the existing paths (superSwitchable, isThin) need no move.
    if (!fields.length && !params.length) return undefined;
    if (ctor ? !transformedFns.has(ctor) : ctors.length > 0 || !implicitCandidates.has(cls) || inNamespaceOrBlockAtTop(cls) || awaitsOrYieldsIn(cls)) return undefined;
    if (fieldSemantics === undefined) return undefined;
    // All fields move or none: one left in the class would run before the moved ones.
    if (!fields.every(movableField) || containsDecorator(cls)) return undefined;
    return { fields, params, ctor, visited: [] };
  };
  /**
   * A field the helper class holds with the same meaning: a static key (not computed: evaluated
   * once, as the class is defined; not #private: the name belongs to the class), no `accessor`
   * (its storage is a private name too), an initialiser without `super` or a direct `eval`.
   */
  const movableField = (m: TS.PropertyDeclaration): boolean =>
    (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) || ts.isNumericLiteral(m.name)) && !hasModifier(ts, m, ts.SyntaxKind.AccessorKeyword) &&
    (m.initializer === undefined || !superOrEval(m.initializer));
  /** Whether `test` holds for `n` or any node below it. */
  const anyNode = (n: TS.Node, test: (c: TS.Node) => boolean): boolean => test(n) || ts.forEachChild(n, (c) => anyNode(c, test) || undefined) === true;
  /** `super` anywhere (conservative: also a nested class's own), or a direct `eval(...)` (its code would see the helper's scope). */
  const superOrEval = (n: TS.Node): boolean => anyNode(n, (c) =>
    c.kind === ts.SyntaxKind.SuperKeyword || (ts.isCallExpression(c) && ts.isIdentifier(c.expression) && c.expression.text === "eval"));
  const containsDecorator = (n: TS.Node): boolean => anyNode(n, (c) => ts.isDecorator(c));
  const readsArguments = (n: TS.FunctionLikeDeclaration): boolean => {
    const own = scopes.argumentsOf.get(n);
    let found = false;
    const walk = (c: TS.Node): void => {
      if (found) return;
      if (ts.isIdentifier(c) && c.text === "arguments" && scopes.refs.get(c) === own) { found = true; return; }
      ts.forEachChild(c, walk);
    };
    if (own) walk(n);
    return found;
  };
  const usesNewTarget = (n: TS.Node): boolean => {
    let found = false;
    const walk = (c: TS.Node): void => {
      if (found) return;
      if (ts.isMetaProperty(c) && c.keywordToken === ts.SyntaxKind.NewKeyword) { found = true; return; }
      if (ts.isClassLike(c) || (ts.isFunctionLike(c) && !ts.isArrowFunction(c) && c !== n)) return;
      ts.forEachChild(c, walk);
    };
    walk(n);
    return found;
  };
  /** A call other than `super(...)` (every derived constructor has one: no warning for it alone). */
  const callsBesidesSuper = (body: TS.Node): boolean => {
    let found = false;
    const walk = (c: TS.Node): void => {
      if (found) return;
      if (ts.isCallExpression(c) && c.expression.kind === ts.SyntaxKind.SuperKeyword) { c.arguments.forEach(walk); return; }
      if (ts.isCallExpression(c) || ts.isNewExpression(c) || ts.isTaggedTemplateExpression(c)) { found = true; return; }
      if (ts.isFunctionLike(c) || ts.isClassLike(c)) return;
      ts.forEachChild(c, walk);
    };
    walk(body);
    return found;
  };
  /** Says, at the construct, why a marked function stays untransformed (a switch inside it pins the greenlet). */
  const warnUntransformed = (n: TS.Node): void => {
    const fl = n as TS.FunctionLikeDeclaration;
    if (fl.asteriskToken && fl.body && !hasModifier(ts, n, ts.SyntaxKind.AsyncKeyword)) {
      const y = unsupportedYield(ts, fl.body);
      if (y) {
        diag(y, "warning", "this generator stays a native generator: the transform cannot take apart a yield here (optional chains, tagged templates, super, holes in array literals, class members); a switch inside it pins the greenlet to the real stack and its generator objects cannot be pickled");
        return;
      }
    }
    if (fl.asteriskToken && fl.body && hasModifier(ts, n, ts.SyntaxKind.AsyncKeyword)) {
      diag((n as { name?: TS.Node }).name ?? n, "warning", "async generators are not transformed: they stay native (a switch inside them pins the greenlet to the real stack; their objects cannot be pickled)");
      return;
    }
    const why = ts.isConstructorDeclaration(n) ? ctorObstacle(n) ?? "this constructor is not transformed"
      : (ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n)) && n.body && containsCall(ts, n.body)
        ? "getters and setters run on property access, which is not a switch point"
      : ts.isClassStaticBlockDeclaration(n) ? "class static blocks run when the class is defined, which is not a switch point"
      : isMethodLike(n) && ts.isObjectLiteralExpression(n.parent) && usesSuperOrPrivate(n) ? "this object-literal method uses super and is not transformed yet"
      : (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && usesSuperOrPrivate(n)
        ? "functions nested in methods that use super or a #private name are not transformed yet"
      : isMethodLike(n) && classDecorated(n.parent) ? "members of decorated classes are not transformed (a class decorator may replace the class)"
      : isMethodLike(n) && n.name && ts.isPrivateIdentifier(n.name) ? "methods with #private names are not transformed yet"
      : isMethodLike(n) && staticKey(ts, n) === undefined ? "methods whose computed key reads a local binding, this or arguments (or creates a function) are not transformed"
      : undefined;
    if (why === undefined) return;
    // Only where it matters: a function without calls cannot be below a switch.
    const body = (n as { body?: TS.Node }).body;
    if (body && !containsCall(ts, body)) return;
    const at = (n as { name?: TS.Node }).name ?? n;
    diag(at, "warning", `${why}: calls inside it are not switch points, so a switch below it pins the greenlet to the real stack (GreenletError when switching to a greenlet below it)`);
  };
  /** Resume functions live at module level: a function whose enclosing scopes are module-level blocks cannot reach them. */
  const inNamespaceOrBlockAtTop = (n: TS.Node): boolean => {
    let inBlock = false;
    for (let p = n.parent; p && !ts.isSourceFile(p); p = p.parent) {
      if (ts.isFunctionLike(p)) return !transformedFns.has(p);
      if (ts.isModuleDeclaration(p)) return true;
      if (ts.isBlock(p) || ts.isIterationStatement(p, false) || ts.isCaseBlock(p) || ts.isCatchClause(p)) inBlock = true;
    }
    return inBlock;
  };
  mark(sf, fileMarked, false);
  // Bindings written after their declaration (one walk of the file, used by the analyses below).
  const writtenBindings = reassigned(ts, sf, scopes);
  const nonSuspending = findNonSuspending(ts, sf, scopes, transformedFns, writtenBindings);
  if (transformedFns.size === 0 && ![...implicitCandidates].some((c) => fieldMove(c) !== undefined)) return sf;
  // Before anything is rewritten: it may move bindings into environment objects (tdz.ts).
  const tdz = analyzeTdz(ts, f, scopes, (b) => b.fn !== null && transformedFns.has(b.fn.node));
  // Callee tokens of constructors: `new C(...)` with C a top-level class declaration that is
  // never reassigned stores a number from `$$RT.tok()` (a module-level const `$$ctN`, allocated
  // once per module evaluation like the class itself) instead of C, and C's entry check accepts
  // it as well as C (which other `new` sites store). Why: a small integer needs no write barrier
  // and V8 folds the const and, when it inlines the constructor, the whole entry check; the
  // class read from a variable cost a load and a receiver check per construction (bench
  // calls-new). Only top-level classes: one evaluation, so the const is unique to it.
  const tokenClasses = new Map<Binding, TS.ClassDeclaration>();
  for (const s of sf.statements) {
    if (!ts.isClassDeclaration(s) || !s.name) continue;
    const ctor = s.members.find((m) => ts.isConstructorDeclaration(m) && m.body !== undefined);
    const b = scopes.refs.get(s.name);
    if (ctor && transformedFns.has(ctor) && b && !writtenBindings.has(b)) tokenClasses.set(b, s);
  }
  // Static methods called as `C.m(...)` that need no resume point while `C.m` is still the
  // method C was defined with (non-suspending.ts findKnownStatics): each used one gets a
  // module-level `var $$smN`, set by the class's first static block and compared at the call.
  const knownStatics = findKnownStatics(ts, sf, scopes, transformedFns, nonSuspending, writtenBindings);
  const staticSlots = new Map<TS.MethodDeclaration, string>();
  if (knownStatics.size) {
    // Each transformed function scans its own body only: nested ones are in transformedFns too.
    const scan = (n: TS.Node, root: TS.Node): void => {
      if (n !== root && ts.isFunctionLike(n)) return;
      if (ts.isCallExpression(n) && !n.questionDotToken) {
        const callee = skipOuterExpressions(ts, n.expression);
        if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && ts.isIdentifier(callee.name)) {
          const b = scopes.refs.get(callee.expression);
          const known = b && knownStatics.get(b)?.get(callee.name.text);
          if (known && !staticSlots.has(known.method)) {
            const name = `$$sm${++uid}`;
            staticSlots.set(known.method, name);
            prologue.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name)], ts.NodeFlags.None)));
          }
        }
      }
      ts.forEachChild(n, (c) => scan(c, root));
    };
    for (const fn of transformedFns) scan(fn, fn);
  }
  const knownStatic = (holder: TS.Identifier, name: string): { readonly slot: TS.Identifier; readonly receiverFree: boolean } | undefined => {
    const b = scopes.refs.get(holder);
    const known = b && knownStatics.get(b)?.get(name);
    const slot = known && staticSlots.get(known.method);
    return known && slot ? { slot: f.createIdentifier(slot), receiverFree: known.receiverFree } : undefined;
  };
  // Inner entries: a top-level function declaration with resume points is split into the
  // function itself (its entry check, then a call of the inner entry) and `$$inN`, a hoisted
  // declaration with the body and no check, named like the function. Transformed callers in this
  // module that call it by name call `$$inN` directly, with no callee token (explode.ts): the
  // callee is known, so there is nothing to check. Why: the entry check reads `$$rt.t`, and a
  // function whose first call runs a long loop gets optimized before that read has type feedback
  // (V8 allocates feedback vectors lazily), deoptimizes on its next call and, in some processes,
  // is never optimized again (bench calls-static/calls-new: bimodal, ~2x vs ~3.5x plain). Only
  // when the binding is never reassigned and declared once, and the function has no parameter
  // defaults (they would run before the check, and again in the inner entry), no `arguments`
  // and no `new.target` (the inner entry has its own).
  const splitEntries = new Map<TS.Node, string>();
  const innerOf = new Map<Binding, string>();
  {
    const declCount = new Map<string, number>();
    for (const s of sf.statements) if (ts.isFunctionDeclaration(s) && s.name) declCount.set(s.name.text, (declCount.get(s.name.text) ?? 0) + 1);
    for (const s of sf.statements) {
      if (!ts.isFunctionDeclaration(s) || !s.name || !s.body || s.asteriskToken || !transformedFns.has(s) || declCount.get(s.name.text) !== 1) continue;
      if (hasModifier(ts, s, ts.SyntaxKind.AsyncKeyword) || rewrittenGenerators.has(s)) continue;
      const b = scopes.refs.get(s.name);
      if (!b || nonSuspending.has(b) || writtenBindings.has(b)) continue;
      if (s.parameters.some((p) => p.initializer) || readsArguments(s) || usesNewTarget(s)) continue;
      const name = `$$in${++uid}`;
      splitEntries.set(s, name);
      innerOf.set(b, name);
    }
  }
  const innerEntry = (callee: TS.Identifier): TS.Identifier | undefined => {
    const b = scopes.refs.get(callee);
    const name = b && innerOf.get(b);
    return name ? f.createIdentifier(name) : undefined;
  };
  /**
   * The declaration of a split function's inner entry (`$$inN`, see splitEntries), and the
   * statement naming it like the function (stack traces show the name property).
   */
  const innerDeclaration = (node: TS.FunctionDeclaration, params: readonly TS.ParameterDeclaration[], body: TS.Statement[]): void => {
    const name = splitEntries.get(node)!;
    const own = node.body ? node.body.statements.slice(0, prologueLength(ts, node.body.statements)).filter((d) => !isGreenletDirective(ts, d)) : [];
    epilogue.push(f.createFunctionDeclaration(undefined, undefined, name, undefined,
      params.map((p) => f.createParameterDeclaration(undefined, p.dotDotDotToken, f.createIdentifier((p.name as TS.Identifier).text))), undefined,
      f.createBlock([...own, ...body], true)));
    prologue.push(f.createExpressionStatement(f.createCallExpression(
      f.createPropertyAccessExpression(f.createIdentifier("Object"), "defineProperty"), undefined,
      [f.createIdentifier(name), f.createStringLiteral("name"), f.createObjectLiteralExpression([
        f.createPropertyAssignment("value", f.createStringLiteral(node.name!.text)),
        f.createPropertyAssignment("configurable", f.createTrue())])])));
  };
  /**
   * `target.call(this, a, ...r)`: the receiver always passes through, even to a function that
   * never reads it, since a frame's receiver is what a resumed `new f()` yields (runtime.ts lastCompleted).
   */
  const forward = (params: readonly TS.ParameterDeclaration[], target: string): TS.Statement => {
    const args = params.map((p) => p.dotDotDotToken ? f.createSpreadElement(f.createIdentifier((p.name as TS.Identifier).text)) : f.createIdentifier((p.name as TS.Identifier).text));
    return f.createReturnStatement(f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(target), "call"), undefined, [f.createThis(), ...args]));
  };
  const ctorToken = (cls: TS.ClassDeclaration): string => numberToken(cls, "$$ct");
  const ownCtorToken = (cls: TS.Node): string | undefined => {
    if (!ts.isClassDeclaration(cls) || !cls.name) return undefined;
    const b = scopes.refs.get(cls.name);
    return b && tokenClasses.get(b) === cls ? ctorToken(cls) : undefined;
  };

  // ---- binding references ---------------------------------------------------------------------
  const ownerState = (b: Binding): FnState | undefined => (b.fn ? fnStates.get(b.fn.node) : undefined);
  const envOf = (st: FnState): string => (st.envName ??= `$$e${++uid}`);
  const blockEnv = (scope: Scope): { E: string; b: string } => {
    let e = blockEnvs.get(scope);
    if (!e) {
      const n = ++uid;
      e = { E: `$$E${n}`, b: `$$b${n}` };
      blockEnvs.set(scope, e);
      const st = fnStates.get(scope.fn.node)!;
      addLocal(st, e.E, false);
    }
    return e;
  };
  const addLocal = (st: FnState, name: string, native: boolean): void => {
    if (!st.localSet.has(name)) {
      st.localSet.add(name);
      st.locals.push(name);
    }
    if (native) st.native.add(name);
  };
  const localName = (b: Binding): string => {
    let n = localNames.get(b);
    if (!n) {
      n = b.kind === "arguments" ? "$$args" : b.scope.kind === "function" ? b.name : `${b.name}$$${++uid}`;
      localNames.set(b, n);
    }
    return n;
  };
  const isFunctionScopeBinding = (b: Binding): boolean => b.scope.kind === "function";

  /** Expression reading/writing binding `b` from the current position (`original`: the source reference, checked for its TDZ). */
  const refFor = (b: Binding, original: TS.Identifier | undefined): TS.Expression => {
    if (!original) return rawRefFor(b, undefined);
    // A reference that always throws does not touch the binding (nor make a closure capture it).
    const dead = tdz.use(b, original) === "dead";
    if (b.kind === "const" && !dead && ownerState(b)) {
      // A const hoisted to a local or an environment slot is assignable: a write goes through a
      // stand-in that throws the engine's TypeError when the value is stored (after the
      // right-hand side; `c += v` and `c++` read the value first).
      const w = writeKind(ts, original);
      if (w !== "none") {
        const args: TS.Expression[] = [f.createStringLiteral(b.name)];
        if (w === "compound") args.push(tdz.reference(b, original, rawRefFor(b, original)));
        return f.createPropertyAccessExpression(
          f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "constRef"), undefined, args), b.name);
      }
    }
    return tdz.reference(b, original, dead ? undefined : rawRefFor(b, original));
  };
  const rawRefFor = (b: Binding, original: TS.Identifier | undefined): TS.Expression => {
    // A class's inner name, referenced from code that stays in the class body (field
    // initialisers, static blocks, accessors; methods have their own binding: scopes.ts
    // classSelf), resolves natively there; it never needs an environment.
    if (b.kind === "self" && ts.isClassLike(b.scope.node)) return original ?? f.createIdentifier(b.name);
    const owner = ownerState(b);
    if (!owner) return original ? original : f.createIdentifier(b.name);
    const currentFn = fnNodeStack[fnNodeStack.length - 1];
    const fromNested = currentFn !== owner.node;
    if (b.captured) {
      let envVar: string;
      if (isFunctionScopeBinding(b)) {
        envVar = envOf(owner);
      } else {
        const e = blockEnv(b.scope);
        envVar = fromNested ? e.b : e.E;
      }
      if (fromNested) for (let i = stack.length - 1; i >= 0 && stack[i] !== owner; i--) addLocal(stack[i]!, envVar, true);
      const prop = b.kind === "arguments" ? "$$args" : b.name;
      return f.createPropertyAccessExpression(f.createIdentifier(envVar), prop);
    }
    const name = localName(b);
    if (b.kind === "self") return original ?? f.createIdentifier(name);
    return f.createIdentifier(name);
  };

  // ---- rewriting visitor ----------------------------------------------------------------------
  const rewrite = (node: TS.Node): TS.Node => {
    if (ts.isMetaProperty(node)) {
      // `new.target` in an arrow of a transformed function: read from that function's environment.
      const b = scopes.refs.get(node);
      return b && ownerState(b) ? rawRefFor(b, undefined) : node;
    }
    if (ts.isIdentifier(node)) {
      const b = scopes.refs.get(node);
      if (!b) return node;
      if (b.kind === "arguments") {
        const owner = ownerState(b);
        if (owner) owner.usesArguments = true;
      }
      return refFor(b, node);
    }
    if (ts.isShorthandPropertyAssignment(node)) {
      const b = scopes.refs.get(node.name);
      if (b && ownerState(b)) {
        const target = refFor(b, node.name);
        // `{ z = init } = o` (a pattern): keep the default as `{ z: target = init }`.
        return f.createPropertyAssignment(node.name.text, node.objectAssignmentInitializer
          ? f.createAssignment(target as TS.Identifier, rewrite(node.objectAssignmentInitializer) as TS.Expression) : target);
      }
      return node.objectAssignmentInitializer ? ts.visitEachChild(node, rewriteChild, context) : node;
    }
    if (ts.isPropertyAccessExpression(node)) {
      // (A chain keeps its `?.`; `o?.#x` is valid JavaScript that TypeScript's checker rejects,
      // and updatePropertyAccessExpression would assert on its name.)
      return ts.isPropertyAccessChain(node)
        ? f.updatePropertyAccessChain(node, rewrite(node.expression) as TS.Expression, node.questionDotToken, node.name)
        : f.updatePropertyAccessExpression(node, rewrite(node.expression) as TS.Expression, node.name);
    }
    if ((ts.isCallExpression(node) || ts.isTaggedTemplateExpression(node)) && ts.isIdentifier(ts.isCallExpression(node) ? node.expression : node.tag)) {
      // `f()` where f lives in an environment object must not become a method call on it.
      const updated = ts.visitEachChild(node, rewriteChild, context);
      const callee = ts.isCallExpression(updated) ? updated.expression : (updated as TS.TaggedTemplateExpression).tag;
      if (ts.isIdentifier(callee)) return updated;
      const unbound = f.createParenthesizedExpression(f.createComma(f.createNumericLiteral(0), callee));
      return ts.isCallExpression(updated)
        ? f.updateCallExpression(updated, unbound, updated.typeArguments, updated.arguments)
        : f.updateTaggedTemplateExpression(updated as TS.TaggedTemplateExpression, unbound, undefined, (updated as TS.TaggedTemplateExpression).template);
    }
    if (ts.isPropertyAssignment(node)) {
      return f.updatePropertyAssignment(node, ts.isComputedPropertyName(node.name) ? rewrite(node.name) as TS.PropertyName : node.name, rewrite(node.initializer) as TS.Expression);
    }
    if (transformedFns.has(node)) return transformFunction(node as TS.FunctionLikeDeclaration);
    if (ts.isClassExpression(node) || ts.isObjectLiteralExpression(node) || (ts.isClassDeclaration(node) && !ts.isSourceFile(node.parent))) {
      const updated = ts.isClassLike(node) ? visitClass(node, rewriteChild) : ts.visitEachChild(node, rewriteChild, context);
      if (ts.isClassDeclaration(updated)) {
        // Not reached by transformed functions (they turn class declarations into expressions).
        return updated;
      }
      return wrapSelves(node, updated as TS.Expression);
    }
    if (ts.isFunctionLike(node)) {
      fnNodeStack.push(node);
      try {
        return ts.visitEachChild(node, rewriteChild, context);
      } finally {
        fnNodeStack.pop();
      }
    }
    if (ts.isLabeledStatement(node) || ts.isBreakOrContinueStatement(node)) return ts.visitEachChild(node, (c) => (ts.isIdentifier(c) ? c : rewrite(c)), context);
    if (ts.isMethodDeclaration(node) || ts.isPropertyDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) {
      return ts.visitEachChild(node, rewriteChild, context);
    }
    return ts.visitEachChild(node, rewriteChild, context);
  };
  const rewriteChild = (c: TS.Node): TS.Node => {
    // Declaration names, property names and labels are not references.
    if (ts.isIdentifier(c) && !scopes.refs.has(c)) return c;
    if (ts.isIdentifier(c) && c.parent && isDeclarationName(ts, c)) return c;
    return rewrite(c);
  };

  // ---- function transformation ----------------------------------------------------------------
  const transformFunction = (node: TS.FunctionLikeDeclaration): TS.Node => {
    transformedAny = true;
    const scope = scopes.scopes.get(node)!;
    const st: FnState = {
      node, scope, locals: [], localSet: new Set(), native: new Set(), freeEnvs: new Set(),
      envName: undefined, tempCount: 0, usesArguments: false,
    };
    fnStates.set(node, st);
    stack.push(st);
    fnNodeStack.push(node);
    try {
      const out = lowerFunction(node, st);
      // Function expressions are created through a factory so that closures can be pickled.
      return ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) ? out : pickling.closure(node, out as TS.Expression, st.locals, st.native, rewrittenGenerators.has(node));
    } finally {
      fnNodeStack.pop();
      stack.pop();
    }
  };

  const lowerFunction = (node: TS.FunctionLikeDeclaration, st: FnState): TS.Node => {
    const body = node.body!;
    const isArrow = ts.isArrowFunction(node);
    // Bindings of this function: params keep their names; everything else is hoisted.
    const ownBindings: Binding[] = [];
    const collect = (s: Scope): void => {
      for (const b of s.decls.values()) ownBindings.push(b);
      for (const c of s.children) if (c.kind === "block") collect(c);
    };
    collect(st.scope);
    const argB = scopes.argumentsOf.get(node);
    // Parameters: simple identifiers stay; patterns and defaults move into the body.
    const newParams: TS.ParameterDeclaration[] = [];
    const paramInit: TS.Statement[] = [];
    let seenDefault = false;
    const movedParams = new Set<TS.ParameterDeclaration>();
    const simpleParams = new Set<string>();
    const isCtor = ts.isConstructorDeclaration(node);
    // Fields and parameter properties of a moved class run after super (fieldMove).
    const move = isCtor ? fieldMove(node.parent as TS.ClassLikeDeclaration) : undefined;
    // A rewritten generator's first local is its GeneratorState (runtime/generators.ts).
    const isGen = rewrittenGenerators.has(node);
    if (isGen) addLocal(st, GEN_LOCAL, false);
    node.parameters.forEach((p, i) => {
      if (ts.isIdentifier(p.name) && p.name.text === "this") return; // a type annotation (`this: T`): erased, not a local
      // TypeScript parameter properties (`constructor(private x = 1)`) keep their modifiers and
      // default in place: TypeScript's own transform then declares the field and emits
      // `this.x = x` first in the body, exactly as without us (a call in the default is
      // evaluated before the entry check, so it is not a switch point). A moved class
      // (fieldMove) loses the modifiers: the assignments are emitted with its fields.
      const property = isCtor && ts.isIdentifier(p.name) && ts.getModifiers(p)?.some((m) => isParameterPropertyModifier(ts, m.kind));
      if (ts.isIdentifier(p.name) && (!p.initializer || property)) {
        const b = scopes.refs.get(p.name)!;
        if (p.initializer) seenDefault = true;
        newParams.push(f.createParameterDeclaration(property && !move ? ts.getModifiers(p)!.filter((m) => isParameterPropertyModifier(ts, m.kind)) : undefined,
          p.dotDotDotToken, p.name, undefined, undefined,
          p.initializer ? rewrite(p.initializer) as TS.Expression : seenDefault && !p.dotDotDotToken ? f.createVoidZero() : undefined));
        addLocal(st, p.name.text, true);
        simpleParams.add(p.name.text);
        if (b.captured) paramInit.push(assignStmt(refFor(b, undefined), f.createIdentifier(p.name.text)));
        return;
      }
      if (p.initializer) seenDefault = true;
      movedParams.add(p);
      const pn = f.createIdentifier(`$$a${i}`);
      newParams.push(f.createParameterDeclaration(undefined, p.dotDotDotToken, pn, undefined, undefined,
        seenDefault && !p.dotDotDotToken ? f.createVoidZero() : undefined));
      addLocal(st, pn.text, true);
      let value: TS.Expression = pn;
      if (p.initializer) {
        value = f.createConditionalExpression(f.createStrictEquality(pn, f.createVoidZero()), undefined,
          p.initializer, undefined, pn);
      }
      const decl = f.createVariableStatement(undefined, f.createVariableDeclarationList(
        [f.createVariableDeclaration(p.name, undefined, undefined, value)], ts.NodeFlags.Let));
      ts.setTextRange(decl, p);
      paramInit.push(decl);
    });
    for (const b of ownBindings) {
      if ((b.kind === "param" && simpleParams.has(b.name)) || b.captured) continue;
      // A class expression's own name is the class body's binding (rawRefFor): no local here. It
      // was one until session 10, never declared, so a spill of the frame threw ReferenceError.
      if (b.kind === "self" && ts.isClassLike(b.scope.node)) continue;
      if (b.kind === "self") { addLocal(st, localName(b), true); continue; }
      addLocal(st, localName(b), false);
    }
    if (argB && (argB as Binding).captured) envOf(st);
    const ntB = scopes.newTargetOf.get(node);
    if (ntB) envOf(st);
    const homeB = homeMethods.has(node) ? scopes.homeOf.get(node) : undefined;
    if (homeB) envOf(st);
    // An arrow using `super`: its home object, read from the method's environment.
    const superHome = superArrows.has(node) ? homeRefOf(node) : undefined;

    const host: LowerHost = {
      ts, f,
      rewrite: (e) => rewrite(e) as TS.Expression,
      objectLiteral: (o, lit) => wrapSelves(o, lit),
      templateObject: (t) => {
        // `const $$qN = ((s) => s)`a${0}b`;`: the strings array of one site, created once.
        const name = `$$q${++uid}`;
        const copy = ts.isNoSubstitutionTemplateLiteral(t) ? t
          : f.createTemplateExpression(t.head, t.templateSpans.map((sp) => f.createTemplateSpan(f.createNumericLiteral(0), sp.literal)));
        const identity = f.createParenthesizedExpression(f.createArrowFunction(undefined, undefined,
          [f.createParameterDeclaration(undefined, undefined, "s")], undefined, undefined, f.createIdentifier("s")));
        prologue.push(f.createVariableStatement(undefined, f.createVariableDeclarationList(
          [f.createVariableDeclaration(name, undefined, undefined, f.createTaggedTemplateExpression(identity, undefined, copy))], ts.NodeFlags.Const)));
        return f.createIdentifier(name);
      },
      isConstant: (e) => {
        const b = ts.isIdentifier(e) ? scopes.refs.get(e) : undefined;
        // Not imports: an imported `let` is a live binding a call in the arguments may reassign.
        // A class's or function expression's own name inside it cannot be reassigned either.
        return b !== undefined && (b.kind === "const" || b.kind === "self");
      },
      bindingTarget: (id) => {
        const b = scopes.refs.get(id);
        return b ? refFor(b, undefined) : id;
      },
      patternTarget: (p) => bindingPatternToAssignment(p),
      enterScope: (n) => scopeEntry(n, st),
      scopeAlias: (n) => scopeAliasFor(n),
      iterationCopy: (n) => iterationCopyFor(n),
      loopNeedsLowering: (n) => {
        const s = scopes.scopes.get(n);
        return !!s && [...s.decls.values()].some((b) => b.captured);
      },
      functionDeclaration: (d) => {
        if (!d.name || !d.body) return undefined;
        const b = scopes.refs.get(d.name)!;
        const expr = transformedFns.has(d)
          ? transformFunction(d) as TS.FunctionDeclaration
          : rewrite(d) as TS.FunctionDeclaration;
        const fe = f.createFunctionExpression(expr.modifiers?.filter((m) => m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword) as TS.Modifier[] | undefined,
          expr.asteriskToken, d.name.text, undefined, expr.parameters, undefined, expr.body!);
        ts.setOriginalNode(fe, d);
        ts.setTextRange(fe, d);
        const st2 = transformedFns.has(d) ? fnStates.get(d) : undefined;
        return assignStmt(refFor(b, undefined), st2 ? pickling.closure(d, fe, st2.locals, st2.native, rewrittenGenerators.has(d)) : fe);
      },
      classDeclaration: (d) => {
        const b = d.name ? scopes.refs.get(d.name) : undefined;
        const ce = rewrite(f.createClassExpression(d.modifiers?.filter((m) => m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword) as TS.Modifier[] | undefined,
          d.name, d.typeParameters, d.heritageClauses, d.members)) as TS.Expression;
        return b ? assignStmt(refFor(b, undefined), ce) : f.createExpressionStatement(ce);
      },
      cannotSuspend: (callee) => {
        const b = scopes.refs.get(callee);
        return b !== undefined && nonSuspending.has(b);
      },
      knownStatic,
      inert,
      innerEntry,
      privateToken: (name) => {
        const m = privateCallee(name);
        return m ? f.createIdentifier(privateToken(m)) : undefined;
      },
      ctorToken: (callee) => {
        const b = scopes.refs.get(callee);
        const cls = b && tokenClasses.get(b);
        return cls ? f.createIdentifier(ctorToken(cls)) : undefined;
      },
      temp: () => {
        const name = `$$t${++st.tempCount}`;
        addLocal(st, name, false);
        return f.createIdentifier(name);
      },
      // Temporaries are reused statement by statement (stack discipline): fewer locals make
      // smaller interpreter frames, which is what limits recursion depth.
      tempMark: () => st.tempCount,
      tempRelease: (mark) => { st.tempCount = mark; },
      position: (n) => (n.pos >= 0 && n.getSourceFile?.() ? pos(n) : [0, 0]),
      error: (n, message) => diag(n, "warning", message),
    };

    // A derived constructor: the statements before super(...) and super(...) itself run
    // untransformed (no `this` before it returns, so nothing before it can be captured; their
    // calls are plain calls, entering marked callees as boundaries); the rest is lowered.
    const superAt = isCtor && isDerived(node.parent as TS.ClassLikeDeclaration) ? topLevelSuper(node as TS.ConstructorDeclaration) : undefined;
    const superStmt = superAt?.stmt;
    const bodyStart = ts.isBlock(body) ? (superAt ? superAt.index + 1 : prologueLength(ts, body.statements)) : 0;
    const stmts: TS.Statement[] = ts.isBlock(body)
      ? [...(superStmt || isGen ? [] : paramInit), ...body.statements.slice(bodyStart)]
      : [...paramInit, ts.setTextRange(f.createReturnStatement(body), body)];
    let superCall: TS.Statement[] = [];
    if (superStmt && ts.isBlock(body)) {
      const early = body.statements.slice(prologueLength(ts, body.statements), superAt!.index);
      const args = (superStmt.expression as TS.CallExpression).arguments;
      if (early.some((s) => containsCall(ts, s)) || args.some((a) => containsCall(ts, a))) {
        diag(superStmt, "warning", "calls before super(...) returns (in its arguments or in statements before it) run before the instance exists: they are not switch points, so a switch below them pins the greenlet to the real stack (GreenletError when switching to a greenlet below it)");
      }
      const earlyLowered = lowerBody(host, early, { uninstrumented: true });
      superCall = [...emitNormal(ts, f, earlyLowered.body, earlyLowered.rps),
        ts.setTextRange(f.createExpressionStatement(rewrite(superStmt.expression) as TS.Expression), superStmt)];
    }
    // A generator evaluates its parameters when called (calls there are plain: boundaries), its
    // body at the first next().
    let genParams: TS.Statement[] = [];
    if (isGen) {
      const pl = lowerBody(host, paramInit, { uninstrumented: true });
      genParams = emitNormal(ts, f, pl.body, pl.rps);
    }
    const lowered = lowerBody(host, stmts, { generator: isGen });
    // super(...) as a switch point: resume point number points.length + 1 (after the body's).
    const superPoint = superStmt && superSwitchable(node as TS.ConstructorDeclaration) ? lowered.points.length + 1 : 0;
    const points = superPoint ? [...lowered.points, pos(superStmt!)] : lowered.points;
    const hasPoints = points.length > 0;

    // Entry: function environment and `arguments`.
    const entry: TS.Statement[] = [];
    if (st.usesArguments || (argB && localNames.has(argB))) {
      if (argB?.captured) entry.push(assignStmt(f.createPropertyAccessExpression(f.createIdentifier(envOf(st)), "$$args"), f.createIdentifier("arguments")));
      else { addLocal(st, "$$args", false); entry.push(assignStmt(f.createIdentifier("$$args"), f.createIdentifier("arguments"))); }
    }
    if (ntB) entry.push(assignStmt(f.createPropertyAccessExpression(f.createIdentifier(envOf(st)), "$$nt"), f.createMetaProperty(ts.SyntaxKind.NewKeyword, f.createIdentifier("target"))));
    if (homeB) entry.push(assignStmt(f.createPropertyAccessExpression(f.createIdentifier(envOf(st)), "$$home"), homeExpression(node as TS.MethodDeclaration)!));
    if (st.envName) {
      addLocal(st, st.envName, false);
      const props: TS.ObjectLiteralElementLike[] = [];
      for (const b of st.scope.decls.values()) {
        if (!b.captured) continue;
        const init = b.kind === "param" && simpleParams.has(b.name) ? f.createIdentifier(b.name) : b.kind === "self" ? f.createIdentifier(b.name)
          : tdz.needsSentinel(b) ? tdz.sentinel() : f.createVoidZero();
        props.push(f.createPropertyAssignment(b.kind === "arguments" ? "$$args" : b.name, init));
      }
      entry.unshift(assignStmt(f.createIdentifier(st.envName), f.createObjectLiteralExpression(props, false)));
      // Captured parameters were copied by paramInit (after env creation).
    }

    const declared = st.locals.filter((n) => !st.native.has(n));
    const letDecl = (names: string[], withPc: boolean): TS.Statement[] => {
      const decls = names.map((n) => f.createVariableDeclaration(n));
      if (withPc) decls.push(f.createVariableDeclaration(PC, undefined, undefined, f.createNumericLiteral(0)));
      return decls.length ? [f.createVariableStatement(undefined, f.createVariableDeclarationList(decls, ts.NodeFlags.Let))] : [];
    };

    let newBody: TS.Statement[];
    if (!hasPoints && !isGen) {
      newBody = superStmt
        ? [...letDecl(declared, false), ...entry, ...paramInit, ...superCall, ...lowered.body]
        : [...letDecl(declared, false), ...entry, ...lowered.body];
      // Callers were told it has an inner entry, but no call in it needed a resume point after
      // all: the inner entry just calls the function.
      if (splitEntries.has(node)) {
        const fd = node as TS.FunctionDeclaration;
        innerDeclaration(fd, newParams, [forward(newParams, fd.name!.text)]);
      }
      return rebuild(node, newParams, superHome ? superThrough(newBody, superHome) : newBody);
    }

    // Descriptor and resume function (module level).
    const n = ++uid;
    const infoName = `$$i${n}`;
    const resumeName = `$$r${n}`;
    const self = selfReference(node, n);
    const rtDecl = f.createVariableStatement(undefined, f.createVariableDeclarationList(
      [f.createVariableDeclaration(RT_LOCAL, undefined, undefined, f.createIdentifier(RT_GLOBAL))], ts.NodeFlags.Const));
    // The slow path passes arguments and new.target in runtime fields (see runtime/abi.ts).
    const rtField = (name: string) => f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), name);
    const slowPath: TS.Statement[] = [
      // `arguments` anywhere in a function makes V8 allocate it on every call: only pass it when
      // the function reads it anyway; otherwise re-enter with the declared parameters.
      assignStmt(rtField("a"), isArrow || !(st.usesArguments || (argB && localNames.has(argB)) || argB?.captured)
        ? f.createArrayLiteralExpression(newParams.map((p) => p.dotDotDotToken ? f.createSpreadElement(p.name as TS.Identifier) : p.name as TS.Identifier))
        : f.createIdentifier("arguments")),
    ];
    if (!isArrow && !isMethodLike(node)) {
      slowPath.push(assignStmt(rtField("nt"), f.createMetaProperty(ts.SyntaxKind.NewKeyword, f.createIdentifier("target"))));
    }
    slowPath.push(f.createReturnStatement(f.createCallExpression(rtField("enter"), undefined,
      [self.expr, isArrow ? f.createVoidZero() : f.createThis()])));
    const check = f.createIfStatement(
      f.createStrictInequality(rtField("t"), self.expr), f.createBlock(slowPath, true));
    const clear = assignStmt(f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), "t"), f.createNull());
    const thisExpr = f.createThis();
    const spillLocals = st.locals;
    // (A generator body has no normal path: it only runs through its resume function.)
    // A rare arm leaves its loop like a capture does, `$$pc = -K; break $$body;` (no call in the
    // loop: an arm that calls, even `return f()` or a throw, keeps V8 14 from optimizing the
    // loop); past the body the rest of it runs in the resume function from the call at K.
    // Not in constructors: the exit's tail made bench calls-new's constructor 461 bytes of
    // bytecode, over V8's inlining limit (460), and a constructor not inlined allocates every
    // instance (steady state 4.2 -> 31.8 ms). Their arms stay in place (emitNormal without exit).
    let exits = false;
    const exit = isCtor ? undefined : (rp: ResumePoint): TS.Statement => {
      exits = true;
      return f.createBlock([assignStmt(f.createIdentifier(PC), f.createPrefixMinus(f.createNumericLiteral(rp.pc))),
        f.createBreakStatement(f.createIdentifier(BODY_LABEL))], true);
    };
    const labelled = f.createLabeledStatement(f.createIdentifier(BODY_LABEL), f.createBlock(isGen ? [] : [...emitNormal(ts, f, lowered.body, lowered.rps, exit), f.createReturnStatement()], true));
    const normalSpill = (): TS.Statement[] => {
      const out = emitSpill(f, ts, f.createIdentifier(infoName), thisExpr, spillLocals);
      if (superStmt) out[out.length - 1] = f.createReturnStatement(); // a derived constructor may only return an object or undefined
      return out;
    };
    // After an exit the frame is spilled like a capture's, and the runtime takes the record back
    // to run the rest of the body from the call (runtime.ts continueSpilled): an array literal
    // here was one more register in every frame of the function (deep recursion's limit).
    const continueSpilled = (): TS.Statement => f.createIfStatement(f.createLessThan(f.createIdentifier(PC), f.createNumericLiteral(0)),
      f.createReturnStatement(f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), "continueSpilled"), undefined,
        [f.createIdentifier(infoName)])));
    const spill = normalSpill();
    if (exits) spill.splice(spill.length - 1, 0, continueSpilled());
    if (superPoint) {
      // `if (!$$x) $$rt.t = Object.getPrototypeOf(C); super(...); if (unwinding) { spill; return; }`:
      // the base constructor is entered with its token only when this one was (a boundary
      // entry, $$x, passes none on), and unwinds through super into this frame.
      const rt = f.createIdentifier(RT_LOCAL);
      superCall.splice(superCall.length - 1, 0, f.createIfStatement(f.createLogicalNot(f.createIdentifier(CTOR_OUTSIDE)),
        assignStmt(f.createPropertyAccessExpression(rt, "t"), f.createCallExpression(
          f.createPropertyAccessExpression(f.createIdentifier("Object"), "getPrototypeOf"), undefined, [self.expr]))));
      superCall.push(f.createIfStatement(unwindingFlag(f, true),
        f.createBlock([assignStmt(f.createIdentifier(PC), f.createNumericLiteral(superPoint)), ...normalSpill()], true)));
    }
    // A moved class's fields (fieldMove): after super really returned (its unwinding test), before the body.
    const paramValue = (p: TS.ParameterDeclaration): TS.Expression => rawRefFor(scopes.refs.get(p.name as TS.Identifier)!, undefined);
    const movedFields = (): TS.Statement[] => move ? movedFieldStatements(node.parent as TS.ClassLikeDeclaration, move, paramValue) : [];
    superCall.push(...movedFields());
    let normalBody = isGen ? generatorWrapper(node, self.expr, rtDecl, [...letDecl(declared, false), ...entry, ...genParams], infoName, spillLocals)
      : isCtor ? ctorNormalBody(node as TS.ConstructorDeclaration, self.expr,
      [...letDecl(declared, true), ...entry, ...(superStmt ? [...paramInit, ...superCall] : [])], [labelled, ...spill], infoName, spillLocals)
      : privateResumeKeys.has(node) ? privateNormalBody(node as TS.MethodDeclaration, self.expr, rtDecl, [...letDecl(declared, true), ...entry], [labelled, ...spill], infoName, spillLocals) : [
      rtDecl, check, clear,
      ...letDecl(declared, true),
      ...entry,
      labelled,
      ...spill,
    ];
    if (splitEntries.has(node)) {
      // The function checks its entry and calls its inner entry, which holds the body.
      const fd = node as TS.FunctionDeclaration;
      innerDeclaration(fd, newParams, normalBody.filter((st) => st !== check && st !== clear));
      normalBody = [rtDecl, check, clear, forward(newParams, splitEntries.get(fd)!)];
    }
    const resumed = emitResume(ts, f, lowered.body, lowered.rps);
    if (superPoint) {
      // Resumed at super(...): the base constructor finished; the body runs from its start.
      resumed.unshift(f.createIfStatement(f.createStrictEquality(f.createIdentifier(PC), f.createNumericLiteral(superPoint)), f.createBlock([
        assignStmt(f.createIdentifier(PC), f.createNumericLiteral(0)),
        f.createIfStatement(f.createStrictEquality(f.createIdentifier(RES_MODE), f.createNumericLiteral(1)), f.createThrowStatement(f.createIdentifier(RES_VALUE))),
        f.createExpressionStatement(f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), "superDone"), undefined,
          [f.createIdentifier(RES_VALUE), f.createThis()])),
        ...movedFields(),
      ], true)));
    }
    const resumeCore = [
      f.createLabeledStatement(f.createIdentifier(BODY_LABEL), f.createBlock(isCtor
        ? [...ctorCompletions(resumed, superStmt !== undefined), f.createReturnStatement(f.createThis())]
        : [...resumed, f.createReturnStatement()], true)),
      ...emitSpill(f, ts, f.createIdentifier(infoName), f.createThis(), spillLocals),
    ];
    const resumeBody = [
      rtDecl,
      emitRestore(f, ts, spillLocals),
      // A generator's yields leave past the unwinding spill, to the spill into its own record.
      ...(isGen ? [f.createLabeledStatement(f.createIdentifier(YIELD_LABEL), f.createBlock(resumeCore, true)), ...emitYieldSpill(f, spillLocals)] : resumeCore),
    ];
    if (superHome) resumeBody.splice(0, resumeBody.length, ...superThrough(resumeBody, superHome));
    const resumeParams = () => [RES_RECORDS, RES_P, RES_MODE, RES_VALUE].map((p) => f.createParameterDeclaration(undefined, undefined, p));
    if ((isMethodLike(node) || isCtor) && ts.isClassLike(node.parent) && usesSuperOrPrivate(node)) {
      // super and #private names only resolve inside the class body: the resume code becomes a
      // symbol-keyed method of the same class (same home object), reached through the record's this.
      const key = `$$sk${n}`; // not $$kN: closure factories (closures.ts) number those on their own
      declareResumeKey(key, functionName(node));
      const member = f.createMethodDeclaration(hasModifier(ts, node, ts.SyntaxKind.StaticKeyword) ? [f.createModifier(ts.SyntaxKind.StaticKeyword)] : undefined,
        undefined, f.createComputedPropertyName(f.createIdentifier(key)), undefined, undefined, resumeParams(), undefined, f.createBlock(resumeBody, true));
      const members = classResumeMembers.get(node.parent) ?? [];
      members.push(member);
      classResumeMembers.set(node.parent, members);
      // A method of a top-level class (evaluated once) reaches its resume member through a
      // module-level variable read by key in the class's first static block, so that any
      // receiver resumes: one branded by a base constructor returning another object, or whose
      // prototype changed (a private method's $$mN is that member already). Other classes go
      // through the record's this.
      const ref = isMethodLike(node) && ts.isClassDeclaration(node.parent) && ts.isSourceFile(node.parent.parent)
        ? privateResumeKeys.has(node) ? methodSelves.get(node)! : `$$rm${n}` : undefined;
      if (ref !== undefined && !privateResumeKeys.has(node)) {
        resumeRefs.set(node, { v: ref, key });
        prologue.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(ref)], ts.NodeFlags.Let)));
      }
      forwardResume(resumeName, key, ref);
    } else {
      epilogue.push(f.createFunctionDeclaration(undefined, undefined, resumeName, undefined, resumeParams(), undefined, f.createBlock(resumeBody, true)));
    }
    const name = functionName(node);
    const text = node.getText(sf);
    const hash = createHash("sha256").update(text).digest("hex").slice(0, 16);
    const [line, col] = pos(node);
    const id = pickling.idOf(node);
    void line; void col;
    prologue.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(infoName, undefined, undefined,
      f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "fn"), undefined, [f.createObjectLiteralExpression([
        f.createPropertyAssignment("id", f.createStringLiteral(id)),
        f.createPropertyAssignment("name", f.createStringLiteral(name)),
        f.createPropertyAssignment("file", f.createStringLiteral(relFile)),
        f.createPropertyAssignment("hash", f.createStringLiteral(hash)),
        f.createPropertyAssignment("size", f.createNumericLiteral(3 + spillLocals.length)),
        f.createPropertyAssignment("locals", f.createArrayLiteralExpression(spillLocals.map((l) => f.createStringLiteral(l)))),
        f.createPropertyAssignment("points", f.createArrayLiteralExpression(points.map(([l, c]) =>
          f.createArrayLiteralExpression([f.createNumericLiteral(l), f.createNumericLiteral(c)])))),
        ...pickling.deadTemps(lowered.body, lowered.rps, lowered.points.length, spillLocals),
        f.createPropertyAssignment("resume", f.createIdentifier(resumeName)),
      ], false)]))], ts.NodeFlags.Const)));
    if (self.prologue) prologue.push(self.prologue);
    const rebuilt = rebuild(node, newParams, superHome ? superThrough(normalBody, superHome) : normalBody);
    return self.wrap ? self.wrap(rebuilt as TS.Expression) : rebuilt;
  };

  /**
   * `$$x`, a constructor entered without its callee token: the token is neither the class's own
   * (ctorToken, from `new` sites that resolve it) nor the class itself, nor a class reached
   * through subclasses without constructors or fields from a transformed `new Sub()` (runtime.ts
   * thinNew: tested with new.target, as a derived constructor has no `this` before super).
   */
  const ctorEntryTest = (cls: TS.Node, self: TS.Expression): TS.Expression => {
    const rt = f.createIdentifier(RT_LOCAL);
    const token = ownCtorToken(cls);
    let test: TS.Expression = f.createStrictInequality(f.createPropertyAccessExpression(rt, "t"), self);
    if (token) test = f.createLogicalAnd(f.createStrictInequality(f.createPropertyAccessExpression(rt, "t"), f.createIdentifier(token)), test);
    return f.createLogicalAnd(test, f.createLogicalNot(f.createCallExpression(f.createPropertyAccessExpression(rt, "thinNew"), undefined,
      [f.createMetaProperty(ts.SyntaxKind.NewKeyword, f.createIdentifier("target")), self])));
  };
  /**
   * The normal path of a private method (see privateMethod): checked against its own token; any
   * other entry runs the body from the start through the resume member `resume`:
   *   const $$rt = $$tsgreenlet2; const $$x = $$rt.t !== $$ptN; $$rt.t = null; let locals, $$pc = 0;
   *   [env;] if ($$x) return $$rt.enterAt($$i, this, [locals], $$mN); $$body: { ... } spill;
   */
  const privateNormalBody = (node: TS.MethodDeclaration, resume: TS.Expression, rtDecl: TS.Statement, head: TS.Statement[], body: TS.Statement[],
    infoName: string, locals: readonly string[]): TS.Statement[] => {
    const rt = f.createIdentifier(RT_LOCAL);
    const outside = f.createIdentifier(CTOR_OUTSIDE);
    return [
      rtDecl,
      f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(outside, undefined, undefined,
        f.createStrictInequality(f.createPropertyAccessExpression(rt, "t"), f.createIdentifier(privateToken(node))))], ts.NodeFlags.Const)),
      assignStmt(f.createPropertyAccessExpression(rt, "t"), f.createNull()),
      ...head,
      f.createIfStatement(outside, f.createReturnStatement(f.createCallExpression(f.createPropertyAccessExpression(rt, "enterAt"), undefined, [
        f.createIdentifier(infoName), f.createThis(), f.createArrayLiteralExpression(locals.map((l) => f.createIdentifier(l))), resume]))),
      ...body,
    ];
  };
  /**
   * The normal path of a constructor. It cannot re-enter itself through `RT.enter` when the
   * callee token does not name it (the instance exists and its field initialisers have run).
   * Instead an entry from untransformed code (`Reflect.construct`, an untransformed `new`, a
   * derived class's `super()`) runs the body through its own resume function from the start
   * (pc 0, locals as they are), inside `RT.construct`, which counts a boundary meanwhile:
   *   const $$rt = $$tsgreenlet2; const $$x = $$rt.t !== C; $$rt.t = null; let locals, $$pc = 0;
   *   [env;] [derived: super(...);] if ($$x) return $$rt.construct($$i, this, [locals], C);
   *   $$body: { ... return; } spill; return $$tsgreenlet2U;
   * (measured: a try/finally around the body, or reading a `let`/import binding here, kept V8
   * from eliding the instance of a small constructor inlined in a loop: 4-7x slower).
   * The symbol returned after the spill is a primitive: `new` ignores it (base classes; derived: `return;`).
   */
  const ctorNormalBody = (node: TS.ConstructorDeclaration, self: TS.Expression, head: TS.Statement[], body: TS.Statement[], infoName: string, locals: readonly string[]): TS.Statement[] => {
    const rt = f.createIdentifier(RT_LOCAL);
    const outside = f.createIdentifier(CTOR_OUTSIDE);
    const token = ownCtorToken(node.parent);
    let test = ctorEntryTest(node.parent, self);
    // In the field initialiser (below) the thin entry is tested with the instance's prototype.
    const thinEntry = (rtExpr: TS.Expression) => f.createCallExpression(f.createPropertyAccessExpression(rtExpr, "thinEntry"), undefined, [f.createThis(), self]);
    const clear = [assignStmt(f.createPropertyAccessExpression(rt, "t"), f.createNull())];
    if (fieldsRunCode(node.parent) && !isDerived(node.parent)) {
      // `#$$new = $$tsgreenlet2.t === C && ($$tsgreenlet2.t = null, true)` as the class's first
      // instance field: the token is read before any field initialiser runs, per instance (nesting-safe).
      const flag = f.createPrivateIdentifier(CTOR_FLAG);
      const rtc = () => f.createIdentifier(RT_GLOBAL);
      const lead = classLeadMembers.get(node.parent) ?? [];
      const named = f.createStrictEquality(f.createPropertyAccessExpression(rtc(), "t"), self);
      const byToken = token ? f.createLogicalOr(f.createStrictEquality(f.createPropertyAccessExpression(rtc(), "t"), f.createIdentifier(token)), named) : named;
      lead.push(f.createPropertyDeclaration(undefined, flag, undefined, undefined, f.createLogicalAnd(
        f.createParenthesizedExpression(f.createLogicalOr(byToken, thinEntry(rtc()))),
        f.createParenthesizedExpression(f.createComma(f.createAssignment(f.createPropertyAccessExpression(rtc(), "t"), f.createNull()), f.createTrue())))));
      classLeadMembers.set(node.parent, lead);
      test = f.createStrictInequality(f.createPropertyAccessExpression(f.createThis(), f.createPrivateIdentifier(CTOR_FLAG)), f.createTrue());
      clear.length = 0;
    }
    // The runtime global (names.ts RT_GLOBAL): a constant in optimized code. (`$$RTc ?? $$RT`,
    // a module variable with a fallback to the import, measured 2x here.)
    const rtDecl = f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(RT_LOCAL, undefined, undefined,
      f.createIdentifier(RT_GLOBAL))], ts.NodeFlags.Const));
    const slow = f.createIfStatement(outside, f.createReturnStatement(f.createCallExpression(f.createPropertyAccessExpression(rt, "construct"), undefined, [
      f.createIdentifier(infoName), f.createThis(),
      f.createArrayLiteralExpression(locals.map((l) => f.createIdentifier(l))), self])));
    return [
      rtDecl,
      f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(outside, undefined, undefined, test)], ts.NodeFlags.Const)),
      ...clear,
      ...head,
      slow,
      ...body,
    ];
  };
  /**
   * The function a rewritten generator becomes: evaluates its parameters (and environment,
   * `arguments`) and returns a generator object owning the frame record, body not started:
   *   const $$rt = ...; [if (new.target !== undefined) throw TypeError]  let locals; [params]
   *   return $$rt.gen(self, [$$iN, 0, this, locals...]);
   */
  const generatorWrapper = (node: TS.FunctionLikeDeclaration, self: TS.Expression, rtDecl: TS.Statement, head: TS.Statement[], infoName: string, locals: readonly string[]): TS.Statement[] => {
    const out: TS.Statement[] = [rtDecl];
    if (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node)) {
      // A generator function is not a constructor.
      out.push(f.createIfStatement(f.createStrictInequality(f.createMetaProperty(ts.SyntaxKind.NewKeyword, f.createIdentifier("target")), f.createVoidZero()),
        f.createThrowStatement(f.createNewExpression(f.createIdentifier("TypeError"), undefined, [f.createStringLiteral(`${functionName(node)} is not a constructor`)]))));
    }
    out.push(...head);
    const record = f.createArrayLiteralExpression([f.createIdentifier(infoName), f.createNumericLiteral(0), f.createThis(),
      ...locals.map((l) => f.createIdentifier(l))]);
    out.push(f.createReturnStatement(f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), "gen"), undefined, [self, record])));
    return out;
  };
  /**
   * In a constructor's resume function, `return v` completes the `new` expression: with v when
   * it is an object, otherwise with the instance (`this` of the record).
   */
  const ctorCompletions = (stmts: TS.Statement[], derived: boolean): TS.Statement[] => {
    const visit = (n: TS.Node): TS.Node => {
      if (ts.isFunctionLike(n) || ts.isClassLike(n)) return n;
      if (ts.isReturnStatement(n)) {
        return ts.setTextRange(f.createReturnStatement(n.expression
          ? f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_LOCAL), derived ? "madeDerived" : "made"), undefined,
            [ts.visitNode(n.expression, visit) as TS.Expression, f.createThis()])
          : f.createThis()), n);
      }
      return ts.visitEachChild(n, visit, context);
    };
    return stmts.map((st) => visit(st) as TS.Statement);
  };

  /** How a function refers to itself in the entry check (its identity as a callee). */
  const selfReference = (node: TS.FunctionLikeDeclaration, n: number): { expr: TS.Expression; wrap?: (e: TS.Expression) => TS.Expression; prologue?: TS.Statement } => {
    if ((ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node)) && node.name) return { expr: f.createIdentifier(node.name.text) };
    if (ts.isFunctionDeclaration(node)) {
      // `export default function () {}`: the declaration gets a name to refer to itself (an
      // expression wrapper cannot replace a declaration); the function keeps the name "default".
      const id = `$$default${n}`;
      anonymousDefaults.set(node, id);
      return {
        expr: f.createIdentifier(id),
        prologue: f.createExpressionStatement(f.createCallExpression(
          f.createPropertyAccessExpression(f.createIdentifier("Object"), "defineProperty"), undefined,
          [f.createIdentifier(id), f.createStringLiteral("name"), f.createObjectLiteralExpression([
            f.createPropertyAssignment("value", f.createStringLiteral("default")),
            f.createPropertyAssignment("configurable", f.createTrue())])])),
      };
    }
    if (isMethodLike(node) || ts.isConstructorDeclaration(node)) {
      // Top-level classes are evaluated once: a module-level variable set by a static block.
      // Other classes and object literals get a per-evaluation variable (wrapSelves).
      const v = `$$m${n}`;
      methodSelves.set(node, v);
      const key = ts.isMethodDeclaration(node) && ts.isComputedPropertyName(node.name) ? `$$ky${n}` : undefined;
      if (key) computedKeys.set(node, key);
      if (ts.isMethodDeclaration(node) && ts.isPrivateIdentifier(node.name)) privateResumeKeys.set(node, `$$sk${n}`);
      const once = ts.isClassDeclaration(node.parent) && ts.isSourceFile(node.parent.parent);
      return {
        expr: f.createIdentifier(v),
        // A constructor's identity is a `var`: a `let` read (TDZ check) in a small constructor
        // inlined in a loop kept V8 from eliding the instance (measured 2x).
        prologue: once ? f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(v), ...(key ? [f.createVariableDeclaration(key)] : [])],
          ts.isConstructorDeclaration(node) ? ts.NodeFlags.None : ts.NodeFlags.Let)) : undefined,
      };
    }
    // Anonymous function or arrow: a per-evaluation binding from an IIFE parameter, named so that
    // the function keeps the name the original context would infer.
    const inferred = inferredName(ts, node);
    const usable = inferred && /^[A-Za-z_$][\w$]*$/.test(inferred) && !mentions(ts, node, inferred) ? inferred : undefined;
    const param = usable ?? `$$self${n}`;
    return {
      expr: f.createIdentifier(param),
      wrap: (e) => f.createCallExpression(f.createParenthesizedExpression(f.createArrowFunction(undefined, undefined,
        [f.createParameterDeclaration(undefined, undefined, param)], undefined, undefined,
        f.createAssignment(f.createIdentifier(param), usable ? e : f.createComma(f.createNumericLiteral(0), e)))), undefined, []),
    };
  };
  const methodSelves = new Map<TS.Node, string>();
  const anonymousDefaults = new Map<TS.FunctionDeclaration, string>();
  /** Resume methods of class methods that use super or #private names, per class (original node). */
  const classResumeMembers = new Map<TS.Node, TS.ClassElement[]>();
  /** `$$mK = $$RT.own(holder, key, kind)` for each transformed member of a class/literal. */
  const selfAssignments = (members: readonly TS.Node[], holderOf: (m: MethodLike) => TS.Expression): TS.Statement[] => [
    ...identityAssignments(members, holderOf),
    ...members.filter((m): m is MethodLike => isMethodLike(m) && resumeRefs.has(m)).map((m) => assignStmt(f.createIdentifier(resumeRefs.get(m)!.v),
      f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "own"), undefined,
        [holderOf(m), f.createIdentifier(resumeRefs.get(m)!.key), f.createNumericLiteral(0)]))),
  ];
  const identityAssignments = (members: readonly TS.Node[], holderOf: (m: MethodLike) => TS.Expression): TS.Statement[] =>
    members.filter((m): m is MethodLike | TS.ConstructorDeclaration => (isMethodLike(m) || ts.isConstructorDeclaration(m)) && methodSelves.has(m)).map((m) =>
      // A constructor's identity is its class (`this` in a static block).
      ts.isConstructorDeclaration(m) ? assignStmt(f.createIdentifier(methodSelves.get(m)!), f.createThis()) :
      assignStmt(f.createIdentifier(methodSelves.get(m)!), f.createCallExpression(
        f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "own"), undefined,
        [holderOf(m), privateResumeKeys.has(m) ? f.createIdentifier(privateResumeKeys.get(m)!)
          : computedKeys.has(m) ? f.createIdentifier(computedKeys.get(m)!) : f.createStringLiteral(staticKey(ts, m)!),
        f.createNumericLiteral(ts.isGetAccessorDeclaration(m) ? 1 : ts.isSetAccessorDeclaration(m) ? 2 : rewrittenGenerators.has(m) ? 3 : 0)])));
  const classHolder = (m: MethodLike): TS.Expression =>
    hasModifier(ts, m, ts.SyntaxKind.StaticKeyword) ? f.createThis() : f.createPropertyAccessExpression(f.createThis(), "prototype");
  /**
   * A class or object literal evaluated more than once gets its members' identities from
   * parameters of an arrow wrapped around it, so each evaluation has its own:
   *   (($$m1, $$o) => ($$o = { hit() {...} }, $$m1 = $$RT.own($$o, "hit", 0), $$o))()
   *   (($$m1) => class C { static { $$m1 = $$RT.own(this.prototype, "hit", 0); } hit() {...} })()
   */
  const wrapSelves = (original: TS.ClassLikeDeclaration | TS.ObjectLiteralExpression, updated: TS.Expression): TS.Expression => {
    const members: readonly TS.Node[] = ts.isObjectLiteralExpression(original) ? original.properties : original.members;
    const names = members.filter((m) => methodSelves.has(m)).flatMap((m) => [methodSelves.get(m)!, ...(computedKeys.has(m) ? [computedKeys.get(m)!] : [])]);
    if (ts.isClassLike(original)) names.push(...fieldMoveVariables(originalClass(original)));
    if (!names.length) {
      const lead = ts.isClassLike(original) ? leadMembers(members[0]?.parent ?? original) : [];
      if (!lead.length) return updated;
      const ce = updated as TS.ClassExpression;
      return f.updateClassExpression(ce, ce.modifiers, ce.name, ce.typeParameters, ce.heritageClauses, [...lead, ...ce.members]);
    }
    const params = names.map((v) => f.createParameterDeclaration(undefined, undefined, v));
    let body: TS.Expression;
    if (ts.isObjectLiteralExpression(updated)) {
      const o = f.createIdentifier(`$$o${++uid}`);
      params.push(f.createParameterDeclaration(undefined, undefined, o));
      const sets = selfAssignments(members, () => o).map((st) => (st as TS.ExpressionStatement).expression);
      body = f.createParenthesizedExpression(f.createCommaListExpression([f.createAssignment(o, updated), ...sets, o]));
    } else {
      const ce = updated as TS.ClassExpression;
      const block = f.createClassStaticBlockDeclaration(f.createBlock(selfAssignments(members, classHolder), true));
      body = f.updateClassExpression(ce, ce.modifiers, ce.name, ce.typeParameters, ce.heritageClauses,
        // Keyed by the parse-tree class: `original` may be the expression made from a class declaration.
        [block, ...leadMembers(members[0]?.parent ?? original), ...ce.members, ...(classResumeMembers.get(members[0]?.parent ?? original) ?? [])]);
      // `const K = class {}` names the class "K": keep that through the wrapper with a property
      // key (`({ K: class {} }).K` names it too, and bundlers never rename property keys).
      const inferred = ce.name ? undefined : inferredName(ts, original);
      if (inferred !== undefined) {
        body = f.createElementAccessExpression(f.createParenthesizedExpression(f.createObjectLiteralExpression(
          [f.createPropertyAssignment(f.createStringLiteral(inferred), body)])), f.createStringLiteral(inferred));
      }
    }
    return f.createCallExpression(f.createParenthesizedExpression(
      f.createArrowFunction(undefined, undefined, params, undefined, undefined, body)), undefined, []);
  };

  /** The parse-tree class of a class node (a class declaration may have been turned into an expression with the same members). */
  const originalClass = (node: TS.ClassLikeDeclaration): TS.ClassLikeDeclaration => (node.members[0]?.parent as TS.ClassLikeDeclaration | undefined) ?? node;
  /** Visits a class's children; the instance fields fieldMove moves are taken out, visited, for the helper class. */
  const visitClass = <C extends TS.ClassLikeDeclaration>(node: C, visitor: (n: TS.Node) => TS.Node): C => {
    const move = fieldMove(originalClass(node));
    if (!move) return ts.visitEachChild(node, visitor, context);
    move.visited = [];
    return ts.visitEachChild(node, (c) => {
      if (!move.fields.includes(c as TS.PropertyDeclaration)) return visitor(c);
      move.visited.push(visitor(c) as TS.ClassElement);
      return undefined;
    }, context);
  };

  /** The home object an arrow's `super` refers to (its method's environment entry; registers that environment as captured). */
  const homeRefOf = (arrow: TS.Node): (() => TS.Expression) | undefined => {
    let b: Binding | undefined;
    const find = (c: TS.Node): void => {
      if (b) return;
      if (c.kind === ts.SyntaxKind.SuperKeyword) { b = scopes.refs.get(c); return; }
      if ((ts.isFunctionLike(c) && !ts.isArrowFunction(c)) || ts.isClassLike(c)) return;
      ts.forEachChild(c, find);
    };
    ts.forEachChild(arrow, find);
    if (!b) return undefined;
    const ref = rawRefFor(b, undefined) as TS.PropertyAccessExpression;
    const env = (ref.expression as TS.Identifier).text;
    return () => f.createPropertyAccessExpression(f.createIdentifier(env), "$$home");
  };
  /**
   * `super.x` / `super[k]` of an arrow's lowered code (normal path, resume function) ->
   * `$$RT.sget(home, key, this)`: [[Get]] on the home object's current prototype with `this` as
   * receiver, which is what `super.x` does. Calls keep their receiver: explode already calls
   * `super.m` as `$$f.call(this, ...)`. Nested non-arrow functions and classes have their own `super`.
   */
  const superThrough = (stmts: TS.Statement[], home: () => TS.Expression): TS.Statement[] => {
    const visit = (c: TS.Node): TS.Node => {
      if ((ts.isPropertyAccessExpression(c) || ts.isElementAccessExpression(c)) && c.expression.kind === ts.SyntaxKind.SuperKeyword) {
        const key = ts.isPropertyAccessExpression(c) ? f.createStringLiteral(c.name.text) : ts.visitNode(c.argumentExpression, visit) as TS.Expression;
        return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "sget"), undefined, [home(), key, f.createThis()]);
      }
      if ((ts.isFunctionLike(c) && !ts.isArrowFunction(c)) || ts.isClassLike(c)) return c;
      return ts.visitEachChild(c, visit, context);
    };
    return stmts.map((st) => visit(st) as TS.Statement);
  };

  const rebuild = (node: TS.FunctionLikeDeclaration, params: TS.ParameterDeclaration[], body: TS.Statement[]): TS.Node => {
    // Directives other than ours ("use strict") stay first in the body; "use greenlet" is dropped.
    const own = node.body && ts.isBlock(node.body) ? node.body.statements.slice(0, prologueLength(ts, node.body.statements)) : [];
    const block = f.createBlock([...own.filter((d) => !isGreenletDirective(ts, d)), ...body], true);
    let out: TS.Node;
    if (ts.isFunctionDeclaration(node)) {
      const name = node.name ?? (anonymousDefaults.has(node) ? f.createIdentifier(anonymousDefaults.get(node)!) : undefined);
      out = f.updateFunctionDeclaration(node, node.modifiers, rewrittenGenerators.has(node) ? undefined : node.asteriskToken, name, undefined, params, undefined, block);
    }
    else if (ts.isFunctionExpression(node)) out = f.updateFunctionExpression(node, node.modifiers, rewrittenGenerators.has(node) ? undefined : node.asteriskToken, node.name, undefined, params, undefined, block);
    else if (ts.isArrowFunction(node)) out = f.updateArrowFunction(node, node.modifiers, undefined, params, undefined, node.equalsGreaterThanToken, block);
    else if (ts.isMethodDeclaration(node)) out = f.updateMethodDeclaration(node, node.modifiers, rewrittenGenerators.has(node) ? undefined : node.asteriskToken,
      computedKeys.has(node) && ts.isComputedPropertyName(node.name)
        ? f.createComputedPropertyName(f.createAssignment(f.createIdentifier(computedKeys.get(node)!), wellKnownSymbolKey(node) ? node.name.expression
          : f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), "key"), undefined, [node.name.expression])))
        : node.name, node.questionToken, undefined, params, undefined, block);
    else if (ts.isGetAccessorDeclaration(node)) out = f.updateGetAccessorDeclaration(node, node.modifiers, node.name, params, undefined, block);
    else if (ts.isSetAccessorDeclaration(node)) out = f.updateSetAccessorDeclaration(node, node.modifiers, node.name, params, block);
    else if (ts.isConstructorDeclaration(node)) out = f.updateConstructorDeclaration(node, node.modifiers, params, block);
    else throw new Error(`unexpected function kind ${ts.SyntaxKind[(node as TS.Node).kind]}`);
    return out;
  };

  const assignStmt = (target: TS.Expression, value: TS.Expression): TS.Statement =>
    f.createExpressionStatement(f.createAssignment(target as TS.Identifier, value));

  // ---- scopes: environments ------------------------------------------------------------------
  const capturedOf = (s: Scope): Binding[] => [...s.decls.values()].filter((b) => b.captured);
  const envLiteral = (bs: Binding[]): TS.Expression =>
    f.createObjectLiteralExpression(bs.map((b) => f.createPropertyAssignment(b.name, tdz.needsSentinel(b) ? tdz.sentinel() : f.createVoidZero())), false);
  const scopeEntry = (n: TS.Node, _st: FnState): TS.Statement[] => {
    const s = scopes.scopes.get(n);
    if (!s || s.kind !== "block") return [];
    const bs = capturedOf(s);
    if (!bs.length) return [];
    const e = blockEnv(s);
    const out: TS.Statement[] = [assignStmt(f.createIdentifier(e.E), envLiteral(bs))];
    if (!ts.isForStatement(n)) out.push(aliasStmt(e));
    return out;
  };
  const aliasStmt = (e: { E: string; b: string }): TS.Statement =>
    f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(e.b, undefined, undefined, f.createIdentifier(e.E))], ts.NodeFlags.Const));
  const scopeAliasFor = (n: TS.ForStatement): TS.Statement[] => {
    const s = scopes.scopes.get(n);
    if (!s || !capturedOf(s).length) return [];
    return [aliasStmt(blockEnv(s))];
  };
  const iterationCopyFor = (n: TS.ForStatement): TS.Expression | undefined => {
    const s = scopes.scopes.get(n);
    if (!s) return undefined;
    const bs = capturedOf(s);
    if (!bs.length) return undefined;
    const e = blockEnv(s);
    return f.createAssignment(f.createIdentifier(e.E), f.createObjectLiteralExpression(
      bs.map((b) => f.createPropertyAssignment(b.name, f.createPropertyAccessExpression(f.createIdentifier(e.E), b.name))), false));
  };

  const bindingPatternToAssignment = (p: TS.BindingName): TS.Expression => {
    if (ts.isIdentifier(p)) {
      const b = scopes.refs.get(p);
      return b ? refFor(b, undefined) : p;
    }
    if (ts.isObjectBindingPattern(p)) {
      return f.createObjectLiteralExpression(p.elements.map((el) => {
        const target = bindingPatternToAssignment(el.name);
        const value = el.initializer ? f.createAssignment(target as TS.Identifier, rewrite(el.initializer) as TS.Expression) : target;
        if (el.dotDotDotToken) return f.createSpreadAssignment(target);
        const key = el.propertyName
          ? (ts.isComputedPropertyName(el.propertyName) ? f.createComputedPropertyName(rewrite(el.propertyName.expression) as TS.Expression) : el.propertyName)
          : (el.name as TS.Identifier).text;
        return f.createPropertyAssignment(key as TS.PropertyName | string, value);
      }), false);
    }
    return f.createArrayLiteralExpression(p.elements.map((el) => {
      if (ts.isOmittedExpression(el)) return f.createOmittedExpression();
      const target = bindingPatternToAssignment(el.name);
      if (el.dotDotDotToken) return f.createSpreadElement(target);
      return el.initializer ? f.createAssignment(target as TS.Identifier, rewrite(el.initializer) as TS.Expression) : target;
    }), false);
  };

  // ---- module level ---------------------------------------------------------------------------
  const visitTop = (node: TS.Node): TS.Node => {
    if (transformedFns.has(node)) return transformFunction(node as TS.FunctionLikeDeclaration);
    if (ts.isClassDeclaration(node) && ts.isSourceFile(node.parent)) {
      const updated = visitClass(node, visitTop);
      const sets = selfAssignments(node.members, classHolder);
      const lead = leadMembers(node);
      if (!sets.length && !lead.length) return updated;
      const block = sets.length ? [f.createClassStaticBlockDeclaration(f.createBlock(sets, true))] : [];
      return f.updateClassDeclaration(updated, updated.modifiers, updated.name, updated.typeParameters, updated.heritageClauses,
        [...block, ...lead, ...updated.members, ...(classResumeMembers.get(node) ?? [])]);
    }
    if (ts.isClassExpression(node) || ts.isObjectLiteralExpression(node)) {
      return wrapSelves(node, (ts.isClassExpression(node) ? visitClass(node, visitTop) : ts.visitEachChild(node, visitTop, context)) as TS.Expression);
    }
    return ts.visitEachChild(node, visitTop, context);
  };

  const statements = sf.statements.map((s) => visitTop(s) as TS.Statement);
  // The directive prologue: "use greenlet" has done its job (Vite would warn about a module-level
  // directive it does not know); other directives stay first.
  const nDirectives = prologueLength(ts, statements);
  const directives = statements.slice(0, nDirectives).filter((s) => !isGreenletDirective(ts, s));
  const rest = statements.slice(nDirectives);
  if (!transformedAny) return fileMarked ? f.updateSourceFile(sf, [...directives, ...rest]) : sf;
  const runtimeImport = f.createImportDeclaration(undefined,
    f.createImportClause(false, undefined, f.createNamedImports([f.createImportSpecifier(false, f.createIdentifier("$RT"), f.createIdentifier(RT_IMPORT))])),
    f.createStringLiteral(options.runtimeModule ?? "tsgreenlet/runtime"));
  const moduleTable = pickling.moduleTable();
  if (moduleTable) prologue.push(moduleTable);
  // Top-level function declarations carry no closure tag: register them so that
  // `new Greenlet(fn)` with the default stack "auto" knows they are marked (runtime/greenlet/hard.ts),
  // and tag those that ignore their receiver for direct member calls (receiver.ts).
  const topFns = sf.statements.filter((s): s is TS.FunctionDeclaration => ts.isFunctionDeclaration(s) && transformedFns.has(s))
    .map((d) => ({ d, name: d.name?.text ?? anonymousDefaults.get(d) }))
    .filter((e): e is { d: TS.FunctionDeclaration; name: string } => e.name !== undefined);
  const register = (method: string, names: readonly string[]): void => {
    if (!names.length) return;
    prologue.push(f.createExpressionStatement(f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RT_IMPORT), method),
      undefined, [f.createArrayLiteralExpression(names.map((n) => f.createIdentifier(n)))])));
  };
  register("marks", topFns.map((e) => e.name));
  register("genfns", topFns.filter((e) => rewrittenGenerators.has(e.d)).map((e) => e.name));
  register("direct", topFns.filter((e) => ignoresReceiver(ts, e.d)).map((e) => e.name));
  const tdzSentinel = tdz.used ? [tdz.declaration()] : [];
  return f.updateSourceFile(sf, [...directives, runtimeImport, ...tdzSentinel, ...prologue, ...rest, ...epilogue]);
}

function hasDirective(ts: typeof TS, stmts: readonly TS.Statement[]): boolean {
  for (const s of stmts) {
    if (!isDirective(ts, s)) return false;
    if (((s as TS.ExpressionStatement).expression as TS.StringLiteral).text === DIRECTIVE) return true;
  }
  return false;
}

function isDirective(ts: typeof TS, s: TS.Statement): boolean {
  return ts.isExpressionStatement(s) && ts.isStringLiteral(s.expression);
}

function isGreenletDirective(ts: typeof TS, s: TS.Statement): boolean {
  return isDirective(ts, s) && ((s as TS.ExpressionStatement).expression as TS.StringLiteral).text === DIRECTIVE;
}

/** Number of leading directive statements (the directive prologue). */
function prologueLength(ts: typeof TS, stmts: readonly TS.Statement[]): number {
  let i = 0;
  while (i < stmts.length && isDirective(ts, stmts[i]!)) i++;
  return i;
}

/**
 * How TypeScript emits instance fields and parameter properties under these compiler options
 * (what moved fields must reproduce, transform-file.ts fieldMove): "native" class fields with
 * define semantics (parameter properties declared `x;` before the other fields, assigned after
 * them), "assign" (useDefineForClassFields false: the fields become `this.x = v` after super,
 * parameter properties first). Undefined below ES2022, where TypeScript lowers static blocks out
 * of the class body (a class name in the helper class's initialisers would then not resolve),
 * or when the TypeScript in use does not expose how it decides (internal helpers of 5.x).
 */
type FieldSemantics = "native" | "assign";
function classFieldSemantics(ts: typeof TS, options: TS.CompilerOptions): FieldSemantics | undefined {
  const internal = ts as unknown as { getUseDefineForClassFields?: (o: TS.CompilerOptions) => boolean; getEmitScriptTarget?: (o: TS.CompilerOptions) => TS.ScriptTarget };
  if (typeof internal.getUseDefineForClassFields !== "function" || typeof internal.getEmitScriptTarget !== "function") return undefined;
  if (internal.getEmitScriptTarget(options) < ts.ScriptTarget.ES2022) return undefined;
  return internal.getUseDefineForClassFields(options) ? "native" : "assign";
}

const PARAMETER_PROPERTY_MODIFIERS = ["PublicKeyword", "PrivateKeyword", "ProtectedKeyword", "ReadonlyKeyword", "OverrideKeyword"] as const;
function isParameterPropertyModifier(ts: typeof TS, kind: TS.SyntaxKind): boolean {
  return PARAMETER_PROPERTY_MODIFIERS.some((k) => ts.SyntaxKind[k] === kind);
}

function isDeclarationName(ts: typeof TS, id: TS.Identifier): boolean {
  const p = id.parent;
  return ((ts.isFunctionDeclaration(p) || ts.isFunctionExpression(p) || ts.isClassDeclaration(p) || ts.isClassExpression(p) ||
    ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isBindingElement(p)) && (p as { name?: TS.Node }).name === id);
}

type MethodLike = TS.MethodDeclaration | TS.GetAccessorDeclaration | TS.SetAccessorDeclaration;

/** The property key of a member when it is static text (not computed, not #private). */
function staticKey(ts: typeof TS, n: MethodLike): string | undefined {
  if (ts.isIdentifier(n.name) || ts.isStringLiteral(n.name)) return n.name.text;
  if (ts.isNumericLiteral(n.name)) return String(Number(n.name.text));
  return undefined;
}

function functionName(node: TS.FunctionLikeDeclaration): string {
  // A constructor has no name of its own: the class's (undefined for an anonymous class).
  const parent = node.parent as { members?: unknown; name?: TS.Node } | undefined;
  const n = (node as { name?: TS.Node }).name ?? (parent?.members !== undefined ? parent.name : undefined);
  if (n && "text" in n) return (n as TS.Identifier).text;
  // `[Symbol.iterator]() {}`: the key as written, as closures.ts names it in function ids.
  if (n && "expression" in n) return `[${(n as TS.ComputedPropertyName).expression.getText()}]`;
  return "(anonymous)";
}


export { containsCall };
