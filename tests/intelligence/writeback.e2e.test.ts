/**
 * Write-back of customer intelligence to Shopify, end to end: a generated
 * dev-store shop is synced into a real database, recomputed, and written back
 * through the Admin API; the dev store's own customers are then read to check
 * the metafields, and the second and third runs send only what changed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { applyStoreEvents, startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { DEFAULT_NOW } from "../../dev-store/generator";
import { dialectOf, type SqlDialect } from "~/db/adapter.server";
import { formatMinorUnits } from "~/domain/sync/money";
import { runFullSync } from "~/services/full-sync.server";
import { recomputeShop, updateCustomer } from "~/services/intelligence.server";
import {
  INSIGHT_METAFIELD_NAMESPACE,
  MAX_METAFIELDS_PER_CALL,
  writeBackInsights,
  type WritebackSummary,
} from "~/services/insight-writeback.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";
import { CustomerInsightMetafieldsSet } from "~/shopify/operations/customer-metafields";

const ASOF = new Date(DEFAULT_NOW);
const LATER = new Date(Date.parse(DEFAULT_NOW) + 24 * 3600_000);
const STORE_CLOCK = new Date(Date.parse(DEFAULT_NOW) + 3600_000);
const NS = INSIGHT_METAFIELD_NAMESPACE;

let db: TestDatabase;
let devStore: TestDevStore;
let restoreFetch: () => void;
let dialect: SqlDialect;
let client: AdminClient;
let first: WritebackSummary;

const numericId = (gid: string) => gid.split("/").pop()!;
/** The dev store's metafields of a customer in Evergreen's namespace, as `key -> value`. */
function storeMetafields(customerGid: string): Record<string, string> {
  const customer = devStore.store.customer(numericId(customerGid))!;
  return Object.fromEntries(
    Object.entries(customer.metafields ?? {})
      .filter(([fullKey]) => fullKey.startsWith(`${NS}.`))
      .map(([fullKey, field]) => [fullKey.slice(NS.length + 1), field.value]),
  );
}

/** Applies the dev store's webhooks for whatever `act` does, as the app's webhook route would. */
const withWebhooks = (act: () => void) => applyStoreEvents(devStore, { db: db.prisma, dialect }, act);

const writeBack = (options: { batchSize?: number } = {}) =>
  writeBackInsights(devStore.shop, { db: db.prisma, dialect, client, ...options });

beforeAll(async () => {
  db = await createTestDatabase();
  dialect = dialectOf(db.url);
  devStore = await startTestDevStore({ seed: 4242, orders: 600, storeClock: () => STORE_CLOCK });
  restoreFetch = installLocalShopifyFetch(devStore.server.url);
  client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
  const run = await runFullSync(devStore.shop, {
    db: db.prisma, dialect, batchSize: 500, bulk: adminBulkSource(client, { wait: { pollIntervalMs: 20 } }),
  });
  expect(run.status).toBe("completed");
  await recomputeShop(devStore.shop, { db: db.prisma, dialect, asOf: ASOF });
}, 120_000);

afterAll(async () => {
  restoreFetch?.();
  await devStore?.close();
  await db?.cleanup();
});

describe("writing customer intelligence back to Shopify", () => {
  it("GIVEN a recomputed shop WHEN written back THEN every customer holds its layer and scores as metafields", async () => {
    const before = client.counters.requests;
    first = await writeBack();
    const rows = await db.prisma.customerInsight.findMany({ where: { shopDomain: devStore.shop } });
    // No Shop row (install is not run here): the currency comes from the synced orders.
    const currency = devStore.store.shop.currencyCode;

    expect(first).toMatchObject({ customers: rows.length, unchanged: 0, written: rows.length, failed: 0, failures: [] });
    expect(client.counters.requests - before).toBe(first.requests);
    // Packed within Shopify's 25-metafield limit: 5 customers with all five keys a call.
    expect(first.requests).toBeGreaterThanOrEqual(Math.ceil(first.metafields / MAX_METAFIELDS_PER_CALL));
    expect(first.requests).toBeLessThanOrEqual(Math.ceil(rows.length / 5) + 1);

    for (const row of rows) {
      const expected: Record<string, string> = { layer: row.layerId, lifecycle_stage: row.lifecycleStage };
      if (row.churnRisk) expected.churn_risk = row.churnRisk;
      if (row.predictedLtvMinor !== null) expected.predicted_ltv = formatMinorUnits(row.predictedLtvMinor, currency);
      if (row.r !== null) expected.rfm = `${row.r}-${row.f}-${row.m}`;
      expect({ gid: row.customerGid, fields: storeMetafields(row.customerGid) }).toEqual({ gid: row.customerGid, fields: expected });
      expect(row.writtenHash).toMatch(/^[0-9a-f]{32}$/);
    }
    // Types as Shopify's segment editor needs them (number for the money figure).
    const buyer = rows.find((r) => r.predictedLtvMinor !== null)!;
    const stored = devStore.store.customer(numericId(buyer.customerGid))!.metafields!;
    expect(stored[`${NS}.predicted_ltv`].type).toBe("number_decimal");
    expect(stored[`${NS}.layer`].type).toBe("single_line_text_field");
    expect(stored[`${NS}.rfm`].value).toMatch(/^[1-5]-[1-5]-[1-5]$/);
    expect(rows.some((r) => r.orders === 0)).toBe(true); // prospects are written too (layer and stage only)
  });

  it("GIVEN nothing changed WHEN written back again THEN nothing is sent", async () => {
    const before = client.counters.requests;
    const again = await writeBack();
    expect(again).toMatchObject({ customers: first.customers, unchanged: first.customers, written: 0, failed: 0, requests: 0, metafields: 0 });
    expect(client.counters.requests).toBe(before);
  });

  it("GIVEN a full pass over unchanged data WHEN written back THEN still nothing is sent", async () => {
    await recomputeShop(devStore.shop, { db: db.prisma, dialect, asOf: ASOF });
    const again = await writeBack();
    expect(again).toMatchObject({ written: 0, requests: 0 });
  });

  it("GIVEN one customer's layer changed after an order WHEN written back THEN exactly that customer is written", async () => {
    const oneTimer = (await db.prisma.customerInsight.findFirst({
      where: { shopDomain: devStore.shop, layerId: "one-time-buyers" }, orderBy: { customerGid: "asc" },
    }))!;
    const variant = devStore.store.products()[0].variants[0];
    await withWebhooks(() => devStore.store.createOrder({ customerId: numericId(oneTimer.customerGid), lines: [{ variantId: variant.id, quantity: 2 }] }));
    const update = await updateCustomer(devStore.shop, oneTimer.customerGid, { db: db.prisma, dialect, asOf: LATER });
    expect(update.layerId).not.toBe("one-time-buyers");

    const written: string[][] = [];
    const spy: Pick<AdminClient, "request"> = {
      request: ((doc: string, variables: { metafields: { ownerId: string }[] }) => {
        written.push([...new Set(variables.metafields.map((m) => m.ownerId))]);
        return client.request(doc as typeof CustomerInsightMetafieldsSet, variables as never);
      }) as AdminClient["request"],
    };
    const run = await writeBackInsights(devStore.shop, { db: db.prisma, dialect, client: spy });
    expect(run).toMatchObject({ written: 1, failed: 0, requests: 1, unchanged: first.customers - 1 });
    expect(written).toEqual([[oneTimer.customerGid]]);
    expect(storeMetafields(oneTimer.customerGid).layer).toBe(update.layerId);
  });

  it("GIVEN a customer Shopify refuses WHEN written back THEN the others in its call are written and it is retried next run", async () => {
    // Three changed customers, one of which no longer exists in Shopify.
    const rows = await db.prisma.customerInsight.findMany({ where: { shopDomain: devStore.shop }, orderBy: { customerGid: "asc" }, take: 3 });
    await db.prisma.customerInsight.updateMany({ where: { shopDomain: devStore.shop, customerGid: { in: rows.map((r) => r.customerGid) } }, data: { writtenHash: null } });
    const ghost = "gid://shopify/Customer/999999999";
    await db.prisma.customerInsight.create({ data: { ...rows[0], customerGid: ghost, writtenHash: null } });

    try {
      const run = await writeBack();
      expect(run).toMatchObject({ written: 3, failed: 1 });
      expect(run.failures).toHaveLength(1);
      expect(run.failures[0].customerGid).toBe(ghost);
      expect(run.failures[0].errors.length).toBeGreaterThan(0);
      for (const e of run.failures[0].errors) expect(e).toMatch(/^INVALID_VALUE: Owner does not exist/);
      expect(run.requests).toBe(1 + 4); // the refused call, then each customer alone (metafieldsSet is atomic)
      expect((await db.prisma.customerInsight.findUniqueOrThrow({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: ghost } } })).writtenHash).toBeNull();

      const next = await writeBack();
      expect(next).toMatchObject({ written: 0, failed: 1, requests: 1 });
    } finally {
      await db.prisma.customerInsight.delete({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: ghost } } });
    }
  });

  it("GIVEN a run killed half-way WHEN run again THEN customers already written are not resent", async () => {
    await db.prisma.customerInsight.updateMany({ where: { shopDomain: devStore.shop }, data: { writtenHash: null } });
    let calls = 0;
    const crashing: Pick<AdminClient, "request"> = {
      request: ((doc: string, variables: never) => {
        if (++calls > 3) return Promise.reject(new Error("process killed"));
        return client.request(doc as typeof CustomerInsightMetafieldsSet, variables);
      }) as AdminClient["request"],
    };
    await expect(writeBackInsights(devStore.shop, { db: db.prisma, dialect, client: crashing, batchSize: 2 })).rejects.toThrow("process killed");
    const resumed = await writeBack();
    expect(resumed.unchanged).toBe(6); // 3 calls × 2 customers were recorded before the crash
    expect(resumed.written).toBe(first.customers - 6);
    expect(resumed.failed).toBe(0);
  });
});
