import { beforeAll, describe, expect, it } from "vitest";
import { generateShop } from "../../dev-store/generator";
import { gid, type DevOrder } from "../../dev-store/model";
import { bagMinor, formatMinor } from "../../dev-store/money";
import { DevStore } from "../../dev-store/store";
import {
  customerDeletePayload, customerPayload, formatRestTime, orderPayload, productPayload, refundPayload,
} from "../../dev-store/webhook-payloads";

type Json = Record<string, any>;

let store: DevStore;
beforeAll(() => {
  store = new DevStore(generateShop({ seed: 31, orders: 1500 }), { clock: () => new Date("2026-11-01T00:00:00.000Z") });
});

function set(amountShop: string, shopCur: string, amountPres: string, presCur: string) {
  return { shop_money: { amount: amountShop, currency_code: shopCur }, presentment_money: { amount: amountPres, currency_code: presCur } };
}

describe("formatRestTime", () => {
  it("renders UTC stamps in the shop's zone with its offset, like Shopify's REST times", () => {
    expect(formatRestTime("2026-01-15T17:30:05.000Z", "America/New_York")).toBe("2026-01-15T12:30:05-05:00");
    expect(formatRestTime("2026-07-15T17:30:05.000Z", "America/New_York")).toBe("2026-07-15T13:30:05-04:00");
    expect(formatRestTime("2026-07-15T17:30:05.000Z")).toBe("2026-07-15T17:30:05+00:00");
    expect(formatRestTime(null, "UTC")).toBeNull();
  });
});

describe("orderPayload", () => {
  it("carries Shopify's REST order fields for a foreign-currency, discounted, refunded order", () => {
    const order = store.orders().find((o) => o.presentmentCurrencyCode !== "USD" && o.financialStatus === "PARTIALLY_REFUNDED" && o.customerId)
      ?? store.orders().find((o) => o.financialStatus === "PARTIALLY_REFUNDED" && o.customerId)!;
    const p = orderPayload(order, store) as Json;
    const pres = order.presentmentCurrencyCode;
    expect(p).toMatchObject({
      id: Number(order.id),
      admin_graphql_api_id: gid("Order", order.id),
      name: order.name,
      order_number: Number(order.name.slice(1)),
      email: order.email,
      currency: "USD",
      presentment_currency: pres,
      financial_status: "partially_refunded",
      fulfillment_status: "fulfilled",
      cancelled_at: null,
      cancel_reason: null,
      test: false,
      source_name: order.sourceName,
      subtotal_price: order.subtotalPrice.shopMoney.amount,
      total_price: order.totalPrice.shopMoney.amount,
      total_tax: order.totalTax.shopMoney.amount,
      total_discounts: order.totalDiscounts.shopMoney.amount,
      total_price_set: set(order.totalPrice.shopMoney.amount, "USD", order.totalPrice.presentmentMoney.amount, pres),
      total_shipping_price_set: set(order.totalShipping.shopMoney.amount, "USD", order.totalShipping.presentmentMoney.amount, pres),
      tags: order.tags.join(", "),
    });
    expect(p.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-0[45]:00$/);
    expect(Date.parse(p.created_at)).toBe(Date.parse(order.createdAt));
    expect(Date.parse(p.updated_at)).toBe(Date.parse(order.updatedAt));
    expect(Date.parse(p.processed_at)).toBe(Date.parse(order.processedAt));

    const total = bagMinor(order.totalPrice);
    const refunded = bagMinor(order.totalRefunded);
    expect(p.current_total_price).toBe(formatMinor(total.shopMinor - refunded.shopMinor, "USD"));
    expect(p.current_total_price_set.presentment_money.amount).toBe(formatMinor(total.presentmentMinor - refunded.presentmentMinor, pres));
    expect(Number(p.current_subtotal_price)).toBeLessThan(Number(p.subtotal_price));

    expect(p.customer).toMatchObject({ id: Number(order.customerId), admin_graphql_api_id: gid("Customer", order.customerId!) });
    expect(p.line_items).toHaveLength(order.lineItems.length);
    const li = order.lineItems[0];
    expect(p.line_items[0]).toMatchObject({
      id: Number(li.id),
      admin_graphql_api_id: gid("LineItem", li.id),
      product_id: Number(li.productId),
      variant_id: Number(li.variantId),
      title: li.title,
      variant_title: li.variantTitle,
      sku: li.sku,
      quantity: li.quantity,
      price: li.originalUnitPrice.shopMoney.amount,
      price_set: set(li.originalUnitPrice.shopMoney.amount, "USD", li.originalUnitPrice.presentmentMoney.amount, pres),
      total_discount: li.totalDiscount.shopMoney.amount,
      total_discount_set: set(li.totalDiscount.shopMoney.amount, "USD", li.totalDiscount.presentmentMoney.amount, pres),
      vendor: store.product(li.productId!)!.vendor,
    });
    expect(p.refunds).toHaveLength(order.refunds.length);
    expect(p.refunds[0].id).toBe(Number(order.refunds[0].id));
    // Whatever Shopify sends survives a JSON round trip unchanged.
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  it("lists discount codes with their amounts and a guest order has no customer", () => {
    const discounted = store.orders().find((o) => o.discountCodes[0] === "SAVE15")!;
    expect((orderPayload(discounted, store) as Json).discount_codes).toEqual([{ code: "SAVE15", amount: discounted.totalDiscounts.shopMoney.amount, type: "percentage" }]);
    const guest = store.orders().find((o) => o.customerId === null)!;
    const p = orderPayload(guest, store) as Json;
    expect(p.customer).toBeNull();
    expect(p.email).toBe(guest.email);
  });

  it("lowercases statuses and reasons of cancelled and pending orders", () => {
    const cancelled = store.orders().find((o) => o.cancelledAt && o.financialStatus === "VOIDED")!;
    const p = orderPayload(cancelled, store) as Json;
    expect(p.financial_status).toBe("voided");
    expect(p.cancel_reason).toBe(cancelled.cancelReason!.toLowerCase());
    expect(Date.parse(p.cancelled_at)).toBe(Date.parse(cancelled.cancelledAt!));
    expect(p.fulfillment_status).toBeNull();
    const pending = store.orders().find((o) => o.financialStatus === "PENDING")!;
    const q = orderPayload(pending, store) as Json;
    expect(q.financial_status).toBe("pending");
    expect(q.total_outstanding).toBe(pending.totalPrice.shopMoney.amount);
  });
});

describe("refundPayload", () => {
  it("carries refund lines and a refund transaction that add up", () => {
    const order: DevOrder = store.orders().find((o) => o.refunds.some((r) => r.refundLineItems.length > 0))!;
    const refund = order.refunds.find((r) => r.refundLineItems.length > 0)!;
    const p = refundPayload(refund, order, store) as Json;
    expect(p).toMatchObject({
      id: Number(refund.id),
      admin_graphql_api_id: gid("Refund", refund.id),
      order_id: Number(order.id),
      note: refund.note,
      transactions: [{ kind: "refund", status: "success", amount: refund.totalRefunded.presentmentMoney.amount, currency: order.presentmentCurrencyCode }],
    });
    expect(Date.parse(p.created_at)).toBe(Date.parse(refund.createdAt));
    expect(p.refund_line_items).toHaveLength(refund.refundLineItems.length);
    const rli = refund.refundLineItems[0];
    expect(p.refund_line_items[0]).toMatchObject({
      id: Number(rli.id),
      line_item_id: Number(rli.lineItemId),
      quantity: rli.quantity,
      subtotal: rli.subtotal.shopMoney.amount,
      subtotal_set: set(rli.subtotal.shopMoney.amount, "USD", rli.subtotal.presentmentMoney.amount, order.presentmentCurrencyCode),
      line_item: { id: Number(rli.lineItemId) },
    });
    const lineSum = p.refund_line_items.reduce((s: number, l: Json) => s + Math.round(Number(l.subtotal) * 100), 0);
    expect(lineSum).toBeLessThanOrEqual(Math.round(Number(refund.totalRefunded.shopMoney.amount) * 100));
  });
});

describe("customerPayload", () => {
  it("has the 2025-01+ webhook customer fields and leaves out the ones Shopify removed", () => {
    const c = store.customers().find((x) => x.tags.length > 0 && x.emailMarketingState === "SUBSCRIBED" && x.phone)!;
    const p = customerPayload(c, { shop: store.shop }) as Json;
    expect(p).toMatchObject({
      id: Number(c.id),
      admin_graphql_api_id: gid("Customer", c.id),
      email: c.email,
      first_name: c.firstName,
      last_name: c.lastName,
      phone: c.phone,
      state: c.state.toLowerCase(),
      note: c.note,
      verified_email: c.verifiedEmail,
      tax_exempt: c.taxExempt,
      currency: "USD",
      default_address: { country_code: c.countryCode, default: true, customer_id: Number(c.id) },
    });
    expect(Date.parse(p.created_at)).toBe(Date.parse(c.createdAt));
    expect(Date.parse(p.updated_at)).toBe(Date.parse(c.updatedAt));
    for (const removed of ["tags", "email_marketing_consent", "sms_marketing_consent", "orders_count", "total_spent"]) expect(p).not.toHaveProperty(removed);

    const legacy = customerPayload(c, { shop: store.shop, includeRemovedFields: true }) as Json;
    expect(legacy.tags).toBe(c.tags.join(", "));
    expect(legacy.email_marketing_consent).toEqual({
      state: "subscribed",
      opt_in_level: "single_opt_in",
      consent_updated_at: formatRestTime(c.emailMarketingConsentUpdatedAt, store.shop.ianaTimezone),
    });
  });

  it("sends customers/delete as an emptied customer with its ids", () => {
    const c = store.customers()[0];
    expect(customerDeletePayload(c)).toEqual({ id: Number(c.id), phone: null, addresses: [], tax_exemptions: [], admin_graphql_api_id: gid("Customer", c.id) });
  });
});

describe("productPayload", () => {
  it("has the product, its variants and comma-separated tags", () => {
    const product = store.products().find((p) => p.variants.length > 1)!;
    const p = productPayload(product, store.shop) as Json;
    expect(p).toMatchObject({ id: Number(product.id), admin_graphql_api_id: gid("Product", product.id), title: product.title, tags: product.tags.join(", "), status: product.status.toLowerCase() });
    expect(p.variants.map((v: Json) => v.price)).toEqual(product.variants.map((v) => v.price));
  });
});
