/**
 * Shopify's REST-format webhook payloads (snake_case) -> sync records.
 * Validated with zod so a malformed delivery is refused with a clear message
 * instead of half-written.
 */
import { z } from "zod";
import { toMinorUnits } from "./money";
import {
  InvalidRecordError,
  normaliseTags,
  parseOptionalTimestamp,
  parseTimestamp,
  type CustomerRecord,
  type LineItemRecord,
  type OrderRecord,
  type RefundRecord,
} from "./records";

const amount = z.union([z.string(), z.number()]);
const money = z.object({ amount, currency_code: z.string() });
const moneySet = z.object({ shop_money: money, presentment_money: money.optional() }).nullish();
const gidOf = (type: string) => z.string().startsWith(`gid://shopify/${type}/`);

const CustomerPayload = z
  .object({
    id: z.union([z.number(), z.string()]),
    admin_graphql_api_id: gidOf("Customer"),
    email: z.string().nullish(),
    first_name: z.string().nullish(),
    last_name: z.string().nullish(),
    phone: z.string().nullish(),
    state: z.string().nullish(),
    locale: z.string().nullish(),
    tags: z.union([z.string(), z.array(z.string())]).nullish(),
    currency: z.string().nullish(),
    created_at: z.string(),
    updated_at: z.string(),
    email_marketing_consent: z.object({ state: z.string().nullish() }).passthrough().nullish(),
    default_address: z.object({ country_code: z.string().nullish() }).passthrough().nullish(),
  })
  .passthrough();

const LineItemPayload = z
  .object({
    admin_graphql_api_id: gidOf("LineItem"),
    product_id: z.union([z.number(), z.string()]).nullish(),
    variant_id: z.union([z.number(), z.string()]).nullish(),
    title: z.string().nullish(),
    variant_title: z.string().nullish(),
    sku: z.string().nullish(),
    quantity: z.number().int(),
    price: amount,
    price_set: moneySet,
    total_discount_set: moneySet,
    discount_allocations: z.array(z.object({ amount_set: moneySet }).passthrough()).nullish(),
    gift_card: z.boolean().nullish(),
  })
  .passthrough();

const RefundPayload = z
  .object({
    id: z.union([z.number(), z.string()]),
    admin_graphql_api_id: gidOf("Refund"),
    order_id: z.union([z.number(), z.string()]).nullish(),
    created_at: z.string(),
    note: z.string().nullish(),
    refund_line_items: z
      .array(
        z.object({
          subtotal_set: moneySet,
          total_tax_set: moneySet,
          line_item: z.object({ gift_card: z.boolean().nullish() }).passthrough().nullish(),
        }).passthrough(),
      )
      .default([]),
    refund_shipping_lines: z.array(z.object({ subtotal_amount_set: moneySet, tax_amount_set: moneySet }).passthrough()).nullish(),
    order_adjustments: z.array(z.object({ kind: z.string().nullish(), amount_set: moneySet }).passthrough()).nullish(),
  })
  .passthrough();

const OrderPayload = z
  .object({
    admin_graphql_api_id: gidOf("Order"),
    name: z.string(),
    email: z.string().nullish(),
    created_at: z.string(),
    updated_at: z.string(),
    processed_at: z.string().nullish(),
    cancelled_at: z.string().nullish(),
    cancel_reason: z.string().nullish(),
    financial_status: z.string().nullish(),
    fulfillment_status: z.string().nullish(),
    currency: z.string(),
    presentment_currency: z.string().nullish(),
    subtotal_price_set: moneySet,
    total_discounts_set: moneySet,
    total_shipping_price_set: moneySet,
    total_tax_set: moneySet,
    total_price_set: moneySet,
    discount_codes: z.array(z.object({ code: z.string() }).passthrough()).nullish(),
    tags: z.union([z.string(), z.array(z.string())]).nullish(),
    test: z.boolean().nullish(),
    source_name: z.string().nullish(),
    customer: z.object({ admin_graphql_api_id: gidOf("Customer") }).passthrough().nullish(),
    line_items: z.array(LineItemPayload),
    refunds: z.array(RefundPayload).nullish(),
  })
  .passthrough();

const DeletePayload = z.object({ id: z.union([z.number(), z.string()]) }).passthrough();

function parse<T>(schema: z.ZodType<T>, payload: unknown, what: string): T {
  const result = schema.safeParse(payload);
  if (!result.success) {
    const first = result.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new InvalidRecordError(`${what} payload`, first.join("; "));
  }
  return result.data;
}

function shopMinor(set: z.infer<typeof moneySet>, fallbackCurrency: string): bigint {
  if (!set) return 0n;
  return toMinorUnits(set.shop_money.amount, set.shop_money.currency_code || fallbackCurrency);
}

const numericGid = (type: string, id: number | string | null | undefined) =>
  id === null || id === undefined || id === "" ? null : `gid://shopify/${type}/${id}`;

// REST uses lower-case statuses ("partially_refunded"); GraphQL's display enums are upper case.
const FULFILLMENT: Record<string, string> = {
  fulfilled: "FULFILLED",
  partial: "PARTIALLY_FULFILLED",
  unfulfilled: "UNFULFILLED",
  restocked: "RESTOCKED",
};

export function customerFromWebhook(payload: unknown): CustomerRecord {
  const c = parse(CustomerPayload, payload, "customer");
  const consentState = c.email_marketing_consent?.state;
  return {
    customerGid: c.admin_graphql_api_id,
    email: c.email ?? null,
    firstName: c.first_name ?? null,
    lastName: c.last_name ?? null,
    phone: c.phone ?? null,
    state: c.state ? c.state.toUpperCase() : null,
    locale: c.locale ?? null,
    countryCode: c.default_address?.country_code ?? null,
    // Absent since API 2025-01 (separate topics carry them); kept when an older payload has them.
    tags: c.tags === undefined || c.tags === null ? null : normaliseTags(c.tags),
    emailMarketingState: consentState ? consentState.toUpperCase() : null,
    birthday: null,
    numberOfOrders: null,
    amountSpentMinor: null,
    currencyCode: c.currency ?? null,
    rfmGroup: null,
    predictedSpendTier: null,
    createdAt: parseTimestamp(c.created_at, "customer.created_at"),
    updatedAt: parseTimestamp(c.updated_at, "customer.updated_at"),
  };
}

/** The GID of a deleted customer (customers/delete carries little more than the id). */
export function deletedCustomerGid(payload: unknown): string {
  const p = parse(DeletePayload, payload, "customers/delete");
  const gid = (p as { admin_graphql_api_id?: unknown }).admin_graphql_api_id;
  return typeof gid === "string" ? gid : `gid://shopify/Customer/${p.id}`;
}

/**
 * A refund's total in shop money: its line subtotals and their tax, plus
 * refunded shipping with its tax. Shipping comes from `refund_shipping_lines`;
 * payloads from before those existed carry it as order adjustments of kind
 * `shipping_refund` (negative amounts), read only when there are no shipping
 * lines, so a payload with both never counts it twice. The goods part (line
 * subtotals, gift cards left out) is kept apart for loyalty. The currency is
 * the one its amounts name; `orderCurrency` (the order's, when known) covers a
 * refund without amounts.
 *
 * @throws InvalidRecordError when neither names a currency.
 */
export function refundFromWebhook(payload: unknown, orderGid: string | null, orderCurrency: string | null): RefundRecord {
  const r = parse(RefundPayload, payload, "refund");
  const owner = orderGid ?? numericGid("Order", r.order_id ?? null);
  if (!owner) throw new InvalidRecordError("refund payload", "order_id missing");
  const shippingLines = r.refund_shipping_lines ?? [];
  const sets = [
    ...(r.refund_line_items ?? []).flatMap((line) => [line.subtotal_set, line.total_tax_set]),
    ...shippingLines.flatMap((line) => [line.subtotal_amount_set, line.tax_amount_set]),
    ...(r.order_adjustments ?? []).map((adjustment) => adjustment.amount_set),
  ];
  const currencyCode = sets.find((set) => set?.shop_money.currency_code)?.shop_money.currency_code ?? orderCurrency;
  if (!currencyCode) throw new InvalidRecordError("refund payload", "no amount names a currency and the order is not known yet");
  let total = 0n;
  let goods = 0n;
  for (const line of r.refund_line_items ?? []) {
    const subtotal = shopMinor(line.subtotal_set, currencyCode);
    total += subtotal + shopMinor(line.total_tax_set, currencyCode);
    if (line.line_item?.gift_card !== true) goods += subtotal;
  }
  if (shippingLines.length > 0) {
    for (const line of shippingLines) total += shopMinor(line.subtotal_amount_set, currencyCode) + shopMinor(line.tax_amount_set, currencyCode);
  } else {
    for (const adjustment of r.order_adjustments ?? []) {
      if (adjustment.kind === "shipping_refund") total -= shopMinor(adjustment.amount_set, currencyCode);
    }
  }
  return {
    refundGid: r.admin_graphql_api_id,
    orderGid: owner,
    note: r.note ?? null,
    totalMinor: total,
    goodsMinor: goods,
    currencyCode,
    createdAt: parseTimestamp(r.created_at, "refund.created_at"),
  };
}

function lineItemFromWebhook(line: z.infer<typeof LineItemPayload>, currencyCode: string): LineItemRecord {
  const unit = line.price_set ? shopMinor(line.price_set, currencyCode) : toMinorUnits(line.price, currencyCode);
  const allocations = line.discount_allocations ?? [];
  const discount =
    allocations.length > 0
      ? allocations.reduce((sum, a) => sum + shopMinor(a.amount_set, currencyCode), 0n)
      : shopMinor(line.total_discount_set, currencyCode);
  return {
    lineItemGid: line.admin_graphql_api_id,
    productGid: numericGid("Product", line.product_id),
    variantGid: numericGid("ProductVariant", line.variant_id),
    title: line.title ?? "",
    variantTitle: line.variant_title ?? null,
    sku: line.sku ?? null,
    quantity: line.quantity,
    unitPriceMinor: unit,
    discountedTotalMinor: unit * BigInt(line.quantity) - discount,
    isGiftCard: line.gift_card === true,
  };
}

export function orderFromWebhook(payload: unknown): OrderRecord {
  const o = parse(OrderPayload, payload, "order");
  const currencyCode = o.currency;
  const refunds = (o.refunds ?? []).map((r) => refundFromWebhook(r, o.admin_graphql_api_id, currencyCode));
  return {
    orderGid: o.admin_graphql_api_id,
    name: o.name,
    customerGid: o.customer?.admin_graphql_api_id ?? null,
    email: o.email ?? null,
    financialStatus: o.financial_status ? o.financial_status.toUpperCase() : null,
    fulfillmentStatus: FULFILLMENT[o.fulfillment_status ?? "unfulfilled"] ?? (o.fulfillment_status ?? "").toUpperCase(),
    currencyCode,
    presentmentCurrencyCode: o.presentment_currency ?? null,
    subtotalMinor: shopMinor(o.subtotal_price_set, currencyCode),
    totalDiscountsMinor: shopMinor(o.total_discounts_set, currencyCode),
    totalShippingMinor: shopMinor(o.total_shipping_price_set, currencyCode),
    totalTaxMinor: shopMinor(o.total_tax_set, currencyCode),
    totalPriceMinor: shopMinor(o.total_price_set, currencyCode),
    totalRefundedMinor: refunds.reduce((sum, r) => sum + r.totalMinor, 0n),
    discountCodes: (o.discount_codes ?? []).map((d) => d.code),
    tags: normaliseTags(o.tags),
    sourceName: o.source_name ?? null,
    test: o.test === true,
    processedAt: parseTimestamp(o.processed_at ?? o.created_at, "order.processed_at"),
    cancelledAt: parseOptionalTimestamp(o.cancelled_at, "order.cancelled_at"),
    cancelReason: o.cancel_reason ? o.cancel_reason.toUpperCase() : null,
    createdAt: parseTimestamp(o.created_at, "order.created_at"),
    updatedAt: parseTimestamp(o.updated_at, "order.updated_at"),
    lineItems: o.line_items.map((l) => lineItemFromWebhook(l, currencyCode)),
    refunds,
  };
}
