/**
 * A partial refund reverses an order's points exactly, from the refunds/create
 * webhook alone: the dev store's refund lines carry their share of the tax
 * (`total_tax_set`, as Shopify's do), so the synced refund's total is the money
 * returned before orders/updated arrives. Points come back on the refunded
 * goods (line subtotals), so they are right from the refund alone, even in the
 * old payload shape without per-line tax.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dialectOf } from "~/db/adapter.server";
import { applyLoyaltyWebhook } from "~/services/loyalty-webhooks.server";
import { applyShopWebhook } from "~/services/shop-webhooks.server";
import { generateShop } from "../../dev-store/generator";
import { bagMinor } from "../../dev-store/money";
import { gid } from "../../dev-store/model";
import { DevStore, type StoreEvent } from "../../dev-store/store";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";
import { createProgram } from "./helpers";

type Json = Record<string, any>;

let db: TestDatabase;
let store: DevStore;
let shop: string;
let clockAt = Date.parse("2026-11-10T12:00:00Z");
let delivered = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new DevStore(generateShop({ seed: 61, orders: 60 }), { clock: () => new Date((clockAt += 1000)) });
  shop = store.shop.domain;
  await createProgram(db.prisma, shop);
});
afterAll(() => db?.cleanup());

/** Runs `act` and returns what the store emitted, undelivered. */
const emitted = (act: () => void): StoreEvent[] => store.capture(act).events;

async function deliver(e: StoreEvent, payload: unknown = e.payload) {
  const webhookId = `w${++delivered}`;
  const now = () => new Date(clockAt);
  await applyShopWebhook({ shopDomain: shop, topic: e.topic, webhookId, eventId: webhookId, triggeredAt: e.occurredAt, payload }, { db: db.prisma, dialect: dialectOf(db.url), now });
  expect(await applyLoyaltyWebhook(shop, e.topic, payload, { db: db.prisma, now })).not.toBe("failed");
}

const purchasePoints = async (orderGid: string) =>
  (await db.prisma.loyaltyEntry.aggregate({ where: { shopDomain: shop, orderGid, kind: "order" }, _sum: { points: true } }))._sum.points ?? 0;

/** A paid two-line order of a US customer (7% tax), delivered; returns it. */
async function paidOrder(email: string) {
  const variants = store.products().filter((p) => p.status === "ACTIVE" && p.productType !== "Gift Card").flatMap((p) => p.variants);
  let orderId = "";
  const events = emitted(() => {
    const customer = store.createCustomer({ email, countryCode: "US" });
    orderId = store.createOrder({ customerId: customer.id, lines: [{ variantId: variants[0].id, quantity: 3 }, { variantId: variants[1].id, quantity: 2 }] }).id;
  });
  for (const e of events) await deliver(e);
  return store.order(orderId)!;
}

/** Points the order's goods earn with `refundedGoodsMinor` of them refunded: 1 point per dollar of goods kept. */
function expectedPurchasePoints(order: ReturnType<DevStore["order"]> & object, refundedGoodsMinor: number): number {
  return Math.floor((bagMinor(order.subtotalPrice).shopMinor - refundedGoodsMinor) / 100);
}

const refundedGoods = (refund: { refundLineItems: { subtotal: Parameters<typeof bagMinor>[0] }[] }) =>
  refund.refundLineItems.reduce((sum, l) => sum + bagMinor(l.subtotal).shopMinor, 0);

describe("refund lines carry their tax", () => {
  it("GIVEN a paid order WHEN a partial refund's refunds/create alone arrives THEN its points are reversed pro rata at once, and orders/updated changes nothing", async () => {
    const order = await paidOrder("tax.split@example.com");
    const orderGid = gid("Order", order.id);
    expect(bagMinor(order.totalTax).shopMinor).toBeGreaterThan(0);
    expect(await purchasePoints(orderGid)).toBe(expectedPurchasePoints(order, 0));

    const events = emitted(() => store.refundOrder(order.id, [{ lineItemId: order.lineItems[0].id, quantity: 2 }, { lineItemId: order.lineItems[1].id, quantity: 1 }]));
    const refundEvent = events.find((e) => e.topic === "refunds/create")!;
    const refund = refundEvent.payload as Json;
    // Each line's tax, shop and presentment money, and together the refund's whole tax (no shipping goes back on a partial refund).
    const refundedMinor = bagMinor(order.refunds[0].totalRefunded).shopMinor;
    const lines = refund.refund_line_items as Json[];
    const cents = (amount: string) => Math.round(Number(amount) * 100);
    expect(lines.every((l) => l.total_tax_set?.shop_money?.currency_code === order.currencyCode && l.total_tax === l.total_tax_set.shop_money.amount)).toBe(true);
    const linesTotal = lines.reduce((sum, l) => sum + cents(l.subtotal_set.shop_money.amount) + cents(l.total_tax_set.shop_money.amount), 0);
    expect(linesTotal).toBe(refundedMinor);
    expect(lines.map((l) => cents(l.total_tax_set.shop_money.amount)).every((tax) => tax > 0)).toBe(true);

    await deliver(refundEvent);
    const afterRefund = await purchasePoints(orderGid);
    expect(afterRefund).toBe(expectedPurchasePoints(order, refundedGoods(order.refunds[0])));
    expect((await db.prisma.refund.findFirst({ where: { shopDomain: shop, orderGid } }))?.totalMinor).toBe(BigInt(refundedMinor));
    expect(afterRefund).toBeLessThan(expectedPurchasePoints(order, 0));

    for (const e of events.filter((x) => x !== refundEvent)) await deliver(e);
    expect(await purchasePoints(orderGid)).toBe(afterRefund);
    const entries = await db.prisma.loyaltyEntry.findMany({ where: { shopDomain: shop, orderGid, kind: "order" } });
    expect(entries).toHaveLength(2); // the award and one reversal: nothing moved on the order update
  });

  it("GIVEN the old payload shape without per-line tax THEN the stored refund is short by its tax until the order update, while the points, reversed on goods, are right at once", async () => {
    const order = await paidOrder("tax.lag@example.com");
    const orderGid = gid("Order", order.id);
    const events = emitted(() => store.refundOrder(order.id, [{ lineItemId: order.lineItems[0].id, quantity: 1 }]));
    const refundEvent = events.find((e) => e.topic === "refunds/create")!;
    const withoutTax = {
      ...(refundEvent.payload as Json),
      refund_line_items: ((refundEvent.payload as Json).refund_line_items as Json[]).map(({ total_tax: _t, total_tax_set: _s, ...line }) => line),
    };
    const refundedMinor = bagMinor(order.refunds[0].totalRefunded).shopMinor;
    const goods = refundedGoods(order.refunds[0]);
    await deliver(refundEvent, withoutTax);
    const stored = await db.prisma.refund.findFirst({ where: { shopDomain: shop, orderGid } });
    expect(stored?.totalMinor).toBe(BigInt(goods));
    expect(goods).toBeLessThan(refundedMinor);
    expect(await purchasePoints(orderGid)).toBe(expectedPurchasePoints(order, goods));
    for (const e of events.filter((x) => x !== refundEvent)) await deliver(e);
    expect((await db.prisma.order.findUnique({ where: { shopDomain_orderGid: { shopDomain: shop, orderGid } } }))?.totalRefundedMinor).toBe(BigInt(refundedMinor));
    expect(await purchasePoints(orderGid)).toBe(expectedPurchasePoints(order, goods));
  });
});
