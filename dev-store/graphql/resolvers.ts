/**
 * Field resolvers of the local Admin API, keyed by schema type and field.
 * Model objects (dev-store/model.ts) are resolved as they are; a field with
 * no resolver falls back to the model's property of the same name, and a
 * field the dev store does not model says so instead of inventing data.
 */
import { GraphQLError, type GraphQLResolveInfo } from "graphql";
import { gid, isGiftCardProduct, parseGid } from "../model";
import type {
  DevAddress,
  DevCard,
  DevCustomer,
  DevDiscountCode,
  DevLineItem,
  DevOrder,
  DevProduct,
  DevProductVariant,
  DevRefund,
  DevRefundLineItem,
  DevShop,
  DevBulkOperation,
  DevWebhookSubscription,
  MoneyBag,
} from "../model";
import { bagMinor, formatMinor, moneyBag, parseMinor } from "../money";
import { ADMIN_API_VERSION } from "../admin-schema";
import { byNumericId, paginate, toConnection, type ConnectionArgs } from "./connection";
import type { ResolverContext } from "./context";
import { requireProtectedCustomerData, requireScope } from "./scopes";
import { customerAddress, orderBillingAddress, orderCard, orderShippingAddress } from "../generator/addresses";
import { refundedParts, refundShipping } from "../generator/order-math";
import { webPixelQueryResolvers } from "./web-pixels";

export type Resolver = (source: any, args: any, ctx: ResolverContext, info: GraphQLResolveInfo) => unknown;
export type ResolverMap = Record<string, Record<string, Resolver>>;

// Abstract positions (Node, HasMetafields, unions) need the concrete type of a model object.
const typeTags = new WeakMap<object, string>();

export function tagType<T extends object>(value: T, typeName: string): T {
  typeTags.set(value, typeName);
  return value;
}

export function taggedType(value: unknown): string | undefined {
  if (value && typeof value === "object") {
    return typeTags.get(value) ?? ((value as { __typename?: string }).__typename || undefined);
  }
  return undefined;
}

export class NotImplementedError extends GraphQLError {
  constructor(what: string) {
    super(`${what} is not implemented in the local dev store`, { extensions: { code: "NOT_IMPLEMENTED" } });
  }
}

/** Metafield as the API shows it (the model keeps `namespace.key -> {type, value, updatedAt}`). */
export interface MetafieldView {
  id: string;
  namespace: string;
  key: string;
  type: string;
  value: string;
  createdAt: string;
  updatedAt: string;
  ownerType: string;
  owner: object;
}

function stableNumericId(text: string): string {
  // FNV-1a, 48 bits: stable metafield ids without storing them.
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffn;
  }
  return (hash + 1n).toString();
}

export function customerMetafields(customer: DevCustomer): MetafieldView[] {
  const owner = tagType(customer, "Customer");
  // Shopify keeps a customer's birthday in the facts.birth_date metafield;
  // generated customers carry it as a field.
  const fields = { ...(customer.metafields ?? {}) };
  if (customer.birthday && !fields["facts.birth_date"]) {
    fields["facts.birth_date"] = { type: "date", value: customer.birthday, updatedAt: customer.createdAt };
  }
  return byNumericId(
    Object.entries(fields).map(([fullKey, field]) => {
      const dot = fullKey.indexOf(".");
      const namespace = fullKey.slice(0, dot);
      const key = fullKey.slice(dot + 1);
      return {
        id: stableNumericId(`Customer/${customer.id}/${fullKey}`),
        namespace,
        key,
        type: field.type,
        value: field.value,
        createdAt: field.updatedAt,
        updatedAt: field.updatedAt,
        ownerType: "CUSTOMER",
        owner,
      };
    }),
  );
}

function money(amountMinor: number, currencyCode: string) {
  return { amount: formatMinor(amountMinor, currencyCode), currencyCode };
}

function bagDifference(a: MoneyBag, b: MoneyBag): MoneyBag {
  const x = bagMinor(a);
  const y = bagMinor(b);
  return moneyBag(
    x.shopMinor - y.shopMinor,
    a.shopMoney.currencyCode,
    x.presentmentMinor - y.presentmentMinor,
    a.presentmentMoney.currencyCode,
  );
}

/** The order's one shipping line, as `ShippingLine` resolves it (ids derived from the order's, as in webhook payloads). */
interface DevShippingLine {
  id: string;
  title: string;
  code: string;
  source: string;
  originalPriceSet: MoneyBag;
  discountedPriceSet: MoneyBag;
}

interface DevRefundShippingLine {
  id: string;
  shippingLine: DevShippingLine;
  subtotalAmountSet: MoneyBag;
  taxAmountSet: MoneyBag;
}

function shippingLineOf(order: DevOrder): DevShippingLine {
  return {
    id: String(Number(order.id) + 30_000_000_000_000),
    title: bagMinor(order.totalShipping).shopMinor === 0 ? "Free Shipping" : "Standard",
    code: "standard",
    source: "shopify",
    originalPriceSet: order.totalShipping,
    discountedPriceSet: order.totalShipping,
  };
}

/** A refund's refunded shipping: one line when it returned any (see refundShipping), none otherwise. */
function refundShippingLinesOf(refund: DevRefund, order: DevOrder | undefined): DevRefundShippingLine[] {
  const shipping = refundShipping(refund);
  if (!order || (shipping.shopMinor === 0 && shipping.presMinor === 0)) return [];
  return [{
    id: String(Number(refund.id) + 40_000_000_000_000),
    shippingLine: shippingLineOf(order),
    subtotalAmountSet: moneyBag(shipping.shopMinor, order.currencyCode, shipping.presMinor, order.presentmentCurrencyCode),
    taxAmountSet: zeroBag(order),
  }];
}

function zeroBag(order: DevOrder): MoneyBag {
  return moneyBag(0, order.currencyCode, 0, order.presentmentCurrencyCode);
}

const SPENDING_STATUSES = new Set(["PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED", "REFUNDED"]);

/** Net amount a customer spent (paid orders less refunds), in shop minor units. */
function amountSpentMinor(ctx: ResolverContext, customer: DevCustomer): number {
  let total = 0;
  for (const order of ctx.store.ordersOfCustomer(customer.id)) {
    if (!SPENDING_STATUSES.has(order.financialStatus)) continue;
    total += parseMinor(order.totalPrice.shopMoney.amount, order.currencyCode);
    total -= parseMinor(order.totalRefunded.shopMoney.amount, order.currencyCode);
  }
  return total;
}

const DAY_MS = 86_400_000;

/**
 * A plausible stand-in for Shopify's customer statistics (Shopify publishes no
 * thresholds): RFM from days since the last order, order count and spend.
 */
export function customerStatistics(ctx: ResolverContext, customer: DevCustomer) {
  const orders = ctx.store.ordersOfCustomer(customer.id).filter((o) => !o.cancelledAt);
  const spentMinor = amountSpentMinor(ctx, customer);
  const currency = ctx.store.shop.currencyCode;
  const spent = spentMinor / 10 ** (formatMinor(1, currency).split(".")[1]?.length ?? 0);
  const now = ctx.now().getTime();
  const lastAt = orders.reduce((max, o) => Math.max(max, Date.parse(o.processedAt)), 0);
  const recencyDays = lastAt ? (now - lastAt) / DAY_MS : Infinity;
  const n = orders.length;
  let rfmGroup: string;
  if (n === 0) rfmGroup = "PROSPECTS";
  else if (n === 1 && recencyDays <= 30) rfmGroup = "NEW";
  else if (n === 1 && recencyDays <= 90) rfmGroup = "PROMISING";
  else if (n >= 4 && recencyDays <= 60) rfmGroup = "CHAMPIONS";
  else if (n >= 3 && recencyDays <= 120) rfmGroup = "LOYAL";
  else if (n >= 2 && recencyDays <= 90) rfmGroup = "ACTIVE";
  else if (n >= 4 && recencyDays > 365) rfmGroup = "PREVIOUSLY_LOYAL";
  else if (n >= 3 && recencyDays <= 240) rfmGroup = "AT_RISK";
  else if (recencyDays <= 180) rfmGroup = "NEEDS_ATTENTION";
  else if (recencyDays <= 365) rfmGroup = "ALMOST_LOST";
  else rfmGroup = "DORMANT";
  const tenureYears = Math.max(0.25, (now - Date.parse(customer.createdAt)) / (365 * DAY_MS));
  const yearly = spent / tenureYears;
  const predictedSpendTier = n === 0 ? "LOW" : yearly >= 500 ? "HIGH" : yearly >= 150 ? "MEDIUM" : "LOW";
  return { rfmGroup, predictedSpendTier };
}

function connectionOf<T extends { id: string }>(
  ctx: ResolverContext,
  info: GraphQLResolveInfo,
  items: readonly T[],
  args: ConnectionArgs,
  filter?: (item: T) => boolean,
) {
  if (ctx.bulkRun) {
    if (ctx.bulkRun.rootItems && !info.path.prev) return toConnection(ctx.bulkRun.rootItems as T[]);
    if (args.first == null && args.last == null) {
      return toConnection(filter ? items.filter(filter) : [...items]);
    }
  }
  return paginate(items, args, { filter });
}

function searchFilter<T>(ctx: ResolverContext, query: string | null | undefined, kind: "order" | "customer" | "product") {
  return query ? ctx.store.searchFilter<T>(query, kind) : undefined;
}

/**
 * `productVariants(query:)`: Shopify's default search over a variant's
 * product title, title and SKU (every term must match, case-insensitive);
 * `title:`, `product_title:` and `sku:` prefixes search those fields only.
 */
function variantSearch(ctx: ResolverContext, query: string | undefined): ((v: DevProductVariant) => boolean) | undefined {
  const terms = (query ?? "").trim().split(/\s+/).filter(Boolean).map((t) => {
    const m = /^(title|product_title|sku):(.*)$/i.exec(t);
    return { field: m ? m[1].toLowerCase() : null, text: (m ? m[2] : t).replace(/^["']|["']$/g, "").replace(/\*/g, "").toLowerCase() };
  });
  if (terms.length === 0) return undefined;
  return (v) => {
    const productTitle = (ctx.store.product(v.productId)?.title ?? "").toLowerCase();
    const fields: Record<string, string> = { title: v.title.toLowerCase(), product_title: productTitle, sku: (v.sku ?? "").toLowerCase() };
    return terms.every((t) => (t.field ? fields[t.field].includes(t.text) : Object.values(fields).some((f) => f.includes(t.text))));
  };
}

/** The full list a root connection pages over (also the bulk operation's source). */
export const rootLists: Record<string, (ctx: ResolverContext, args: Record<string, unknown>) => readonly { id: string }[]> = {
  orders: (ctx, args) => filtered(ctx.store.orders(), searchFilter<DevOrder>(ctx, args.query as string, "order")),
  customers: (ctx, args) => filtered(ctx.store.customers(), searchFilter<DevCustomer>(ctx, args.query as string, "customer")),
  products: (ctx, args) => filtered(ctx.store.products(), searchFilter<DevProduct>(ctx, args.query as string, "product")),
};

function filtered<T>(items: readonly T[], filter?: (item: T) => boolean): readonly T[] {
  return filter ? items.filter(filter) : items;
}

/** Looks a GID up in the store; null when it names nothing the dev store keeps. */
export function lookupNode(ctx: ResolverContext, id: string): object | null {
  const parsed = parseGid(id);
  if (!parsed) return null;
  const { store } = ctx;
  let found: object | undefined | null;
  switch (parsed.type) {
    case "Customer":
      found = store.customer(parsed.id);
      break;
    case "Order":
      found = store.order(parsed.id);
      break;
    case "Product":
      found = store.product(parsed.id);
      break;
    case "ProductVariant":
      found = store.variant(parsed.id);
      break;
    case "Refund":
      found = store.refund(parsed.id);
      break;
    case "Shop":
      found = store.shop.id === parsed.id ? store.shop : null;
      break;
    case "BulkOperation":
      found = ctx.bulk?.get(ctx.shopDomain, id) ?? null;
      break;
    case "WebhookSubscription":
      found = ctx.webhooks?.list(ctx.shopDomain).find((s) => s.id === parsed.id) ?? null;
      break;
    case "DiscountCodeNode":
      found = store.discountCodes().find((d) => d.id === parsed.id) ?? null;
      break;
    default:
      found = null;
  }
  return found ? tagType(found, parsed.type) : null;
}

const legacy = (source: { id: string }) => source.id;

function fullName(customer: DevCustomer): string {
  const name = [customer.firstName, customer.lastName].filter(Boolean).join(" ").trim();
  return name || customer.email || customer.phone || "";
}

function webhookView(subscription: DevWebhookSubscription) {
  return subscription;
}

/**
 * A code discount as its DiscountCode union member. A separate object (the
 * record is its prototype) so the record itself keeps its DiscountCodeNode tag.
 */
const discountView = (code: DevDiscountCode) =>
  tagType(Object.create(code) as DevDiscountCode, code.kind === "free_shipping" ? "DiscountCodeFreeShipping" : "DiscountCodeBasic");

/** Resolvers of QueryRoot and the object types (mutations live in ./mutations.ts). */
export const typeResolvers: ResolverMap = {
  QueryRoot: {
    shop: (_s, _a, ctx) => ctx.store.shop,
    customers: (_s, args, ctx, info) =>
      connectionOf(ctx, info, ctx.store.customers(), args, searchFilter(ctx, args.query, "customer")),
    orders: (_s, args, ctx, info) =>
      connectionOf(ctx, info, ctx.store.orders(), args, searchFilter(ctx, args.query, "order")),
    products: (_s, args, ctx, info) =>
      connectionOf(ctx, info, ctx.store.products(), args, searchFilter(ctx, args.query, "product")),
    customer: (_s, args, ctx) => nodeOfType(ctx, args.id, "Customer"),
    order: (_s, args, ctx) => nodeOfType(ctx, args.id, "Order"),
    product: (_s, args, ctx) => nodeOfType(ctx, args.id, "Product"),
    productVariant: (_s, args, ctx) => nodeOfType(ctx, args.id, "ProductVariant"),
    productVariants: (_s, args, ctx, info) =>
      connectionOf(ctx, info, ctx.store.products().flatMap((p) => p.variants), args, variantSearch(ctx, args.query as string | undefined)),
    node: (_s, args, ctx) => lookupNode(ctx, args.id),
    nodes: (_s, args, ctx) => (args.ids as string[]).map((id) => lookupNode(ctx, id)),
    currentBulkOperation: (_s, args, ctx) => ctx.bulk?.current(ctx.shopDomain, args.type ?? "QUERY") ?? null,
    bulkOperation: (_s, args, ctx) => ctx.bulk?.get(ctx.shopDomain, args.id) ?? null,
    bulkOperations: (_s, args, ctx, info) => connectionOf(ctx, info, ctx.bulk?.list(ctx.shopDomain) ?? [], args),
    webhookSubscriptions: (_s, args, ctx, info) => {
      const topics = args.topics as string[] | undefined;
      const all = (ctx.webhooks?.list(ctx.shopDomain) ?? []).filter(
        (s) => (!topics || topics.includes(s.topic)) && (!args.uri || s.callbackUrl === args.uri),
      );
      return connectionOf(ctx, info, all.map(webhookView), args);
    },
    codeDiscountNodes: (_s, args, ctx, info) => {
      requireScope(ctx, "read_discounts", "codeDiscountNodes");
      return connectionOf(ctx, info, byNumericId(ctx.store.discountCodes()), args);
    },
    codeDiscountNode: (_s, args, ctx) => {
      requireScope(ctx, "read_discounts", "codeDiscountNode");
      return nodeOfType(ctx, args.id, "DiscountCodeNode");
    },
    codeDiscountNodeByCode: (_s, args, ctx) => {
      requireScope(ctx, "read_discounts", "codeDiscountNodeByCode");
      const found = ctx.store.discountCodeByCode(args.code);
      return found ? tagType(found, "DiscountCodeNode") : null;
    },
    ...webPixelQueryResolvers,
  },

  Shop: {
    id: (shop: DevShop) => gid("Shop", shop.id),
    myshopifyDomain: (shop: DevShop) => shop.domain,
    url: (shop: DevShop) => `https://${shop.domain}`,
    contactEmail: (shop: DevShop) => shop.email,
    updatedAt: (shop: DevShop) => shop.createdAt,
    plan: (shop: DevShop) => ({
      displayName: shop.planName,
      publicDisplayName: shop.planName,
      partnerDevelopment: /develop/i.test(shop.planName),
      shopifyPlus: /plus/i.test(shop.planName),
    }),
    metafield: () => null,
    metafields: () => toConnection([]),
  },

  Customer: {
    id: (c: DevCustomer) => gid("Customer", c.id),
    legacyResourceId: legacy,
    displayName: (c: DevCustomer) => fullName(c),
    numberOfOrders: (c: DevCustomer, _a, ctx) => String(ctx.store.ordersOfCustomer(c.id).length),
    amountSpent: (c: DevCustomer, _a, ctx) => money(amountSpentMinor(ctx, c), ctx.store.shop.currencyCode),
    defaultAddress: (c: DevCustomer, _a, ctx) => {
      const address = customerAddress(ctx.store.shop.domain, c);
      const countryCode = address?.countryCode ?? c.countryCode;
      if (!countryCode) return null;
      return mailingAddressView(gid("MailingAddress", `${c.id}?model_name=CustomerAddress`), address, {
        firstName: c.firstName, lastName: c.lastName, phone: c.phone, countryCode,
      });
    },
    addresses: () => [],
    emailMarketingConsent: (c: DevCustomer) =>
      c.email
        ? {
            marketingState: c.emailMarketingState,
            consentUpdatedAt: c.emailMarketingConsentUpdatedAt,
            marketingOptInLevel: c.emailMarketingState === "SUBSCRIBED" ? "SINGLE_OPT_IN" : null,
          }
        : null,
    statistics: (c: DevCustomer, _a, ctx) => customerStatistics(ctx, c),
    taxExempt: (c: DevCustomer) => c.taxExempt,
    lifetimeDuration: (c: DevCustomer, _a, ctx) => {
      const days = Math.floor((ctx.now().getTime() - Date.parse(c.createdAt)) / DAY_MS);
      return days >= 365 ? `about ${Math.round(days / 365)} years` : `${days} days`;
    },
    metafield: (c: DevCustomer, args) =>
      customerMetafields(c).find((m) => m.key === args.key && m.namespace === (args.namespace ?? m.namespace)) ?? null,
    metafields: (c: DevCustomer, args, ctx, info) =>
      connectionOf(
        ctx,
        info,
        customerMetafields(c).filter(
          (m) => (!args.namespace || m.namespace === args.namespace) && (!args.keys || args.keys.includes(`${m.namespace}.${m.key}`)),
        ),
        args,
      ),
    orders: (c: DevCustomer, args, ctx, info) =>
      connectionOf(ctx, info, byNumericId(ctx.store.ordersOfCustomer(c.id)), args, searchFilter(ctx, args.query, "order")),
  },

  Metafield: {
    id: (m: MetafieldView) => gid("Metafield", m.id),
    legacyResourceId: legacy,
    jsonValue: (m: MetafieldView) => {
      try {
        return JSON.parse(m.value);
      } catch {
        return m.value;
      }
    },
    compareDigest: (m: MetafieldView) => Buffer.from(`${m.value}|${m.updatedAt}`).toString("base64url"),
    description: () => null,
    definition: () => null,
    reference: () => null,
  },

  Order: {
    id: (o: DevOrder) => gid("Order", o.id),
    legacyResourceId: legacy,
    customer: (o: DevOrder, _a, ctx) => (o.customerId ? (ctx.store.customer(o.customerId) ?? null) : null),
    displayFinancialStatus: (o: DevOrder) => o.financialStatus,
    displayFulfillmentStatus: (o: DevOrder) => o.fulfillmentStatus,
    subtotalPriceSet: (o: DevOrder) => o.subtotalPrice,
    totalDiscountsSet: (o: DevOrder) => o.totalDiscounts,
    totalShippingPriceSet: (o: DevOrder) => o.totalShipping,
    totalTaxSet: (o: DevOrder) => o.totalTax,
    totalPriceSet: (o: DevOrder) => o.totalPrice,
    totalRefundedSet: (o: DevOrder) => o.totalRefunded,
    totalRefundedShippingSet: (o: DevOrder) => {
      const refunded = refundedParts(o);
      return moneyBag(refunded.shippingShop, o.currencyCode, refunded.shippingPres, o.presentmentCurrencyCode);
    },
    currentTotalPriceSet: (o: DevOrder) => bagDifference(o.totalPrice, o.totalRefunded),
    totalReceivedSet: (o: DevOrder) =>
      SPENDING_STATUSES.has(o.financialStatus) ? o.totalPrice : zeroBag(o),
    netPaymentSet: (o: DevOrder) =>
      SPENDING_STATUSES.has(o.financialStatus) ? bagDifference(o.totalPrice, o.totalRefunded) : zeroBag(o),
    discountCode: (o: DevOrder) => o.discountCodes[0] ?? null,
    subtotalLineItemsQuantity: (o: DevOrder) => o.lineItems.reduce((n, li) => n + li.quantity, 0),
    note: () => null,
    phone: () => null,
    lineItems: (o: DevOrder, args, ctx, info) => connectionOf(ctx, info, o.lineItems, args),
    refunds: (o: DevOrder, args) => (args.first != null ? o.refunds.slice(0, args.first) : o.refunds),
    shippingAddress: (o: DevOrder, _a, ctx) => {
      const address = orderShippingAddress(ctx.store.shop.domain, o, o.customerId ? ctx.store.customer(o.customerId) : undefined);
      return address ? mailingAddressView(gid("MailingAddress", `${o.id}1?model_name=Address`), address) : null;
    },
    billingAddress: (o: DevOrder, _a, ctx) => {
      const address = orderBillingAddress(ctx.store.shop.domain, o, o.customerId ? ctx.store.customer(o.customerId) : undefined);
      return address ? mailingAddressView(gid("MailingAddress", `${o.id}2?model_name=Address`), address) : null;
    },
    transactions: (o: DevOrder, args, ctx) => {
      const all = orderTransactions(ctx, o);
      return args.first != null ? all.slice(0, args.first) : all;
    },
    metafield: () => null,
    metafields: () => toConnection([]),
  },

  LineItem: {
    id: (li: DevLineItem) => gid("LineItem", li.id),
    name: (li: DevLineItem) => (li.variantTitle ? `${li.title} - ${li.variantTitle}` : li.title),
    originalUnitPriceSet: (li: DevLineItem) => li.originalUnitPrice,
    discountedTotalSet: (li: DevLineItem) => li.discountedTotal,
    totalDiscountSet: (li: DevLineItem) => li.totalDiscount,
    isGiftCard: (li: DevLineItem, _a, ctx) => isGiftCardProduct(li.productId ? ctx.store.product(li.productId) : null),
    product: (li: DevLineItem, _a, ctx) => (li.productId ? (ctx.store.product(li.productId) ?? null) : null),
    variant: (li: DevLineItem, _a, ctx) => (li.variantId ? (ctx.store.variant(li.variantId) ?? null) : null),
    vendor: (li: DevLineItem, _a, ctx) => (li.productId ? (ctx.store.product(li.productId)?.vendor ?? null) : null),
  },

  Refund: {
    id: (r: DevRefund) => gid("Refund", r.id),
    legacyResourceId: legacy,
    processedAt: (r: DevRefund) => r.createdAt,
    updatedAt: (r: DevRefund) => r.createdAt,
    order: (r: DevRefund, _a, ctx) => ctx.store.order(r.orderId),
    totalRefundedSet: (r: DevRefund) => r.totalRefunded,
    totalRefunded: (r: DevRefund) => r.totalRefunded.shopMoney,
    refundLineItems: (r: DevRefund, args, ctx, info) =>
      connectionOf(
        ctx,
        info,
        r.refundLineItems.map((rli) => Object.assign(Object.create(null), rli, { orderId: r.orderId })),
        args,
      ),
    refundShippingLines: (r: DevRefund, args, ctx, info) => connectionOf(ctx, info, refundShippingLinesOf(r, ctx.store.order(r.orderId)), args),
  },

  RefundShippingLine: {
    id: (l: DevRefundShippingLine) => gid("RefundShippingLine", l.id),
  },

  ShippingLine: {
    id: (l: DevShippingLine) => gid("ShippingLine", l.id),
    price: (l: DevShippingLine) => l.originalPriceSet.shopMoney.amount,
    originalPrice: (l: DevShippingLine) => l.originalPriceSet.shopMoney,
    discountedPrice: (l: DevShippingLine) => l.discountedPriceSet.shopMoney,
    currentDiscountedPriceSet: (l: DevShippingLine) => l.discountedPriceSet,
    custom: () => false,
    isRemoved: () => false,
    discountAllocations: () => [],
    taxLines: () => [],
    carrierIdentifier: () => null,
    deliveryCategory: () => null,
    phone: () => null,
    requestedFulfillmentService: () => null,
    shippingRateHandle: () => null,
  },

  RefundLineItem: {
    id: (rli: DevRefundLineItem) => gid("RefundLineItem", rli.id),
    lineItem: (rli: DevRefundLineItem & { orderId: string }, _a, ctx) =>
      ctx.store.order(rli.orderId)?.lineItems.find((li) => li.id === rli.lineItemId) ?? null,
    subtotalSet: (rli: DevRefundLineItem) => rli.subtotal,
    subtotal: (rli: DevRefundLineItem) => rli.subtotal.shopMoney.amount,
    totalTaxSet: (rli: DevRefundLineItem) => {
      if (!rli.totalTax) throw new NotImplementedError("RefundLineItem.totalTaxSet of a refund made without a tax split");
      return rli.totalTax;
    },
    totalTax: (rli: DevRefundLineItem) => {
      if (!rli.totalTax) throw new NotImplementedError("RefundLineItem.totalTax of a refund made without a tax split");
      return rli.totalTax.shopMoney;
    },
    priceSet: (rli: DevRefundLineItem & { orderId: string }, _a, ctx) =>
      ctx.store.order(rli.orderId)?.lineItems.find((li) => li.id === rli.lineItemId)?.originalUnitPrice ?? null,
    restockType: () => "NO_RESTOCK",
    restocked: () => false,
    location: () => null,
  },

  Product: {
    id: (p: DevProduct) => gid("Product", p.id),
    legacyResourceId: legacy,
    variants: (p: DevProduct, args, ctx, info) => connectionOf(ctx, info, p.variants, args),
    onlineStoreUrl: () => null,
    description: () => "",
    metafield: () => null,
    metafields: () => toConnection([]),
  },

  ProductVariant: {
    id: (v: DevProductVariant) => gid("ProductVariant", v.id),
    legacyResourceId: legacy,
    product: (v: DevProductVariant, _a, ctx) => ctx.store.product(v.productId),
    displayName: (v: DevProductVariant, _a, ctx) => `${ctx.store.product(v.productId)?.title ?? ""} - ${v.title}`,
    metafield: () => null,
    metafields: () => toConnection([]),
  },

  MailingAddress: {
    address1: protectedAddressField("address1"),
    address2: protectedAddressField("address2"),
    city: protectedAddressField("city"),
    zip: protectedAddressField("zip"),
    company: protectedAddressField("company"),
    firstName: protectedAddressField("firstName"),
    lastName: protectedAddressField("lastName"),
    phone: protectedAddressField("phone"),
    name: (a: MailingAddressView, _args, ctx) => {
      requireProtectedCustomerData(ctx, "MailingAddress.name");
      return [a.firstName, a.lastName].filter(Boolean).join(" ") || null;
    },
    formatted: (a: MailingAddressView, _args, ctx) => {
      requireProtectedCustomerData(ctx, "MailingAddress.formatted");
      return [a.address1, a.address2, [a.city, a.provinceCode, a.zip].filter(Boolean).join(" "), a.country].filter((x): x is string => Boolean(x));
    },
  },

  OrderTransaction: {
    id: (t: TransactionView) => gid("OrderTransaction", t.id),
    amountSet: (t: TransactionView) => t.amount,
    amountV2: (t: TransactionView) => t.amount.presentmentMoney,
    amount: (t: TransactionView) => t.amount.presentmentMoney.amount,
    formattedGateway: (t: TransactionView) => (t.gateway === "paypal" ? "PayPal Express Checkout" : "Shopify Payments"),
    paymentDetails: (t: TransactionView) => (t.card ? tagType({ card: t.card }, "CardPaymentDetails") : null),
    parentTransaction: () => null,
    manualPaymentGateway: () => false,
    errorCode: () => null,
    order: (t: TransactionView, _a, ctx) => ctx.store.order(t.orderId) ?? null,
  },

  CardPaymentDetails: {
    bin: (d: { card: DevCard }) => d.card.bin,
    number: (d: { card: DevCard }) => `•••• •••• •••• ${d.card.last4}`,
    expirationMonth: (d: { card: DevCard }) => d.card.expirationMonth,
    expirationYear: (d: { card: DevCard }) => d.card.expirationYear,
    company: (d: { card: DevCard }) => d.card.company,
    wallet: (d: { card: DevCard }) => d.card.wallet,
    paymentMethodName: (d: { card: DevCard }) => d.card.company.toLowerCase(),
    // The cardholder's name is personal data, protected like a name on an address.
    name: (d: { card: DevCard }, _a, ctx) => {
      requireProtectedCustomerData(ctx, "CardPaymentDetails.name");
      return d.card.name;
    },
    avsResultCode: () => "Y",
    cvvResultCode: () => "M",
  },

  BulkOperation: {
    id: (b: DevBulkOperation) => gid("BulkOperation", b.id),
    legacyResourceId: legacy,
    objectCount: (b: DevBulkOperation) => String(b.objectCount),
    rootObjectCount: (b: DevBulkOperation) => String(b.rootObjectCount),
    fileSize: (b: DevBulkOperation) => (b.fileSize === null ? null : String(b.fileSize)),
    partialDataUrl: () => null,
    type: () => "QUERY",
  },

  WebhookSubscription: {
    id: (s: DevWebhookSubscription) => gid("WebhookSubscription", s.id),
    legacyResourceId: legacy,
    uri: (s: DevWebhookSubscription) => s.callbackUrl,
    endpoint: (s: DevWebhookSubscription) => tagType({ callbackUrl: s.callbackUrl }, "WebhookHttpEndpoint"),
    apiVersion: () => ({ handle: ADMIN_API_VERSION, displayName: ADMIN_API_VERSION, supported: true }),
    includeFields: () => [],
    metafieldNamespaces: () => [],
    metafields: () => [],
    filter: () => null,
    name: () => null,
  },

  DiscountCodeNode: {
    id: (d: DevDiscountCode) => gid("DiscountCodeNode", d.id),
    codeDiscount: (d: DevDiscountCode) => discountView(d),
    metafield: () => null,
    metafields: () => toConnection([]),
  },

  DiscountCodeBasic: {
    ...codeDiscountFields(),
    customerGets: (d: DevDiscountCode, _a, ctx) => ({
      appliesOnOneTimePurchase: true,
      appliesOnSubscription: false,
      items: !d.items || d.items === "all"
        ? { __typename: "AllDiscountItems", allItems: true }
        : { __typename: "DiscountProducts", variantIds: d.items.variantIds, productIds: d.items.productIds },
      value: !d.value
        ? null
        : "percentage" in d.value
          ? { __typename: "DiscountPercentage", percentage: d.value.percentage }
          : {
              __typename: "DiscountAmount",
              amount: { amount: d.value.amount, currencyCode: ctx.store.shop.currencyCode },
              appliesOnEachItem: Boolean(d.value.appliesOnEachItem),
            },
    }),
    discountClass: (d: DevDiscountCode) => (d.items && d.items !== "all" ? "PRODUCT" : "ORDER"),
    discountClasses: (d: DevDiscountCode) => [d.items && d.items !== "all" ? "PRODUCT" : "ORDER"],
  },

  DiscountCodeFreeShipping: {
    ...codeDiscountFields(),
    appliesOnOneTimePurchase: () => true,
    appliesOnSubscription: () => false,
    destinationSelection: () => ({ __typename: "DiscountCountryAll", allCountries: true }),
    maximumShippingPrice: (d: DevDiscountCode, _a, ctx) =>
      d.maximumShippingPrice ? { amount: d.maximumShippingPrice, currencyCode: ctx.store.shop.currencyCode } : null,
    discountClass: () => "SHIPPING",
    discountClasses: () => ["SHIPPING"],
  },

  DiscountRedeemCode: {
    id: (c: { id: string }) => gid("DiscountRedeemCode", c.id),
  },

  DiscountProducts: {
    productVariants: (d: { variantIds: string[] }, args, ctx, info) =>
      connectionOf(ctx, info, byNumericId(d.variantIds.map((id) => ctx.store.variant(id)).filter((v): v is DevProductVariant => Boolean(v))), args),
    products: (d: { productIds: string[] }, args, ctx, info) =>
      connectionOf(ctx, info, byNumericId(d.productIds.map((id) => ctx.store.product(id)).filter((p): p is DevProduct => Boolean(p))), args),
  },
};

/** Fields DiscountCodeBasic and DiscountCodeFreeShipping resolve alike. */
function codeDiscountFields(): Record<string, Resolver> {
  const buyers = (d: DevDiscountCode, ctx: ResolverContext) =>
    d.customerIds === "all"
      ? null
      : { __typename: "DiscountCustomers", customers: d.customerIds.map((id) => ctx.store.customer(id)).filter(Boolean) };
  return {
    status: (d: DevDiscountCode, _a, ctx) => {
      const now = ctx.now().getTime();
      if (Date.parse(d.startsAt) > now) return "SCHEDULED";
      if (d.endsAt && Date.parse(d.endsAt) <= now) return "EXPIRED";
      return "ACTIVE";
    },
    updatedAt: (d: DevDiscountCode) => d.updatedAt ?? d.createdAt,
    asyncUsageCount: (d: DevDiscountCode, _a, ctx) => ctx.store.discountCodeUsage(d.code),
    summary: (d: DevDiscountCode) => discountSummary(d),
    shortSummary: (d: DevDiscountCode) => discountSummary(d),
    tags: () => [],
    codes: (d: DevDiscountCode, args, ctx, info) =>
      connectionOf(ctx, info, [{ id: d.id, code: d.code, asyncUsageCount: ctx.store.discountCodeUsage(d.code), createdBy: null }], args),
    codesCount: () => ({ count: 1, precision: "EXACT" }),
    recurringCycleLimit: () => null,
    hasTimelineComment: () => false,
    shareableUrls: () => [],
    totalSales: () => null,
    combinesWith: (d: DevDiscountCode) => ({
      orderDiscounts: d.combinesWith?.orderDiscounts ?? false,
      productDiscounts: d.combinesWith?.productDiscounts ?? false,
      shippingDiscounts: d.combinesWith?.shippingDiscounts ?? false,
      productDiscountsWithTagsOnSameCartLine: null,
    }),
    context: (d: DevDiscountCode, _a, ctx) => buyers(d, ctx) ?? { __typename: "DiscountBuyerSelectionAll", all: "ALL" },
    customerSelection: (d: DevDiscountCode, _a, ctx) => buyers(d, ctx) ?? { __typename: "DiscountCustomerAll", allCustomers: true },
    minimumRequirement: (d: DevDiscountCode, _a, ctx) =>
      d.minimumSubtotal === null
        ? null
        : { __typename: "DiscountMinimumSubtotal", greaterThanOrEqualToSubtotal: { amount: d.minimumSubtotal, currencyCode: ctx.store.shop.currencyCode } },
  };
}

function discountSummary(d: DevDiscountCode): string {
  if (d.kind === "free_shipping") return "Free shipping on all products";
  if (!d.value) return d.title;
  const what = "percentage" in d.value ? `${Math.round(d.value.percentage * 100)}% off` : `${d.value.amount} off`;
  return d.items && d.items !== "all" ? `${what} selected products` : `${what} entire order`;
}

/** A MailingAddress: the model's address, or only a country when the record has no address. */
type MailingAddressView = Omit<DevAddress, "address1" | "city" | "zip"> & {
  id: string; address1: string | null; city: string | null; zip: string | null;
  countryCodeV2: string; country: string | null; coordinatesValidated: boolean;
};

function mailingAddressView(
  id: string,
  address: DevAddress | null,
  fallback?: { firstName: string | null; lastName: string | null; phone: string | null; countryCode: string },
): MailingAddressView {
  const base = address ?? {
    firstName: fallback?.firstName ?? null, lastName: fallback?.lastName ?? null, company: null, address1: null, address2: null,
    city: null, province: null, provinceCode: null, zip: null, countryCode: fallback?.countryCode ?? "US", phone: fallback?.phone ?? null,
  };
  return tagType({ ...base, phone: base.phone ?? fallback?.phone ?? null, id, countryCodeV2: base.countryCode, country: null, coordinatesValidated: false }, "MailingAddress");
}

/** Level-2 protected customer data (names, street, postal code, phone): ACCESS_DENIED for an unapproved app. */
function protectedAddressField(field: keyof MailingAddressView): Resolver {
  return (a: MailingAddressView, _args, ctx) => {
    requireProtectedCustomerData(ctx, `MailingAddress.${field}`);
    return a[field] ?? null;
  };
}

interface TransactionView {
  id: string;
  orderId: string;
  kind: "AUTHORIZATION" | "SALE" | "REFUND" | "VOID";
  status: "SUCCESS";
  gateway: string;
  amount: MoneyBag;
  createdAt: string;
  processedAt: string;
  test: boolean;
  card: DevCard | null;
}

/**
 * An order's payment transactions, from its state: a sale (or an
 * authorization while authorized; authorization and void when voided), and a
 * refund per refund. Paid with the order's card (dev-store/generator/addresses.ts);
 * PayPal payers' transactions carry no card details.
 */
function orderTransactions(ctx: ResolverContext, o: DevOrder): TransactionView[] {
  if (o.financialStatus === "PENDING") return [];
  const card = orderCard(ctx.store.shop.domain, o, o.customerId ? ctx.store.customer(o.customerId) : undefined);
  const gateway = card ? "shopify_payments" : "paypal";
  const at = (k: number, kind: TransactionView["kind"], amount: MoneyBag, when: string): TransactionView => ({
    id: `${o.id}${String(k).padStart(2, "0")}`, orderId: o.id, kind, status: "SUCCESS", gateway, amount, createdAt: when, processedAt: when, test: o.test, card,
  });
  const first = o.financialStatus === "AUTHORIZED" || o.financialStatus === "VOIDED" ? "AUTHORIZATION" : "SALE";
  const out = [at(0, first, o.totalPrice, o.processedAt)];
  if (o.financialStatus === "VOIDED") out.push(at(1, "VOID", o.totalPrice, o.cancelledAt ?? o.updatedAt));
  o.refunds.forEach((r, i) => out.push(at(10 + i, "REFUND", r.totalRefunded, r.createdAt)));
  return out;
}

function nodeOfType(ctx: ResolverContext, id: string, type: string): object | null {
  const parsed = parseGid(id);
  if (!parsed || parsed.type !== type) return null;
  return lookupNode(ctx, id);
}
