/**
 * REST-format (snake_case) webhook bodies, as Shopify delivers them, built from
 * dev-store records. GraphQL is never used for webhook bodies.
 *
 * Conventions (as Shopify's): ids are JSON numbers (Shopify's ids stay below
 * 2^53) next to `admin_graphql_api_id` GIDs; money is decimal strings, with
 * `*_set` bags `{ shop_money: { amount, currency_code }, presentment_money: {...} }`;
 * times are ISO-8601 in the shop's time zone with an offset
 * ("2025-03-04T05:22:31-05:00"); enums are lowercase ("paid", "partially_refunded");
 * tags are one comma-separated string.
 *
 * Shapes:
 * - orders/create, orders/updated, orders/paid, orders/cancelled -> {@link orderPayload}:
 *   id, admin_graphql_api_id, name, number, order_number, email, contact_email, created_at,
 *   updated_at, processed_at, cancelled_at, cancel_reason, closed_at, currency,
 *   presentment_currency, financial_status, fulfillment_status, confirmed, test, source_name,
 *   tags, customer_locale, taxes_included, tax_exempt, subtotal_price(+_set),
 *   total_line_items_price(+_set), total_discounts(+_set), total_tax(+_set), total_price(+_set),
 *   total_shipping_price_set, current_subtotal_price(+_set), current_total_discounts(+_set),
 *   current_total_tax(+_set), current_total_price(+_set), total_outstanding, discount_codes
 *   [{code, amount, type}], discount_applications, shipping_lines, tax_lines, payment_gateway_names,
 *   customer, billing_address, shipping_address, line_items, refunds, fulfillments ([]), note,
 *   note_attributes.
 * - refunds/create -> {@link refundPayload}: id, admin_graphql_api_id, order_id, created_at,
 *   processed_at, note, restock, user_id, refund_line_items [{id, line_item_id, quantity,
 *   restock_type, location_id, subtotal, subtotal_set, total_tax, total_tax_set, line_item}],
 *   refund_shipping_lines [{id, shipping_line_id, subtotal_amount_set, tax_amount_set,
 *   shipping_line}] (one when the refund returned shipping), transactions [{id,
 *   admin_graphql_api_id, order_id, kind: "refund", status: "success", gateway, amount,
 *   currency, created_at, processed_at, parent_id, test}], order_adjustments, duties.
 * - customers/create, customers/update -> {@link customerPayload}: id, admin_graphql_api_id,
 *   email, first_name, last_name, phone, state, note, verified_email, multipass_identifier,
 *   tax_exempt, tax_exemptions, currency, created_at, updated_at, addresses, default_address.
 * - customers/delete -> {@link customerDeletePayload}: id, admin_graphql_api_id, phone,
 *   addresses ([]), tax_exemptions ([]).
 * - products/update -> {@link productPayload}: id, admin_graphql_api_id, title, handle,
 *   product_type, vendor, status, tags, created_at, updated_at, published_at, variants.
 *
 * Deliberately left out:
 * - Customer `tags`, `email_marketing_consent`, `sms_marketing_consent`, `orders_count`,
 *   `total_spent`, `last_order_id`, `last_order_name`: Shopify removed them from webhook
 *   customer payloads in API 2025-01 (changelog "New customer's webhook and changes to existing
 *   customer's webhooks payload": tags -> customer.tags_added/removed, consent ->
 *   customers/email_marketing_consent_update, order stats -> customers/purchasing_summary). Pass
 *   `{ includeRemovedFields: true }` to get tags and email_marketing_consent in the old shape
 *   for code written against older versions; the app on 2026 versions must not rely on them.
 * - client_details, browser_ip, landing_site, checkout tokens, payment_details (deprecated),
 *   fulfillments' contents, duties, payment_terms: the model has no data for them.
 * Addresses (customer default_address, order shipping_address / billing_address) come from
 * dev-store/generator/addresses.ts: the record's own, else derived from its id.
 * - Refund transactions carry the presentment amount and currency (what the buyer paid in).
 */
import { bagMinor, formatMinor } from "./money";
import { gid, isGiftCardProduct } from "./model";
import type { DevAddress, DevCustomer, DevDiscountCode, DevLineItem, DevOrder, DevProduct, DevRefund, DevShop, MoneyBag } from "./model";
import { customerAddress, orderBillingAddress, orderShippingAddress } from "./generator/addresses";
import { refundedParts, refundShipping } from "./generator/order-math";

/** What the payload builders read from a store (DevStore satisfies it). */
export interface PayloadStore {
  readonly shop: DevShop;
  customer(id: string): DevCustomer | undefined;
  product(id: string): DevProduct | undefined;
  discountCodeByCode?(code: string): DevDiscountCode | undefined;
}

export interface CustomerPayloadOptions {
  /** For `currency` and the time zone of timestamps (UTC and no currency without it), and the domain the derived address hangs on. */
  shop?: Pick<DevShop, "currencyCode" | "ianaTimezone"> & Partial<Pick<DevShop, "domain">>;
  /** Adds fields Shopify dropped from customer webhooks in 2025-01 (tags, email_marketing_consent). */
  includeRemovedFields?: boolean;
}

type Json = Record<string, unknown>;

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * An ISO-8601 UTC stamp rendered like Shopify's REST times: local time of
 * `timeZone` with its offset, whole seconds ("2025-03-04T05:22:31-05:00").
 */
export function formatRestTime(isoUtc: string | null, timeZone = "UTC"): string | null {
  if (isoUtc === null) return null;
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "longOffset",
    });
    formatters.set(timeZone, fmt);
  }
  const parts: Record<string, string> = {};
  for (const part of fmt.formatToParts(new Date(isoUtc))) parts[part.type] = part.value;
  const offset = parts.timeZoneName === "GMT" ? "+00:00" : parts.timeZoneName.replace("GMT", "");
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

function moneySet(bag: MoneyBag): Json {
  return {
    shop_money: { amount: bag.shopMoney.amount, currency_code: bag.shopMoney.currencyCode },
    presentment_money: { amount: bag.presentmentMoney.amount, currency_code: bag.presentmentMoney.currencyCode },
  };
}

/** A money set from minor units in the order's two currencies. */
function minorSet(order: DevOrder, shopMinor: number, presMinor: number): Json {
  return {
    shop_money: { amount: formatMinor(shopMinor, order.currencyCode), currency_code: order.currencyCode },
    presentment_money: { amount: formatMinor(presMinor, order.presentmentCurrencyCode), currency_code: order.presentmentCurrencyCode },
  };
}

/** A REST address; `address` null: only the customer's country is known. */
function restAddress(address: DevAddress | null, fallback: { firstName: string | null; lastName: string | null; phone: string | null; countryCode: string }): Json {
  const firstName = address ? address.firstName : fallback.firstName;
  const lastName = address ? address.lastName : fallback.lastName;
  return {
    first_name: firstName,
    last_name: lastName,
    name: [firstName, lastName].filter(Boolean).join(" "),
    company: address?.company ?? null,
    address1: address?.address1 ?? null,
    address2: address?.address2 ?? null,
    city: address?.city ?? null,
    province: address?.province ?? null,
    province_code: address?.provinceCode ?? null,
    zip: address?.zip ?? null,
    phone: address?.phone ?? fallback.phone,
    country_code: address?.countryCode ?? fallback.countryCode,
  };
}

function addressOf(customer: DevCustomer, shopDomain?: string): Json | null {
  const address = shopDomain ? customerAddress(shopDomain, customer) : customer.address ?? null;
  const countryCode = address?.countryCode ?? customer.countryCode;
  if (!countryCode) return null;
  return {
    // The model keeps one address per customer; its id is derived so it stays stable.
    id: Number(customer.id) + 10_000_000_000_000,
    customer_id: Number(customer.id),
    ...restAddress(address, { ...customer, phone: customer.phone, countryCode }),
    phone: customer.phone,
    default: true,
  };
}

function orderAddressOf(address: DevAddress | null): Json | null {
  return address ? restAddress(address, { firstName: null, lastName: null, phone: null, countryCode: address.countryCode }) : null;
}

/**
 * The customers/create and customers/update body (REST Customer, 2025-01+ webhook shape).
 * @example customerPayload(store.customer("7000000000001")!, { shop: store.shop })
 */
export function customerPayload(customer: DevCustomer, options: CustomerPayloadOptions = {}): Json {
  const tz = options.shop?.ianaTimezone ?? "UTC";
  const address = addressOf(customer, options.shop?.domain);
  const payload: Json = {
    id: Number(customer.id),
    email: customer.email,
    created_at: formatRestTime(customer.createdAt, tz),
    updated_at: formatRestTime(customer.updatedAt, tz),
    first_name: customer.firstName,
    last_name: customer.lastName,
    state: customer.state.toLowerCase(),
    note: customer.note,
    verified_email: customer.verifiedEmail,
    multipass_identifier: null,
    tax_exempt: customer.taxExempt,
    phone: customer.phone,
    currency: options.shop?.currencyCode ?? null,
    addresses: address ? [address] : [],
    tax_exemptions: [],
    admin_graphql_api_id: gid("Customer", customer.id),
    default_address: address,
  };
  if (options.includeRemovedFields) {
    payload.tags = customer.tags.join(", ");
    payload.email_marketing_consent = customer.email === null ? null : {
      state: customer.emailMarketingState.toLowerCase(),
      opt_in_level: customer.emailMarketingState === "SUBSCRIBED" ? "single_opt_in" : null,
      consent_updated_at: formatRestTime(customer.emailMarketingConsentUpdatedAt, tz),
    };
  }
  return payload;
}

/** The customers/delete body: Shopify sends the id and an emptied customer. */
export function customerDeletePayload(customer: DevCustomer): Json {
  return {
    id: Number(customer.id),
    phone: null,
    addresses: [],
    tax_exemptions: [],
    admin_graphql_api_id: gid("Customer", customer.id),
  };
}

function lineItemPayload(li: DevLineItem, order: DevOrder, store: PayloadStore | null, refundedQty: number): Json {
  const product = li.productId && store ? store.product(li.productId) : undefined;
  const discount = bagMinor(li.totalDiscount);
  const currentQuantity = li.quantity - refundedQty;
  const fulfilled = order.fulfillmentStatus === "FULFILLED";
  return {
    id: Number(li.id),
    admin_graphql_api_id: gid("LineItem", li.id),
    product_id: li.productId === null ? null : Number(li.productId),
    variant_id: li.variantId === null ? null : Number(li.variantId),
    title: li.title,
    variant_title: li.variantTitle,
    name: li.variantTitle ? `${li.title} - ${li.variantTitle}` : li.title,
    sku: li.sku,
    vendor: product?.vendor ?? null,
    quantity: li.quantity,
    current_quantity: currentQuantity,
    fulfillable_quantity: fulfilled || order.cancelledAt ? 0 : currentQuantity,
    fulfillment_status: fulfilled ? "fulfilled" : null,
    fulfillment_service: "manual",
    gift_card: isGiftCardProduct(product),
    requires_shipping: !isGiftCardProduct(product),
    taxable: true,
    product_exists: li.productId !== null && product !== undefined,
    price: li.originalUnitPrice.shopMoney.amount,
    price_set: moneySet(li.originalUnitPrice),
    total_discount: li.totalDiscount.shopMoney.amount,
    total_discount_set: moneySet(li.totalDiscount),
    discount_allocations: discount.shopMinor > 0 || discount.presentmentMinor > 0
      ? [{ amount: li.totalDiscount.shopMoney.amount, amount_set: moneySet(li.totalDiscount), discount_application_index: 0 }]
      : [],
    properties: [],
    tax_lines: [],
    duties: [],
    attributed_staffs: [],
  };
}

function refundedQuantities(order: DevOrder): Map<string, number> {
  const map = new Map<string, number>();
  for (const r of order.refunds) for (const rli of r.refundLineItems) map.set(rli.lineItemId, (map.get(rli.lineItemId) ?? 0) + rli.quantity);
  return map;
}

/**
 * The refunds/create body; also each entry of an order payload's `refunds`.
 * @param store for the shop's time zone (UTC without it) and the refunded lines' products.
 */
export function refundPayload(refund: DevRefund, order: DevOrder, store: PayloadStore | null = null): Json {
  const tz = store?.shop.ianaTimezone ?? "UTC";
  const createdAt = formatRestTime(refund.createdAt, tz);
  return {
    id: Number(refund.id),
    admin_graphql_api_id: gid("Refund", refund.id),
    order_id: Number(order.id),
    created_at: createdAt,
    processed_at: createdAt,
    note: refund.note,
    restock: false,
    user_id: null,
    total_duties_set: minorSet(order, 0, 0),
    order_adjustments: [],
    duties: [],
    refund_shipping_lines: refundShippingLinesPayload(refund, order),
    refund_line_items: refund.refundLineItems.map((rli) => {
      const li = order.lineItems.find((l) => l.id === rli.lineItemId);
      return {
        id: Number(rli.id),
        line_item_id: Number(rli.lineItemId),
        quantity: rli.quantity,
        restock_type: "no_restock",
        location_id: null,
        subtotal: rli.subtotal.shopMoney.amount,
        subtotal_set: moneySet(rli.subtotal),
        ...(rli.totalTax ? { total_tax: rli.totalTax.shopMoney.amount, total_tax_set: moneySet(rli.totalTax) } : {}),
        line_item: li ? lineItemPayload(li, order, store, 0) : null,
      };
    }),
    transactions: [
      {
        // The model has no transactions; the refund's own id keeps this one stable and unique.
        id: Number(refund.id) + 20_000_000_000_000,
        admin_graphql_api_id: gid("OrderTransaction", String(Number(refund.id) + 20_000_000_000_000)),
        order_id: Number(order.id),
        kind: "refund",
        status: "success",
        gateway: "shopify_payments",
        amount: refund.totalRefunded.presentmentMoney.amount,
        currency: refund.totalRefunded.presentmentMoney.currencyCode,
        created_at: createdAt,
        processed_at: createdAt,
        parent_id: null,
        test: order.test,
      },
    ],
  };
}

/** The order's one shipping line (REST `shipping_lines[0]`); its id is derived from the order's. */
function shippingLinePayload(order: DevOrder): Json {
  return {
    id: shippingLineId(order),
    title: bagMinor(order.totalShipping).shopMinor === 0 ? "Free Shipping" : "Standard",
    code: "standard",
    source: "shopify",
    price: order.totalShipping.shopMoney.amount,
    price_set: moneySet(order.totalShipping),
    discounted_price: order.totalShipping.shopMoney.amount,
    discounted_price_set: moneySet(order.totalShipping),
    tax_lines: [],
  };
}

const shippingLineId = (order: DevOrder) => Number(order.id) + 30_000_000_000_000;

/**
 * A refund's `refund_shipping_lines`, as Shopify sends them: one entry when the
 * refund returned shipping (the model's single shipping line), none otherwise.
 */
function refundShippingLinesPayload(refund: DevRefund, order: DevOrder): Json[] {
  const shipping = refundShipping(refund);
  if (shipping.shopMinor === 0 && shipping.presMinor === 0) return [];
  return [{
    // Stable and unique per refund, like the transaction's id below.
    id: Number(refund.id) + 40_000_000_000_000,
    shipping_line_id: shippingLineId(order),
    subtotal_amount_set: minorSet(order, shipping.shopMinor, shipping.presMinor),
    tax_amount_set: minorSet(order, 0, 0),
    shipping_line: shippingLinePayload(order),
  }];
}

/** The orders/* body (REST Order) for `order` as it is now. */
export function orderPayload(order: DevOrder, store: PayloadStore): Json {
  const tz = store.shop.ianaTimezone;
  const customer = order.customerId ? store.customer(order.customerId) : undefined;
  const refunded = refundedParts(order);
  const subtotal = bagMinor(order.subtotalPrice);
  const discounts = bagMinor(order.totalDiscounts);
  const tax = bagMinor(order.totalTax);
  const total = bagMinor(order.totalPrice);
  const refundedTotal = bagMinor(order.totalRefunded);
  const refundedQty = refundedQuantities(order);
  const number = Number(order.name.replace(/^#/, ""));
  const unpaid = order.financialStatus === "PENDING" || order.financialStatus === "AUTHORIZED";
  const taxRateBasisPoints = subtotal.shopMinor > 0 ? Math.round((tax.shopMinor * 10_000) / subtotal.shopMinor) : 0;

  return {
    id: Number(order.id),
    admin_graphql_api_id: gid("Order", order.id),
    name: order.name,
    number: number - 1000,
    order_number: number,
    confirmation_number: `EVG${order.id.slice(-6)}`,
    email: order.email,
    contact_email: order.email,
    phone: null,
    created_at: formatRestTime(order.createdAt, tz),
    updated_at: formatRestTime(order.updatedAt, tz),
    processed_at: formatRestTime(order.processedAt, tz),
    cancelled_at: formatRestTime(order.cancelledAt, tz),
    cancel_reason: order.cancelReason === null ? null : order.cancelReason.toLowerCase(),
    closed_at: formatRestTime(order.closedAt, tz),
    currency: order.currencyCode,
    presentment_currency: order.presentmentCurrencyCode,
    financial_status: order.financialStatus.toLowerCase(),
    fulfillment_status: order.fulfillmentStatus === "FULFILLED" ? "fulfilled" : order.fulfillmentStatus === "PARTIALLY_FULFILLED" ? "partial" : null,
    confirmed: true,
    test: order.test,
    source_name: order.sourceName,
    tags: order.tags.join(", "),
    note: null,
    note_attributes: [],
    customer_locale: customer?.locale ?? null,
    buyer_accepts_marketing: customer?.emailMarketingState === "SUBSCRIBED",
    taxes_included: false,
    tax_exempt: customer?.taxExempt ?? false,
    payment_gateway_names: ["shopify_payments"],
    subtotal_price: order.subtotalPrice.shopMoney.amount,
    subtotal_price_set: moneySet(order.subtotalPrice),
    total_line_items_price: formatMinor(subtotal.shopMinor + discounts.shopMinor, order.currencyCode),
    total_line_items_price_set: minorSet(order, subtotal.shopMinor + discounts.shopMinor, subtotal.presentmentMinor + discounts.presentmentMinor),
    total_discounts: order.totalDiscounts.shopMoney.amount,
    total_discounts_set: moneySet(order.totalDiscounts),
    total_shipping_price_set: moneySet(order.totalShipping),
    total_tax: order.totalTax.shopMoney.amount,
    total_tax_set: moneySet(order.totalTax),
    total_price: order.totalPrice.shopMoney.amount,
    total_price_set: moneySet(order.totalPrice),
    current_subtotal_price: formatMinor(subtotal.shopMinor - refunded.linesShop, order.currencyCode),
    current_subtotal_price_set: minorSet(order, subtotal.shopMinor - refunded.linesShop, subtotal.presentmentMinor - refunded.linesPres),
    current_total_discounts: order.totalDiscounts.shopMoney.amount,
    current_total_discounts_set: moneySet(order.totalDiscounts),
    current_total_tax: formatMinor(tax.shopMinor - refunded.taxShop, order.currencyCode),
    current_total_tax_set: minorSet(order, tax.shopMinor - refunded.taxShop, tax.presentmentMinor - refunded.taxPres),
    current_total_price: formatMinor(total.shopMinor - refundedTotal.shopMinor, order.currencyCode),
    current_total_price_set: minorSet(order, total.shopMinor - refundedTotal.shopMinor, total.presentmentMinor - refundedTotal.presentmentMinor),
    total_outstanding: unpaid && !order.cancelledAt ? order.totalPrice.shopMoney.amount : formatMinor(0, order.currencyCode),
    discount_codes: order.discountCodes.map((code) => {
      const known = store.discountCodeByCode?.(code);
      const type = known?.kind === "free_shipping" ? "shipping" : known?.value && "amount" in known.value ? "fixed_amount" : "percentage";
      return { code, amount: order.totalDiscounts.shopMoney.amount, type };
    }),
    discount_applications: order.discountCodes.map((code) => {
      const known = store.discountCodeByCode?.(code);
      const value = known?.value && "amount" in known.value ? known.value.amount
        : known?.value && "percentage" in known.value ? String(known.value.percentage * 100) : "0.0";
      return {
        type: "discount_code",
        code,
        value,
        value_type: known?.value && "amount" in known.value ? "fixed_amount" : "percentage",
        allocation_method: known?.value && "amount" in known.value && known.value.appliesOnEachItem ? "each" : "across",
        target_selection: known?.items && known.items !== "all" ? "entitled" : "all",
        target_type: known?.kind === "free_shipping" ? "shipping_line" : "line_item",
      };
    }),
    shipping_lines: [shippingLinePayload(order)],
    tax_lines: tax.shopMinor > 0 ? [
      { title: "Tax", rate: taxRateBasisPoints / 10_000, price: order.totalTax.shopMoney.amount, price_set: moneySet(order.totalTax) },
    ] : [],
    customer: customer ? customerPayload(customer, { shop: store.shop }) : null,
    billing_address: orderAddressOf(orderBillingAddress(store.shop.domain, order, customer)),
    shipping_address: orderAddressOf(orderShippingAddress(store.shop.domain, order, customer)),
    line_items: order.lineItems.map((li) => lineItemPayload(li, order, store, refundedQty.get(li.id) ?? 0)),
    refunds: order.refunds.map((r) => refundPayload(r, order, store)),
    fulfillments: [],
  };
}

/** The products/update body (REST Product, trimmed to what the model holds). */
export function productPayload(product: DevProduct, shop?: Pick<DevShop, "ianaTimezone">): Json {
  const tz = shop?.ianaTimezone ?? "UTC";
  return {
    id: Number(product.id),
    admin_graphql_api_id: gid("Product", product.id),
    title: product.title,
    handle: product.handle,
    product_type: product.productType,
    vendor: product.vendor,
    status: product.status.toLowerCase(),
    tags: product.tags.join(", "),
    created_at: formatRestTime(product.createdAt, tz),
    updated_at: formatRestTime(product.updatedAt, tz),
    published_at: product.status === "ACTIVE" ? formatRestTime(product.createdAt, tz) : null,
    variants: product.variants.map((v, i) => ({
      id: Number(v.id),
      admin_graphql_api_id: gid("ProductVariant", v.id),
      product_id: Number(product.id),
      title: v.title,
      sku: v.sku,
      price: v.price,
      position: i + 1,
      created_at: formatRestTime(v.createdAt, tz),
      updated_at: formatRestTime(v.updatedAt, tz),
    })),
  };
}
