/**
 * Layer rules on the behaviour and interest fields, end to end: a synced dev
 * store shop, its shoppers' browsing replayed into the ingest service, the
 * dimensions refreshed, then the intelligence full pass with a layer set that
 * reads them. The full pass, the single-customer update and an independent
 * evaluation from the stored dimensions agree; customers the pixel never saw
 * match no behaviour rule; a refresh that changes a customer's dimensions
 * re-layers them. Recommendations are stored and served.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { startTestDevStore, TEST_API_SECRET, type TestDevStore } from "../helpers/dev-store";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { generateBrowsing, replayBrowsing } from "../../dev-store/browsing";
import { DEFAULT_NOW } from "../../dev-store/generator";
import { dialectOf, type SqlDialect } from "~/db/adapter.server";
import { DEFAULT_LAYERS, type LayerDefinition } from "~/domain/segments";
import { ingestBehaviourBatch, pixelIngestToken, type IngestLimiters } from "~/services/behaviour-ingest.server";
import { boughtTogetherIds, recommendedProductIds, recommendedProducts } from "~/services/behaviour-recommendations.server";
import { refreshCustomerBehaviour } from "~/services/behaviour.server";
import { runFullSync } from "~/services/full-sync.server";
import { recomputeShop, updateCustomer } from "~/services/intelligence.server";
import { previewLayerChange, resetLayerDefinitions, updateLayerDefinitions } from "~/services/layer-settings.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { adminBulkSource } from "~/shopify/bulk-source.server";

const NOW = new Date(DEFAULT_NOW);
const DAY = 86400_000;
const unlimited: IngestLimiters = { shop: { take: () => ({ allowed: true, remaining: 1, retryAfterSeconds: 0 }) }, client: { take: () => ({ allowed: true, remaining: 1, retryAfterSeconds: 0 }) } };
let db: TestDatabase;
let dialect: SqlDialect;
let devStore: TestDevStore;
let restoreFetch: () => void;

const ingest = (body: string, sentAt: Date) =>
  ingestBehaviourBatch(body, { appSecret: TEST_API_SECRET, limiters: unlimited, db: db.prisma, dialect, now: () => sentAt }).then((o) => o.status);

/** Behaviour layers tried before the defaults (shifted down by 10). */
function behaviourLayers(topType: string): LayerDefinition[] {
  const layer = (id: string, priority: number, rule: LayerDefinition["rule"]): LayerDefinition => ({ id, name: id, description: "", priority, rank: 5, rule });
  return [
    layer("cart-abandoners", 1, { field: "daysSinceCartAbandoned", op: "<=", value: 7 }),
    // "Browses often, has not bought in 60 days."
    layer("browsing-lapsed", 2, { all: [{ field: "sessions30d", op: ">=", value: 2 }, { field: "recencyDays", op: ">", value: 60 }] }),
    layer("type-fans", 3, { all: [{ field: "topProductType", op: "in", value: [topType] }, { field: "productViews30d", op: ">=", value: 1 }] }),
    ...structuredClone(DEFAULT_LAYERS as LayerDefinition[]).map((l) => ({ ...l, priority: l.priority + 10 })),
  ];
}

beforeAll(async () => {
  db = await createTestDatabase();
  dialect = dialectOf(db.url);
  devStore = await startTestDevStore({ seed: 31, orders: 400 });
  restoreFetch = installLocalShopifyFetch(devStore.server.url);
  const client = new AdminClient({ shop: devStore.shop, accessToken: devStore.accessToken });
  await runFullSync(devStore.shop, { db: db.prisma, dialect, bulk: adminBulkSource(client, { wait: { pollIntervalMs: 20 } }) });
  const sessions = generateBrowsing(devStore.store, { seed: 5, now: NOW, days: 60 });
  const statuses = await replayBrowsing(sessions, devStore.shop, pixelIngestToken(devStore.shop, TEST_API_SECRET), ingest);
  expect(statuses.every((s) => s === 200)).toBe(true);
}, 120_000);

afterAll(async () => {
  restoreFetch?.();
  await devStore?.close();
  await db?.cleanup();
});

describe("layer rules on behaviour and interest", () => {
  it("GIVEN refreshed dimensions WHEN the full pass runs a behaviour layer set THEN its layers are what the stored dimensions say, and customers never seen match none", async () => {
    const summary = await refreshCustomerBehaviour(devStore.shop, NOW, { db: db.prisma, dialect });
    expect(summary.customers).toBeGreaterThan(20);
    expect(summary.changedForRules).toBe(summary.customers); // all new
    expect(summary.relayered).toBe(0); // no full pass yet
    // Refreshed again in pages of 7 customers at the same instant: the same rows, nothing changed for rules.
    const rowsOf = async () => (await db.prisma.customerBehaviour.findMany({ where: { shopDomain: devStore.shop }, orderBy: { customerGid: "asc" } })).map((r) => ({ ...r, computedAt: null }));
    const onePage = await rowsOf();
    const paged = await refreshCustomerBehaviour(devStore.shop, NOW, { db: db.prisma, dialect, pageCustomers: 7, recommendations: false });
    expect(paged).toMatchObject({ customers: summary.customers, changedForRules: 0 });
    expect(await rowsOf()).toEqual(onePage);

    await recomputeShop(devStore.shop, { db: db.prisma, dialect, asOf: NOW });
    const rows = await db.prisma.customerBehaviour.findMany({ where: { shopDomain: devStore.shop } });
    const types = new Map<string, number>();
    for (const r of rows) {
      const t = JSON.parse(r.topProductTypes)[0]?.value as string | undefined;
      if (t) types.set(t, (types.get(t) ?? 0) + 1);
    }
    const topType = [...types].sort((a, b) => b[1] - a[1])[0][0];
    await db.prisma.shopInsight.update({ where: { shopDomain: devStore.shop }, data: { layers: JSON.stringify(behaviourLayers(topType)) } });
    const pass = await recomputeShop(devStore.shop, { db: db.prisma, dialect, asOf: NOW });

    // The highest-priority behaviour layer, evaluated independently from the stored rows.
    const abandoners = new Set(rows.filter((r) => r.cartAbandonedAt && Math.floor((NOW.getTime() - r.cartAbandonedAt.getTime()) / DAY) <= 7).map((r) => r.customerGid));
    const customers = new Set((await db.prisma.customer.findMany({ where: { shopDomain: devStore.shop, deletedAt: null }, select: { customerGid: true } })).map((c) => c.customerGid));
    const expected = [...abandoners].filter((g) => customers.has(g));
    expect(expected.length).toBeGreaterThan(0);
    const inLayer = await db.prisma.customerInsight.findMany({ where: { shopDomain: devStore.shop, layerId: "cart-abandoners" }, select: { customerGid: true } });
    expect(inLayer.map((r) => r.customerGid).sort()).toEqual(expected.sort());
    expect(pass.layerSizes["type-fans"]).toBeGreaterThan(0);

    // Without dimensions (never seen by the pixel) no behaviour rule holds, whatever its operator.
    const seen = new Set(rows.map((r) => r.customerGid));
    const behaviourLayered = await db.prisma.customerInsight.findMany({
      where: { shopDomain: devStore.shop, layerId: { in: ["cart-abandoners", "browsing-lapsed", "type-fans"] } }, select: { customerGid: true },
    });
    expect(behaviourLayered.every((r) => seen.has(r.customerGid))).toBe(true);
    expect(seen.size).toBeLessThan(customers.size);
  });

  it("GIVEN the same asOf WHEN customers in and out of behaviour layers are updated one by one THEN each gets exactly the full pass's row", async () => {
    const inBehaviour = await db.prisma.customerInsight.findMany({
      where: { shopDomain: devStore.shop, layerId: { in: ["cart-abandoners", "browsing-lapsed", "type-fans"] } }, orderBy: { customerGid: "asc" }, take: 30,
    });
    const others = await db.prisma.customerInsight.findMany({
      where: { shopDomain: devStore.shop, layerId: { notIn: ["cart-abandoners", "browsing-lapsed", "type-fans"] } }, orderBy: { customerGid: "asc" }, take: 30,
    });
    expect(new Set(inBehaviour.map((r) => r.layerId)).size).toBeGreaterThanOrEqual(2);
    for (const before of [...inBehaviour, ...others]) {
      const update = await updateCustomer(devStore.shop, before.customerGid, { db: db.prisma, dialect, asOf: NOW });
      expect(update.move).toBeNull();
      const after = await db.prisma.customerInsight.findUniqueOrThrow({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: before.customerGid } } });
      const { layerReason: a, ...restAfter } = after;
      const { layerReason: b, ...restBefore } = before;
      expect(restAfter).toEqual(restBefore);
      const ra = JSON.parse(a);
      const rb = JSON.parse(b);
      expect({ matchedRule: ra.matchedRule, values: ra.values }).toEqual({ matchedRule: rb.matchedRule, values: rb.values });
    }
    // The reason carries the behaviour values the rule read.
    const abandoner = inBehaviour.find((r) => r.layerId === "cart-abandoners");
    if (abandoner) expect(JSON.parse(abandoner.layerReason).values.daysSinceCartAbandoned).toBeLessThanOrEqual(7);
  });

  it("GIVEN the default layers WHEN a behaviour layer set is previewed and applied in the admin THEN both agree with what a full pass gives", async () => {
    const deps = { db: db.prisma, dialect, asOf: NOW };
    const layersNow = async () =>
      new Map((await db.prisma.customerInsight.findMany({ where: { shopDomain: devStore.shop }, select: { customerGid: true, layerId: true } })).map((r) => [r.customerGid, r.layerId]));
    const edited = JSON.parse((await db.prisma.shopInsight.findUniqueOrThrow({ where: { shopDomain: devStore.shop } })).layers!) as LayerDefinition[];
    await resetLayerDefinitions(devStore.shop, deps);

    const preview = await previewLayerChange(devStore.shop, edited, deps);
    expect(preview.ok).toBe(true);
    const applied = await updateLayerDefinitions(devStore.shop, edited, deps);
    expect(applied.ok).toBe(true);
    const afterEdit = await layersNow();
    const abandoners = [...afterEdit.values()].filter((l) => l === "cart-abandoners").length;
    expect(abandoners).toBeGreaterThan(0);
    if (preview.ok) expect(preview.preview.layers.find((l) => l.id === "cart-abandoners")?.after).toBe(abandoners);

    // The next full pass at the same instant moves nobody: the edit already put everyone where the pass would.
    const pass = await recomputeShop(devStore.shop, deps);
    expect(pass.moves).toBe(0);
    expect(await layersNow()).toEqual(afterEdit);
  });

  it("GIVEN a customer outside the abandoners WHEN they abandon a cart and the dimensions are refreshed THEN they are re-layered at once, with a move", async () => {
    const target = await db.prisma.customerInsight.findFirstOrThrow({
      where: { shopDomain: devStore.shop, layerId: { notIn: ["cart-abandoners"] }, orders: { gte: 1 } }, orderBy: { customerGid: "asc" },
    });
    const id = target.customerGid.split("/").pop()!;
    const product = devStore.store.products().find((p) => p.status === "ACTIVE")!;
    const at = new Date(NOW.getTime() + 3600_000);
    const body = JSON.stringify({
      shop: devStore.shop, token: pixelIngestToken(devStore.shop, TEST_API_SECRET), clientId: `client-rules-${id}`, customerId: id,
      events: [{ id: `rules-cart-${id}`, name: "product_added_to_cart", timestamp: at.toISOString(), productId: product.id, productType: product.productType || "Misc", quantity: 1 }],
    });
    expect(await ingest(body, at)).toBe(200);
    const later = new Date(at.getTime() + 60_000);
    const summary = await refreshCustomerBehaviour(devStore.shop, later, { db: db.prisma, dialect });
    expect(summary.relayered).toBeGreaterThanOrEqual(1);
    expect(summary.relayered).toBeLessThanOrEqual(summary.changedForRules);
    const after = await db.prisma.customerInsight.findUniqueOrThrow({ where: { shopDomain_customerGid: { shopDomain: devStore.shop, customerGid: target.customerGid } } });
    expect(after.layerId).toBe("cart-abandoners");
    const move = await db.prisma.layerMove.findFirst({ where: { shopDomain: devStore.shop, customerGid: target.customerGid } });
    expect(move).toMatchObject({ fromLayer: target.layerId, toLayer: "cart-abandoners" });
  });

  it("stores recommendations: a buyer's leave out what they bought, products have bought-together lists, others get popular items", async () => {
    const buyer = await db.prisma.customerRecommendation.findFirstOrThrow({ where: { shopDomain: devStore.shop } });
    const ids = await recommendedProductIds(devStore.shop, buyer.customerGid, 5, { db: db.prisma });
    expect(ids.length).toBe(5);
    expect(new Set(ids).size).toBe(5);
    const bought = await db.prisma.orderLineItem.findMany({ where: { shopDomain: devStore.shop, order: { customerGid: buyer.customerGid } }, select: { productGid: true } });
    for (const b of bought) expect(JSON.parse(buyer.productGids)).not.toContain(b.productGid);
    const products = await recommendedProducts(devStore.shop, buyer.customerGid, 3, { db: db.prisma });
    expect(products.map((p) => p.productGid)).toEqual(ids.slice(0, 3));
    expect(products.every((p) => p.title.length > 0)).toBe(true);
    const statuses = await db.prisma.product.findMany({ where: { shopDomain: devStore.shop, productGid: { in: ids } }, select: { status: true } });
    expect(statuses.every((s) => s.status === "ACTIVE")).toBe(true);

    const together = await db.prisma.productRecommendation.findFirstOrThrow({ where: { shopDomain: devStore.shop, kind: "together" } });
    expect((await boughtTogetherIds(devStore.shop, together.productGid, 3, { db: db.prisma })).length).toBeGreaterThan(0);
    // A customer with no interactions: the shop's popular products.
    expect((await recommendedProductIds(devStore.shop, "gid://shopify/Customer/0", 4, { db: db.prisma })).length).toBe(4);
  });
});
