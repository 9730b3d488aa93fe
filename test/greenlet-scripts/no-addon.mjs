// Run with TSGREENLET_HARDSWITCH_BINARY pointing at a missing file: the package must load,
// soft greenlets must work, and asking for a hard greenlet must say why and how to build.
import { Greenlet, getcurrent, hardAvailable } from "tsgreenlet";

let error;
try {
  new Greenlet(() => 1, null, { stack: "hard" });
} catch (e) {
  error = { name: e.name, message: e.message };
}
const auto = new Greenlet(() => 42); // untransformed: would be hard with the addon
const autoStack = auto.stack;
const autoResult = auto.switch();
console.log(JSON.stringify({ available: hardAvailable, error, autoStack, autoResult, current: getcurrent() === auto.parent }));
