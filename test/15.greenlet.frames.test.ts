"use greenlet";
// Behavioural tests for Greenlet.frames: the suspended frames of a soft greenlet,
// innermost first, pointing at the original TypeScript source (the analogue of
// python-greenlet's gr_frame / f_back chain, spec §12).
//
// Expected line numbers are not hard-coded: each call site below ends with a
// `// @mark <name>` comment, and the tests look those lines up in this file's text.
import { afterEach, describe, expect, it } from "vitest";
import { Greenlet, getcurrent } from "tsgreenlet";
import { markedLine } from "./helpers/source-lines.js";

afterEach(() => {
  expect(getcurrent().parent).toBeNull();
});

const THIS_FILE = import.meta.url;
const FILE_NAME = "15.greenlet.frames.test.ts";

interface FrameLike {
  functionName: string;
  file: string;
  line: number;
  column: number;
}

function framesOf(g: Greenlet): FrameLike[] {
  return [...((g.frames ?? []) as readonly FrameLike[])];
}

/** Asserts that `frame` points at the call `callText` on the line marked `mark`. */
function expectFrameAt(frame: FrameLike | undefined, functionName: string | RegExp, mark: string, callText: string): void {
  expect(frame).toBeDefined();
  const { line, text } = markedLine(THIS_FILE, mark);
  if (typeof functionName === "string") expect(frame!.functionName).toBe(functionName);
  else expect(frame!.functionName).toMatch(functionName);
  expect(frame!.file.endsWith(FILE_NAME)).toBe(true);
  expect(frame!.line).toBe(line);
  // The column convention (0- or 1-based, start of the call or of its callee) is not
  // pinned down; it must fall within the call expression on that line.
  const start = text.indexOf(callText);
  expect(start).toBeGreaterThanOrEqual(0);
  expect(typeof frame!.column).toBe("number");
  expect(frame!.column).toBeGreaterThanOrEqual(start);
  expect(frame!.column).toBeLessThanOrEqual(start + callText.length + 1);
}

// --- three calls deep ------------------------------------------------------

function innermost(): unknown {
  const value = getcurrent().parent!.switch("suspended"); // @mark innermost-switch
  return value;
}

function middle(): unknown {
  const value = innermost(); // @mark middle-call
  return value;
}

function outermost(): unknown {
  const value = middle(); // @mark outermost-call
  return ["done", value];
}

// --- suspends at two different places --------------------------------------

function firstStop(): unknown {
  return getcurrent().parent!.switch("first stop"); // @mark first-stop-switch
}

function secondStopInner(): unknown {
  return getcurrent().parent!.switch("second stop"); // @mark second-stop-switch
}

function secondStopOuter(): unknown {
  return secondStopInner(); // @mark second-stop-call
}

function twoStops(): unknown {
  const a = firstStop(); // @mark two-stops-first
  const b = secondStopOuter(); // @mark two-stops-second
  return [a, b];
}

// --- recursion ---------------------------------------------------------------

function recurse(n: number): number {
  if (n === 0) return getcurrent().parent!.switch("bottom") as number; // @mark recurse-switch
  return recurse(n - 1) + 1; // @mark recurse-call
}

// --- a subclass with a run method ----------------------------------------------

class Walker extends Greenlet {
  // @ts-ignore -- depending on how the runtime declares `run`, TypeScript may object to a method here.
  run(): unknown {
    return this.step(); // @mark walker-run-call
  }

  step(): unknown {
    return getcurrent().parent!.switch("walking"); // @mark walker-step-switch
  }
}

// --- started from deep inside main ---------------------------------------------

function shallowRun(): unknown {
  return getcurrent().parent!.switch("shallow"); // @mark shallow-switch
}

// --- errors raised in transformed code ------------------------------------------

function makeError(): Error {
  return new Error("made here"); // @mark make-error
}

function errorAfterResume(): Error {
  getcurrent().parent!.switch("before the error");
  return new Error("made after a resume"); // @mark error-after-resume
}

/** The line and column of the first stack entry that points into this file. */
function firstStackPosition(error: Error): { line: number; column: number } | null {
  for (const entry of String(error.stack).split("\n").slice(1)) {
    if (!entry.includes(FILE_NAME)) continue;
    const match = /:(\d+):(\d+)\)?\s*$/.exec(entry);
    if (match) return { line: Number(match[1]), column: Number(match[2]) };
  }
  return null;
}

describe("frames of a suspended greenlet", () => {
  it("lists the frames of a greenlet suspended three calls deep, innermost first", () => {
    const g = new Greenlet(outermost);
    expect(g.switch()).toBe("suspended");
    const frames = framesOf(g);
    expect(frames).toHaveLength(3);
    expectFrameAt(frames[0], "innermost", "innermost-switch", "getcurrent().parent!.switch(");
    expectFrameAt(frames[1], "middle", "middle-call", "innermost(");
    expectFrameAt(frames[2], "outermost", "outermost-call", "middle(");
    expect(g.switch(42)).toEqual(["done", 42]);
  });

  it("describes frames with plain data: function name, file, line and column", () => {
    const g = new Greenlet(outermost);
    g.switch();
    for (const frame of framesOf(g)) {
      expect(typeof frame.functionName).toBe("string");
      expect(typeof frame.file).toBe("string");
      expect(Number.isInteger(frame.line)).toBe(true);
      expect(Number.isInteger(frame.column)).toBe(true);
    }
    g.switch();
  });

  it("reflects where the greenlet is suspended now after it resumes and suspends elsewhere", () => {
    const g = new Greenlet(twoStops);
    expect(g.switch()).toBe("first stop");
    let frames = framesOf(g);
    expect(frames).toHaveLength(2);
    expectFrameAt(frames[0], "firstStop", "first-stop-switch", "getcurrent().parent!.switch(");
    expectFrameAt(frames[1], "twoStops", "two-stops-first", "firstStop(");

    expect(g.switch("a")).toBe("second stop");
    frames = framesOf(g);
    expect(frames).toHaveLength(3);
    expectFrameAt(frames[0], "secondStopInner", "second-stop-switch", "getcurrent().parent!.switch(");
    expectFrameAt(frames[1], "secondStopOuter", "second-stop-call", "secondStopInner(");
    expectFrameAt(frames[2], "twoStops", "two-stops-second", "secondStopOuter(");

    expect(g.switch("b")).toEqual(["a", "b"]);
  });

  it("lists one frame per level of recursion", () => {
    const g = new Greenlet(() => recurse(5));
    expect(g.switch()).toBe("bottom");
    const frames = framesOf(g);
    // recurse(0) .. recurse(5), then the arrow function passed as run.
    expect(frames).toHaveLength(7);
    expectFrameAt(frames[0], "recurse", "recurse-switch", "getcurrent().parent!.switch(");
    for (let i = 1; i <= 5; i++) expectFrameAt(frames[i], "recurse", "recurse-call", "recurse(n - 1)");
    expect(g.switch(10)).toBe(15);
  });

  it("names the methods of a subclass", () => {
    const g = new Walker();
    expect(g.switch()).toBe("walking");
    const frames = framesOf(g);
    expect(frames).toHaveLength(2);
    expectFrameAt(frames[0], /step$/, "walker-step-switch", "getcurrent().parent!.switch(");
    expectFrameAt(frames[1], /run$/, "walker-run-call", "this.step(");
    g.switch();
  });

  it("does not include the frames of the code that started the greenlet", () => {
    const g = new Greenlet(shallowRun);
    function startDeep(n: number): unknown {
      if (n === 0) return g.switch();
      return startDeep(n - 1);
    }
    expect(startDeep(20)).toBe("shallow");
    const frames = framesOf(g);
    expect(frames).toHaveLength(1);
    expectFrameAt(frames[0], "shallowRun", "shallow-switch", "getcurrent().parent!.switch(");
    g.switch();
  });

  it("keeps the frames of a greenlet parked while other greenlets run and suspend", () => {
    const g = new Greenlet(outermost);
    g.switch();
    const others = Array.from({ length: 10 }, () => new Greenlet(twoStops));
    for (const other of others) other.switch();
    const frames = framesOf(g);
    expect(frames.map((f) => f.functionName)).toEqual(["innermost", "middle", "outermost"]);
    expectFrameAt(frames[0], "innermost", "innermost-switch", "getcurrent().parent!.switch(");
    g.switch();
  });
});

describe("frames of greenlets that are not suspended", () => {
  it("are empty for an unstarted greenlet", () => {
    const g = new Greenlet(outermost);
    expect(framesOf(g)).toEqual([]);
  });

  it("are empty for a dead greenlet", () => {
    const g = new Greenlet(outermost);
    g.switch();
    g.switch();
    expect(g.dead).toBe(true);
    expect(framesOf(g)).toEqual([]);
  });
});

describe("stack traces of errors created in transformed functions", () => {
  it("point at the original source line", () => {
    const position = firstStackPosition(makeError());
    expect(position).not.toBeNull();
    expect(position!.line).toBe(markedLine(THIS_FILE, "make-error").line);
  });

  it("point at the original source line after the function was suspended and resumed", () => {
    const g = new Greenlet(errorAfterResume);
    expect(g.switch()).toBe("before the error");
    const error = g.switch() as Error;
    const position = firstStackPosition(error);
    expect(position).not.toBeNull();
    expect(position!.line).toBe(markedLine(THIS_FILE, "error-after-resume").line);
  });
});
