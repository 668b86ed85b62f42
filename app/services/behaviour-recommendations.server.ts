/**
 * Recommendations served (app/domain/behaviour/recommend.ts): "recommended for
 * you" per customer and "often bought together" per product, computed by the
 * daily behaviour refresh from the last year's purchases and the pixel's
 * add-to-carts and views, stored (`CustomerRecommendation`,
 * `ProductRecommendation`) and read by the customer page, the storefront
 * widget and campaigns. docs/behaviour.md#recommendations-served.
 */
import { prisma as appPrisma, type PrismaClient } from "~/db.server";
import { boughtTogether, EVENT_CODES, INTERACTION_WEIGHT, popularFor, recommendForCustomer, trainItemSimilarity, type Interaction } from "~/domain/behaviour";
import { PURCHASE_FINANCIAL_STATUSES } from "~/db/purchase-histories.server";

const DAY = 86400_000;
/** Purchases this recent shape recommendations (older ones have decayed to nothing at a 60-day half-life). */
const PURCHASE_DAYS = 365;
/** Browsing this recent (the raw events' retention). */
const BROWSING_DAYS = 90;
/** Stored per customer and per product; readers take the first n. */
export const STORED_RECOMMENDATIONS = 10;
const POPULAR_KEY = "*";
const WRITE_CHUNK = 500;

export interface RecommendationsRefreshSummary {
  customers: number;
  products: number;
  /** Products that may be recommended (active, or status unknown). */
  items: number;
}

interface Deps {
  db?: PrismaClient;
}

/**
 * Retrains the shop's item-to-item model and rewrites every customer's
 * "recommended for you" (leaving out what they bought), every product's
 * "often bought together" and the popular list, in one transaction.
 * Only active products are recommended (drafts and archived products are left
 * out of the model altogether).
 */
export async function refreshRecommendations(shopDomain: string, now: Date, deps: Deps = {}): Promise<RecommendationsRefreshSummary> {
  const db = deps.db ?? appPrisma;
  const products = await db.product.findMany({ where: { shopDomain }, select: { productGid: true, status: true } });
  const recommendable = new Set(products.filter((p) => p.status === null || p.status === "ACTIVE").map((p) => p.productGid));

  const lines = await db.orderLineItem.findMany({
    where: {
      shopDomain,
      productGid: { not: null },
      isGiftCard: false,
      order: {
        customerGid: { not: null }, cancelledAt: null, deletedAt: null, test: false,
        financialStatus: { in: [...PURCHASE_FINANCIAL_STATUSES] },
        processedAt: { gt: new Date(now.getTime() - PURCHASE_DAYS * DAY), lte: now },
      },
    },
    select: { productGid: true, orderGid: true, order: { select: { customerGid: true, processedAt: true } } },
  });
  const events = await db.behaviourEvent.findMany({
    where: {
      shopDomain, customerGid: { not: null }, productGid: { not: null },
      code: { in: [EVENT_CODES.product_viewed, EVENT_CODES.product_added_to_cart] },
      occurredAt: { gt: new Date(now.getTime() - BROWSING_DAYS * DAY), lte: now },
    },
    select: { customerGid: true, productGid: true, code: true, occurredAt: true },
  });

  const interactions: Interaction[] = [];
  const bought = new Map<string, Set<string>>();
  const orders = new Map<string, string[]>();
  for (const l of lines) {
    const item = l.productGid!;
    const customer = l.order.customerGid!;
    let set = bought.get(customer);
    if (!set) bought.set(customer, (set = new Set()));
    set.add(item);
    if (!recommendable.has(item)) continue;
    interactions.push({ customer, item, at: l.order.processedAt.getTime(), weight: INTERACTION_WEIGHT.purchase });
    const basket = orders.get(l.orderGid) ?? [];
    basket.push(item);
    orders.set(l.orderGid, basket);
  }
  for (const e of events) {
    if (!recommendable.has(e.productGid!)) continue;
    const weight = e.code === EVENT_CODES.product_added_to_cart ? INTERACTION_WEIGHT.cart : INTERACTION_WEIGHT.view;
    interactions.push({ customer: e.customerGid!, item: e.productGid!, at: e.occurredAt.getTime(), weight });
  }

  const model = trainItemSimilarity(interactions);
  const history = new Map<string, Interaction[]>();
  for (const x of interactions) {
    const list = history.get(x.customer);
    if (list) list.push(x);
    else history.set(x.customer, [x]);
  }
  const customerRows = [...history].map(([customerGid, list]) => ({
    shopDomain,
    customerGid,
    productGids: JSON.stringify(
      recommendForCustomer(model, list, { k: STORED_RECOMMENDATIONS, exclude: bought.get(customerGid), now: now.getTime() }).map((r) => r.item),
    ),
    computedAt: now,
  }));
  const together = boughtTogether(orders.values(), { k: STORED_RECOMMENDATIONS });
  const productRows = [...together].map(([productGid, list]) => ({
    shopDomain, productGid, kind: "together", productGids: JSON.stringify(list.map((r) => r.item)), computedAt: now,
  }));
  productRows.push({
    shopDomain, productGid: POPULAR_KEY, kind: "popular", productGids: JSON.stringify(popularFor(model, { k: 2 * STORED_RECOMMENDATIONS }).map((r) => r.item)), computedAt: now,
  });

  await db.$transaction(async (tx) => {
    await tx.customerRecommendation.deleteMany({ where: { shopDomain } });
    await tx.productRecommendation.deleteMany({ where: { shopDomain } });
    for (let i = 0; i < customerRows.length; i += WRITE_CHUNK) await tx.customerRecommendation.createMany({ data: customerRows.slice(i, i + WRITE_CHUNK) });
    for (let i = 0; i < productRows.length; i += WRITE_CHUNK) await tx.productRecommendation.createMany({ data: productRows.slice(i, i + WRITE_CHUNK) });
  }, { timeout: 120_000 });
  return { customers: customerRows.length, products: together.size, items: model.items.length };
}

/**
 * A customer's top `n` recommended product GIDs, best first: their own
 * "recommended for you" when the last refresh had any interaction of theirs,
 * else the shop's popular products. Empty before the first refresh. For
 * campaigns (e.g. a product block in a win-back message).
 *
 * @example
 * const productGids = await recommendedProductIds(shop, "gid://shopify/Customer/42", 3);
 */
export async function recommendedProductIds(shopDomain: string, customerGid: string, n = STORED_RECOMMENDATIONS, deps: Deps = {}): Promise<string[]> {
  const db = deps.db ?? appPrisma;
  const own = await db.customerRecommendation.findUnique({ where: { shopDomain_customerGid: { shopDomain, customerGid } }, select: { productGids: true } });
  const ids = own ? (JSON.parse(own.productGids) as string[]) : [];
  if (ids.length >= n) return ids.slice(0, n);
  const popular = await db.productRecommendation.findUnique({
    where: { shopDomain_kind_productGid: { shopDomain, kind: "popular", productGid: POPULAR_KEY } },
    select: { productGids: true },
  });
  const bought = own ? null : await boughtProductGids(db, shopDomain, customerGid);
  for (const id of popular ? (JSON.parse(popular.productGids) as string[]) : []) {
    if (ids.length >= n) break;
    if (!ids.includes(id) && !bought?.has(id)) ids.push(id);
  }
  return ids;
}

/** Products often bought together with `productGid`, best first (at most `n`). */
export async function boughtTogetherIds(shopDomain: string, productGid: string, n = 3, deps: Deps = {}): Promise<string[]> {
  const db = deps.db ?? appPrisma;
  const row = await db.productRecommendation.findUnique({
    where: { shopDomain_kind_productGid: { shopDomain, kind: "together", productGid } },
    select: { productGids: true },
  });
  return row ? (JSON.parse(row.productGids) as string[]).slice(0, n) : [];
}

export interface RecommendedProduct {
  productGid: string;
  title: string;
  /** Null when the product has no handle synced. */
  handle: string | null;
}

/** Product GIDs with their synced titles and handles, in the given order; unknown products are left out. */
export async function productsByGid(shopDomain: string, productGids: readonly string[], deps: Deps = {}): Promise<RecommendedProduct[]> {
  if (productGids.length === 0) return [];
  const db = deps.db ?? appPrisma;
  const rows = await db.product.findMany({ where: { shopDomain, productGid: { in: [...productGids] } }, select: { productGid: true, title: true, handle: true } });
  const byGid = new Map(rows.map((r) => [r.productGid, r]));
  return productGids.flatMap((gid) => {
    const p = byGid.get(gid);
    return p ? [{ productGid: p.productGid, title: p.title, handle: p.handle }] : [];
  });
}

/** {@link recommendedProductIds} with titles and handles. */
export async function recommendedProducts(shopDomain: string, customerGid: string, n = STORED_RECOMMENDATIONS, deps: Deps = {}): Promise<RecommendedProduct[]> {
  return productsByGid(shopDomain, await recommendedProductIds(shopDomain, customerGid, n, deps), deps);
}

async function boughtProductGids(db: PrismaClient, shopDomain: string, customerGid: string): Promise<Set<string>> {
  const lines = await db.orderLineItem.findMany({
    where: { shopDomain, productGid: { not: null }, order: { customerGid, cancelledAt: null, deletedAt: null } },
    select: { productGid: true },
  });
  return new Set(lines.map((l) => l.productGid!));
}
