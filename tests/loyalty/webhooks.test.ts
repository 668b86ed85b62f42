/**
 * Loyalty behind real webhook payloads: each delivery goes through the sync
 * layer (applyShopWebhook) and then loyalty (applyLoyaltyWebhook), as the
 * webhook route runs them: paid, refunded, redelivered late, cancelled.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dialectOf } from "~/db/adapter.server";
import { applyLoyaltyWebhook } from "~/services/loyalty-webhooks.server";
import { getBalance } from "~/services/points.server";
import { applyShopWebhook } from "~/services/shop-webhooks.server";
import fixture from "../fixtures/orders-create.json";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { createProgram } from "./helpers";

const SHOP = "hooks.myshopify.com";
// A realistic id: the fixture's (Shopify's docs example) is above 2^53, which JSON.parse cannot hold exactly.
const ORDER_ID = 5_550_001;
const ORDER = `gid://shopify/Order/${ORDER_ID}`;
const CUSTOMER = fixture.customer.admin_graphql_api_id;
let db: TestDatabase;
let delivery = 0;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.cleanup());

const NOW = new Date("2022-01-03T00:00:00Z");
async function deliver(topic: string, payload: unknown, eventId = `e${++delivery}`) {
  await applyShopWebhook({ shopDomain: SHOP, topic, webhookId: eventId, eventId, payload }, { db: db.prisma, dialect: dialectOf(db.url), now: () => NOW });
  return applyLoyaltyWebhook(SHOP, topic, payload, { db: db.prisma, now: () => NOW });
}
const orderPoints = async () =>
  (await db.prisma.loyaltyEntry.aggregate({ where: { shopDomain: SHOP, orderGid: ORDER }, _sum: { points: true } }))._sum.points ?? 0;

// The fixture as a paid order with no refunds yet: $388 of goods, $398 in all.
const paid = { ...fixture, id: ORDER_ID, admin_graphql_api_id: ORDER, test: false, financial_status: "paid", cancelled_at: null, cancel_reason: null, refunds: [], updated_at: "2022-01-01T10:00:00-05:00" };
const refund = { ...fixture.refunds[0], order_id: ORDER_ID }; // $199 of goods + $5 shipping
const refunded = { ...paid, financial_status: "partially_refunded", refunds: [refund], updated_at: "2022-01-02T10:00:00-05:00" };
const cancelled = { ...refunded, cancelled_at: "2022-01-02T12:00:00-05:00", cancel_reason: "customer", updated_at: "2022-01-02T12:00:00-05:00" };

describe("loyalty from webhooks", () => {
  it("earns nothing while the shop has no programme", async () => {
    expect(await deliver("orders/paid", paid)).toBe("order");
    expect(await orderPoints()).toBe(0);
  });

  it("GIVEN a programme WHEN the paid order is redelivered THEN the order earns 1 point per dollar of goods plus the first-order bonus", async () => {
    await createProgram(db.prisma, SHOP);
    await deliver("orders/paid", paid, "e1"); // Shopify's retry of the same event
    expect(await orderPoints()).toBe(388 + 100);
  });

  it("takes back points pro rata when a refund arrives, and nothing more when the order update repeats it", async () => {
    await deliver("refunds/create", refund);
    // $204 of $398 refunded: floor(388 x 194 / 398) = 189 points kept.
    expect(await orderPoints()).toBe(189 + 100);
    await deliver("orders/updated", refunded);
    expect(await orderPoints()).toBe(189 + 100);
  });

  it("ignores an older version delivered late, and takes everything back on cancellation", async () => {
    await deliver("orders/create", paid);
    expect(await orderPoints()).toBe(189 + 100);
    await deliver("orders/cancelled", cancelled);
    expect(await orderPoints()).toBe(0);
    await deliver("orders/updated", refunded);
    expect(await orderPoints()).toBe(0);
    expect(await getBalance(SHOP, CUSTOMER, { db: db.prisma, now: () => NOW })).toEqual({ available: 0, pending: 0, lifetimeEarned: 0 });
  });

  it("GIVEN an order that also buys a gift card THEN only the goods earn (the gift card earns when it is spent)", async () => {
    const id = 5_550_002;
    const gid = `gid://shopify/Order/${id}`;
    const buyer = { ...fixture.customer, id: 4243, admin_graphql_api_id: "gid://shopify/Customer/4243" };
    // Line 2 ($199 less its $10 discount allocation = $189) is a gift card: $388 - $189 = $199 of goods.
    const lines = fixture.line_items.map((l, i) => ({ ...l, gift_card: i === 1 }));
    await deliver("orders/paid", { ...paid, id, admin_graphql_api_id: gid, customer: buyer, line_items: lines });
    const earned = await db.prisma.loyaltyEntry.findMany({ where: { shopDomain: SHOP, orderGid: gid }, select: { kind: true, points: true } });
    expect(earned.find((e) => e.kind === "order")?.points).toBe(199);
    expect((await db.prisma.orderLineItem.findMany({ where: { shopDomain: SHOP, orderGid: gid }, orderBy: { lineItemGid: "asc" } })).map((l) => l.isGiftCard)).toEqual([false, true]);
  });

  it("awards account-creation points on customers/create, once", async () => {
    const customer = { ...fixture.customer, id: 4242, admin_graphql_api_id: "gid://shopify/Customer/4242", created_at: "2022-01-01T00:00:00Z", updated_at: "2022-01-01T00:00:00Z" };
    expect(await deliver("customers/create", customer)).toBe("customer");
    await deliver("customers/create", customer);
    expect(await getBalance(SHOP, "gid://shopify/Customer/4242", { db: db.prisma, now: () => NOW })).toMatchObject({ available: 50 });
  });
});
