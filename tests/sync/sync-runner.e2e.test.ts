/**
 * The app's background sync runner: resuming a sync whose process died, and
 * reconciling shops whose last sync is old.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { expectDatabaseToMatchStore, expectedState } from "../helpers/compare";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { INSIGHT_METAFIELD_NAMESPACE } from "~/services/insight-writeback.server";

let db: TestDatabase;
let devStore: TestDevStore;
let restoreFetch: () => void;
let runner: typeof import("~/jobs/sync-runner.server");

beforeAll(async () => {
  db = await createTestDatabase();
  process.env.DATABASE_URL = db.url; // read by the app's client on first use
  devStore = await startTestDevStore({ seed: 3, orders: 250 });
  restoreFetch = installLocalShopifyFetch(devStore.server.url);
  runner = await import("~/jobs/sync-runner.server");
  await db.prisma.session.create({
    data: { id: `offline_${devStore.shop}`, shop: devStore.shop, state: "", isOnline: false, accessToken: devStore.accessToken, scope: "read_orders" },
  });
});

afterAll(async () => {
  restoreFetch?.();
  await devStore?.close();
  await db?.cleanup();
});

describe("sync runner", () => {
  it("GIVEN a full sync whose process died WHEN the app boots THEN it is resumed to completion", async () => {
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await db.prisma.syncRun.create({
      data: { id: "dead-run", shopDomain: devStore.shop, kind: "full", status: "running", startedAt: twoMinutesAgo, heartbeatAt: twoMinutesAgo },
    });
    // Snapshot first: writing insights back sets customer metafields, which moves their updatedAt.
    const shopAsSynced = expectedState(devStore.store);
    expect(await runner.resumeInterruptedSyncs()).toEqual([devStore.shop]);
    await runner.startFullSync(devStore.shop); // joins the run already going
    const run = await db.prisma.syncRun.findUniqueOrThrow({ where: { id: "dead-run" } });
    expect([run.status, run.attempts]).toEqual(["completed", 1]);
    await expectDatabaseToMatchStore(db.prisma, devStore.store, shopAsSynced);
    // The finished sync recomputed every customer's layer and predictions.
    expect(await db.prisma.customerInsight.count()).toBe(await db.prisma.customer.count());
    // ... and wrote each customer's layer back to Shopify.
    const withLayer = devStore.store.customers().filter((c) => c.metafields?.[`${INSIGHT_METAFIELD_NAMESPACE}.layer`]);
    expect(withLayer.length).toBe(devStore.store.customers().length);
  });

  it("GIVEN a shop last synced 7 hours ago WHEN the schedule ticks THEN it is reconciled; a fresh one is left alone", async () => {
    expect(await runner.reconcileDueShops()).toEqual([]);
    await db.prisma.syncRun.update({ where: { id: "dead-run" }, data: { startedAt: new Date(Date.now() - 7 * 3600_000) } });
    devStore.store.simulate({ seed: 4, events: 20 }); // changes no webhook delivers here (no app URL)
    const shopAsChanged = expectedState(devStore.store);
    expect(await runner.reconcileDueShops()).toEqual([devStore.shop]);
    await runner.startCatchUpSync(devStore.shop);
    const latest = await db.prisma.syncRun.findFirstOrThrow({ where: { shopDomain: devStore.shop }, orderBy: { startedAt: "desc" } });
    expect([latest.kind, latest.status]).toEqual(["incremental", "completed"]);
    await expectDatabaseToMatchStore(db.prisma, devStore.store, shopAsChanged);
  });

  it("GIVEN a revoked access token WHEN a sync runs THEN the session is dropped so the next visit exchanges a new one", async () => {
    await db.prisma.session.update({ where: { id: `offline_${devStore.shop}` }, data: { accessToken: "shpat_revoked" } });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    await runner.startCatchUpSync(devStore.shop);
    expect(logged.mock.calls.map((c) => JSON.parse(String(c[0])).message)).toEqual(["sync failed"]);
    expect(await db.prisma.session.count({ where: { shop: devStore.shop } })).toBe(0);
  });
});
