/**
 * Write-back of customer intelligence to Shopify, end to end: a generated
 * dev-store shop is synced into a real database, recomputed, and written back
 * through the Admin API; the dev store's own customers are then read to check
 * the metafields, and the second and third runs send only what changed. Then:
 * metafields whose value became null are deleted, and tags (opt-in through
 * ShopSettings) are added, replaced, re-prefixed and removed without touching
 * the merchant's own tags.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { applyStoreEvents, startTestDevStore, syncTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { DEFAULT_NOW } from "../../dev-store/generator";
import { dialectOf, type SqlDialect } from "~/db/adapter.server";
import { formatMinorUnits } from "~/domain/sync/money";
import { recomputeShop, updateCustomer } from "~/services/intelligence.server";
import {
  INSIGHT_METAFIELD_NAMESPACE,
  MAX_METAFIELDS_PER_CALL,
  formatWrittenState,
  insightTags,
  isEvergreenTag,
  parseWrittenState,
  writeBackInsights,
  type WritebackSummary,
} from "~/services/insight-writeback.server";
import { getShopSettings, updateShopSettings } from "~/services/shop-settings.server";
import { AdminClient } from "~/shopify/admin-client.server";
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

/** The dev store's tags of a customer. */
const storeTags = (customerGid: string) => [...devStore.store.customer(numericId(customerGid))!.tags];

/** A client that records the operation name of every call before sending it. */
function recording(names: string[]): Pick<AdminClient, "request"> {
  return {
    request: ((doc: string, variables: never) => {
      names.push(/mutation (\w+)/.exec(doc)![1]);
      return client.request(doc as typeof CustomerInsightMetafieldsSet, variables);
    }) as AdminClient["request"],
  };
}

const insightOf = (customerGid: string) =>
  db.prisma.customerInsight.findUniqueOrThrow({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid } } });

beforeAll(async () => {
  db = await createTestDatabase();
  dialect = dialectOf(db.url);
  // Tags cost 10 points a customer (one tagsAdd each): a larger bucket than Standard's 2,000 at 100/s keeps
  // the tag tests short; the client still waits for it and retries THROTTLED as with Shopify.
  devStore = await startTestDevStore({ seed: 4242, orders: 600, storeClock: () => STORE_CLOCK, bucket: { max: 4_000, restoreRate: 2_000 } });
  ({ restoreFetch, client } = await syncTestDevStore(devStore, { db: db.prisma, dialect }));
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

describe("metafields whose value became null", () => {
  it("GIVEN a buyer whose only order is cancelled WHEN written back THEN churn_risk, predicted_ltv and rfm are deleted and layer and stage updated", async () => {
    const buyer = (await db.prisma.customerInsight.findFirst({
      where: { shopDomain: devStore.shop, layerId: "one-time-buyers" }, orderBy: { customerGid: "desc" },
    }))!;
    expect(Object.keys(storeMetafields(buyer.customerGid)).sort()).toEqual(["churn_risk", "layer", "lifecycle_stage", "predicted_ltv", "rfm"]);
    const orders = devStore.store.ordersOfCustomer(numericId(buyer.customerGid)).filter((o) => !o.cancelledAt);
    await withWebhooks(() => { for (const o of orders) devStore.store.cancelOrder(o.id); });
    const update = await updateCustomer(devStore.shop, buyer.customerGid, { db: db.prisma, dialect, asOf: LATER });
    expect(update).toMatchObject({ layerId: "prospects", orders: 0 });

    const names: string[] = [];
    const run = await writeBackInsights(devStore.shop, { db: db.prisma, dialect, client: recording(names) });
    expect(run).toMatchObject({ written: 1, failed: 0, metafields: 2, metafieldsDeleted: 3, tagged: 0, requests: 2 });
    expect(names).toEqual(["CustomerInsightMetafieldsSet", "InsightMetafieldsDelete"]);
    expect(storeMetafields(buyer.customerGid)).toEqual({ layer: "prospects", lifecycle_stage: "prospect" });

    const again = await writeBack();
    expect(again).toMatchObject({ written: 0, requests: 0, metafieldsDeleted: 0 });
  });

  it("GIVEN a customer never written WHEN it has null values THEN nothing is deleted (there is nothing to delete)", async () => {
    const prospect = (await db.prisma.customerInsight.findFirst({ where: { shopDomain: devStore.shop, orders: 0 }, orderBy: { customerGid: "asc" } }))!;
    await db.prisma.customerInsight.update({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: prospect.customerGid } }, data: { writtenHash: null } });
    const names: string[] = [];
    const run = await writeBackInsights(devStore.shop, { db: db.prisma, dialect, client: recording(names) });
    expect(run).toMatchObject({ written: 1, metafieldsDeleted: 0, requests: 1 });
    expect(names).toEqual(["CustomerInsightMetafieldsSet"]);
  });
});

describe("shop settings", () => {
  it("GIVEN no saved settings WHEN read THEN the defaults apply; WHEN a valid change is saved THEN only it changes", async () => {
    const other = "settings-test.myshopify.com";
    expect(await getShopSettings(other, { db: db.prisma })).toMatchObject({ insightTagsEnabled: false, insightTagPrefix: "evergreen-", updatedAt: null });
    const saved = await updateShopSettings(other, { insightTagPrefix: "eg:" }, { db: db.prisma });
    expect(saved).toMatchObject({ ok: true, settings: { insightTagsEnabled: false, insightTagPrefix: "eg:" } });
    expect(await getShopSettings(other, { db: db.prisma })).toMatchObject({ insightTagsEnabled: false, insightTagPrefix: "eg:" });
  });

  it.each([
    [{ insightTagPrefix: "a,b" }, "insightTagPrefix", /comma/],
    [{ insightTagPrefix: "" }, "insightTagPrefix", /Enter a tag prefix/],
    [{ insightTagPrefix: " eg-" }, "insightTagPrefix", /start or end with a space/],
    [{ insightTagPrefix: "x".repeat(101) }, "insightTagPrefix", /at most 100 characters/],
    [{ insightTagPrefix: "a\nb" }, "insightTagPrefix", /line breaks/],
    [{ insightTagPrefix: 5 }, "insightTagPrefix", /must be text/],
    [{ insightTagsEnabled: "yes" }, "insightTagsEnabled", /on or off/],
    [{ colour: "green" }, "settings", /Unknown setting: colour/],
    [null, "settings", /object/],
  ])("GIVEN %j WHEN saved THEN it is refused with a message on %s", async (input, field, message) => {
    const result = await updateShopSettings("settings-test-2.myshopify.com", input, { db: db.prisma });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].field).toBe(field);
    expect(result.errors[0].message).toMatch(message);
    expect(await db.prisma.shopSettings.count({ where: { shopDomain: "settings-test-2.myshopify.com" } })).toBe(0);
  });
});

describe("customer tags (opt-in)", () => {
  let tagged: string; // a customer with tags of its own
  const evergreenTags = (gid: string, prefix: string) => storeTags(gid).filter((t) => isEvergreenTag(t, prefix)).sort();

  it("GIVEN tags off (the default) THEN no customer carries Evergreen's tags", async () => {
    expect((await getShopSettings(devStore.shop, { db: db.prisma })).insightTagsEnabled).toBe(false);
    for (const c of devStore.store.customers()) expect(c.tags.filter((t) => isEvergreenTag(t, "evergreen-"))).toEqual([]);
  });

  it("GIVEN the merchant opts in WHEN written back THEN every customer gets its layer, stage and churn tags next to its own, and a second run sends nothing", async () => {
    const rows = await db.prisma.customerInsight.findMany({ where: { shopDomain: devStore.shop }, orderBy: { customerGid: "asc" } });
    tagged = rows.find((r) => r.churnRisk !== null)!.customerGid;
    devStore.store.addTags(tagged, ["wholesale", "evergreen-fan"]); // the merchant's, one of them with Evergreen's prefix
    expect(await updateShopSettings(devStore.shop, { insightTagsEnabled: true }, { db: db.prisma })).toMatchObject({ ok: true });

    const before = client.counters.requests;
    const run = await writeBack();
    expect(run).toMatchObject({ customers: rows.length, written: 0, tagged: rows.length, failed: 0, tagsRemoved: 0 });
    expect(run.requests).toBe(Math.ceil(rows.length / 5)); // 5 customers (the batch size) a request
    expect(client.counters.requests - before).toBe(run.requests);
    for (const row of rows) {
      const want = [`evergreen-layer-${row.layerId}`, `evergreen-stage-${row.lifecycleStage}`, ...(row.churnRisk ? [`evergreen-churn-${row.churnRisk}`] : [])];
      expect({ gid: row.customerGid, tags: evergreenTags(row.customerGid, "evergreen-") }).toEqual({ gid: row.customerGid, tags: want.sort() });
      const state = parseWrittenState((await insightOf(row.customerGid)).writtenHash);
      expect(state.metafieldsHash).toBe(parseWrittenState(row.writtenHash).metafieldsHash);
      expect([...state.tags!].sort()).toEqual(want.sort());
    }
    expect(storeTags(tagged)).toEqual(expect.arrayContaining(["wholesale", "evergreen-fan"]));

    const again = await writeBack();
    expect(again).toMatchObject({ written: 0, tagged: 0, requests: 0, unchanged: rows.length });
  });

  it("GIVEN a customer's layer changes WHEN written back THEN its old layer and stage tags are replaced, in one request with its metafields", async () => {
    const oneTimer = (await db.prisma.customerInsight.findFirst({
      where: { shopDomain: devStore.shop, layerId: "one-time-buyers" }, orderBy: { customerGid: "asc" },
    }))!;
    const variant = devStore.store.products()[0].variants[0];
    await withWebhooks(() => devStore.store.createOrder({ customerId: numericId(oneTimer.customerGid), lines: [{ variantId: variant.id, quantity: 1 }] }));
    const update = await updateCustomer(devStore.shop, oneTimer.customerGid, { db: db.prisma, dialect, asOf: LATER });
    const now = await insightOf(oneTimer.customerGid);
    expect(now.layerId).not.toBe("one-time-buyers");

    const names: string[] = [];
    const run = await writeBackInsights(devStore.shop, { db: db.prisma, dialect, client: recording(names) });
    expect(run).toMatchObject({ written: 1, tagged: 1, failed: 0 });
    expect(names).toEqual(["CustomerInsightMetafieldsSet", "CustomerInsightTagsUpdate"]);
    expect(evergreenTags(oneTimer.customerGid, "evergreen-")).toEqual(
      insightTags({ layerId: update.layerId, lifecycleStage: now.lifecycleStage, churnRisk: now.churnRisk }, { insightTagsEnabled: true, insightTagPrefix: "evergreen-" }).sort(),
    );
    expect(storeTags(oneTimer.customerGid)).not.toContain("evergreen-layer-one-time-buyers");
  });

  it("GIVEN a new prefix WHEN written back THEN every old Evergreen tag is replaced by the new one, the merchant's stay", async () => {
    expect(await updateShopSettings(devStore.shop, { insightTagPrefix: "eg-" }, { db: db.prisma })).toMatchObject({ ok: true });
    const run = await writeBack();
    const customers = await db.prisma.customerInsight.count({ where: { shopDomain: devStore.shop } });
    expect(run).toMatchObject({ tagged: customers, written: 0, failed: 0 });
    expect(run.tagsRemoved).toBeGreaterThanOrEqual(2 * customers);
    for (const c of devStore.store.customers().filter((c) => c.tags.length > 0)) {
      expect(c.tags.filter((t) => /^evergreen-(layer|stage|churn)-/.test(t))).toEqual([]);
    }
    expect(evergreenTags(tagged, "eg-").length).toBeGreaterThanOrEqual(2);
    expect(storeTags(tagged)).toEqual(expect.arrayContaining(["wholesale", "evergreen-fan"]));
  });

  it("GIVEN no record of what was written WHEN the customer is sent THEN stale Evergreen tags seen by sync are removed, never the merchant's", async () => {
    const row = await insightOf(tagged);
    const wanted = evergreenTags(tagged, "eg-");
    // As if the record were lost while Shopify (and the synced Customer row) still has an old Evergreen tag.
    devStore.store.addTags(tagged, ["eg-layer-lost", "eg-winter"]);
    await db.prisma.customer.update({
      where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: tagged } },
      data: { tags: ["wholesale", "evergreen-fan", "eg-layer-lost", "eg-winter", ...wanted].join(", ") },
    });
    await db.prisma.customerInsight.update({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: tagged } }, data: { writtenHash: null } });

    const run = await writeBack();
    expect(run).toMatchObject({ written: 1, tagged: 1, tagsRemoved: 1 });
    expect(storeTags(tagged)).not.toContain("eg-layer-lost");
    expect(storeTags(tagged)).toEqual(expect.arrayContaining(["wholesale", "evergreen-fan", "eg-winter", ...wanted]));
    expect(parseWrittenState((await insightOf(tagged)).writtenHash)).toEqual({
      metafieldsHash: parseWrittenState(row.writtenHash).metafieldsHash, tags: expect.arrayContaining(wanted),
    });
  });

  it("GIVEN Shopify refuses a customer's tags WHEN written back THEN the others are tagged and it keeps its old record", async () => {
    const rows = await db.prisma.customerInsight.findMany({ where: { shopDomain: devStore.shop }, orderBy: { customerGid: "asc" }, take: 2 });
    const ghost = "gid://shopify/Customer/999999998";
    const state = parseWrittenState(rows[0].writtenHash);
    await db.prisma.customerInsight.create({ data: { ...rows[0], customerGid: ghost, writtenHash: formatWrittenState({ metafieldsHash: state.metafieldsHash, tags: null }) } });
    try {
      const run = await writeBack();
      expect(run).toMatchObject({ tagged: 0, failed: 1, written: 0, requests: 1 });
      expect(run.failures[0]).toMatchObject({ customerGid: ghost });
      expect(run.failures[0].errors.join(" ")).toMatch(/Invalid id/);
      expect((await insightOf(ghost)).writtenHash).toBe(state.metafieldsHash);
    } finally {
      await db.prisma.customerInsight.delete({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: ghost } } });
    }
  });

  it("GIVEN the merchant turns tags off WHEN written back THEN Evergreen's tags are removed and the merchant's stay", async () => {
    expect(await updateShopSettings(devStore.shop, { insightTagsEnabled: false }, { db: db.prisma })).toMatchObject({ ok: true });
    const customers = await db.prisma.customerInsight.count({ where: { shopDomain: devStore.shop } });
    const run = await writeBack();
    expect(run).toMatchObject({ tagged: customers, tagsAdded: 0, written: 0, failed: 0 });
    for (const c of devStore.store.customers()) expect(c.tags.filter((t) => isEvergreenTag(t, "eg-"))).toEqual([]);
    expect(storeTags(tagged)).toEqual(expect.arrayContaining(["wholesale", "evergreen-fan", "eg-winter"]));
    for (const r of await db.prisma.customerInsight.findMany({ where: { shopDomain: devStore.shop } })) {
      expect(r.writtenHash).toMatch(/^[0-9a-f]{32}$/); // back to the metafields-only record
    }
    expect(await writeBack()).toMatchObject({ requests: 0 });
  });
});
