/**
 * What sync writes: one normalised shape per resource, whatever it came from
 * (a bulk operation's JSONL, a paged GraphQL query or a REST webhook payload).
 * Ids are Shopify GIDs; money is integer minor units of the shop currency.
 */

export interface CustomerRecord {
  customerGid: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  state: string | null;
  locale: string | null;
  countryCode: string | null;
  /**
   * Fields a source may not carry: null keeps what is stored. Customer
   * webhooks lost tags and marketing consent in API 2025-01, and never had
   * birthdays or order statistics.
   */
  tags: string[] | null;
  emailMarketingState: string | null;
  birthday: string | null;
  numberOfOrders: number | null;
  amountSpentMinor: bigint | null;
  currencyCode: string | null;
  rfmGroup: string | null;
  predictedSpendTier: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface LineItemRecord {
  lineItemGid: string;
  productGid: string | null;
  variantGid: string | null;
  title: string;
  variantTitle: string | null;
  sku: string | null;
  quantity: number;
  unitPriceMinor: bigint;
  discountedTotalMinor: bigint;
  /** A gift card sold (money the shopper will spend later). */
  isGiftCard: boolean;
}

export interface RefundRecord {
  refundGid: string;
  orderGid: string;
  note: string | null;
  /** Money returned, shop currency: goods, their tax and refunded shipping. */
  totalMinor: bigint;
  /**
   * The goods part: refund line subtotals (after discounts, before tax) of
   * lines that are not gift cards, what loyalty reverses points on. Null when
   * the source does not list the refund's lines (the Admin API's bulk export).
   */
  goodsMinor: bigint | null;
  currencyCode: string;
  createdAt: Date;
}

export interface OrderRecord {
  orderGid: string;
  name: string;
  customerGid: string | null;
  email: string | null;
  financialStatus: string | null;
  fulfillmentStatus: string | null;
  currencyCode: string;
  presentmentCurrencyCode: string | null;
  subtotalMinor: bigint;
  totalDiscountsMinor: bigint;
  totalShippingMinor: bigint;
  totalTaxMinor: bigint;
  totalPriceMinor: bigint;
  totalRefundedMinor: bigint;
  discountCodes: string[];
  tags: string[];
  sourceName: string | null;
  test: boolean;
  processedAt: Date;
  cancelledAt: Date | null;
  cancelReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  lineItems: LineItemRecord[];
  refunds: RefundRecord[];
}

export interface ProductRecord {
  productGid: string;
  title: string;
  handle: string | null;
  productType: string | null;
  vendor: string | null;
  tags: string[];
  status: string | null;
  updatedAt: Date;
}

export type SyncResource = "products" | "customers" | "orders";
export const SYNC_RESOURCES: readonly SyncResource[] = ["products", "customers", "orders"];

export class InvalidRecordError extends Error {
  constructor(source: string, detail: string) {
    super(`Invalid ${source}: ${detail}`);
    this.name = "InvalidRecordError";
  }
}

/** Parses an ISO-8601 timestamp; throws InvalidRecordError rather than storing an Invalid Date. */
export function parseTimestamp(value: unknown, field: string): Date {
  if (typeof value !== "string") throw new InvalidRecordError(field, `expected an ISO timestamp, got ${JSON.stringify(value)}`);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new InvalidRecordError(field, `not a timestamp: ${JSON.stringify(value)}`);
  return date;
}

export function parseOptionalTimestamp(value: unknown, field: string): Date | null {
  return value === null || value === undefined || value === "" ? null : parseTimestamp(value, field);
}

/** Shopify's REST payloads carry tags as "a, b"; GraphQL as ["a", "b"]. */
export function normaliseTags(tags: unknown): string[] {
  const list = Array.isArray(tags) ? tags : typeof tags === "string" ? tags.split(",") : [];
  return list.map((t) => String(t).trim()).filter((t) => t.length > 0);
}
