/**
 * The behaviour refresh against a database: events stored through the ingest
 * service, orders as the sync stores them; the customer's dimensions, and the
 * raw events' roll-up past retention.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { dialectOf } from "~/db/adapter.server";
import { ingestBehaviourBatch, pixelIngestToken, type IngestLimiters } from "~/services/behaviour-ingest.server";
import { refreshCustomerBehaviour } from "~/services/behaviour.server";

const SHOP = "demo-shop.myshopify.com";
const SECRET = "s3cret";
const NOW = new Date();
const DAY = 86400_000;
const unlimited: IngestLimiters = { shop: { take: () => ({ allowed: true, remaining: 1, retryAfterSeconds: 0 }) }, client: { take: () => ({ allowed: true, remaining: 1, retryAfterSeconds: 0 }) } };
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.cleanup());

let n = 0;
async function ingest(customerId: string | null, events: Record<string, unknown>[], at: Date) {
  const body = JSON.stringify({
    shop: SHOP,
    token: pixelIngestToken(SHOP, SECRET),
    clientId: `client-${customerId ?? "anon"}-x`,
    ...(customerId ? { customerId } : {}),
    events: events.map((e) => ({ id: `event-${++n}-abcdef`, timestamp: at.toISOString(), ...e })),
  });
  const outcome = await ingestBehaviourBatch(body, { appSecret: SECRET, limiters: unlimited, db: db.prisma, dialect: dialectOf(db.url), now: () => at });
  expect(outcome.status).toBe(200);
}

describe("refreshCustomerBehaviour", () => {
  it("computes each customer's dimensions from recent events and purchases, and rolls up expired events", async () => {
    const customer = "gid://shopify/Customer/77";
    await db.prisma.shop.create({ data: { domain: SHOP } });
    await db.prisma.product.create({ data: { shopDomain: SHOP, productGid: "gid://shopify/Product/1", title: "Kettle", productType: "Kitchen", vendor: "Acme", shopifyUpdatedAt: NOW } });
    await db.prisma.order.create({
      data: {
        shopDomain: SHOP, orderGid: "gid://shopify/Order/1", name: "#1", customerGid: customer, currencyCode: "USD", subtotalMinor: 1000n, totalPriceMinor: 1000n,
        processedAt: new Date(NOW.getTime() - 20 * DAY), shopifyCreatedAt: NOW, shopifyUpdatedAt: NOW,
        lineItems: { create: [{ lineItemGid: "gid://shopify/LineItem/1", productGid: "gid://shopify/Product/1", title: "Kettle", quantity: 1, unitPriceMinor: 1000n, discountedTotalMinor: 1000n }] },
      },
    });
    // Old browsing (past retention), recent browsing, and an abandoned cart two days ago.
    await ingest("77", [{ name: "product_viewed", productId: "2", productType: "Tea", vendor: "Leaf" }], new Date(NOW.getTime() - 120 * DAY + 60_000));
    await ingest("77", [{ name: "product_viewed", productId: "2", productType: "Tea", vendor: "Leaf" }, { name: "search_submitted", query: "Oolong" }], new Date(NOW.getTime() - 5 * DAY));
    await ingest("77", [{ name: "product_added_to_cart", productId: "2", productType: "Tea", vendor: "Leaf", quantity: 1 }], new Date(NOW.getTime() - 2 * DAY));
    await ingest(null, [{ name: "page_viewed" }], new Date(NOW.getTime() - 120 * DAY + 60_000));
    // ingest refuses events older than a day when they arrive; these were "sent" at their own time, so they are stored.
    expect(await db.prisma.behaviourEvent.count()).toBe(5);

    const summary = await refreshCustomerBehaviour(SHOP, NOW, { db: db.prisma });
    expect(summary).toEqual({ customers: 1, rolledUpEvents: 1, deletedAnonymousEvents: 1, changedForRules: 1, relayered: 0, recommendedCustomers: 0 });
    expect(await db.prisma.behaviourEvent.count()).toBe(3);

    const row = await db.prisma.customerBehaviour.findUniqueOrThrow({ where: { shopDomain_customerGid: { shopDomain: SHOP, customerGid: customer } } });
    expect([row.sessions30, row.views30, row.carts30, row.searches30, row.rolledViews]).toEqual([2, 1, 1, 1, 1]);
    expect(row.cartAbandonedAt?.getTime()).toBe(NOW.getTime() - 2 * DAY);
    expect(JSON.parse(row.topProductTypes).map((a: { value: string }) => a.value)).toEqual(["Kitchen", "Tea"]);
    expect(JSON.parse(row.topSearchTerms)).toEqual([{ value: "oolong", score: 1 }]);

    // Idempotent: a second refresh changes nothing and rolls nothing up twice.
    expect(await refreshCustomerBehaviour(SHOP, NOW, { db: db.prisma })).toEqual({ customers: 1, rolledUpEvents: 0, deletedAnonymousEvents: 0, changedForRules: 0, relayered: 0, recommendedCustomers: 0 });
    const again = await db.prisma.customerBehaviour.findUniqueOrThrow({ where: { shopDomain_customerGid: { shopDomain: SHOP, customerGid: customer } } });
    expect({ ...again, computedAt: null }).toEqual({ ...row, computedAt: null });
  });
});
