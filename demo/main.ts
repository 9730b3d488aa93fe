"use greenlet";
/**
 * tsgreenlet demo: two greenlets interleave a producer/consumer conversation with plain,
 * synchronous-looking calls. Each `switch` captures the running greenlet's frames into heap
 * records and resumes the other one exactly where it stopped.
 */
import { Greenlet, getcurrent } from "tsgreenlet";

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

const consumer = new Greenlet(consume);
const producer = new Greenlet(() => produce(consumer, ["apple", "banana", "cherry"]));
consumer.parent = producer;
console.log(producer.switch());

const diver: Greenlet = new Greenlet(() => deep(1000, diver));
console.log(diver.switch(), "- suspended", diver.frames.length, "frames deep; innermost:", diver.frames[0]);
console.log("resumed result:", diver.switch(0));
