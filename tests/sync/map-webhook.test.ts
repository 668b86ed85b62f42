import { describe, expect, it } from "vitest";
import payload from "../fixtures/orders-create.json";
import { customerFromWebhook, orderFromWebhook, refundFromWebhook } from "~/domain/sync/map-webhook";
import { InvalidRecordError } from "~/domain/sync/records";

describe("orderFromWebhook (Shopify's documented orders/create example)", () => {
  const order = orderFromWebhook(payload);

  it("keeps ids as GIDs, money in minor units and times as instants", () => {
    expect(order.orderGid).toBe("gid://shopify/Order/820982911946154508");
    expect(order.customerGid).toBe("gid://shopify/Customer/115310627314723954");
    expect(order.totalPriceMinor).toBe(39800n);
    expect(order.subtotalMinor).toBe(38800n);
    expect(order.totalShippingMinor).toBe(1000n);
    expect(order.createdAt.toISOString()).toBe("2022-01-01T00:00:00.000Z");
    expect(order.cancelledAt?.toISOString()).toBe("2022-01-01T00:00:00.000Z");
  });

  it("normalises REST statuses and tags to the GraphQL forms", () => {
    expect(order.financialStatus).toBe("VOIDED");
    expect(order.cancelReason).toBe("CUSTOMER");
    expect(order.tags).toEqual(["tag1", "tag2"]);
    expect(order.discountCodes).toEqual(["WELCOME10"]);
  });

  it("takes line discounts from their allocations", () => {
    expect(order.lineItems.map((l) => [l.unitPriceMinor, l.discountedTotalMinor])).toEqual([
      [19900n, 19900n],
      [19900n, 18900n],
    ]);
    expect(order.lineItems[1].variantGid).toBe("gid://shopify/ProductVariant/1");
    expect(order.lineItems[0].variantGid).toBeNull();
  });

  it("totals a refund from its lines, their tax and refunded shipping", () => {
    expect(order.refunds).toHaveLength(1);
    expect(order.refunds[0].totalMinor).toBe(19900n + 500n);
    expect(order.totalRefundedMinor).toBe(20400n);
  });

  it("refuses a payload without line items or with a bad amount, saying where", () => {
    expect(() => orderFromWebhook({ ...payload, line_items: undefined })).toThrow(/line_items/);
    expect(() =>
      orderFromWebhook({ ...payload, total_price_set: { shop_money: { amount: "12.345", currency_code: "USD" } } }),
    ).toThrow(/decimal places/);
    expect(() => orderFromWebhook("not json")).toThrow(InvalidRecordError);
  });
});

describe("customerFromWebhook", () => {
  it("leaves fields REST does not carry as null, so stored values are kept", () => {
    const customer = customerFromWebhook({
      id: 1,
      admin_graphql_api_id: "gid://shopify/Customer/1",
      email: "a@example.com",
      created_at: "2025-01-01T00:00:00Z",
      updated_at: "2025-02-01T00:00:00Z",
      tags: "vip, wholesale",
      state: "enabled",
      email_marketing_consent: { state: "subscribed", opt_in_level: "single_opt_in" },
    });
    expect(customer).toMatchObject({
      customerGid: "gid://shopify/Customer/1",
      state: "ENABLED",
      emailMarketingState: "SUBSCRIBED",
      tags: ["vip", "wholesale"],
      numberOfOrders: null,
      amountSpentMinor: null,
    });
  });

  it("refuses a customer without updated_at (it could not be ordered against other versions)", () => {
    expect(() => customerFromWebhook({ id: 1, admin_graphql_api_id: "gid://shopify/Customer/1", created_at: "2025-01-01T00:00:00Z" })).toThrow(
      /updated_at/,
    );
  });
});

describe("refundFromWebhook", () => {
  const base = { id: 1, admin_graphql_api_id: "gid://shopify/Refund/1", order_id: 9, created_at: "2025-01-01T00:00:00Z" };
  const eur = (amount: string) => ({ shop_money: { amount, currency_code: "EUR" } });

  it("takes the currency its amounts name, not a default", () => {
    const refund = refundFromWebhook({ ...base, order_adjustments: [{ kind: "shipping_refund", amount_set: eur("-4.50") }] }, null, null);
    expect([refund.orderGid, refund.currencyCode, refund.totalMinor]).toEqual(["gid://shopify/Order/9", "EUR", 450n]);
  });

  it("counts refunded shipping and its tax from refund_shipping_lines, and keeps the goods apart (gift cards left out)", () => {
    const refund = refundFromWebhook({
      ...base,
      refund_line_items: [
        { subtotal_set: eur("20.00"), total_tax_set: eur("4.00"), line_item: { gift_card: false } },
        { subtotal_set: eur("25.00"), total_tax_set: eur("0.00"), line_item: { gift_card: true } },
        { subtotal_set: eur("3.50"), total_tax_set: eur("0.70") },
      ],
      refund_shipping_lines: [{ id: 5, shipping_line_id: 6, subtotal_amount_set: eur("5.99"), tax_amount_set: eur("1.20") }],
    }, null, null);
    expect(refund.totalMinor).toBe(2000n + 400n + 2500n + 350n + 70n + 599n + 120n);
    expect(refund.goodsMinor).toBe(2000n + 350n);
  });

  it("reads shipping from shipping_refund adjustments only when there are no refund_shipping_lines (never twice)", () => {
    const shippingLine = { subtotal_amount_set: eur("5.00"), tax_amount_set: null };
    const adjustment = { kind: "shipping_refund", amount_set: eur("-5.00") };
    const discrepancy = { kind: "refund_discrepancy", amount_set: eur("-0.01") };
    expect(refundFromWebhook({ ...base, refund_shipping_lines: [shippingLine], order_adjustments: [adjustment] }, null, null).totalMinor).toBe(500n);
    expect(refundFromWebhook({ ...base, refund_shipping_lines: [], order_adjustments: [adjustment, discrepancy] }, null, null).totalMinor).toBe(500n);
    expect(refundFromWebhook({ ...base, order_adjustments: [adjustment] }, null, null)).toMatchObject({ totalMinor: 500n, goodsMinor: 0n });
  });

  it("refuses a refund shipping line with a bad amount", () => {
    expect(() => refundFromWebhook({ ...base, refund_shipping_lines: [{ subtotal_amount_set: eur("5.999") }] }, null, null)).toThrow(/decimal places/);
    expect(() => refundFromWebhook({ ...base, refund_shipping_lines: [{ subtotal_amount_set: "5.00" }] }, null, null)).toThrow(InvalidRecordError);
  });

  it("falls back to the order's currency for a refund without amounts, and refuses when that is unknown too", () => {
    expect(refundFromWebhook(base, null, "JPY")).toMatchObject({ currencyCode: "JPY", totalMinor: 0n });
    expect(() => refundFromWebhook(base, null, null)).toThrow(/no amount names a currency/);
  });
});
