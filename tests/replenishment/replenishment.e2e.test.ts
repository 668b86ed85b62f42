/**
 * Replenishment on a synced dev-store shop: intervals learned from the
 * synced orders match the repurchase cycles the generator gave its
 * consumables, reminders become due and close as the shop's customers buy.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { applyStoreEvents, startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { gid } from "../../dev-store/model";
import { dialectOf, type SqlDialect } from "~/db/adapter.server";
import { runFullSync } from "~/services/full-sync.server";
import {
  dismissReminder,
  dueRemindersFor,
  learnReplenishmentIntervals,
  refreshDueReminders,
  setIntervalOverride,
  updateReplenishmentSettings,
  type LearnSummary,
} from "~/services/replenishment.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";

// The generator's history ends 2026-11-01; the store's own clock (new orders) runs a little later.
const NOW = new Date("2026-11-01T00:00:00Z");
let storeNow = new Date("2026-11-02T12:00:00Z");

let db: TestDatabase;
let dialect: SqlDialect;
let devStore: TestDevStore;
let restoreFetch: () => void;
let learned: LearnSummary;
const deps = () => ({ db: db.prisma, dialect });

beforeAll(async () => {
  db = await createTestDatabase();
  dialect = dialectOf(db.url);
  devStore = await startTestDevStore({ seed: 7, orders: 3_000, storeClock: () => storeNow });
  restoreFetch = installLocalShopifyFetch(devStore.server.url);
  const client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
  const run = await runFullSync(devStore.shop, { ...deps(), batchSize: 500, bulk: adminBulkSource(client, { wait: { pollIntervalMs: 20 } }) });
  expect(run.status).toBe("completed");
  learned = await learnReplenishmentIntervals(devStore.shop, { ...deps(), now: NOW });
}, 120_000);

afterAll(async () => {
  restoreFetch?.();
  await devStore?.close();
  await db?.cleanup();
});

describe("learning on a synced shop", () => {
  it("GIVEN the generator's consumables WHEN learned THEN each well-observed one's interval is near its repurchase cycle", async () => {
    expect(learned.productsWithInterval).toBeGreaterThan(0);
    const rows = await db.prisma.replenishmentInterval.findMany({ where: { shopDomain: devStore.shop, scope: "product" } });
    const byGid = new Map(rows.map((r) => [r.key, r]));
    let checked = 0;
    for (const product of devStore.store.products()) {
      const row = byGid.get(gid("Product", product.id));
      if (product.repurchaseDays === null || !row || row.days === null || row.sampleSize < 20) continue;
      checked++;
      if (process.env.REPLENISHMENT_REPORT) process.stdout.write(`${product.productType}\t${product.repurchaseDays}\t${row.days.toFixed(1)}\t${row.sampleSize}\n`);
      // Repeaters buy on cycle × 0.9–1.4 (their segment; loyal ones tighten to 0.75 of that) × lognormal noise.
      expect(row.days / product.repurchaseDays).toBeGreaterThan(0.7);
      expect(row.days / product.repurchaseDays).toBeLessThan(1.6);
    }
    expect(checked).toBeGreaterThan(3);
  });

  it("GIVEN durable goods (no repurchase cycle) WHEN learned THEN almost none gets an interval", async () => {
    const durable = new Set(devStore.store.products().filter((p) => p.repurchaseDays === null).map((p) => gid("Product", p.id)));
    const rows = await db.prisma.replenishmentInterval.findMany({ where: { shopDomain: devStore.shop, scope: "product", days: { not: null } } });
    const withInterval = rows.filter((r) => durable.has(r.key)).length;
    expect(withInterval / Math.max(1, durable.size)).toBeLessThan(0.2);
  });

  it("records the shop-level results: the dev store's gaps ignore quantity, so the elasticity learned is near 0", async () => {
    const settings = await db.prisma.replenishmentSettings.findUniqueOrThrow({ where: { shopDomain: devStore.shop } });
    expect(settings.learnedAt?.toISOString()).toBe(NOW.toISOString());
    expect(settings.elasticityLearned).toBe(true);
    expect(settings.quantityElasticity).toBeLessThan(0.35);
  });

  it("is idempotent: learning again writes the same intervals", async () => {
    const before = await db.prisma.replenishmentInterval.findMany({ where: { shopDomain: devStore.shop }, orderBy: [{ scope: "asc" }, { key: "asc" }] });
    await learnReplenishmentIntervals(devStore.shop, { ...deps(), now: NOW });
    const after = await db.prisma.replenishmentInterval.findMany({ where: { shopDomain: devStore.shop }, orderBy: [{ scope: "asc" }, { key: "asc" }] });
    expect(after).toEqual(before);
  });
});

describe("reminders on a synced shop", () => {
  it("GIVEN learned intervals WHEN refreshed THEN reminders are due for customers whose consumable runs out within the lead days", async () => {
    const summary = await refreshDueReminders(devStore.shop, NOW, deps());
    expect(summary.created).toBeGreaterThan(0);
    const reminders = await db.prisma.replenishmentReminder.findMany({ where: { shopDomain: devStore.shop } });
    expect(reminders).toHaveLength(summary.created);
    for (const r of reminders) {
      expect(r.status).toBe("due");
      expect(r.remindAt.getTime()).toBeLessThanOrEqual(NOW.getTime());
      expect(r.expiresAt.getTime()).toBeGreaterThan(NOW.getTime());
      expect(r.dueAt.getTime() - r.remindAt.getTime()).toBeLessThanOrEqual(7 * 86_400_000);
    }
    // Refreshing again at the same instant changes nothing.
    expect(await refreshDueReminders(devStore.shop, NOW, deps())).toEqual({ created: 0, purchased: 0, expired: 0 });
  });

  it("GIVEN a due reminder WHEN the shopper asks THEN it is theirs only, with the product's title; a dismissal ends it", async () => {
    const reminder = await db.prisma.replenishmentReminder.findFirstOrThrow({ where: { shopDomain: devStore.shop, status: "due" }, orderBy: { id: "asc" } });
    const mine = await dueRemindersFor(devStore.shop, reminder.customerGid, NOW, deps());
    expect(mine.map((r) => r.id)).toContain(reminder.id);
    const product = devStore.store.products().find((p) => gid("Product", p.id) === reminder.productGid)!;
    expect(mine.find((r) => r.id === reminder.id)!.productTitle).toBe(product.title);
    const someoneElse = await db.prisma.customer.findFirstOrThrow({ where: { shopDomain: devStore.shop, customerGid: { not: reminder.customerGid } } });
    expect((await dueRemindersFor(devStore.shop, someoneElse.customerGid, NOW, deps())).map((r) => r.id)).not.toContain(reminder.id);
    // Another customer cannot dismiss it.
    expect(await dismissReminder(devStore.shop, someoneElse.customerGid, reminder.id, NOW, deps())).toBe(false);
    expect(await dismissReminder(devStore.shop, reminder.customerGid, reminder.id, NOW, deps())).toBe(true);
    expect((await dueRemindersFor(devStore.shop, reminder.customerGid, NOW, deps())).map((r) => r.id)).not.toContain(reminder.id);
    // And a refresh does not reopen the dismissed cycle.
    await refreshDueReminders(devStore.shop, NOW, deps());
    expect((await db.prisma.replenishmentReminder.findUniqueOrThrow({ where: { id: reminder.id } })).status).toBe("dismissed");
  });

  it("GIVEN a due reminder WHEN the customer buys the product again (order webhook) THEN the reminder is purchased", async () => {
    const reminder = await db.prisma.replenishmentReminder.findFirstOrThrow({ where: { shopDomain: devStore.shop, status: "due" }, orderBy: { id: "asc" } });
    const customerId = reminder.customerGid.split("/").pop()!;
    const product = devStore.store.products().find((p) => gid("Product", p.id) === reminder.productGid)!;
    storeNow = new Date("2026-11-02T12:00:00Z");
    await applyStoreEvents(devStore, deps(), () => {
      devStore.store.createOrder({ customerId, lines: [{ variantId: product.variants[0].id, quantity: 1 }], financialStatus: "PAID" });
    });
    const later = new Date("2026-11-03T00:00:00Z");
    const summary = await refreshDueReminders(devStore.shop, later, deps());
    expect(summary.purchased).toBeGreaterThanOrEqual(1);
    expect((await db.prisma.replenishmentReminder.findUniqueOrThrow({ where: { id: reminder.id } })).status).toBe("purchased");
    expect((await dueRemindersFor(devStore.shop, reminder.customerGid, later, deps())).map((r) => r.productGid)).not.toContain(reminder.productGid);
  });

  it("GIVEN a merchant override WHEN refreshed THEN new reminders for that product use it; out-of-range overrides are refused", async () => {
    await expect(setIntervalOverride(devStore.shop, "gid://shopify/Product/1", 0, deps())).rejects.toBeInstanceOf(RangeError);
    const consumable = devStore.store.products().find((p) => p.repurchaseDays !== null)!;
    const productGid = gid("Product", consumable.id);
    await setIntervalOverride(devStore.shop, productGid, 400, deps());
    await refreshDueReminders(devStore.shop, new Date("2026-11-04T00:00:00Z"), deps());
    const created = await db.prisma.replenishmentReminder.findMany({ where: { shopDomain: devStore.shop, productGid, createdAt: new Date("2026-11-04T00:00:00Z") } });
    for (const r of created) expect(r.intervalSource).toBe("override");
    await setIntervalOverride(devStore.shop, productGid, null, deps());
    expect(await db.prisma.replenishmentOverride.count({ where: { shopDomain: devStore.shop } })).toBe(0);
  });

  it("GIVEN a shop that switched replenishment off WHEN refreshed THEN nothing changes", async () => {
    await updateReplenishmentSettings(devStore.shop, { enabled: false }, deps());
    expect(await refreshDueReminders(devStore.shop, new Date("2026-12-31T00:00:00Z"), deps())).toEqual({ created: 0, purchased: 0, expired: 0 });
    await updateReplenishmentSettings(devStore.shop, { enabled: true }, deps());
    await expect(updateReplenishmentSettings(devStore.shop, { reminderLeadDays: -1 }, deps())).rejects.toBeInstanceOf(RangeError);
  });
});
