/**
 * Refunded shipping through the dev store's webhooks: refunds/create carries
 * `refund_shipping_lines` (as Shopify's does), so the app stores a refund that
 * returned shipping at the shop's amount from the webhook alone, and points
 * come back on the refunded goods only: earn then full refund nets to zero,
 * a partial refund takes back its goods' share, and duplicate, reordered and
 * reconciled deliveries move nothing further.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dialectOf } from "~/db/adapter.server";
import type { PinnedOrderRules } from "~/domain/loyalty";
import { SyncRepository } from "~/db/sync-repository.server";
import { applyLoyaltyWebhook } from "~/services/loyalty-webhooks.server";
import { earnForChangedOrders } from "~/services/points.server";
import { applyShopWebhook } from "~/services/shop-webhooks.server";
import { AdminClient } from "~/shopify/admin-client.server";
import { installLocalShopifyFetch } from "../../dev-store/redirect-fetch";
import { bagMinor } from "../../dev-store/money";
import { gid, type DevOrder } from "../../dev-store/model";
import type { StoreEvent } from "../../dev-store/store";
import { reconcileAndSweep, startStormShop } from "../helpers/faults-storm";
import type { TestDevStore } from "../helpers/dev-store";
import { createTestDatabase, type TestDatabase } from "../setup/test-db";

type Json = Record<string, any>;

let db: TestDatabase;
let devStore: TestDevStore;
let delivered = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  devStore = await startStormShop(db.prisma, db.url, { seed: 73, orders: 30 });
}, 60_000);
afterAll(async () => {
  await devStore?.close();
  await db?.cleanup();
});

const shop = () => devStore.shop;

async function deliver(e: StoreEvent) {
  const webhookId = `rs${++delivered}`;
  await applyShopWebhook({ shopDomain: shop(), topic: e.topic, webhookId, eventId: webhookId, triggeredAt: e.occurredAt, payload: e.payload }, { db: db.prisma, dialect: dialectOf(db.url) });
  expect(await applyLoyaltyWebhook(shop(), e.topic, e.payload, { db: db.prisma })).not.toBe("failed");
}

const orderEntries = (orderGid: string) => db.prisma.loyaltyEntry.findMany({ where: { shopDomain: shop(), orderGid, kind: "order" }, orderBy: { createdAt: "asc" } });
const purchasePoints = async (orderGid: string) => (await orderEntries(orderGid)).reduce((sum, e) => sum + e.points, 0);

/** Points `minor` of goods earn under the order's pinned rules (the pin is on its first entry). */
async function pointsFor(orderGid: string, minor: number, currencyCode: string): Promise<number> {
  const first = (await orderEntries(orderGid))[0];
  const pin = (JSON.parse(first.detail!) as { pin: PinnedOrderRules }).pin;
  const exponent = currencyCode === "JPY" ? 0 : 2;
  return Math.floor((minor * pin.pointsPerUnit * pin.multiplierPct) / (10 ** exponent * 100));
}

/** A paid order under the free-shipping threshold (so it pays shipping) of a new customer, delivered. */
async function paidOrderWithShipping(email: string): Promise<DevOrder> {
  const store = devStore.store;
  const variants = store.products().filter((p) => p.status === "ACTIVE" && p.productType !== "Gift Card").flatMap((p) => p.variants)
    .sort((a, b) => Number(a.price) - Number(b.price));
  let orderId = "";
  const { events } = store.capture(() => {
    const customer = store.createCustomer({ email, countryCode: "US" });
    orderId = store.createOrder({ customerId: customer.id, lines: [{ variantId: variants[0].id, quantity: 2 }, { variantId: variants[1].id, quantity: 1 }] }).id;
  });
  for (const e of events) await deliver(e);
  const order = store.order(orderId)!;
  expect(bagMinor(order.totalShipping).shopMinor).toBeGreaterThan(0);
  return order;
}

const refundGoods = (r: DevOrder["refunds"][number]) => r.refundLineItems.reduce((sum, l) => sum + bagMinor(l.subtotal).shopMinor, 0);

describe("refunded shipping and goods-only reversal", () => {
  it("GIVEN an order that paid shipping WHEN it is refunded in full, shipping included, THEN refunds/create alone stores the shop's amount and the points net to zero; duplicates, reordering and reconciliation change nothing", async () => {
    const order = await paidOrderWithShipping("full.refund@example.com");
    const orderGid = gid("Order", order.id);
    const earned = await purchasePoints(orderGid);
    expect(earned).toBe(await pointsFor(orderGid, bagMinor(order.subtotalPrice).shopMinor, order.currencyCode));
    expect(earned).toBeGreaterThan(0);

    // A partial refund first (its refunds/create only), then the rest, shipping included.
    const partial = devStore.store.capture(() => devStore.store.refundOrder(order.id, [{ lineItemId: order.lineItems[0].id, quantity: 1 }])).events;
    await deliver(partial.find((e) => e.topic === "refunds/create")!);
    const full = devStore.store.capture(() => devStore.store.refundOrder(order.id, "all")).events;
    const refundCreate = full.find((e) => e.topic === "refunds/create")!;
    const payload = refundCreate.payload as Json;
    const shipping = bagMinor(order.totalShipping).shopMinor;
    expect(payload.refund_shipping_lines).toHaveLength(1);
    expect(payload.refund_shipping_lines[0].subtotal_amount_set.shop_money).toEqual({ amount: order.totalShipping.shopMoney.amount, currency_code: order.currencyCode });
    expect(payload.refund_shipping_lines[0].shipping_line_id).toBe((payload.refund_shipping_lines[0].shipping_line as Json).id);
    expect((partial.find((e) => e.topic === "refunds/create")!.payload as Json).refund_shipping_lines).toEqual([]);

    await deliver(refundCreate);
    const lastRefund = order.refunds[order.refunds.length - 1];
    const stored = await db.prisma.refund.findUnique({ where: { shopDomain_refundGid: { shopDomain: shop(), refundGid: gid("Refund", lastRefund.id) } } });
    expect(stored?.totalMinor).toBe(BigInt(bagMinor(lastRefund.totalRefunded).shopMinor));
    expect(stored?.goodsMinor).toBe(BigInt(refundGoods(lastRefund)));
    expect(bagMinor(lastRefund.totalRefunded).shopMinor).toBeGreaterThan(refundGoods(lastRefund) + shipping - 1);
    const refundRows = await db.prisma.refund.aggregate({ where: { shopDomain: shop(), orderGid }, _sum: { totalMinor: true } });
    expect(refundRows._sum.totalMinor).toBe(BigInt(bagMinor(order.totalRefunded).shopMinor));
    expect(await purchasePoints(orderGid)).toBe(0);
    const settled = (await orderEntries(orderGid)).length;

    // Everything again, reordered and duplicated: the order updates, both refunds once more.
    for (const e of [...full, ...partial, ...full].reverse()) await deliver(e);
    const row = await db.prisma.order.findUnique({ where: { shopDomain_orderGid: { shopDomain: shop(), orderGid } } });
    expect(row?.totalRefundedMinor).toBe(BigInt(bagMinor(order.totalRefunded).shopMinor));
    expect(row?.financialStatus).toBe("REFUNDED");
    expect(await purchasePoints(orderGid)).toBe(0);
    expect((await orderEntries(orderGid)).length).toBe(settled);

    // Reconciliation reads refunds from the Admin API without their lines: the goods the webhook stored stay.
    await reconcileAndSweep(db.prisma, db.url, devStore);
    const afterReconcile = await db.prisma.refund.findMany({ where: { shopDomain: shop(), orderGid }, orderBy: { refundGid: "asc" } });
    expect(afterReconcile.map((r) => r.goodsMinor)).toEqual(order.refunds.map((r) => BigInt(refundGoods(r))));
    // The same refunds written as the bulk export maps them (no lines, so no goods) keep what the webhooks stored.
    await new SyncRepository(db.prisma, dialectOf(db.url)).upsertRefunds(shop(), afterReconcile.map((r) => ({
      refundGid: r.refundGid, orderGid, note: r.note, totalMinor: r.totalMinor, goodsMinor: null, currencyCode: r.currencyCode, createdAt: r.shopifyCreatedAt,
    })));
    const rewritten = await db.prisma.refund.findMany({ where: { shopDomain: shop(), orderGid }, orderBy: { refundGid: "asc" } });
    expect(rewritten.map((r) => r.goodsMinor)).toEqual(afterReconcile.map((r) => r.goodsMinor));
    await earnForChangedOrders(shop(), new Date(0), { db: db.prisma });
    expect((await orderEntries(orderGid)).length).toBe(settled);
  }, 60_000);

  it("GIVEN an order that paid shipping WHEN one line is refunded THEN exactly that line's goods' points come back (the old share of the total gave back less)", async () => {
    const order = await paidOrderWithShipping("partial.refund@example.com");
    const orderGid = gid("Order", order.id);
    const subtotal = bagMinor(order.subtotalPrice).shopMinor;
    const total = bagMinor(order.totalPrice).shopMinor;
    const earned = await purchasePoints(orderGid);

    const events = devStore.store.capture(() => devStore.store.refundOrder(order.id, [{ lineItemId: order.lineItems[1].id, quantity: 1 }])).events;
    // The order's update first this time, then its refunds/create.
    for (const e of [...events].reverse()) await deliver(e);
    const goods = refundGoods(order.refunds[0]);
    const refunded = bagMinor(order.refunds[0].totalRefunded).shopMinor;
    const kept = await purchasePoints(orderGid);
    expect(kept).toBe(await pointsFor(orderGid, subtotal - goods, order.currencyCode));
    expect(earned - kept).toBe((await pointsFor(orderGid, subtotal, order.currencyCode)) - (await pointsFor(orderGid, subtotal - goods, order.currencyCode)));
    // Pro rata to the total (shipping in it), the same refund would have kept more points than the goods kept.
    const proRata = Math.floor((await pointsFor(orderGid, subtotal, order.currencyCode)) * (total - refunded) / total);
    expect(proRata).toBeGreaterThan(kept);

    for (const e of events) await deliver(e);
    expect(await purchasePoints(orderGid)).toBe(kept);
  }, 60_000);

  it("GIVEN every line refunded but not the shipping THEN the points are all back though the order stays partially refunded; the shipping refunded later on its own moves nothing", async () => {
    const order = await paidOrderWithShipping("lines.then.shipping@example.com");
    const orderGid = gid("Order", order.id);
    expect(await purchasePoints(orderGid)).toBeGreaterThan(0);
    const lines = devStore.store.capture(() => devStore.store.refundOrder(order.id, order.lineItems.map((l) => ({ lineItemId: l.id, quantity: l.quantity })))).events;
    for (const e of lines) await deliver(e);
    expect(order.financialStatus).toBe("PARTIALLY_REFUNDED");
    expect(await purchasePoints(orderGid)).toBe(0);
    const settled = (await orderEntries(orderGid)).length;

    const shippingOnly = devStore.store.capture(() => devStore.store.refundOrder(order.id, "all")).events;
    const payload = shippingOnly.find((e) => e.topic === "refunds/create")!.payload as Json;
    expect(payload.refund_line_items).toEqual([]);
    expect(payload.refund_shipping_lines.map((l: Json) => l.subtotal_amount_set.shop_money.amount)).toEqual([order.totalShipping.shopMoney.amount]);
    for (const e of shippingOnly) await deliver(e);
    const stored = await db.prisma.refund.findUnique({ where: { shopDomain_refundGid: { shopDomain: shop(), refundGid: gid("Refund", order.refunds[1].id) } } });
    expect(stored).toMatchObject({ totalMinor: BigInt(bagMinor(order.totalShipping).shopMinor), goodsMinor: 0n });
    expect((await db.prisma.order.findUnique({ where: { shopDomain_orderGid: { shopDomain: shop(), orderGid } } }))?.totalRefundedMinor).toBe(BigInt(bagMinor(order.totalPrice).shopMinor));
    expect((await orderEntries(orderGid)).length).toBe(settled);
  }, 60_000);

  it("serves refunded shipping through the Admin API: Refund.refundShippingLines and Order.totalRefundedShippingSet", async () => {
    const refunded = await paidOrderWithShipping("graphql.refund@example.com");
    devStore.store.capture(() => {
      devStore.store.refundOrder(refunded.id, [{ lineItemId: refunded.lineItems[0].id, quantity: 1 }]);
      devStore.store.refundOrder(refunded.id, "all");
    });
    const restore = installLocalShopifyFetch(devStore.server.url);
    try {
      const client = new AdminClient({ shop: shop(), accessToken: devStore.accessToken });
      const data = await client.request<Json>(`#graphql
        query RefundShippingCheck($id: ID!) {
          order(id: $id) {
            totalRefundedShippingSet { shopMoney { amount currencyCode } }
            refunds {
              totalRefundedSet { shopMoney { amount } }
              refundShippingLines(first: 5) {
                nodes {
                  id
                  subtotalAmountSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
                  taxAmountSet { shopMoney { amount } }
                  shippingLine { id title originalPriceSet { shopMoney { amount } } }
                }
              }
            }
          }
        }`, { id: gid("Order", refunded.id) });
      const shipping = refunded.totalShipping.shopMoney.amount;
      expect(data.order.totalRefundedShippingSet.shopMoney).toEqual({ amount: shipping, currencyCode: refunded.currencyCode });
      // Only the refund of the rest returned shipping.
      expect((data.order.refunds as Json[]).map((r) => r.refundShippingLines.nodes.length)).toEqual([0, 1]);
      const lines = (data.order.refunds as Json[]).flatMap((r) => r.refundShippingLines.nodes as Json[]);
      expect(lines[0].subtotalAmountSet.shopMoney.amount).toBe(shipping);
      expect(lines[0].id).toMatch(/^gid:\/\/shopify\/RefundShippingLine\//);
      expect(lines[0].shippingLine.originalPriceSet.shopMoney.amount).toBe(shipping);
    } finally {
      restore();
    }
  });
});
