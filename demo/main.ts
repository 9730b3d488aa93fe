"use greenlet";
/**
 * tsgreenlet demo:
 *  1. two greenlets interleave a producer/consumer conversation with plain, synchronous-looking
 *     calls: each `switch` captures the running greenlet's frames into heap records and resumes
 *     the other one exactly where it stopped;
 *  2. a greenlet suspended 1,000 frames deep;
 *  3. a task suspended in the middle of a loop is pickled to a file and finished by another
 *     process (this file again, run with `--resume FILE`).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Greenlet, getcurrent } from "tsgreenlet";
import { describe, pickle, unpickle } from "tsgreenlet/pickle";

function produce(consumer: Greenlet, items: string[]): string {
  for (const item of items) {
    const reply = consumer.switch(item);        // suspend here, resume with the consumer's reply
    console.log(`producer got back: ${reply}`);
  }
  return "producer finished";
}

function consume(first: string): string {
  const producer = getcurrent().parent!;
  let item = first;
  let count = 0;
  while (item !== undefined) {
    count++;
    console.log(`consumer handles #${count}: ${item}`);
    item = producer.switch(`ack ${item.toUpperCase()}`);
  }
  return `consumed ${count}`;
}

function deep(n: number, g: Greenlet): number {
  // Recursion 1,000 frames deep with a switch at the bottom: every frame is captured and resumed.
  return n === 0 ? (getcurrent().parent!.switch("at the bottom") as number) : 1 + deep(n - 1, g);
}

/** A workflow that waits for a price per item, then for an approval: plain code, suspended at each wait. */
function orderWorkflow(order: { id: string; items: string[] }): string {
  const lines: string[] = [];
  let total = 0;
  for (const item of order.items) {
    const price = getcurrent().parent!.switch({ need: "price", item }) as number;
    total += price;
    lines.push(`${item}=${price}`);
  }
  const approved = getcurrent().parent!.switch({ need: "approval", total }) as boolean;
  return `${order.id}: ${lines.join(", ")}; total ${total}; ${approved ? "approved" : "rejected"} in process ${process.pid}`;
}

const resumeFile = process.argv[2] === "--resume" ? process.argv[3] : undefined;
if (resumeFile !== undefined) {
  // Part 3, second process: load the task and finish it.
  const task = unpickle(readFileSync(resumeFile));
  console.log(`[process ${process.pid}] unpickled the task; it waits at:`, task.frames[0]);
  console.log(`[process ${process.pid}] supply the last price ->`, task.switch(4));
  console.log(`[process ${process.pid}] approve ->`, task.switch(true));
} else {
  demoSwitching();
  demoPickling();
}

function demoPickling(): void {
  const task = new Greenlet(orderWorkflow);
  console.log(`\n[process ${process.pid}] start ->`, task.switch({ id: "order-17", items: ["tea", "cups", "pot"] }));
  console.log(`[process ${process.pid}] price 3 ->`, task.switch(3));
  console.log(`[process ${process.pid}] price 12 ->`, task.switch(12));
  const bytes = pickle(task);
  console.log(`[process ${process.pid}] pickled the suspended task: ${bytes.length} bytes`);
  console.log(describe(bytes).split("\n").slice(0, 6).join("\n"));
  const dir = mkdtempSync(join(tmpdir(), "tsgreenlet-demo-"));
  try {
    const file = join(dir, "task.pickle");
    writeFileSync(file, bytes);
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--resume", file], { encoding: "utf8" });
    process.stdout.write(child.stdout);
    if (child.status !== 0) throw new Error(`the resuming process failed: ${child.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function demoSwitching(): void {
  const consumer = new Greenlet(consume);
  const producer = new Greenlet(() => produce(consumer, ["apple", "banana", "cherry"]));
  consumer.parent = producer;
  console.log(producer.switch());

  const diver: Greenlet = new Greenlet(() => deep(1000, diver));
  console.log(diver.switch(), "- suspended", diver.frames.length, "frames deep; innermost:", diver.frames[0]);
  console.log("resumed result:", diver.switch(0));
}
