// Pickling across processes: one Node process runs a task to a suspension deep in a call chain,
// pickles it to a file and exits; a second process loads it and finishes it with the same output
// as an uninterrupted run. Then: a task pickled with v1 of its code is refused by v2 (naming the
// changed function) and finishes on v2 once a migration is registered.
import { afterAll, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, node, nodeOk, tempProject } from "../fixtures/integration/support/harness.js";

const REGISTER = ["--import", "tsgreenlet/register"];
const scratch = mkdtempSync(join(tmpdir(), "tsgreenlet-pickle-"));
const migrateProject = tempProject("pickle-migrate");
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  migrateProject.cleanup();
});

describe("cross-process", () => {
  it("a task suspended in for-of over a changed Map, with arrows reading arguments / new.target / super: same output across processes", { timeout: 120_000 }, async () => {
    const file = join(scratch, "more.pickle");
    const cross = join(REPO, "fixtures/pickle/cross-more.ts");
    const [full, saved] = await Promise.all([nodeOk([...REGISTER, cross, "full"]), nodeOk([...REGISTER, cross, "save", file])]);
    const loaded = await nodeOk([...REGISTER, cross, "load", file]);
    expect(saved).toBe("suspended(0): t:a\nsuspended(1): t:c\nsuspended(2): t:d\n");
    expect(saved + loaded).toBe(full);
    // The same computation by hand: a=1+10, b deleted, d added with 10; c=3+20, d=10+30.
    expect(full).toMatch(/^result: a=11,c=23,d=40,40\/1,50\/2 extra=4\+5 args=3 nt=true errors=2:RangeError base g d!$/m);
  });

  it("save in one process, load in another: same output as an uninterrupted run", { timeout: 120_000 }, async () => {
    const file = join(scratch, "task.pickle");
    const cross = join(REPO, "fixtures/pickle/cross.ts");
    const [full, saved] = await Promise.all([nodeOk([...REGISTER, cross, "full"]), nodeOk([...REGISTER, cross, "save", file])]);
    const loaded = await nodeOk([...REGISTER, cross, "load", file]);
    expect(saved).toMatch(/^suspended\(1\): bottom: ada has 100$/m);
    expect(saved).not.toContain("finally");
    expect(saved + loaded).toBe(full);
    expect(full).toMatch(/^finally of ada ran with count=3$/m);
    expect(full).toMatch(/^result: ada: count=3 seen=a=1,b=1,c=1 tags=start,in-try history=7$/m);
  });

  it("changed code is refused by name, then upgraded by a registered migration", { timeout: 180_000 }, async () => {
    const dir = migrateProject.dir;
    const src = join(REPO, "fixtures/pickle/migrate");
    for (const f of ["main.ts", "migrations.ts"]) copyFileSync(join(src, f), join(dir, f));
    const file = join(dir, "order.pickle");
    copyFileSync(join(src, "order.v1.ts"), join(dir, "order.ts"));
    const saved = await nodeOk([...REGISTER, "main.ts", "save", file], { cwd: dir });
    expect(saved).toBe("price of tea?\nprice of cake?\n");
    // Same code: loads.
    expect(await nodeOk([...REGISTER, "main.ts", "load", file], { cwd: dir })).toBe("price of jam?\ntotal 12\n");
    // v2 without a migration: refused, naming the function and both hashes.
    copyFileSync(join(src, "order.v2.ts"), join(dir, "order.ts"));
    const refused = await node([...REGISTER, "main.ts", "load", file], { cwd: dir });
    expect(refused.status).not.toBe(0);
    const m = /order\.ts#order changed \(pickled with code hash ([0-9a-f]{16}), the current code has ([0-9a-f]{16})\)/.exec(refused.stderr);
    expect(m, refused.stderr).not.toBeNull();
    expect(m![1]).not.toBe(m![2]);
    // v2 with the migration: finishes on the new code.
    const migrated = await nodeOk([...REGISTER, "main.ts", "migrate", file], { cwd: dir, env: { ORDER_V1_HASH: m![1] } });
    expect(migrated).toBe("price of jam?\ntotal 12 for 3 items (v2)\n");
  });
});
