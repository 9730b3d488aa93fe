/** Options shared by every adapter, and the diagnostics the transform reports. */
export interface GreenletTransformOptions {
  /** Transform every function of matching files, without a directive (plain .js too). */
  all?: boolean;
  /** Globs (matched against the file path) selecting files for `all`; default: every file. */
  include?: string[];
  /** Globs excluding files from `all` and from directive scanning; default: node_modules. */
  exclude?: string[];
  /** Module specifier transformed code imports the runtime from. Default "tsgreenlet/runtime". */
  runtimeModule?: string;
}

export interface TransformDiagnostic {
  file: string;
  line: number;
  column: number;
  start: number;
  length: number;
  category: "error" | "warning";
  message: string;
}

const KNOWN = new Set(["all", "include", "exclude", "runtimeModule", "transform", "after", "afterDeclarations", "type", "import"]);

/** Validates options before any file is touched: a misspelt option is an error, not a silent no-op. */
export function validateOptions(options: unknown): GreenletTransformOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object") throw new TypeError(`tsgreenlet: options must be an object, not ${typeof options}`);
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!KNOWN.has(k)) throw new TypeError(`tsgreenlet: unknown option "${k}" (known: all, include, exclude, runtimeModule)`);
  }
  if (o.all !== undefined && typeof o.all !== "boolean") throw new TypeError("tsgreenlet: option all must be a boolean");
  for (const k of ["include", "exclude"] as const) {
    if (o[k] !== undefined && !(Array.isArray(o[k]) && (o[k] as unknown[]).every((g) => typeof g === "string"))) {
      throw new TypeError(`tsgreenlet: option ${k} must be an array of glob strings`);
    }
  }
  if (o.runtimeModule !== undefined && typeof o.runtimeModule !== "string") throw new TypeError("tsgreenlet: option runtimeModule must be a string");
  return o as GreenletTransformOptions;
}

/** Minimal glob matcher: `**` any path, `*` any run of non-separator characters, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") { re += ".*"; i++; if (glob[i + 1] === "/") i++; }
      else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`(^|/)${re}$`);
}

export function fileSelected(fileName: string, options: GreenletTransformOptions): { scan: boolean; all: boolean } {
  const path = fileName.replace(/\\/g, "/");
  const exclude = options.exclude ?? ["**/node_modules/**"];
  if (exclude.some((g) => globToRegExp(g).test(path))) return { scan: false, all: false };
  const included = !options.include || options.include.some((g) => globToRegExp(g).test(path));
  return { scan: true, all: !!options.all && included };
}
