import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface MarkedLine {
  /** 1-based line number. */
  readonly line: number;
  /** The text of that line. */
  readonly text: string;
}

/**
 * Finds the single line of `fileUrlOrPath` that ends with the comment `// @mark <name>`,
 * so tests can compare reported positions with the source without hard-coding numbers.
 */
export function markedLine(fileUrlOrPath: string, name: string): MarkedLine {
  const path = fileUrlOrPath.startsWith("file:") ? fileURLToPath(fileUrlOrPath) : fileUrlOrPath;
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  const suffix = `// @mark ${name}`;
  const hits: MarkedLine[] = [];
  lines.forEach((text, index) => {
    if (text.trimEnd().endsWith(suffix)) hits.push({ line: index + 1, text });
  });
  if (hits.length !== 1) {
    throw new Error(`expected exactly one line marked "${name}" in ${path}, found ${hits.length}`);
  }
  return hits[0]!;
}
