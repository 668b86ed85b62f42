/**
 * The local dev store's data model: what a Shopify shop holds, in the shape the
 * Admin GraphQL resolvers and the webhook payload builders both read.
 *
 * Everything here is plain data (no classes), so a generated shop can be
 * compared field for field with what the app synced. Money is kept as decimal
 * strings exactly as Shopify returns them ("12.30"), ids as numeric strings
 * (the GID is `gid://shopify/{Type}/{id}`), times as ISO-8601 strings in UTC.
 */

export type CurrencyCode = string; // ISO 4217, e.g. "USD", "EUR", "JPY"

export interface MoneyV2 {
  amount: string; // decimal string, as Shopify sends it ("19.99")
  currencyCode: CurrencyCode;
}

/** Shop money and presentment (customer-facing) money, as Shopify's MoneyBag. */
export interface MoneyBag {
  shopMoney: MoneyV2;
  presentmentMoney: MoneyV2;
}

export interface DevShop {
  id: string; // numeric id
  domain: string; // "demo-shop.myshopify.com"
  name: string;
  email: string;
  currencyCode: CurrencyCode;
  ianaTimezone: string;
  planName: string; // decides the cost bucket's restore rate
  createdAt: string;
}

export interface DevProductVariant {
  id: string;
  productId: string;
  title: string;
  sku: string;
  price: string; // shop currency
  createdAt: string;
  updatedAt: string;
}

export interface DevProduct {
  id: string;
  title: string;
  handle: string;
  productType: string;
  vendor: string;
  tags: string[];
  status: "ACTIVE" | "ARCHIVED" | "DRAFT";
  /** Typical days until a consumable runs out; null for durable goods. Not a Shopify field: drives the generator. */
  repurchaseDays: number | null;
  variants: DevProductVariant[];
  createdAt: string;
  updatedAt: string;
}

export type MarketingState = "SUBSCRIBED" | "NOT_SUBSCRIBED" | "UNSUBSCRIBED" | "PENDING";

export interface DevCustomer {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  state: "ENABLED" | "DISABLED" | "INVITED" | "DECLINED";
  tags: string[];
  note: string | null;
  verifiedEmail: boolean;
  taxExempt: boolean;
  locale: string; // "en", "zh-CN", ...
  countryCode: string | null; // default address country, ISO 3166-1 alpha-2
  emailMarketingState: MarketingState;
  emailMarketingConsentUpdatedAt: string | null;
  /** "YYYY-MM-DD" or null; Shopify keeps birthdays in a metafield (facts.birth_date). */
  birthday: string | null;
  createdAt: string;
  updatedAt: string;
  /** Metafields set through the API: `${namespace}.${key}` -> value. */
  metafields: Record<string, { type: string; value: string; updatedAt: string }>;
  /**
   * The default address. Absent: derived from the id (dev-store/generator/addresses.ts),
   * so a generated million-customer shop holds no address objects; null: none.
   */
  address?: DevAddress | null;
  /** The card they pay with. Absent: derived from the id, like `address`; null: they never pay by card. */
  card?: DevCard | null;
}

/** A postal address, as Shopify's MailingAddress carries it (protected customer data, level 2). */
export interface DevAddress {
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  address1: string;
  address2: string | null;
  city: string;
  province: string | null;
  provinceCode: string | null;
  zip: string;
  countryCode: string; // ISO 3166-1 alpha-2
  phone: string | null;
}

/** What Shopify's CardPaymentDetails shows of the card that paid an order. */
export interface DevCard {
  bin: string; // first six digits
  last4: string;
  expirationMonth: number;
  expirationYear: number;
  name: string; // the cardholder, as typed at checkout
  company: string; // "Visa", "Mastercard", ...
  wallet: "APPLE_PAY" | "GOOGLE_PAY" | "SHOPIFY_PAY" | "ANDROID_PAY" | null;
}

export interface DevLineItem {
  id: string;
  productId: string | null;
  variantId: string | null;
  title: string;
  variantTitle: string | null;
  sku: string | null;
  quantity: number;
  /** Price of one unit before discounts. */
  originalUnitPrice: MoneyBag;
  /** Line total after line-level discounts. */
  discountedTotal: MoneyBag;
  totalDiscount: MoneyBag;
}

export interface DevRefundLineItem {
  id: string;
  lineItemId: string;
  quantity: number;
  subtotal: MoneyBag;
  /** This line's share of the refund's tax (Shopify's RefundLineItem.totalTaxSet); the lines' shares sum to the refund's tax. */
  totalTax?: MoneyBag;
}

export interface DevRefund {
  id: string;
  orderId: string;
  note: string | null;
  createdAt: string;
  totalRefunded: MoneyBag;
  refundLineItems: DevRefundLineItem[];
}

export type FinancialStatus =
  | "PENDING"
  | "AUTHORIZED"
  | "PAID"
  | "PARTIALLY_PAID"
  | "PARTIALLY_REFUNDED"
  | "REFUNDED"
  | "VOIDED";

export type FulfillmentStatus = "UNFULFILLED" | "FULFILLED" | "PARTIALLY_FULFILLED";

export interface DevOrder {
  id: string;
  name: string; // "#1001"
  customerId: string | null; // null for guest checkouts
  email: string | null;
  createdAt: string;
  processedAt: string;
  updatedAt: string;
  cancelledAt: string | null;
  cancelReason: string | null;
  closedAt: string | null;
  /** Shopify's displayFinancialStatus. */
  financialStatus: FinancialStatus;
  fulfillmentStatus: FulfillmentStatus;
  currencyCode: CurrencyCode; // shop currency
  presentmentCurrencyCode: CurrencyCode;
  subtotalPrice: MoneyBag; // after discounts, before shipping and tax
  totalDiscounts: MoneyBag;
  totalShipping: MoneyBag;
  totalTax: MoneyBag;
  totalPrice: MoneyBag;
  totalRefunded: MoneyBag;
  discountCodes: string[];
  tags: string[];
  test: boolean;
  sourceName: string; // "web", "pos", ...
  lineItems: DevLineItem[];
  refunds: DevRefund[];
  /**
   * Where it shipped, who was billed, the card that paid. Absent: derived from
   * the order and its customer (dev-store/generator/addresses.ts); null: none
   * (no shipping, no billing address, not paid by card).
   */
  shippingAddress?: DevAddress | null;
  billingAddress?: DevAddress | null;
  card?: DevCard | null;
}

export interface DevDiscountCode {
  id: string; // DiscountCodeNode id
  code: string;
  title: string;
  /** DiscountCodeBasic (amount off, order or products) or DiscountCodeFreeShipping. */
  kind: "basic" | "free_shipping";
  /**
   * Percentage as a fraction (0.1) or a fixed amount in shop currency, split
   * across the entitled lines (or taken off each entitled unit with `appliesOnEachItem`).
   */
  value: { percentage: number } | { amount: string; appliesOnEachItem?: boolean } | null;
  /** The lines a basic code discounts: every line (absent or "all"), or those of these variants and products. */
  items?: "all" | { variantIds: string[]; productIds: string[] };
  customerIds: string[] | "all";
  usageLimit: number | null;
  appliesOncePerCustomer: boolean;
  /** Minimum subtotal of the entitled lines, shop currency. */
  minimumSubtotal: string | null;
  /** Free shipping only when the shipping rate is at most this (shop currency); null: any rate. */
  maximumShippingPrice?: string | null;
  combinesWith?: { orderDiscounts: boolean; productDiscounts: boolean; shippingDiscounts: boolean };
  startsAt: string;
  endsAt: string | null;
  createdAt: string;
  updatedAt?: string;
}

export interface DevWebhookSubscription {
  id: string;
  topic: string; // GraphQL enum form: "ORDERS_CREATE"
  callbackUrl: string;
  format: "JSON";
  createdAt: string;
  updatedAt: string;
}

export type BulkOperationStatus = "CREATED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELING" | "CANCELED" | "EXPIRED";

export interface DevBulkOperation {
  id: string;
  query: string;
  status: BulkOperationStatus;
  errorCode: "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR" | "TIMEOUT" | null;
  createdAt: string;
  completedAt: string | null;
  objectCount: number;
  rootObjectCount: number;
  fileSize: number | null;
  /** Local path of the JSONL result; served at `url`. */
  filePath: string | null;
  url: string | null;
}

/** A whole generated shop, as the generator returns it and the store holds it. */
export interface DevShopData {
  shop: DevShop;
  products: DevProduct[];
  customers: DevCustomer[];
  orders: DevOrder[];
}

export const gid = (type: string, id: string): string => `gid://shopify/${type}/${id}`;

/** The dev store's gift cards are the products of type "Gift Card" (Shopify's LineItem.isGiftCard / line_items[].gift_card). */
export const isGiftCardProduct = (product: Pick<DevProduct, "productType"> | null | undefined): boolean => product?.productType === "Gift Card";

/** Parses `gid://shopify/Order/123` into `{ type: "Order", id: "123" }`; null when it is not a GID. */
export function parseGid(value: string): { type: string; id: string } | null {
  const match = /^gid:\/\/shopify\/([A-Za-z]+)\/([^/?]+)/.exec(value);
  return match ? { type: match[1], id: match[2] } : null;
}
