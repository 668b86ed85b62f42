/**
 * Customer intelligence end to end: a generated shop in the local dev store is
 * synced into a real database (as tests/sync/full-sync.e2e.test.ts does), then
 * recomputed, updated after an order and read back, and checked against what
 * the domain functions give on histories built from the dev store's own data.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { applyStoreEvents, startTestDevStore, syncTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { DEFAULT_NOW } from "../../dev-store/generator";
import { parseMinor } from "../../dev-store/money";
import type { DevCustomer } from "../../dev-store/model";
import { dialectOf, type SqlDialect } from "~/db/adapter.server";
import { PurchaseHistoryReader } from "~/db/purchase-histories.server";
import type { PurchaseHistory } from "~/domain/customers/purchase-history";
import { DEFAULT_LAYERS, segmentCustomer, type ShopBaseline } from "~/domain/segments";
import {
  IntelligenceNotComputedError,
  getCustomerInsight,
  getRetentionAnalytics,
  getShopInsights,
  layerMovementRates,
  listCustomersInLayer,
  recomputeShop,
  updateCustomer,
  type RecomputeSummary,
} from "~/services/intelligence.server";

const ASOF = new Date(DEFAULT_NOW); // the generated shop's "now"
const LATER = new Date(Date.parse(DEFAULT_NOW) + 24 * 3600_000);
const STORE_CLOCK = new Date(Date.parse(DEFAULT_NOW) + 3600_000); // new dev-store orders land between the two
const COUNTED = new Set(["PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED"]);

let db: TestDatabase;
let devStore: TestDevStore;
let restoreFetch: () => void;
let dialect: SqlDialect;
let first: RecomputeSummary;

const deps = (asOf = ASOF) => ({ db: db.prisma, dialect, asOf });

/** A customer's history built from the dev store's own orders, not from the database. */
function storeHistory(customer: DevCustomer): PurchaseHistory {
  const currency = devStore.store.shop.currencyCode;
  const orders = devStore.store
    .ordersOfCustomer(customer.id)
    .filter((o) => !o.cancelledAt && !o.test && COUNTED.has(o.financialStatus))
    .map((o) => ({
      at: Date.parse(o.processedAt),
      valueMinor: parseMinor(o.totalPrice.shopMoney.amount, currency) - parseMinor(o.totalRefunded.shopMoney.amount, currency),
    }))
    .sort((a, b) => a.at - b.at);
  return { customerId: `gid://shopify/Customer/${customer.id}`, createdAt: Date.parse(customer.createdAt), orders };
}

/** Applies the dev store's webhooks for whatever `act` does, as the app's webhook route would. */
const withWebhooks = (act: () => void) => applyStoreEvents(devStore, { db: db.prisma, dialect }, act);

async function storedBaseline(): Promise<ShopBaseline> {
  const shop = await db.prisma.shopInsight.findUniqueOrThrow({ where: { shopDomain: devStore.shop } });
  return JSON.parse(shop.baseline) as ShopBaseline;
}

beforeAll(async () => {
  db = await createTestDatabase();
  dialect = dialectOf(db.url);
  devStore = await startTestDevStore({ seed: 2026, orders: 2_000, storeClock: () => STORE_CLOCK });
  ({ restoreFetch } = await syncTestDevStore(devStore, { db: db.prisma, dialect }));
}, 120_000);

afterAll(async () => {
  restoreFetch?.();
  await devStore?.close();
  await db?.cleanup();
});

describe("customer intelligence on a synced shop", () => {
  it("GIVEN no recomputation yet WHEN a customer is updated THEN it says to recompute first", async () => {
    const [c] = devStore.store.customers();
    await expect(updateCustomer(devStore.shop, `gid://shopify/Customer/${c.id}`, deps())).rejects.toBeInstanceOf(IntelligenceNotComputedError);
  });

  it("GIVEN a synced shop WHEN recomputed THEN every customer has exactly one insight and the layer sizes add up", async () => {
    first = await recomputeShop(devStore.shop, deps());
    const customers = await db.prisma.customer.count({ where: { shopDomain: devStore.shop, deletedAt: null } });
    expect(customers).toBe(devStore.store.customers().length);
    expect(first.customers).toBe(customers);
    expect(await db.prisma.customerInsight.count({ where: { shopDomain: devStore.shop } })).toBe(customers);
    expect(Object.values(first.layerSizes).reduce((a, b) => a + b, 0)).toBe(customers);
    expect(first.moves).toBe(0); // nothing stored before: entries are not moves
    // The shop is realistic: several layers are populated and the model is reported with its reason.
    expect(Object.values(first.layerSizes).filter((n) => n > 0).length).toBeGreaterThanOrEqual(5);
    expect(["bgnbd", "empirical"]).toContain(first.model);
    console.info(`[intelligence] 2,000-order shop: ${customers} customers, model ${first.model}, durations ${JSON.stringify(first.durationsMs)}`);
  });

  it("GIVEN the stored baseline WHEN customers' histories are rebuilt from the dev store itself THEN the domain gives the stored layer and scores", async () => {
    const baseline = await storedBaseline();
    const rows = await db.prisma.customerInsight.findMany({ where: { shopDomain: devStore.shop } });
    const byGid = new Map(rows.map((r) => [r.customerGid, r]));
    const customers = devStore.store.customers();
    // Every customer, not a sample: cheap, and any disagreement in what counts as a purchase shows up.
    for (const c of customers) {
      const h = storeHistory(c);
      const { features, assignment } = segmentCustomer(h, baseline, ASOF.getTime(), DEFAULT_LAYERS);
      const row = byGid.get(h.customerId)!;
      expect({ gid: h.customerId, layer: row.layerId, orders: row.orders, monetary: Number(row.monetaryMinor), r: row.r, f: row.f, m: row.m, stage: row.lifecycleStage })
        .toEqual({ gid: h.customerId, layer: assignment.layerId, orders: features.orders, monetary: features.monetaryMinor, r: features.r, f: features.f, m: features.m, stage: features.lifecycleStage });
    }
    // Customers whose only orders are pending / voided / cancelled exist in the generated shop and count as prospects.
    expect(rows.some((r) => r.orders === 0)).toBe(true);
  });

  it("GIVEN small pages WHEN histories are streamed THEN they are the same as in one page, and historyOf agrees", async () => {
    const reader = new PurchaseHistoryReader(db.prisma, dialect);
    const whole = await reader.all(devStore.shop, { pageCustomers: 1_000_000 });
    const paged = await reader.all(devStore.shop, { pageCustomers: 37 });
    expect(paged).toEqual(whole);
    expect(whole).toHaveLength(first.customers);
    for (const h of whole.slice(0, 25)) expect(await reader.historyOf(devStore.shop, h.customerId)).toEqual(h);
    expect(await reader.historyOf(devStore.shop, "gid://shopify/Customer/0")).toBeNull();
  });

  it("GIVEN the same asOf WHEN single customers are updated THEN they get exactly the full pass's row, no move, in well under 5 ms of compute", async () => {
    const rows = await db.prisma.customerInsight.findMany({ where: { shopDomain: devStore.shop }, orderBy: { customerGid: "asc" }, take: 60 });
    const computeMs: number[] = [];
    for (const before of rows) {
      const update = await updateCustomer(devStore.shop, before.customerGid, deps());
      computeMs.push(update.computeMs);
      expect(update.move).toBeNull();
      const after = await db.prisma.customerInsight.findUniqueOrThrow({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: before.customerGid } } });
      const { layerReason: a, ...restAfter } = after;
      const { layerReason: b, ...restBefore } = before;
      expect(restAfter).toEqual(restBefore);
      const ra = JSON.parse(a);
      const rb = JSON.parse(b);
      expect({ matchedRule: ra.matchedRule, values: ra.values }).toEqual({ matchedRule: rb.matchedRule, values: rb.values });
    }
    computeMs.sort((x, y) => x - y);
    const median = computeMs[computeMs.length >> 1];
    console.info(`[intelligence] updateCustomer compute: median ${median.toFixed(3)} ms, max ${computeMs[computeMs.length - 1].toFixed(3)} ms`);
    expect(median).toBeLessThan(5);
    expect(await db.prisma.layerMove.count({ where: { shopDomain: devStore.shop } })).toBe(0);
  });

  it("GIVEN no change WHEN recomputed again THEN no moves are recorded and the sizes are the same", async () => {
    const again = await recomputeShop(devStore.shop, deps());
    expect(again.moves).toBe(0);
    expect(again.layerSizes).toEqual(first.layerSizes);
    expect(await db.prisma.layerMove.count({ where: { shopDomain: devStore.shop } })).toBe(0);
  });

  it("GIVEN a one-time buyer WHEN they order again (webhook) and are updated THEN their layer and orders change and one move is recorded", async () => {
    const oneTimer = await db.prisma.customerInsight.findFirstOrThrow({ where: { shopDomain: devStore.shop, layerId: "one-time-buyers" } });
    const id = oneTimer.customerGid.split("/").pop()!;
    const variant = devStore.store.products()[0].variants[0];
    await withWebhooks(() => devStore.store.createOrder({ customerId: id, lines: [{ variantId: variant.id, quantity: 2 }] }));

    const update = await updateCustomer(devStore.shop, oneTimer.customerGid, deps(LATER));
    expect(update.previousLayerId).toBe("one-time-buyers");
    expect(update.orders).toBe(oneTimer.orders + 1);
    expect(update.layerId).not.toBe("one-time-buyers");
    expect(update.move).toEqual({ from: "one-time-buyers", to: update.layerId, direction: "up" });

    const moves = await db.prisma.layerMove.findMany({ where: { shopDomain: devStore.shop } });
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatchObject({ customerGid: oneTimer.customerGid, fromLayer: "one-time-buyers", toLayer: update.layerId, direction: "up", movedAt: LATER });

    const view = await getCustomerInsight(devStore.shop, oneTimer.customerGid, { db: db.prisma, dialect, asOf: LATER });
    expect(view).toMatchObject({ orders: oneTimer.orders + 1, layer: { id: update.layerId }, lifecycleStage: "growing", recencyDays: 0 });
    expect(view!.layerReason.explanation.length).toBeGreaterThan(0);
    expect(view!.prediction?.churnRisk.reasons.length).toBeGreaterThan(0);
    expect(view!.recentMoves).toEqual([{ from: "one-time-buyers", to: update.layerId, direction: "up", movedAt: LATER }]);
    // The domain agrees with a history built from the dev store.
    const baseline = await storedBaseline();
    const customer = devStore.store.customer(id)!;
    expect(segmentCustomer(storeHistory(customer), baseline, LATER.getTime(), DEFAULT_LAYERS).assignment.layerId).toBe(update.layerId);
  });

  it("GIVEN test and cancelled orders WHEN a customer is updated THEN they do not count", async () => {
    const row = await db.prisma.customerInsight.findFirstOrThrow({ where: { shopDomain: devStore.shop, orders: { gte: 2 } }, orderBy: { customerGid: "asc" } });
    const reader = new PurchaseHistoryReader(db.prisma, dialect);
    const before = (await reader.historyOf(devStore.shop, row.customerGid))!;
    // A test order, written straight into the synced table (the dev store never makes one).
    await db.prisma.order.create({
      data: {
        shopDomain: devStore.shop, orderGid: "gid://shopify/Order/999999001", name: "#T1", customerGid: row.customerGid,
        financialStatus: "PAID", currencyCode: devStore.store.shop.currencyCode, subtotalMinor: 5000n, totalPriceMinor: 5000n,
        test: true, processedAt: STORE_CLOCK, shopifyCreatedAt: STORE_CLOCK, shopifyUpdatedAt: STORE_CLOCK,
      },
    });
    // A real order that is then cancelled, through the dev store's webhooks.
    const id = row.customerGid.split("/").pop()!;
    const variant = devStore.store.products()[0].variants[0];
    await withWebhooks(() => {
      const order = devStore.store.createOrder({ customerId: id, lines: [{ variantId: variant.id, quantity: 1 }] });
      devStore.store.cancelOrder(order.id, "CUSTOMER");
    });
    const after = (await reader.historyOf(devStore.shop, row.customerGid))!;
    expect(after.orders).toEqual(before.orders);
    const update = await updateCustomer(devStore.shop, row.customerGid, deps(LATER));
    expect(update.orders).toBe(row.orders);
  });

  it("GIVEN stored insights WHEN read THEN the readers return what was written", async () => {
    const overview = (await getShopInsights(devStore.shop, { db: db.prisma, dialect }))!;
    const total = await db.prisma.customerInsight.count({ where: { shopDomain: devStore.shop } });
    expect(overview.customers).toBe(total);
    expect(overview.layers.map((l) => l.id).slice(0, DEFAULT_LAYERS.length)).toEqual(DEFAULT_LAYERS.map((l) => l.id));
    expect(overview.layers.find((l) => l.id === "vip")?.name).toBe("VIP");
    expect(overview.computedAt).toEqual(ASOF);
    expect(overview.model).toBe(first.model);

    // Keyset pages of a layer add up to its size, in order, without repeats.
    const layer = overview.layers.reduce((a, b) => (b.customers > a.customers ? b : a));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listCustomersInLayer(devStore.shop, layer.id, { db: db.prisma, dialect, cursor, take: 7 });
      seen.push(...page.customers.map((c) => c.customerGid));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(layer.customers);
    expect(new Set(seen).size).toBe(seen.length);

    const rates = await layerMovementRates(devStore.shop, { db: db.prisma, dialect, from: ASOF, to: new Date(LATER.getTime() + 1) });
    expect(rates).toMatchObject({ moves: 1, upgrades: 1, downgrades: 0, customers: total });
    expect(rates.byLayer["one-time-buyers"].upgrades).toBe(1);

    const analytics = await getRetentionAnalytics(devStore.shop, { db: db.prisma, dialect, asOf: ASOF });
    expect(analytics.shop.customers).toBe(first.buyers);
    expect(analytics.cohorts.length).toBeGreaterThan(1);
  });
});
