#!/usr/bin/env node
/**
 * `tsgreenlet describe <file | ->`: prints what a pickle holds (frames innermost first, locals,
 * the code it needs, objects by type) from the bytes alone. It loads no program code and no
 * runtime (the addon is not loaded either), so it is safe on pickles from elsewhere and works
 * where the task's code is not installed.
 */
import { readFileSync } from "node:fs";
import { describePickle } from "./describe.js";
import { decodeEnvelope } from "./envelope.js";

const USAGE = `usage: tsgreenlet describe <file | ->
  Prints a pickle's frames (function, file:line, resume point, locals), the code it needs
  (function ids and hashes) and its objects by type. "-" reads the pickle from standard input.`;

function main(argv: readonly string[]): number {
  const [command, file, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command !== "describe" || file === undefined || rest.length > 0) {
    process.stderr.write(`${command === undefined || command === "describe" ? "" : `tsgreenlet: unknown command "${command}"\n`}${USAGE}\n`);
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file === "-" ? 0 : file);
  } catch (e) {
    process.stderr.write(`tsgreenlet describe: cannot read ${file === "-" ? "standard input" : file}: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    process.stdout.write(`${describePickle(decodeEnvelope(bytes))}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`tsgreenlet describe: ${file === "-" ? "standard input" : file} is not a readable pickle: ${(e as Error).message}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
