/**
 * The behaviour and interest dimensions per customer (app/domain/behaviour/
 * dimensions.ts), refreshed from the web pixel's events and the synced
 * orders, and the raw events' retention: past `RAW_EVENT_RETENTION_DAYS` a
 * customer's events are rolled up into lifetime counters and deleted;
 * anonymous ones that never met a customer are deleted. docs/behaviour.md.
 */
import { prisma as appPrisma, type PrismaClient } from "~/db.server";
import { customerDimensions, EVENT_CODES, parseFacet, type BehaviourSignal, type CustomerDimensions, type PurchaseSignal } from "~/domain/behaviour";

export const RAW_EVENT_RETENTION_DAYS = 90;
/** Purchases older than this no longer shape interest (their weight has decayed to nothing anyway). */
const PURCHASE_INTEREST_DAYS = 365;
const DAY = 86400_000;

export interface BehaviourRefreshSummary {
  customers: number;
  rolledUpEvents: number;
  deletedAnonymousEvents: number;
}

export async function refreshCustomerBehaviour(shopDomain: string, now: Date, deps: { db?: PrismaClient } = {}): Promise<BehaviourRefreshSummary> {
  const db = deps.db ?? appPrisma;
  const cutoff = new Date(now.getTime() - RAW_EVENT_RETENTION_DAYS * DAY);
  const { rolledUpEvents, deletedAnonymousEvents } = await rollUpExpiredEvents(db, shopDomain, cutoff);

  const events = await db.behaviourEvent.findMany({
    where: { shopDomain, customerGid: { not: null }, occurredAt: { gt: cutoff, lte: now } },
    select: { customerGid: true, clientId: true, code: true, occurredAt: true, facet: true },
  });
  const signals = new Map<string, BehaviourSignal[]>();
  for (const e of events) {
    const list = signals.get(e.customerGid!) ?? [];
    list.push({ clientId: e.clientId, code: e.code, at: e.occurredAt.getTime(), ...parseFacet(e.facet) });
    signals.set(e.customerGid!, list);
  }

  const lines = await db.orderLineItem.findMany({
    where: {
      shopDomain,
      order: { customerGid: { in: [...signals.keys()] }, cancelledAt: null, deletedAt: null, processedAt: { gt: new Date(now.getTime() - PURCHASE_INTEREST_DAYS * DAY) } },
    },
    select: { productGid: true, order: { select: { customerGid: true, processedAt: true } } },
  });
  const productGids = [...new Set(lines.map((l) => l.productGid).filter((g): g is string => !!g))];
  const products = new Map(
    (await db.product.findMany({ where: { shopDomain, productGid: { in: productGids } }, select: { productGid: true, productType: true, vendor: true } })).map((p) => [p.productGid, p]),
  );
  const purchases = new Map<string, PurchaseSignal[]>();
  for (const l of lines) {
    const product = l.productGid ? products.get(l.productGid) : undefined;
    const list = purchases.get(l.order.customerGid!) ?? [];
    list.push({ at: l.order.processedAt.getTime(), productType: product?.productType || null, vendor: product?.vendor || null });
    purchases.set(l.order.customerGid!, list);
  }

  for (const [customerGid, list] of signals) {
    const d = customerDimensions(list, purchases.get(customerGid) ?? [], now);
    const data = { ...serialise(d), computedAt: now };
    await db.customerBehaviour.upsert({
      where: { shopDomain_customerGid: { shopDomain, customerGid } },
      create: { shopDomain, customerGid, ...data },
      update: data,
    });
  }
  // Customers whose browsing all aged out keep their rolled-up totals, with the windows emptied.
  await db.customerBehaviour.updateMany({
    where: { shopDomain, customerGid: { notIn: [...signals.keys()] }, computedAt: { lt: now } },
    data: { sessions30: 0, sessions90: 0, views30: 0, views90: 0, carts30: 0, carts90: 0, searches30: 0, searches90: 0, cartAbandonedAt: null, computedAt: now },
  });
  return { customers: signals.size, rolledUpEvents, deletedAnonymousEvents };
}

function serialise(d: CustomerDimensions) {
  return {
    ...d,
    topProductTypes: JSON.stringify(d.topProductTypes),
    topVendors: JSON.stringify(d.topVendors),
    topSearchTerms: JSON.stringify(d.topSearchTerms),
  };
}

/** Events past retention: a customer's are counted into their lifetime counters, then every one is deleted (one transaction). */
async function rollUpExpiredEvents(db: PrismaClient, shopDomain: string, cutoff: Date): Promise<{ rolledUpEvents: number; deletedAnonymousEvents: number }> {
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
