/**
 * The durable job queue on a real database: claims, leases, retries, dead
 * letters, singletons, per-shop limits and schedules; on PostgreSQL, two
 * worker processes sharing one queue, one of them killed with SIGKILL.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, testPostgresUrl, type TestDatabase } from "../setup/test-db";
import { JobQueue, PermanentJobError, type QueueDefinition } from "~/jobs/queue.server";

let db: TestDatabase;
let clock: number;
const now = () => new Date(clock);

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.cleanup());
beforeEach(async () => {
  clock = Date.parse("2026-11-25T12:00:00Z");
  await db.prisma.job.deleteMany({});
});

function queueWith(queues: Record<string, QueueDefinition>, extra: Partial<ConstructorParameters<typeof JobQueue>[0]> = {}) {
  return new JobQueue({ db: db.prisma, provider: db.provider, queues, now, backoffMs: (n) => n * 1000, leaseMs: 10_000, ...extra });
}

describe("JobQueue", () => {
  it("runs a job once and records it completed", async () => {
    const seen: unknown[] = [];
    const q = queueWith({ work: { handler: async ({ payload }) => void seen.push(payload) } });
    await q.enqueue({ queue: "work", shopDomain: "a.myshopify.com", payload: { n: 1 } });
    expect((await q.runOnce())?.state).toBe("completed");
    expect(await q.runOnce()).toBeNull();
    expect(seen).toEqual([{ n: 1 }]);
  });

  it("joins a pending job with the same singleton key, and frees the key once it finished", async () => {
    const q = queueWith({ sync: { handler: async () => {} } });
    const first = await q.enqueue({ queue: "sync", shopDomain: "a", singletonKey: "sync:a" });
    const second = await q.enqueue({ queue: "sync", shopDomain: "a", singletonKey: "sync:a" });
    expect(second).toEqual({ id: first.id, joined: true });
    await q.runOnce();
    const third = await q.enqueue({ queue: "sync", shopDomain: "a", singletonKey: "sync:a" });
    expect(third.joined).toBe(false);
    expect(third.id).not.toBe(first.id);
  });

  it("retries with back-off, then dead-letters after maxAttempts", async () => {
    let calls = 0;
    const failing = queueWith({ flaky: { maxAttempts: 3, handler: async () => { calls++; throw new Error("boom"); } } });
    const { id } = await failing.enqueue({ queue: "flaky", shopDomain: "a" });
    expect((await failing.runOnce())?.state).toBe("pending"); // attempt 1, retry in 1 s
    expect(await failing.runOnce()).toBeNull(); // not due yet
    clock += 1000;
    expect((await failing.runOnce())?.state).toBe("pending"); // attempt 2, retry in 2 s
    clock += 2000;
    const dead = await failing.runOnce(); // attempt 3: out of attempts
    expect(dead).toMatchObject({ id, state: "dead", attempts: 3, lastError: "Error: boom" });
    expect(calls).toBe(3);
    expect((await failing.repository.deadLetters("a")).map((j) => j.id)).toEqual([id]);
    // An operator retries it.
    expect(await failing.repository.retryDead(id, now())).toBe(true);
    expect((await failing.repository.find(id))?.state).toBe("pending");
  });

  it("dead-letters a PermanentJobError at once", async () => {
    const q = queueWith({ bad: { handler: async () => { throw new PermanentJobError("no such shop"); } } });
    await q.enqueue({ queue: "bad", shopDomain: "a" });
    expect(await q.runOnce()).toMatchObject({ state: "dead", attempts: 1 });
  });

  it("claims a job again when its worker's lease ran out, and fences the old worker", async () => {
    const q1 = queueWith({ w: { handler: async () => {} } }, { workerId: "w1" });
    const q2 = queueWith({ w: { handler: async () => {} } }, { workerId: "w2" });
    const { id } = await q1.enqueue({ queue: "w", shopDomain: "a" });
    // w1 claims (as a process that then dies) without finishing.
    const claimed = await q1.repository.claim({ queues: ["w"], workerId: "w1", leaseMs: 10_000, perShopLimit: () => 1, now: now() });
    expect(claimed?.id).toBe(id);
    expect(await q2.runOnce()).toBeNull(); // lease still held
    clock += 10_001;
    expect(await q2.runOnce()).toMatchObject({ id, state: "completed", attempts: 2 });
    // w1 comes back: its late completion changes nothing.
    expect(await q1.repository.complete(id, "w1", now())).toBe(false);
  });

  it("keeps to one running job per shop and queue, while other shops proceed", async () => {
    const q = queueWith({ w: { handler: async () => {} } });
    await q.enqueue({ queue: "w", shopDomain: "a" });
    await q.enqueue({ queue: "w", shopDomain: "a" });
    await q.enqueue({ queue: "w", shopDomain: "b" });
    const claim = () => q.repository.claim({ queues: ["w"], workerId: "x", leaseMs: 10_000, perShopLimit: () => 1, now: now() });
    const shops = [(await claim())?.shopDomain, (await claim())?.shopDomain, await claim()];
    expect(shops.slice(0, 2).sort()).toEqual(["a", "b"]);
    expect(shops[2]).toBeNull(); // a's second job waits for the first
  });

  it("claims each job exactly once under concurrent claimers", async () => {
    const q = queueWith({ w: { perShopConcurrency: 100, handler: async () => {} } });
    for (let i = 0; i < 40; i++) await q.enqueue({ queue: "w", shopDomain: `s${i % 4}` });
    const claims = await Promise.all(
      Array.from({ length: 60 }, (_, i) => q.repository.claim({ queues: ["w"], workerId: `c${i}`, leaseMs: 10_000, perShopLimit: () => 100, now: now() })),
    );
    const ids = claims.filter((c) => c !== null).map((c) => c!.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(40);
  });

  it("schedules a shop's job when its last run is older than the interval", async () => {
    const q = queueWith({ reconcile: { handler: async () => {} } });
    expect(await q.scheduleDue("reconcile", ["a", "b"], 3600_000)).toEqual(["a", "b"]);
    expect(await q.scheduleDue("reconcile", ["a", "b"], 3600_000)).toEqual([]); // pending already
    await q.runOnce();
    await q.runOnce();
    clock += 1000;
    expect(await q.scheduleDue("reconcile", ["a", "b"], 3600_000)).toEqual([]); // ran a second ago
    clock += 3600_000;
    expect(await q.scheduleDue("reconcile", ["a", "b"], 3600_000)).toEqual(["a", "b"]);
  });

  it("a started worker runs what is enqueued and stops cleanly", async () => {
    const done: string[] = [];
    const q = new JobQueue({ db: db.prisma, provider: db.provider, pollMs: 20, queues: { w: { handler: async ({ job }) => void done.push(job.shopDomain) } } });
    q.start();
    const { id } = await q.enqueue({ queue: "w", shopDomain: "live" });
    expect((await q.waitFor(id, { pollMs: 10, timeoutMs: 10_000 })).state).toBe("completed");
    await q.stop();
    expect(done).toEqual(["live"]);
  });
});

// SQLite is the single-process local default: several instances need PostgreSQL.
describe.runIf(testPostgresUrl() !== undefined)(
  "two worker processes on one PostgreSQL",
  () => {
    let dir: string;
    const workers: ChildProcess[] = [];

    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), "evergreen-jobs-"));
    });
    afterEach(() => {
      for (const w of workers.splice(0)) if (w.exitCode === null) w.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    });

    function startWorker(name: string) {
      const file = path.join(dir, `${name}.log`);
      // Node itself with tsx's loader, not the tsx CLI: the CLI runs the script in a grandchild,
      // which a SIGKILL of the CLI would leave running (holding this worker's stderr open).
      const child = spawn(process.execPath, ["--import", "tsx", "tests/jobs/queue-worker.fixture.ts"], {
        env: { ...process.env, DATABASE_URL: db.url, RECORD_FILE: file, WORKER_ID: name, LEASE_MS: "1500", WORK_MS: "30" },
        stdio: ["ignore", "ignore", "inherit"],
      });
      workers.push(child);
      return { child, file };
    }
    const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : []);
    const waitUntil = async (ok: () => Promise<boolean> | boolean, ms: number) => {
      const end = Date.now() + ms;
      while (!(await ok())) {
        if (Date.now() > end) throw new Error("timed out");
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    it("completes every job once (the killed worker's last ones may run again), one per shop at a time, and survives SIGKILL of one", async () => {
      const q = new JobQueue({ db: db.prisma, provider: "postgresql", queues: { "test.record": { handler: async () => {} } } });
      const a = startWorker("a");
      const b = startWorker("b");
      await waitUntil(() => lines(a.file).length > 0 && lines(b.file).length > 0, 30_000);
      for (let i = 0; i < 120; i++) await q.enqueue({ queue: "test.record", shopDomain: `shop-${i % 6}` });
      // Kill one worker mid-stream: its leased jobs are claimed again by the other after the lease.
      await waitUntil(() => lines(a.file).filter((l) => l.startsWith("end")).length >= 10, 30_000);
      a.child.kill("SIGKILL");
      await waitUntil(async () => (await db.prisma.job.count({ where: { state: "completed" } })) === 120, 60_000);

      const records = [...lines(a.file), ...lines(b.file)].filter((l) => !l.startsWith("ready")).map((l) => {
        const [kind, id, shop, at] = l.split(" ");
        return { kind: kind!, id: id!, shop: shop!, at: Number(at) };
      });
      const ended = records.filter((r) => r.kind === "end").map((r) => r.id);
      expect(new Set(ended).size).toBe(120); // every job finished
      // None finished twice, but for at-least-once's one window: the killed worker wrote "end" and
      // died before committing the completion, so the other ran the job again after its lease.
      // That can only be one of the killed worker's (at most 3, its concurrency) last jobs.
      const endedByA = new Set(lines(a.file).filter((l) => l.startsWith("end")).map((l) => l.split(" ")[1]));
      const twice = [...new Set(ended.filter((id, i) => ended.indexOf(id) !== i))];
      expect(twice.every((id) => endedByA.has(id))).toBe(true);
      expect(twice.length).toBeLessThanOrEqual(3);
      expect(ended.length).toBe(120 + twice.length);
      expect(new Set(lines(b.file).filter((l) => l.startsWith("end")).map((l) => l.split(" ")[1])).size).toBeGreaterThan(10);
      // One job per shop at a time across both processes (a killed worker's unfinished job aside).
      const finishedIds = new Set(ended);
      for (let s = 0; s < 6; s++) {
        const spans = records
          .filter((r) => r.shop === `shop-${s}` && finishedIds.has(r.id))
          .reduce((m, r) => m.set(r.id, { ...(m.get(r.id) ?? {}), [r.kind]: r.at }), new Map<string, { start?: number; end?: number }>());
        const sorted = [...spans.values()].filter((x) => x.start !== undefined && x.end !== undefined).sort((x, y) => x.start! - y.start!);
        for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start!).toBeGreaterThanOrEqual(sorted[i - 1]!.end!);
      }
      b.child.kill("SIGTERM");
    }, 120_000);
  },
);
