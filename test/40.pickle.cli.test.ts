// The `tsgreenlet describe` command (package.json "bin"): run the way a user runs it, as a
// separate Node process on a pickle file, and on bad input.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Greenlet } from "tsgreenlet";
import { pickle } from "tsgreenlet/pickle";
import { greet } from "../fixtures/pickle/hold.js";

const cli = fileURLToPath(new URL("../dist/runtime/pickle/cli.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tsgreenlet-cli-"));
const run = (args: string[], input?: Uint8Array) =>
  spawnSync(process.execPath, [cli, ...args], { input, encoding: "utf8" });

describe("tsgreenlet describe", () => {
  it("prints the frames, locals and code of a pickle file, and reads standard input with -", () => {
    const g = new Greenlet(greet);
    g.switch("Ada");
    const bytes = pickle(g);
    const file = join(dir, "task.pickle");
    writeFileSync(file, bytes);
    const out = run(["describe", file]);
    expect(out.stderr).toBe("");
    expect(out.status).toBe(0);
    expect(out.stdout).toContain("greet");
    expect(out.stdout).toContain("hold.ts");
    const piped = run(["describe", "-"], bytes);
    expect(piped.status).toBe(0);
    expect(piped.stdout).toBe(out.stdout);
  });

  it("says what is wrong with a missing file, a file that is not a pickle, a truncated pickle, or bad arguments", () => {
    const missing = run(["describe", join(dir, "nope.pickle")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nope\.pickle: ENOENT/);

    const junk = join(dir, "junk.pickle");
    writeFileSync(junk, "hello");
    const notPickle = run(["describe", junk]);
    expect(notPickle.status).toBe(1);
    expect(notPickle.stderr).toMatch(/junk\.pickle is not a readable pickle: .+/);

    const g = new Greenlet(greet);
    g.switch("Bo");
    const bytes = pickle(g);
    const cut = join(dir, "cut.pickle");
    writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
    const truncated = run(["describe", cut]);
    expect(truncated.status).toBe(1);
    expect(truncated.stderr).toMatch(/cut\.pickle is not a readable pickle: .+/);

    for (const args of [[], ["describe"], ["frobnicate", "x"], ["describe", "a", "b"]]) {
      const bad = run(args);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain("usage: tsgreenlet describe");
    }
    expect(run(["--help"]).stdout).toContain("usage: tsgreenlet describe");
  });
});
