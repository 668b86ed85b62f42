/**
 * Loyalty end to end against the local dev store: orders placed in the store
 * reach the app as webhook payloads (sync, then loyalty), points follow
 * payment, a foreign-currency order earns on its shop-money amounts, a
 * partial refund takes back its share, and redeeming creates a real
 * single-use discount code for the customer through the Admin API, which the
 * customer can use once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gid } from "../../dev-store/model";
import { DEFAULT_NOW } from "../../dev-store/generator";
import type { StoreEvent } from "../../dev-store/store";
import { dialectOf } from "~/db/adapter.server";
import { applyLoyaltyWebhook } from "~/services/loyalty-webhooks.server";
import { getBalance } from "~/services/points.server";
import { createReward, redeemReward, shopifyDiscountCodeIssuer } from "~/services/rewards.server";
import { applyShopWebhook } from "~/services/shop-webhooks.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { startTestDevStore, type TestDevStore } from "../helpers/dev-store";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { createProgram } from "./helpers";

const CLOCK = new Date(Date.parse(DEFAULT_NOW) + 3600_000);
let dev: TestDevStore;
let db: TestDatabase;
let client: AdminClient;
let delivered = 0;

beforeAll(async () => {
  dev = await startTestDevStore({ seed: 808, orders: 80, storeClock: () => CLOCK, bucket: { max: 100_000, restoreRate: 100_000 }, webhooks: { subscriptions: [] } });
  db = await createTestDatabase();
  client = new AdminClient({ shop: new URL(dev.server.url).host, protocol: "http", accessToken: dev.accessToken, baseBackoffMs: 5 });
  await createProgram(db.prisma, dev.shop, { returnWindowDays: 0 });
}, 120_000);

afterAll(async () => {
  await dev?.close();
  await db?.cleanup();
});

/** Runs `act` in the store and delivers its webhooks as the webhook route does: sync first, then loyalty. */
async function inStore<T>(act: () => T): Promise<T> {
  const events: StoreEvent[] = [];
  const off = dev.store.on((e) => events.push(e));
  let result: T;
  try {
    result = act();
  } finally {
    off();
  }
  for (const e of events) {
    const eventId = `e2e-${++delivered}`;
    await applyShopWebhook({ shopDomain: dev.shop, topic: e.topic, webhookId: eventId, eventId, triggeredAt: e.occurredAt, payload: e.payload }, { db: db.prisma, dialect: dialectOf(db.url), now: () => CLOCK });
    await applyLoyaltyWebhook(dev.shop, e.topic, e.payload, { db: db.prisma, now: () => CLOCK });
  }
  return result!;
}

const minor = (amount: string) => Math.round(Number(amount) * 100);
const deps = () => ({ db: db.prisma, now: () => CLOCK });

describe("loyalty against the dev store", () => {
  const customer = () => dev.store.customers()[3];
  const customerGid = () => gid("Customer", customer().id);
  const variant = () => dev.store.products().flatMap((p) => p.variants).find((v) => Number(v.price) >= 20)!;
  let expected = 0;

  it("GIVEN a pending order WHEN it is paid THEN the customer earns a point per dollar of goods (plus the first-order bonus), on shop money for a EUR order", async () => {
    const order = await inStore(() => dev.store.createOrder({ customerId: customer().id, lines: [{ variantId: variant().id, quantity: 3 }], presentmentCurrencyCode: "EUR", financialStatus: "PENDING" }));
    const orderGid = gid("Order", order.id);
    expect((await getBalance(dev.shop, customerGid(), deps())).available).toBe(0);

    const paid = await inStore(() => dev.store.markOrderPaid(order.id));
    expect(paid.presentmentCurrencyCode).toBe("EUR");
    expected = Math.floor(minor(paid.subtotalPrice.shopMoney.amount) / 100);
    const sum = await db.prisma.loyaltyEntry.aggregate({ where: { shopDomain: dev.shop, orderGid, kind: "order" }, _sum: { points: true } });
    expect(sum._sum.points).toBe(expected);
    expect(await getBalance(dev.shop, customerGid(), deps())).toMatchObject({ available: expected + 100 });

    // One of three units refunded: its share of the order's total comes off. The share is of the
    // refund as synced (the dev store's refund payloads carry no per-line tax: dev-store/webhook-payloads.ts).
    const refund = await inStore(() => dev.store.refundOrder(order.id, [{ lineItemId: paid.lineItems[0].id, quantity: 1 }]));
    const synced = await db.prisma.refund.findUniqueOrThrow({ where: { shopDomain_refundGid: { shopDomain: dev.shop, refundGid: gid("Refund", refund.id) } } });
    expect(Number(synced.totalMinor)).toBeGreaterThan(0);
    const total = minor(paid.totalPrice.shopMoney.amount);
    const kept = total - Number(synced.totalMinor);
    expected = Math.floor((minor(paid.subtotalPrice.shopMoney.amount) * kept) / (total * 100));
    const after = await db.prisma.loyaltyEntry.aggregate({ where: { shopDomain: dev.shop, orderGid, kind: "order" }, _sum: { points: true } });
    expect(after._sum.points).toBe(expected);
  });

  it("GIVEN enough points WHEN a reward is redeemed THEN a single-use code limited to the customer exists in Shopify and works once", async () => {
    const balance = (await getBalance(dev.shop, customerGid(), deps())).available;
    const reward = await createReward(dev.shop, { title: "$5 off", kind: "fixed_amount", pointsCost: 50, amountMinor: 500n, currencyCode: dev.store.shop.currencyCode, expiresAfterDays: 30 }, { db: db.prisma });
    const issuer = shopifyDiscountCodeIssuer(() => client);
    const { status, redemption } = await redeemReward({ shopDomain: dev.shop, customerGid: customerGid(), rewardId: reward.id, idempotencyKey: "e2e-1" }, { ...deps(), issuer });
    expect(status).toBe("issued");
    expect((await getBalance(dev.shop, customerGid(), deps())).available).toBe(balance - 50);

    const code = dev.store.discountCodeByCode(redemption.code)!;
    expect(code).toMatchObject({ customerIds: [customer().id], usageLimit: 1, value: { amount: "5.00" } });
    expect(code.id).toBe(redemption.discountGid!.split("/").pop());

    // Another customer cannot use it; the customer can, once.
    const other = dev.store.customers()[4];
    expect(() => dev.store.createOrder({ customerId: other.id, lines: [{ variantId: variant().id, quantity: 1 }], discountCode: redemption.code })).toThrow(/INVALID_DISCOUNT_CODE|does not|not/i);
    const used = await inStore(() => dev.store.createOrder({ customerId: customer().id, lines: [{ variantId: variant().id, quantity: 1 }], discountCode: redemption.code }));
    expect(used.discountCodes).toEqual([redemption.code]);
    expect(() => dev.store.createOrder({ customerId: customer().id, lines: [{ variantId: variant().id, quantity: 1 }], discountCode: redemption.code })).toThrow();

    // The discounted order earns on what was paid for goods, with no second first-order bonus.
    const earned = await db.prisma.loyaltyEntry.aggregate({ where: { shopDomain: dev.shop, orderGid: gid("Order", used.id) }, _sum: { points: true } });
    expect(earned._sum.points).toBe(Math.floor(minor(used.subtotalPrice.shopMoney.amount) / 100));
  });
});
