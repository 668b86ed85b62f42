/**
 * Full sync end to end: a seeded shop in the local dev store (real Admin
 * schema, bulk operations, cost throttling) synced into a real database and
 * compared row for row.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { expectDatabaseToMatchStore, storedState } from "../helpers/compare";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { dialectOf } from "~/db/adapter.server";
import { runFullSync } from "~/services/full-sync.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";

let db: TestDatabase;
let devStore: TestDevStore;
let restoreFetch: () => void;

function syncDeps(client: AdminClient, batchSize = 100) {
  return { db: db.prisma, dialect: dialectOf(db.url), batchSize, bulk: adminBulkSource(client, { wait: { pollIntervalMs: 20 } }) };
}

beforeAll(async () => {
  db = await createTestDatabase();
  devStore = await startTestDevStore({ seed: 42, orders: 1_200 });
  restoreFetch = installLocalShopifyFetch(devStore.server.url);
});

afterAll(async () => {
  restoreFetch?.();
  await devStore?.close();
  await db?.cleanup();
});

describe("full sync against the local dev store", () => {
  it("GIVEN a seeded shop WHEN synced THEN the database holds exactly its customers, orders, line items, refunds and products", async () => {
    const client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
    const run = await runFullSync(devStore.shop, syncDeps(client));

    expect(run.status).toBe("completed");
    expect(run.rowsByResource).toEqual({
      products: devStore.store.products().length,
      customers: devStore.store.customers().length,
      orders: devStore.store.orders().length,
    });
    await expectDatabaseToMatchStore(db.prisma, devStore.store);
    // The seeded shop is not trivial: it has guests, refunds and several currencies.
    const state = await storedState(db.prisma, devStore.shop);
    expect(state.orders.some((o) => o.customerGid === null)).toBe(true);
    expect(state.refunds.length).toBeGreaterThan(0);
    expect(new Set(state.orders.map((o) => o.presentmentCurrencyCode)).size).toBeGreaterThan(1);
  });

  it("GIVEN a synced shop WHEN synced again THEN nothing is duplicated or rewritten", async () => {
    const before = await storedState(db.prisma, devStore.shop);
    const client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
    const run = await runFullSync(devStore.shop, syncDeps(client, 333));
    expect(run.status).toBe("completed");
    const after = await storedState(db.prisma, devStore.shop);
    expect(after.orders.length).toBe(before.orders.length);
    expect(after.lineItems.length).toBe(before.lineItems.length);
    // syncedAt is only touched when a row is written: an unchanged shop writes nothing.
    expect(after.orders.map((o) => o.syncedAt.getTime())).toEqual(before.orders.map((o) => o.syncedAt.getTime()));
    expect(await db.prisma.syncRun.count({ where: { shopDomain: devStore.shop } })).toBe(2);
  });

  it("GIVEN a cost bucket barely larger than one mutation WHEN syncing THEN the client waits for points instead of failing", async () => {
    const small = await startTestDevStore({ seed: 5, orders: 200, bucket: { max: 15, restoreRate: 20 } });
    const undo = installLocalShopifyFetch(small.server.url);
    const other = await createTestDatabase();
    try {
      const client = new AdminClient({ shop: small.shop, accessToken: small.accessToken });
      const run = await runFullSync(small.shop, { ...syncDeps(client), db: other.prisma, dialect: dialectOf(other.url) });
      expect(run.status).toBe("completed");
      const counters = client.counters;
      expect(counters.throttledRetries + counters.preemptiveWaits).toBeGreaterThan(0);
      await expectDatabaseToMatchStore(other.prisma, small.store);
    } finally {
      undo();
      restoreFetch = installLocalShopifyFetch(devStore.server.url);
      await small.close();
      await other.cleanup();
    }
  });
});
