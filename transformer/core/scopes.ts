/**
 * Scope analysis for the lowering: which declaration every identifier refers to, and which
 * bindings of transformed functions are captured by nested functions.
 *
 * Why: a transformed function's frame must be saved as plain data (hoisted locals spilled into a
 * record), and a closure created before a suspension must share its variables with the resumed
 * frame. So every binding of a transformed function that a nested function references lives in an
 * explicit environment object (DESIGN-NOTES §2, idea 6), and everything else is hoisted to a
 * function-level local (renamed when two blocks declare the same name).
 *
 * Runs on the JavaScript tree TypeScript hands to an `after` transformer (types already erased).
 */
import type * as TS from "typescript";

export type BindingKind = "var" | "let" | "const" | "param" | "function" | "class" | "catch" | "import" | "self" | "arguments" | "new.target" | "home";

export interface Binding {
  readonly name: string;
  readonly kind: BindingKind;
  readonly scope: Scope;
  /** Nearest function scope that owns the binding (null: module level). */
  readonly fn: Scope | null;
  /** Referenced from a function nested inside its owner. */
  captured: boolean;
}

export type ScopeKind = "module" | "function" | "block";

export interface Scope {
  readonly kind: ScopeKind;
  readonly node: TS.Node;
  readonly parent: Scope | null;
  readonly decls: Map<string, Binding>;
  /** For blocks: the function (or module) scope they belong to. For functions: themselves. */
  readonly fn: Scope;
  /** Block scopes whose node is a loop body, or the header of a for statement. */
  readonly children: Scope[];
}

export interface ScopeInfo {
  /** Identifier (reference or declaration name) -> binding. Unresolved globals are absent. */
  readonly refs: Map<TS.Node, Binding>;
  /** Scope created for a node (function-like, block, for header, catch clause, case block). */
  readonly scopes: Map<TS.Node, Scope>;
  /** `arguments` pseudo-binding of a non-arrow function. */
  readonly argumentsOf: Map<TS.Node, Binding>;
  /**
   * `new.target` pseudo-binding (named `$$nt`) of a non-arrow function whose nested arrows read
   * it; `refs` maps each such `new.target` node of an arrow to it (always captured). A
   * `new.target` read by the function itself is not recorded (it stays as it is).
   */
  readonly newTargetOf: Map<TS.Node, Binding>;
  /**
   * The home object (`$$home`) of a class method whose nested arrows use `super.x`: `refs` maps
   * each such `super` keyword of an arrow to it (always captured). Whether the arrow can use it
   * is decided by the transform.
   */
  readonly homeOf: Map<TS.Node, Binding>;
}

export function analyzeScopes(ts: typeof TS, file: TS.SourceFile): ScopeInfo {
  const refs = new Map<TS.Node, Binding>();
  const scopes = new Map<TS.Node, Scope>();
  const argumentsOf = new Map<TS.Node, Binding>();
  const newTargetOf = new Map<TS.Node, Binding>();
  const homeOf = new Map<TS.Node, Binding>();
  const pending: { id: TS.Identifier; scope: Scope }[] = [];

  const makeScope = (kind: ScopeKind, node: TS.Node, parent: Scope | null): Scope => {
    const s: Scope = {
      kind, node, parent, decls: new Map(), children: [],
      fn: undefined as unknown as Scope,
    };
    (s as { fn: Scope }).fn = kind === "block" ? parent!.fn : s;
    parent?.children.push(s);
    scopes.set(node, s);
    return s;
  };
  const declare = (scope: Scope, id: TS.Identifier, kind: BindingKind): Binding => {
    const existing = scope.decls.get(id.text);
    const b = existing ?? { name: id.text, kind, scope, fn: scope.fn.kind === "module" ? null : scope.fn, captured: false };
    if (!existing) scope.decls.set(id.text, b);
    refs.set(id, b);
    return b;
  };
  const declarePattern = (scope: Scope, name: TS.BindingName, kind: BindingKind, visitDefaults: Scope): void => {
    if (ts.isIdentifier(name)) {
      declare(scope, name, kind);
      return;
    }
    for (const el of name.elements) {
      if (ts.isOmittedExpression(el)) continue;
      if (el.propertyName && ts.isComputedPropertyName(el.propertyName)) visit(el.propertyName.expression, visitDefaults);
      if (el.initializer) visit(el.initializer, visitDefaults);
      declarePattern(scope, el.name, kind, visitDefaults);
    }
  };

  /** Hoists `var` and function declarations of a function body (not into nested functions). */
  const hoistVars = (node: TS.Node, fnScope: Scope): void => {
    const walk = (n: TS.Node): void => {
      if (ts.isVariableDeclarationList(n) && !(n.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const | ts.NodeFlags.Using))) {
        for (const d of n.declarations) hoistNames(d.name, fnScope);
      }
      if (isFunctionLike(ts, n) || ts.isClassLike(n)) return;
      ts.forEachChild(n, walk);
    };
    ts.forEachChild(node, walk);
  };
  const hoistNames = (name: TS.BindingName, fnScope: Scope): void => {
    if (ts.isIdentifier(name)) {
      if (!fnScope.decls.has(name.text)) {
        fnScope.decls.set(name.text, { name: name.text, kind: "var", scope: fnScope, fn: fnScope.kind === "module" ? null : fnScope, captured: false });
      }
      return;
    }
    for (const el of name.elements) if (!ts.isOmittedExpression(el)) hoistNames(el.name, fnScope);
  };
  /** Declares the let/const/class/function declarations that sit directly in a statement list. */
  const declareLexical = (stmts: readonly TS.Statement[], scope: Scope): void => {
    for (const s of stmts) {
      if (ts.isVariableStatement(s) && s.declarationList.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) {
        const kind: BindingKind = s.declarationList.flags & ts.NodeFlags.Const ? "const" : "let";
        for (const d of s.declarationList.declarations) declareNamesOnly(scope, d.name, kind);
      } else if (ts.isFunctionDeclaration(s) && s.name) {
        declare(scope, s.name, "function");
      } else if (ts.isClassDeclaration(s) && s.name) {
        declare(scope, s.name, "class");
      }
    }
  };
  const declareNamesOnly = (scope: Scope, name: TS.BindingName, kind: BindingKind): void => {
    if (ts.isIdentifier(name)) {
      declare(scope, name, kind);
      return;
    }
    for (const el of name.elements) if (!ts.isOmittedExpression(el)) declareNamesOnly(scope, el.name, kind);
  };

  const visitFunction = (node: TS.SignatureDeclaration & { body?: TS.Node }, scope: Scope): void => {
    const fs = makeScope("function", node, scope);
    if ((ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node)) && node.name && ts.isFunctionExpression(node)) {
      declare(fs, node.name, "self");
    }
    if (!ts.isArrowFunction(node)) {
      const b: Binding = { name: "arguments", kind: "arguments", scope: fs, fn: fs, captured: false };
      argumentsOf.set(node, b);
    }
    for (const p of node.parameters) {
      if (ts.isIdentifier(p.name) && p.name.text === "this") continue; // TypeScript's `this: T` annotation, not a binding
      if (p.initializer) visit(p.initializer, fs);
      declarePattern(fs, p.name, "param", fs);
    }
    const body = node.body;
    if (!body) return;
    if (ts.isBlock(body)) {
      hoistVars(body, fs);
      declareLexical(body.statements, fs);
      for (const s of body.statements) visit(s, fs);
    } else {
      visit(body, fs);
    }
  };

  const visit = (node: TS.Node, scope: Scope): void => {
    if (ts.isIdentifier(node)) {
      if (isReference(ts, node)) pending.push({ id: node, scope });
      return;
    }
    if (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) ||
        ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isGetAccessorDeclaration(node) ||
        ts.isSetAccessorDeclaration(node)) {
      if (!ts.isFunctionDeclaration(node) && !ts.isFunctionExpression(node) && !ts.isArrowFunction(node) &&
          node.name && ts.isComputedPropertyName(node.name)) {
        visit(node.name.expression, scope);
      }
      visitFunction(node, scope);
      return;
    }
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      const cs = makeScope("block", node, scope);
      if (node.name && ts.isClassExpression(node)) declare(cs, node.name, "self");
      if (node.heritageClauses) for (const h of node.heritageClauses) for (const t of h.types) visit(t.expression, cs);
      for (const m of node.members) visit(m, cs);
      return;
    }
    if (ts.isPropertyDeclaration(node)) {
      if (ts.isComputedPropertyName(node.name)) visit(node.name.expression, scope);
      if (node.initializer) visitFunctionLikeInitializer(node, scope);
      return;
    }
    if (ts.isClassStaticBlockDeclaration(node)) {
      visitFunctionLikeInitializer(node, scope);
      return;
    }
    if (ts.isBlock(node) || ts.isCaseBlock(node)) {
      const bs = makeScope("block", node, scope);
      const stmts = ts.isBlock(node) ? node.statements : node.clauses.flatMap((c) => [...c.statements]);
      declareLexical(stmts, bs);
      ts.forEachChild(node, (c) => visit(c, bs));
      return;
    }
    if (ts.isForStatement(node) || ts.isForInStatement(node) || ts.isForOfStatement(node)) {
      const hs = makeScope("block", node, scope);
      const init = ts.isForStatement(node) ? node.initializer : node.initializer;
      if (init && ts.isVariableDeclarationList(init) && init.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) {
        const kind: BindingKind = init.flags & ts.NodeFlags.Const ? "const" : "let";
        for (const d of init.declarations) declareNamesOnly(hs, d.name, kind);
      }
      ts.forEachChild(node, (c) => visit(c, hs));
      return;
    }
    if (ts.isCatchClause(node)) {
      const cs = makeScope("block", node, scope);
      if (node.variableDeclaration) declarePattern(cs, node.variableDeclaration.name, "catch", cs);
      visit(node.block, cs);
      return;
    }
    if (ts.isVariableDeclaration(node)) {
      // Names were declared by hoistVars/declareLexical; record the declaration identifiers.
      markDeclNames(node.name, scope);
      if (node.initializer) visit(node.initializer, scope);
      return;
    }
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      if (clause?.name) declare(scope, clause.name, "import");
      const nb = clause?.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) declare(scope, nb.name, "import");
      if (nb && ts.isNamedImports(nb)) for (const e of nb.elements) declare(scope, e.name, "import");
      return;
    }
    if (ts.isLabeledStatement(node)) {
      visit(node.statement, scope);
      return;
    }
    if (ts.isBreakOrContinueStatement(node)) return;
    if (ts.isPropertyAccessExpression(node)) {
      visit(node.expression, scope);
      return;
    }
    if (ts.isPropertyAssignment(node)) {
      if (ts.isComputedPropertyName(node.name)) visit(node.name.expression, scope);
      visit(node.initializer, scope);
      return;
    }
    if (ts.isShorthandPropertyAssignment(node)) {
      pending.push({ id: node.name, scope });
      if (node.objectAssignmentInitializer) visit(node.objectAssignmentInitializer, scope);
      return;
    }
    if (node.kind === ts.SyntaxKind.SuperKeyword) {
      if (ts.isArrowFunction(scope.fn.node) && (ts.isPropertyAccessExpression(node.parent) || ts.isElementAccessExpression(node.parent))) {
        const fnNode = enclosingNonArrow(ts, scope);
        const fnScope = fnNode ? scopes.get(fnNode) : undefined;
        if (fnNode && fnScope && ts.isMethodDeclaration(fnNode) && ts.isClassLike(fnNode.parent)) {
          refs.set(node, lexicalBinding(homeOf, fnNode, fnScope, "$$home", "home"));
        }
      }
      return;
    }
    if (ts.isMetaProperty(node)) {
      if (node.keywordToken === ts.SyntaxKind.NewKeyword && ts.isArrowFunction(scope.fn.node)) {
        // An arrow reads the new.target of its nearest non-arrow function: through that
        // function's environment (so the arrow is an ordinary, picklable closure).
        const fnNode = enclosingNonArrow(ts, scope);
        const fnScope = fnNode ? scopes.get(fnNode) : undefined;
        if (fnNode && fnScope) refs.set(node, lexicalBinding(newTargetOf, fnNode, fnScope, "$$nt", "new.target"));
      }
      return;
    }
    if (ts.isExportSpecifier(node)) {
      pending.push({ id: (node.propertyName ?? node.name) as TS.Identifier, scope });
      return;
    }
    ts.forEachChild(node, (c) => visit(c, scope));
  };
  /** The binding (one per function, kept in its environment) through which its arrows read a lexical value. */
  const lexicalBinding = (of: Map<TS.Node, Binding>, fnNode: TS.Node, fnScope: Scope, name: string, kind: BindingKind): Binding => {
    let b = of.get(fnNode);
    if (!b) {
      b = { name, kind, scope: fnScope, fn: fnScope, captured: true };
      of.set(fnNode, b);
    }
    return b;
  };
  const visitFunctionLikeInitializer = (node: TS.PropertyDeclaration | TS.ClassStaticBlockDeclaration, scope: Scope): void => {
    // Field initializers and static blocks run as their own functions (this = instance/class).
    const fs = makeScope("function", node, scope);
    if (ts.isPropertyDeclaration(node)) {
      visit(node.initializer!, fs);
    } else {
      hoistVars(node.body, fs);
      declareLexical(node.body.statements, fs);
      for (const s of node.body.statements) visit(s, fs);
    }
  };
  const markDeclNames = (name: TS.BindingName, scope: Scope): void => {
    if (ts.isIdentifier(name)) {
      const b = lookup(scope, name.text);
      if (b) refs.set(name, b);
      return;
    }
    for (const el of name.elements) {
      if (ts.isOmittedExpression(el)) continue;
      if (el.propertyName && ts.isComputedPropertyName(el.propertyName)) visit(el.propertyName.expression, scope);
      if (el.initializer) visit(el.initializer, scope);
      markDeclNames(el.name, scope);
    }
  };

  /**
   * Inside a class body the class's own name is its inner binding (initialised before static
   * initialisers run, never reassigned), not the declaration's outer one. A reference from a
   * method or constructor gets a binding of that member ("self", like a function expression's
   * name): native in its normal path, saved in its frame for the resume code, which lives outside
   * the class body. Anywhere else in the body (field initialisers, static blocks, accessors, and
   * directly in the heritage clause or a computed key) it is the class scope's "self" binding,
   * which stays native.
   */
  const memberSelves = new Map<Scope, Binding>();
  const classSelf = (name: string, from: Scope, found: Binding): Binding | undefined => {
    let below: Scope | undefined;
    for (let s: Scope | null = from; s !== null; below = s, s = s.parent) {
      if (ts.isClassLike(s.node) && s.node.name?.text === name) {
        // A function in the heritage clause or a computed key belongs to the enclosing code
        // (it may be transformed and moved out of the class body): it keeps the outer binding.
        if (below !== undefined && below.node.parent !== s.node) return undefined;
        if (below !== undefined && (ts.isMethodDeclaration(below.node) || ts.isConstructorDeclaration(below.node))) {
          let m = memberSelves.get(below);
          if (!m) memberSelves.set(below, m = { name, kind: "self", scope: below, fn: below, captured: false });
          return m;
        }
        let c = s.decls.get(name);
        if (!c) s.decls.set(name, c = { name, kind: "self", scope: s, fn: s.fn.kind === "module" ? null : s.fn, captured: false });
        return c;
      }
      if (s === found.scope) return undefined;
    }
    return undefined;
  };

  const module = makeScope("module", file, null);
  hoistVars(file, module);
  declareLexical(file.statements, module);
  for (const s of file.statements) visit(s, module);

  for (const { id, scope } of pending) {
    if (id.text === "arguments") {
      const fnNode = enclosingNonArrow(ts, scope);
      const b = fnNode ? argumentsOf.get(fnNode) : undefined;
      if (b) {
        refs.set(id, b);
        if (scope.fn !== b.fn) b.captured = true;
      }
      continue;
    }
    const found = lookup(scope, id.text);
    if (!found) continue;
    const b = classSelf(id.text, scope, found) ?? found;
    refs.set(id, b);
    if (b.fn !== null && scope.fn !== b.fn) b.captured = true;
  }
  for (const b of memberSelves.values()) b.scope.decls.set(b.name, b);
  return { refs, scopes, argumentsOf, newTargetOf, homeOf };
}

function lookup(scope: Scope | null, name: string): Binding | undefined {
  for (let s = scope; s !== null; s = s.parent) {
    const b = s.decls.get(name);
    if (b) return b;
  }
  return undefined;
}

function enclosingNonArrow(ts: typeof TS, scope: Scope): TS.Node | undefined {
  for (let s: Scope | null = scope.fn; s !== null; s = s.parent?.fn ?? null) {
    if (s.kind === "module") return undefined;
    if (!ts.isArrowFunction(s.node)) return s.node;
  }
  return undefined;
}

export function isFunctionLike(ts: typeof TS, n: TS.Node): boolean {
  return ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isMethodDeclaration(n) ||
    ts.isConstructorDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n) ||
    ts.isClassStaticBlockDeclaration(n) || ts.isPropertyDeclaration(n);
}

/** Is this identifier used as a value reference (not a property name, label or key)? */
function isReference(ts: typeof TS, id: TS.Identifier): boolean {
  const p = id.parent;
  if (!p) return true;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  if (ts.isQualifiedName(p)) return false;
  if ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p) ||
       ts.isGetAccessorDeclaration(p) || ts.isSetAccessorDeclaration(p) || ts.isEnumMember(p) ||
       ts.isPropertySignature(p) || ts.isMethodSignature(p)) && p.name === id) return false;
  if (ts.isBindingElement(p) && p.propertyName === id) return false;
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return false;
  if ((ts.isFunctionDeclaration(p) || ts.isFunctionExpression(p) || ts.isClassDeclaration(p) || ts.isClassExpression(p)) && p.name === id) return false;
  if (ts.isVariableDeclaration(p) && p.name === id) return false;
  if (ts.isParameter(p) && p.name === id) return false;
  if (ts.isBindingElement(p) && p.name === id) return false;
  if (ts.isImportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p) || ts.isExportSpecifier(p)) return false;
  if (ts.isMetaProperty(p)) return false;
  if (ts.isJsxAttribute(p)) return false;
  return !inTypePosition(ts, id);
}

/**
 * Names in types (`x as Base`, annotations, `implements I`) are erased: counting them as
 * references would make a function capture (or a method save) a binding its code never reads.
 */
function inTypePosition(ts: typeof TS, id: TS.Identifier): boolean {
  let n: TS.Node = id;
  while (ts.isQualifiedName(n.parent)) n = n.parent;
  const p = n.parent;
  if (ts.isExpressionWithTypeArguments(p)) {
    // `class C extends Base<T>`: Base is a value; in `implements` and interfaces, a type.
    return !(ts.isHeritageClause(p.parent) && p.parent.token === ts.SyntaxKind.ExtendsKeyword && ts.isClassLike(p.parent.parent));
  }
  return ts.isTypeNode(p);
}
