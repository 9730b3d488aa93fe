// Test harness for the hard-switch subprocess scenarios: transpiles native-hardswitch/index.ts once
// (esbuild) so the .mjs scripts can import it without a build, and runs a script with the current
// node binary (process.execPath), returning its exit code and output.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { transformSync } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
let indexFile: string | undefined;

/** Environment for a scenario: the transpiled API and the addon binary to load. */
export function scenarioEnv(): NodeJS.ProcessEnv {
  if (indexFile === undefined) {
    const source = readFileSync(join(root, "native-hardswitch", "index.ts"), "utf8");
    const { code } = transformSync(source, { loader: "ts", format: "esm", target: "node20" });
    indexFile = join(mkdtempSync(join(tmpdir(), "tsgreenlet-hs-")), "index.mjs");
    writeFileSync(indexFile, code);
  }
  return {
    ...process.env,
    HS_INDEX: indexFile,
    TSGREENLET_HARDSWITCH_BINARY:
      process.env.TSGREENLET_HARDSWITCH_BINARY ?? join(root, "native-hardswitch", "build", "Release", "hardswitch.node"),
  };
}

export interface ScenarioResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON, if it is JSON. */
  json: any;
}

export function runScenario(script: string, args: string[] = [], nodeArgs: string[] = [], timeoutMs = 120_000): ScenarioResult {
  const r = spawnSync(process.execPath, [...nodeArgs, join(here, script), ...args], {
    env: scenarioEnv(),
    encoding: "utf8",
    timeout: timeoutMs,
  });
  const lines = r.stdout.trim().split("\n");
  let json: unknown;
  try {
    json = JSON.parse(lines[lines.length - 1] ?? "");
  } catch {
    json = undefined;
  }
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, json };
}

/** Node flags as `node --v8-options` lists them for this binary. */
export function v8FlagsAvailable(flags: string[]): boolean {
  const out = spawnSync(process.execPath, ["--v8-options"], { encoding: "utf8" }).stdout;
  return flags.every((f) => out.includes(`  ${f.split("=")[0]} `) || out.includes(`  ${f.split("=")[0]}\n`) || out.includes(`  ${f.split("=")[0]} (`));
}
