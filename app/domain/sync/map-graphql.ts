/**
 * Admin GraphQL nodes (bulk JSONL lines or paged query nodes; both use the
 * selections in app/shopify/operations/sync-fields.ts) -> sync records.
 */
import { toMinorUnits } from "./money";
import {
  InvalidRecordError,
  normaliseTags,
  parseOptionalTimestamp,
  parseTimestamp,
  type CustomerRecord,
  type LineItemRecord,
  type OrderRecord,
  type ProductRecord,
  type RefundRecord,
} from "./records";

type Json = Record<string, unknown>;
interface MoneyBagNode {
  shopMoney?: { amount?: unknown; currencyCode?: unknown } | null;
}

function str(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

function requireId(node: Json, type: string): string {
  const id = node.id;
  if (typeof id !== "string" || !id.startsWith(`gid://shopify/${type}/`)) {
    throw new InvalidRecordError(type, `missing or malformed id ${JSON.stringify(id)}`);
  }
  return id;
}

function shopMoney(bag: unknown, field: string, fallbackCurrency: string): { minor: bigint; currencyCode: string } {
  const money = (bag as MoneyBagNode | null | undefined)?.shopMoney;
  if (!money) return { minor: 0n, currencyCode: fallbackCurrency };
  const currencyCode = str(money.currencyCode) ?? fallbackCurrency;
  if (typeof money.amount !== "string" && typeof money.amount !== "number") {
    throw new InvalidRecordError(field, `amount missing`);
  }
  return { minor: toMinorUnits(money.amount, currencyCode), currencyCode };
}

export function customerFromGraphql(node: Json): CustomerRecord {
  const customerGid = requireId(node, "Customer");
  const amountSpent = node.amountSpent as { amount?: string; currencyCode?: string } | null | undefined;
  const address = node.defaultAddress as { countryCodeV2?: string } | null | undefined;
  const consent = node.emailMarketingConsent as { marketingState?: string } | null | undefined;
  const statistics = node.statistics as { rfmGroup?: string; predictedSpendTier?: string } | null | undefined;
  const birthday = (node.birthday as { value?: string } | null | undefined)?.value ?? null;
  return {
    customerGid,
    email: str(node.email),
    firstName: str(node.firstName),
    lastName: str(node.lastName),
    phone: str(node.phone),
    state: str(node.state),
    locale: str(node.locale),
    countryCode: str(address?.countryCodeV2),
    tags: normaliseTags(node.tags),
    emailMarketingState: str(consent?.marketingState),
    birthday: str(birthday),
    numberOfOrders: node.numberOfOrders === undefined || node.numberOfOrders === null ? null : Number(node.numberOfOrders),
    amountSpentMinor:
      amountSpent?.amount !== undefined && amountSpent.currencyCode
        ? toMinorUnits(amountSpent.amount, amountSpent.currencyCode)
        : null,
    currencyCode: str(amountSpent?.currencyCode),
    rfmGroup: str(statistics?.rfmGroup),
    predictedSpendTier: str(statistics?.predictedSpendTier),
    createdAt: parseTimestamp(node.createdAt, "Customer.createdAt"),
    updatedAt: parseTimestamp(node.updatedAt, "Customer.updatedAt"),
  };
}

export function lineItemFromGraphql(node: Json, currencyCode: string): LineItemRecord {
  const quantity = Number(node.quantity);
  if (!Number.isInteger(quantity)) throw new InvalidRecordError("LineItem.quantity", JSON.stringify(node.quantity));
  return {
    lineItemGid: requireId(node, "LineItem"),
    productGid: str((node.product as Json | null | undefined)?.id),
    variantGid: str((node.variant as Json | null | undefined)?.id),
    title: str(node.title) ?? "",
    variantTitle: str(node.variantTitle),
    sku: str(node.sku),
    quantity,
    unitPriceMinor: shopMoney(node.originalUnitPriceSet, "LineItem.originalUnitPriceSet", currencyCode).minor,
    discountedTotalMinor: shopMoney(node.discountedTotalSet, "LineItem.discountedTotalSet", currencyCode).minor,
    isGiftCard: node.isGiftCard === true,
  };
}

function refundFromGraphql(node: Json, orderGid: string, currencyCode: string): RefundRecord {
  const total = shopMoney(node.totalRefundedSet, "Refund.totalRefundedSet", currencyCode);
  return {
    refundGid: requireId(node, "Refund"),
    orderGid,
    note: str(node.note),
    totalMinor: total.minor,
    // The bulk export cannot list a refund's lines (a connection inside the refunds list): unknown here, kept when a webhook stored it.
    goodsMinor: null,
    currencyCode: total.currencyCode,
    createdAt: parseTimestamp(node.createdAt, "Refund.createdAt"),
  };
}

/**
 * An order node with its line items. Bulk output puts line items on their own
 * lines (passed as `lineItemNodes`); a paged query nests them under
 * `lineItems.edges`/`lineItems.nodes`.
 */
export function orderFromGraphql(node: Json, lineItemNodes?: Json[]): OrderRecord {
  const orderGid = requireId(node, "Order");
  const currencyCode = str(node.currencyCode);
  if (!currencyCode) throw new InvalidRecordError("Order.currencyCode", "missing");
  const nested = node.lineItems as { edges?: { node: Json }[]; nodes?: Json[] } | undefined;
  const lines = lineItemNodes ?? nested?.nodes ?? nested?.edges?.map((e) => e.node) ?? [];
  const refunds = Array.isArray(node.refunds) ? (node.refunds as Json[]) : [];
  const money = (field: string) => shopMoney(node[field], `Order.${field}`, currencyCode).minor;
  return {
    orderGid,
    name: str(node.name) ?? orderGid,
    customerGid: str((node.customer as Json | null | undefined)?.id),
    email: str(node.email),
    financialStatus: str(node.displayFinancialStatus),
    fulfillmentStatus: str(node.displayFulfillmentStatus),
    currencyCode,
    presentmentCurrencyCode: str(node.presentmentCurrencyCode),
    subtotalMinor: money("subtotalPriceSet"),
    totalDiscountsMinor: money("totalDiscountsSet"),
    totalShippingMinor: money("totalShippingPriceSet"),
    totalTaxMinor: money("totalTaxSet"),
    totalPriceMinor: money("totalPriceSet"),
    totalRefundedMinor: money("totalRefundedSet"),
    discountCodes: Array.isArray(node.discountCodes) ? (node.discountCodes as unknown[]).map(String) : [],
    tags: normaliseTags(node.tags),
    sourceName: str(node.sourceName),
    test: node.test === true,
    processedAt: parseTimestamp(node.processedAt ?? node.createdAt, "Order.processedAt"),
    cancelledAt: parseOptionalTimestamp(node.cancelledAt, "Order.cancelledAt"),
    cancelReason: str(node.cancelReason),
    createdAt: parseTimestamp(node.createdAt, "Order.createdAt"),
    updatedAt: parseTimestamp(node.updatedAt, "Order.updatedAt"),
    lineItems: lines.map((l) => lineItemFromGraphql(l, currencyCode)),
    refunds: refunds.map((r) => refundFromGraphql(r, orderGid, currencyCode)),
  };
}

export function productFromGraphql(node: Json): ProductRecord {
  return {
    productGid: requireId(node, "Product"),
    title: str(node.title) ?? "",
    handle: str(node.handle),
    productType: str(node.productType),
    vendor: str(node.vendor),
    tags: normaliseTags(node.tags),
    status: str(node.status),
    updatedAt: parseTimestamp(node.updatedAt, "Product.updatedAt"),
  };
}
