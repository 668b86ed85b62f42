/**
 * Throttling: the full sync under a tiny cost bucket is covered by
 * tests/sync/full-sync.e2e.test.ts (bulk operations cost little). What was not
 * covered is reconciliation, which pages orders through ordinary queries of up
 * to ~1,000 points each: with a bucket barely larger than one page and a slow
 * refill, it must wait for points rather than fail, and end equal to the shop.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { expectDatabaseToMatchStore } from "../helpers/compare";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { dialectOf } from "~/db/adapter.server";
import { runFullSync } from "~/services/full-sync.server";
import { runReconciliation } from "~/services/reconcile.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";

let db: TestDatabase;
let devStore: TestDevStore;
let restoreFetch: () => void;

beforeAll(async () => {
  db = await createTestDatabase();
  // 1,100 points refilled at 400/s: each order page (up to ~1,000 points) drains most of it.
  devStore = await startTestDevStore({ seed: 41, orders: 120, bucket: { max: 1_100, restoreRate: 400 }, webhooks: { subscriptions: [] } });
  restoreFetch = installLocalShopifyFetch(devStore.server.url);
  const client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
  const run = await runFullSync(devStore.shop, { db: db.prisma, dialect: dialectOf(db.url), bulk: adminBulkSource(client, { wait: { pollIntervalMs: 20 } }) });
  expect(run.status).toBe("completed");
}, 60_000);

afterAll(async () => {
  restoreFetch?.();
  await devStore?.close();
  await db?.cleanup();
});

describe("reconciliation under throttling", () => {
  it("GIVEN a small, slow cost bucket and changes no webhook delivered WHEN reconciling THEN it waits for points and ends equal to the shop", async () => {
    // Webhooks are off: only reconciliation can bring these changes in.
    devStore.store.simulate({ seed: 5, events: 80 });
    const client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
    const run = await runReconciliation(devStore.shop, { db: db.prisma, dialect: dialectOf(db.url), client });
    expect(run.status).toBe("completed");
    expect(client.counters.throttledRetries + client.counters.preemptiveWaits).toBeGreaterThan(0);
    await expectDatabaseToMatchStore(db.prisma, devStore.store);
  }, 120_000);
});
