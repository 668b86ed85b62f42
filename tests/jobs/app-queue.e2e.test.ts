/**
 * The app's background work on the durable queue: a scheduler tick enqueues
 * each installed shop's recurring work once, the worker runs it against the
 * synced shop, and a tick before the period is over enqueues nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";

let db: TestDatabase;
let devStore: TestDevStore;
let restoreFetch: () => void;
let jobs: typeof import("~/jobs/app-queue.server");
let runner: typeof import("~/jobs/sync-runner.server");

beforeAll(async () => {
  db = await createTestDatabase();
  process.env.DATABASE_URL = db.url; // read by the app's client on first use
  devStore = await startTestDevStore({ seed: 12, orders: 300 });
  restoreFetch = installLocalShopifyFetch(devStore.server.url);
  jobs = await import("~/jobs/app-queue.server");
  runner = await import("~/jobs/sync-runner.server");
  await db.prisma.session.create({
    data: { id: `offline_${devStore.shop}`, shop: devStore.shop, state: "", isOnline: false, accessToken: devStore.accessToken, scope: "read_orders" },
  });
}, 60_000);

afterAll(async () => {
  await jobs?.appQueue().stop();
  restoreFetch?.();
  await devStore?.close();
  await db?.cleanup();
});

async function settled(queue: string) {
  for (let i = 0; i < 300; i++) {
    const open = await db.prisma.job.count({ where: { queue, state: { in: ["pending", "running"] } } });
    if (open === 0) return db.prisma.job.findMany({ where: { queue }, orderBy: { createdAt: "asc" } });
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${queue} jobs still open`);
}

describe("the app's job queue", () => {
  it("runs the first sync as one job, however many callers ask for it at once", async () => {
    await Promise.all([runner.startFullSync(devStore.shop), runner.startFullSync(devStore.shop), runner.startCatchUpSync(devStore.shop)]);
    const syncs = await db.prisma.job.findMany({ where: { queue: jobs.QUEUE.sync } });
    expect(syncs.map((j) => j.state)).toEqual(["completed"]);
    expect(await db.prisma.syncRun.count({ where: { shopDomain: devStore.shop, kind: "full", status: "completed" } })).toBe(1);
    expect(await db.prisma.customerInsight.count({ where: { shopDomain: devStore.shop } })).toBe(devStore.store.customers().length);
  }, 120_000);

  it("GIVEN an installed shop WHEN the scheduler ticks THEN each recurring queue runs once for it; a second tick adds nothing", async () => {
    const first = await jobs.appQueue().scheduleRecurringWork();
    for (const { queue } of jobs.SCHEDULES) expect(first[queue], queue).toEqual([devStore.shop]);
    for (const { queue } of jobs.SCHEDULES) {
      const ran = await settled(queue);
      expect(ran.map((j) => [j.state, j.lastError]), queue).toEqual([["completed", null]]);
    }
    // What the jobs did: replenishment intervals learned from the synced orders.
    const replenishment = await db.prisma.replenishmentSettings.findUnique({ where: { shopDomain: devStore.shop } });
    expect(replenishment?.learnedAt).toBeInstanceOf(Date);
    expect(await db.prisma.replenishmentInterval.count({ where: { shopDomain: devStore.shop } })).toBeGreaterThan(0);

    const second = await jobs.appQueue().scheduleRecurringWork();
    for (const { queue } of jobs.SCHEDULES) expect(second[queue], queue).toEqual([]);
  }, 120_000);

  it("GIVEN an uninstalled shop WHEN its work runs THEN the job is dead-lettered at once, not retried", async () => {
    const queue = jobs.appQueue();
    const { id } = await queue.enqueue({ queue: jobs.QUEUE.insights, shopDomain: "gone.myshopify.com" });
    const job = await queue.waitFor(id, { timeoutMs: 30_000 });
    expect([job.state, job.attempts]).toEqual(["dead", 1]);
    expect(job.lastError).toMatch(/No offline session/);
    expect((await queue.deadLetters("gone.myshopify.com")).map((j) => j.id)).toEqual([id]);
  });
});
