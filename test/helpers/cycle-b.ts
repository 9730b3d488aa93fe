// Untransformed half of the import cycle of cycle-a.ts: evaluated first, it calls into cycle-a.
import { largest } from "./cycle-a.js";

export const largestSeenByB = largest([3, 9, 4]);
