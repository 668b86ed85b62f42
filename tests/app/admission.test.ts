import { describe, expect, it } from "vitest";
import { AdmissionGate, admissionLimitsFromEnv, OverloadedError } from "~/http/admission.server";

/** A task that runs until released; `started` says whether it began. */
function heldTask() {
  let release!: () => void;
  const state = { started: false };
  const done = new Promise<void>((resolve) => (release = resolve));
  return { state, release, task: async () => { state.started = true; await done; return "done"; } };
}

describe("AdmissionGate", () => {
  it("runs at most `limit` tasks at once and admits the waiting ones first come, first served", async () => {
    const gate = new AdmissionGate({ limit: 2, maxQueued: 5, maxWaitMs: 10_000 });
    const tasks = Array.from({ length: 4 }, heldTask);
    const results = tasks.map((t) => gate.run(t.task));
    await Promise.resolve();
    expect(tasks.map((t) => t.state.started)).toEqual([true, true, false, false]);
    expect(gate.load).toEqual({ running: 2, waiting: 2 });

    tasks[1].release();
    await results[1];
    await new Promise((r) => setImmediate(r));
    expect(tasks.map((t) => t.state.started)).toEqual([true, true, true, false]);

    for (const t of tasks) t.release();
    await expect(Promise.all(results)).resolves.toEqual(["done", "done", "done", "done"]);
    expect(gate.load).toEqual({ running: 0, waiting: 0 });
  });

  it("refuses at once when the queue is full, and the refused task never starts", async () => {
    const gate = new AdmissionGate({ limit: 1, maxQueued: 1, maxWaitMs: 10_000 });
    const held = heldTask();
    const queued = heldTask();
    const refused = heldTask();
    const first = gate.run(held.task);
    const second = gate.run(queued.task);
    await expect(gate.run(refused.task)).rejects.toEqual(new OverloadedError("queue full"));
    expect(refused.state.started).toBe(false);
    held.release();
    queued.release();
    await Promise.all([first, second]);
  });

  it("refuses a task that waited longer than maxWaitMs, and frees its place in the queue", async () => {
    const gate = new AdmissionGate({ limit: 1, maxQueued: 1, maxWaitMs: 30 });
    const held = heldTask();
    const late = heldTask();
    const first = gate.run(held.task);
    await expect(gate.run(late.task)).rejects.toMatchObject({ reason: "wait timed out" });
    expect(late.state.started).toBe(false);
    expect(gate.load).toEqual({ running: 1, waiting: 0 });
    held.release();
    await first;
    await expect(gate.run(async () => 42)).resolves.toBe(42);
  });

  it("releases the slot when a task throws", async () => {
    const gate = new AdmissionGate({ limit: 1, maxQueued: 0, maxWaitMs: 10 });
    await expect(gate.run(async () => { throw new Error("boom"); })).rejects.toThrow("boom");
    await expect(gate.run(async () => "next")).resolves.toBe("next");
  });

  it("takes its limit from the environment when it is a whole number ≥ 1", () => {
    expect(admissionLimitsFromEnv("X", 8, { X: "3" })).toEqual({ limit: 3, maxQueued: 12, maxWaitMs: 2_000 });
    for (const bad of ["0", "-2", "2.5", "many", ""]) expect(admissionLimitsFromEnv("X", 8, { X: bad }).limit).toBe(8);
    expect(admissionLimitsFromEnv("X", 4, {}).limit).toBe(4);
    expect(() => new AdmissionGate({ limit: 0, maxQueued: 1, maxWaitMs: 1 })).toThrow(RangeError);
  });
});
