/**
 * Field resolvers of the local Admin API, keyed by schema type and field.
 * Model objects (dev-store/model.ts) are resolved as they are; a field with
 * no resolver falls back to the model's property of the same name, and a
 * field the dev store does not model says so instead of inventing data.
 */
import { GraphQLError, type GraphQLResolveInfo } from "graphql";
import { gid, isGiftCardProduct, parseGid } from "../model";
import type {
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
import { requireScope } from "./scopes";
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
    defaultAddress: (c: DevCustomer) =>
      c.countryCode
        ? {
            id: gid("MailingAddress", `${c.id}?model_name=CustomerAddress`),
            countryCodeV2: c.countryCode,
            countryCode: c.countryCode,
            country: null,
            firstName: c.firstName,
            lastName: c.lastName,
            name: fullName(c),
            phone: c.phone,
            coordinatesValidated: false,
            formatted: [],
          }
        : null,
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
  },

  RefundLineItem: {
    id: (rli: DevRefundLineItem) => gid("RefundLineItem", rli.id),
    lineItem: (rli: DevRefundLineItem & { orderId: string }, _a, ctx) =>
      ctx.store.order(rli.orderId)?.lineItems.find((li) => li.id === rli.lineItemId) ?? null,
    subtotalSet: (rli: DevRefundLineItem) => rli.subtotal,
    subtotal: (rli: DevRefundLineItem) => rli.subtotal.shopMoney.amount,
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

function nodeOfType(ctx: ResolverContext, id: string, type: string): object | null {
  const parsed = parseGid(id);
  if (!parsed || parsed.type !== type) return null;
  return lookupNode(ctx, id);
}
