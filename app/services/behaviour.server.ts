/**
 * The behaviour and interest dimensions per customer (app/domain/behaviour/
 * dimensions.ts), refreshed from the web pixel's events and the synced
 * orders, and the raw events' retention: past `RAW_EVENT_RETENTION_DAYS` a
 * customer's events are rolled up into lifetime counters and deleted;
 * anonymous ones that never met a customer are deleted. docs/behaviour.md.
 */
import { appDatabaseDialect, prisma as appPrisma, type PrismaClient } from "~/db.server";
import type { SqlDialect } from "~/db/adapter.server";
import { customerDimensions, EVENT_CODES, parseFacet, type Affinity, type BehaviourSignal, type CustomerDimensions, type PurchaseSignal } from "~/domain/behaviour";
import { behaviourRuleKey, layersReadBehaviour, type BehaviourValues } from "~/domain/behaviour/rule-features";
import { validateLayers, type LayerDefinition } from "~/domain/segments";
import { upsertDimensions, type DimensionsRow } from "~/db/behaviour-repository.server";
import { logger } from "~/logger.server";
import { recommendedProducts, refreshRecommendations, type RecommendedProduct } from "./behaviour-recommendations.server";
import { IntelligenceNotComputedError, UnknownCustomerError, updateCustomer } from "./intelligence.server";

export const RAW_EVENT_RETENTION_DAYS = 90;
/** Customers refreshed per page (one read of their events, purchases and stored rows; 200-row upserts). */
const PAGE_CUSTOMERS = 2_000;
/** Purchases older than this no longer shape interest (their weight has decayed to nothing anyway). */
const PURCHASE_INTEREST_DAYS = 365;
const DAY = 86400_000;

/** Past this many customers whose rule-relevant dimensions changed, the refresh leaves re-layering to the daily full pass. */
export const MAX_RELAYERED_PER_REFRESH = 5_000;

export interface BehaviourRefreshSummary {
  customers: number;
  rolledUpEvents: number;
  deletedAnonymousEvents: number;
  /** Customers whose values that layer rules read changed. */
  changedForRules: number;
  /** Of those, re-layered now (single-customer updates); 0 when no layer rule reads behaviour. */
  relayered: number;
  /** Customers with "recommended for you" stored. */
  recommendedCustomers: number;
}

export interface BehaviourRefreshDeps {
  db?: PrismaClient;
  dialect?: SqlDialect;
  /** Skip retraining the recommendations (tests of the dimensions alone). Default true. */
  recommendations?: boolean;
  /** Customers per page; default 2,000. */
  pageCustomers?: number;
}

/**
 * Refreshes every customer's behaviour and interest dimensions as of `now`
 * (rolling up and deleting raw events past retention first), then the
 * recommendations, then re-layers the customers whose rule-relevant values
 * changed when the shop's layers read behaviour fields: through the
 * intelligence service's single-customer update, so they get what the full
 * pass would give; over {@link MAX_RELAYERED_PER_REFRESH} changes, the daily
 * full pass does it.
 */
export async function refreshCustomerBehaviour(shopDomain: string, now: Date, deps: BehaviourRefreshDeps = {}): Promise<BehaviourRefreshSummary> {
  const db = deps.db ?? appPrisma;
  const cutoff = new Date(now.getTime() - RAW_EVENT_RETENTION_DAYS * DAY);
  const { rolledUpEvents, deletedAnonymousEvents } = await rollUpExpiredEvents(db, shopDomain, cutoff);
  // Customer by customer in pages (keyset on the id), so memory stays bounded however many customers browse.
  const pageCustomers = deps.pageCustomers ?? PAGE_CUSTOMERS;
  const changed: string[] = [];
  let customers = 0;
  let after: string | null = null;
  for (;;) {
    const ids = await customerPage(db, shopDomain, after, cutoff, now, pageCustomers);
    if (ids.length === 0) break;
    changed.push(...(await refreshPage(db, shopDomain, ids, cutoff, now)));
    customers += ids.length;
    after = ids[ids.length - 1]!;
    if (ids.length < pageCustomers) break;
  }
  // Customers whose browsing all aged out keep their rolled-up totals, with the windows emptied.
  const emptied = await db.customerBehaviour.findMany({
    where: {
      shopDomain, computedAt: { lt: now },
      OR: [{ sessions30: { gt: 0 } }, { views30: { gt: 0 } }, { carts30: { gt: 0 } }, { searches30: { gt: 0 } }, { cartAbandonedAt: { not: null } }],
    },
    select: { customerGid: true },
  });
  changed.push(...emptied.map((r) => r.customerGid));
  await db.customerBehaviour.updateMany({
    where: { shopDomain, computedAt: { lt: now } },
    data: { sessions30: 0, sessions90: 0, views30: 0, views90: 0, carts30: 0, carts90: 0, searches30: 0, searches90: 0, cartAbandonedAt: null, computedAt: now },
  });

  const recommendedCustomers = deps.recommendations === false ? 0 : (await refreshRecommendations(shopDomain, now, { db })).customers;
  const relayered = await relayerCustomers(shopDomain, changed, now, db, deps.dialect ?? appDatabaseDialect());
  return { customers, rolledUpEvents, deletedAnonymousEvents, changedForRules: changed.length, relayered, recommendedCustomers };
}

/** The next `take` customers (ids ascending, after `after`) with events in the window. */
async function customerPage(db: PrismaClient, shopDomain: string, after: string | null, cutoff: Date, now: Date, take: number): Promise<string[]> {
  const page = await db.behaviourEvent.groupBy({
    by: ["customerGid"],
    where: { shopDomain, occurredAt: { gt: cutoff, lte: now }, customerGid: after === null ? { not: null } : { gt: after } },
    orderBy: { customerGid: "asc" },
    take,
  });
  return page.map((p) => p.customerGid!);
}

/** One page of customers (ids ascending): their dimensions written; returns those whose rule-relevant values changed. */
async function refreshPage(db: PrismaClient, shopDomain: string, ids: readonly string[], cutoff: Date, now: Date): Promise<string[]> {
  const events = await db.behaviourEvent.findMany({
    where: { shopDomain, customerGid: { gte: ids[0]!, lte: ids[ids.length - 1]! }, occurredAt: { gt: cutoff, lte: now } },
    select: { customerGid: true, clientId: true, code: true, occurredAt: true, facet: true },
  });
  const signals = new Map<string, BehaviourSignal[]>();
  for (const e of events) {
    const list = signals.get(e.customerGid!) ?? [];
    list.push({ clientId: e.clientId, code: e.code, at: e.occurredAt.getTime(), ...parseFacet(e.facet) });
    signals.set(e.customerGid!, list);
  }

  const lines = await inChunks(ids, (chunk) =>
    db.orderLineItem.findMany({
      where: {
        shopDomain,
        order: { customerGid: { in: chunk }, cancelledAt: null, deletedAt: null, processedAt: { gt: new Date(now.getTime() - PURCHASE_INTEREST_DAYS * DAY) } },
      },
      select: { productGid: true, order: { select: { customerGid: true, processedAt: true } } },
    }),
  );
  const productGids = [...new Set(lines.map((l) => l.productGid).filter((g): g is string => !!g))];
  const products = new Map(
    (await inChunks(productGids, (chunk) => db.product.findMany({ where: { shopDomain, productGid: { in: chunk } }, select: { productGid: true, productType: true, vendor: true } }))).map(
      (p) => [p.productGid, p],
    ),
  );
  const purchases = new Map<string, PurchaseSignal[]>();
  for (const l of lines) {
    const product = l.productGid ? products.get(l.productGid) : undefined;
    const list = purchases.get(l.order.customerGid!) ?? [];
    list.push({ at: l.order.processedAt.getTime(), productType: product?.productType || null, vendor: product?.vendor || null });
    purchases.set(l.order.customerGid!, list);
  }

  const stored = await inChunks(ids, (chunk) =>
    db.customerBehaviour.findMany({
      where: { shopDomain, customerGid: { in: chunk } },
      select: { customerGid: true, sessions30: true, views30: true, carts30: true, searches30: true, lastSeenAt: true, cartAbandonedAt: true, topProductTypes: true },
    }),
  );
  const before = new Map(stored.map((r) => [r.customerGid, behaviourRuleKey(ruleValues(r))]));
  const rows: DimensionsRow[] = [];
  const changed: string[] = [];
  for (const [customerGid, list] of signals) {
    const d = customerDimensions(list, purchases.get(customerGid) ?? [], now);
    const row = { customerGid, ...serialise(d) };
    rows.push(row);
    if (before.get(customerGid) !== behaviourRuleKey(ruleValues(row))) changed.push(customerGid);
  }
  await upsertDimensions(db, shopDomain, rows, now);
  return changed;
}

/** SQLite (through the driver adapter) takes at most 999 parameters a statement: `in` lists go 500 at a time. */
async function inChunks<T>(values: readonly string[], query: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < values.length; i += 500) out.push(...(await query(values.slice(i, i + 500))));
  return out;
}

function ruleValues(r: { sessions30: number; views30: number; carts30: number; searches30: number; lastSeenAt: Date | null; cartAbandonedAt: Date | null; topProductTypes: string }): BehaviourValues {
  const top = JSON.parse(r.topProductTypes) as { value: string }[];
  return {
    sessions30: r.sessions30, views30: r.views30, carts30: r.carts30, searches30: r.searches30,
    lastSeenAt: r.lastSeenAt?.getTime() ?? null, cartAbandonedAt: r.cartAbandonedAt?.getTime() ?? null, topProductType: top[0]?.value ?? null,
  };
}

/** Single-customer updates for the changed customers, when the shop's stored layers read behaviour at all. */
async function relayerCustomers(shopDomain: string, changed: readonly string[], now: Date, db: PrismaClient, dialect: SqlDialect): Promise<number> {
  if (changed.length === 0) return 0;
  const stored = await db.shopInsight.findUnique({ where: { shopDomain }, select: { layers: true } });
  if (!stored) return 0; // no full pass yet: the first one reads the dimensions
  const layers: unknown = JSON.parse(stored.layers);
  if (validateLayers(layers).length > 0 || !layersReadBehaviour(layers as LayerDefinition[])) return 0;
  if (changed.length > MAX_RELAYERED_PER_REFRESH) {
    logger.info("behaviour.relayer_deferred", { shop: shopDomain, customers: changed.length });
    return 0;
  }
  let done = 0;
  for (const customerGid of changed) {
    try {
      await updateCustomer(shopDomain, customerGid, { db, dialect, asOf: now });
      done++;
    } catch (error) {
      // A customer not synced yet (or deleted) has no layer to change; the next full pass covers the rest.
      if (error instanceof UnknownCustomerError) continue;
      if (error instanceof IntelligenceNotComputedError) return done;
      throw error;
    }
  }
  return done;
}

function serialise(d: CustomerDimensions): Omit<DimensionsRow, "customerGid"> {
  return {
    ...d,
    topProductTypes: JSON.stringify(d.topProductTypes),
    topVendors: JSON.stringify(d.topVendors),
    topSearchTerms: JSON.stringify(d.topSearchTerms),
  };
}

/** Events past retention: a customer's are counted into their lifetime counters, then every one is deleted (one transaction). */
async function rollUpExpiredEvents(db: PrismaClient, shopDomain: string, cutoff: Date): Promise<{ rolledUpEvents: number; deletedAnonymousEvents: number }> {
  // Reads, then writes: on SQLite the client runs it again if another connection's commit makes its snapshot stale (db.server.ts).
  return db.$transaction(async (tx) => {
    const counts = await tx.behaviourEvent.groupBy({
      by: ["customerGid", "code"],
      where: { shopDomain, occurredAt: { lte: cutoff }, customerGid: { not: null } },
      _count: { _all: true },
    });
    const perCustomer = new Map<string, { rolledViews: number; rolledCarts: number; rolledSearches: number }>();
    let rolled = 0;
    for (const c of counts) {
      const row = perCustomer.get(c.customerGid!) ?? { rolledViews: 0, rolledCarts: 0, rolledSearches: 0 };
      if (c.code === EVENT_CODES.product_viewed) row.rolledViews += c._count._all;
      else if (c.code === EVENT_CODES.product_added_to_cart) row.rolledCarts += c._count._all;
      else if (c.code === EVENT_CODES.search_submitted) row.rolledSearches += c._count._all;
      perCustomer.set(c.customerGid!, row);
      rolled += c._count._all;
    }
    for (const [customerGid, add] of perCustomer) {
      await tx.customerBehaviour.upsert({
        where: { shopDomain_customerGid: { shopDomain, customerGid } },
        create: { shopDomain, customerGid, ...add, computedAt: cutoff },
        update: { rolledViews: { increment: add.rolledViews }, rolledCarts: { increment: add.rolledCarts }, rolledSearches: { increment: add.rolledSearches } },
      });
    }
    const deleted = await tx.behaviourEvent.deleteMany({ where: { shopDomain, occurredAt: { lte: cutoff } } });
    return { rolledUpEvents: rolled, deletedAnonymousEvents: deleted.count - rolled };
  });
}

export interface CustomerBehaviourView {
  sessions: { days30: number; days90: number };
  views: { days30: number; days90: number };
  carts: { days30: number; days90: number };
  searches: { days30: number; days90: number };
  /** Events past the raw retention, counted before deletion. */
  lifetime: { views: number; carts: number; searches: number };
  lastSeenAt: string | null;
  cartAbandonedAt: string | null;
  topProductTypes: Affinity[];
  topVendors: Affinity[];
  topSearchTerms: Affinity[];
  computedAt: string;
}

/**
 * A customer's behaviour and interest dimensions for the admin's customer
 * page, and their "recommended for you" products. `behaviour` is null when
 * the pixel never saw them (no analytics consent, never logged in).
 */
export async function customerBehaviourView(
  shopDomain: string,
  customerGid: string,
  deps: { db?: PrismaClient } = {},
): Promise<{ behaviour: CustomerBehaviourView | null; recommended: RecommendedProduct[] }> {
  const db = deps.db ?? appPrisma;
  const [row, recommended] = await Promise.all([
    db.customerBehaviour.findUnique({ where: { shopDomain_customerGid: { shopDomain, customerGid } } }),
    recommendedProducts(shopDomain, customerGid, 5, { db }),
  ]);
  const behaviour: CustomerBehaviourView | null = row
    ? {
        sessions: { days30: row.sessions30, days90: row.sessions90 },
        views: { days30: row.views30, days90: row.views90 },
        carts: { days30: row.carts30, days90: row.carts90 },
        searches: { days30: row.searches30, days90: row.searches90 },
        lifetime: { views: row.rolledViews, carts: row.rolledCarts, searches: row.rolledSearches },
        lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
        cartAbandonedAt: row.cartAbandonedAt?.toISOString() ?? null,
        topProductTypes: JSON.parse(row.topProductTypes) as Affinity[],
        topVendors: JSON.parse(row.topVendors) as Affinity[],
        topSearchTerms: JSON.parse(row.topSearchTerms) as Affinity[],
        computedAt: row.computedAt.toISOString(),
      }
    : null;
  return { behaviour, recommended };
}
