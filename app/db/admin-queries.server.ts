/**
 * The admin pages' reads that the intelligence and sync repositories do not
 * have: per-layer revenue, layer net change, customer search (name / email)
 * inside a layer and across the shop, a customer's profile and orders, and a
 * data-request export's document. Every query is shop-scoped, aggregates or
 * pages in the database (keyset on `customerGid`, or on `(processedAt,
 * orderGid)` for orders) and returns plain numbers (BigInt money converted:
 * exact to 2^53 minor units).
 *
 * The SQL runs on SQLite and PostgreSQL alike; only placeholders differ
 * (SQLite's `?` bind in text order, PostgreSQL's `$n` by number).
 */
import type { PrismaClient } from "~/generated/prisma/client";
import type { SqlDialect } from "./adapter.server";
import type { StoredStateColumns } from "./insights-repository.server";

export type AdminDb = Pick<
  PrismaClient,
  "$queryRawUnsafe" | "customer" | "order" | "layerMove" | "shopInsight" | "customerDataExport" | "shop" | "loyaltyTierChange" | "loyaltyReward"
>;

/** Builds a parameter list and its placeholders for one dialect. */
class Params {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: SqlDialect) {}
  add(value: unknown): string {
    this.values.push(value);
    return this.dialect === "postgresql" ? `$${this.values.length}` : "?";
  }
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** `%term%` for LIKE, with the pattern characters of the term escaped (ESCAPE '\'). */
export function likePattern(term: string): string {
  return `%${term.trim().toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface LayerAggregate {
  layerId: string;
  customers: number;
  /** Net lifetime spend of the layer's customers, minor units. */
  monetaryMinor: number;
}

/** Customers and net spend per layer: one GROUP BY over the shop's insight rows. */
export async function layerAggregates(db: AdminDb, dialect: SqlDialect, shopDomain: string): Promise<LayerAggregate[]> {
  const p = new Params(dialect);
  const rows = await db.$queryRawUnsafe<{ layerId: string; customers: unknown; monetary: unknown }[]>(
    `SELECT "layerId", COUNT(*) AS customers, COALESCE(SUM("monetaryMinor"), 0) AS monetary
       FROM "CustomerInsight" WHERE "shopDomain" = ${p.add(shopDomain)} GROUP BY "layerId"`,
    ...p.values,
  );
  return rows.map((r) => ({ layerId: r.layerId, customers: num(r.customers), monetaryMinor: num(r.monetary) }));
}

/** Moves into and out of each layer since `since` (from the append-only LayerMove log; index shopDomain, movedAt). */
export async function layerNetChange(db: AdminDb, shopDomain: string, since: Date): Promise<Record<string, { in: number; out: number }>> {
  const where = { shopDomain, movedAt: { gte: since } };
  const [into, outOf] = await Promise.all([
    db.layerMove.groupBy({ by: ["toLayer"], where, _count: { _all: true } }),
    db.layerMove.groupBy({ by: ["fromLayer"], where, _count: { _all: true } }),
  ]);
  const out: Record<string, { in: number; out: number }> = {};
  for (const g of into) (out[g.toLayer] ??= { in: 0, out: 0 }).in += g._count._all;
  for (const g of outOf) if (g.fromLayer !== null) (out[g.fromLayer] ??= { in: 0, out: 0 }).out += g._count._all;
  return out;
}

/** The shop's stored layer set and baseline (JSON, as the intelligence pass saved them); null before the first pass. */
export async function storedLayerSet(db: AdminDb, shopDomain: string): Promise<{ layers: string; baseline: string; computedAt: Date } | null> {
  return db.shopInsight.findUnique({ where: { shopDomain }, select: { layers: true, baseline: true, computedAt: true } });
}

export interface CustomerRow {
  customerGid: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  layerId: string | null;
  lifecycleStage: string | null;
  orders: number;
  monetaryMinor: number;
  churnRisk: string | null;
  /** As stored; the service replaces it with the value at the time of reading (`freshLtvReader`). */
  predictedLtvMinor: number | null;
  /** The stored state behind fresh predictions (null: no insight row yet). */
  state: (StoredStateColumns & { recencyDays: number | null }) | null;
}

const CUSTOMER_COLUMNS = `c."customerGid" AS "customerGid", c."firstName" AS "firstName", c."lastName" AS "lastName", c."email" AS "email",
  ci."layerId" AS "layerId", ci."lifecycleStage" AS "lifecycleStage", ci."orders" AS "orders", ci."monetaryMinor" AS "monetaryMinor",
  ci."churnRisk" AS "churnRisk", ci."predictedLtvMinor" AS "predictedLtvMinor", ci."recencyDays" AS "recencyDays",
  ci."lastOrderAt" AS "lastOrderAt", ci."firstOrderDay" AS "firstOrderDay", ci."repeatOrders" AS "repeatOrders",
  ci."repeatSpanDays" AS "repeatSpanDays", ci."meanRepeatValueMinor" AS "meanRepeatValueMinor", ci."meanOrderValueMinor" AS "meanOrderValueMinor"`;

function nameOrEmailMatches(p: Params, term: string): string {
  const like = p.add(likePattern(term));
  const like2 = p.add(likePattern(term));
  return `(LOWER(COALESCE(c."email", '')) LIKE ${like} ESCAPE '\\' OR LOWER(COALESCE(c."firstName", '') || ' ' || COALESCE(c."lastName", '')) LIKE ${like2} ESCAPE '\\')`;
}

function toCustomerRow(r: Record<string, unknown>): CustomerRow {
  return {
    customerGid: String(r.customerGid),
    firstName: (r.firstName as string | null) ?? null,
    lastName: (r.lastName as string | null) ?? null,
    email: (r.email as string | null) ?? null,
    layerId: (r.layerId as string | null) ?? null,
    lifecycleStage: (r.lifecycleStage as string | null) ?? null,
    orders: num(r.orders),
    monetaryMinor: num(r.monetaryMinor),
    churnRisk: (r.churnRisk as string | null) ?? null,
    predictedLtvMinor: numOrNull(r.predictedLtvMinor),
    state:
      r.layerId === null || r.layerId === undefined
        ? null
        : {
            recencyDays: numOrNull(r.recencyDays),
            lastOrderAt: r.lastOrderAt === null || r.lastOrderAt === undefined ? null : new Date(r.lastOrderAt as string | number | Date),
            firstOrderDay: numOrNull(r.firstOrderDay),
            repeatOrders: numOrNull(r.repeatOrders),
            repeatSpanDays: numOrNull(r.repeatSpanDays),
            meanRepeatValueMinor: numOrNull(r.meanRepeatValueMinor),
            meanOrderValueMinor: numOrNull(r.meanOrderValueMinor),
          },
  };
}

export interface CustomerPage {
  customers: CustomerRow[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * A page of a layer's customers whose name or email contains `search`
 * (case-insensitive), by customer id after `cursor`. Keyset: a page stops at
 * `take` matches, so it reads the layer only as far as it needs to.
 */
export async function searchCustomersInLayer(
  db: AdminDb,
  dialect: SqlDialect,
  args: { shopDomain: string; layerId: string; search: string; cursor?: string | null; take: number },
): Promise<CustomerPage> {
  const p = new Params(dialect);
  const sql =
    `SELECT ${CUSTOMER_COLUMNS} FROM "CustomerInsight" ci JOIN "Customer" c ON c."shopDomain" = ci."shopDomain" AND c."customerGid" = ci."customerGid"` +
    ` WHERE ci."shopDomain" = ${p.add(args.shopDomain)} AND ci."layerId" = ${p.add(args.layerId)}` +
    (args.cursor ? ` AND ci."customerGid" > ${p.add(args.cursor)}` : "") +
    ` AND c."deletedAt" IS NULL AND ${nameOrEmailMatches(p, args.search)}` +
    ` ORDER BY ci."customerGid" LIMIT ${p.add(args.take + 1)}`;
  const rows = (await db.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...p.values)).map(toCustomerRow);
  return pageOf(rows, args.take);
}

/**
 * A page of the shop's (not deleted) customers, by customer id after
 * `cursor`, optionally those whose name or email contains `search`; each with
 * its layer and scores when computed.
 */
export async function searchCustomers(
  db: AdminDb,
  dialect: SqlDialect,
  args: { shopDomain: string; search?: string | null; cursor?: string | null; take: number },
): Promise<CustomerPage> {
  const p = new Params(dialect);
  const sql =
    `SELECT ${CUSTOMER_COLUMNS} FROM "Customer" c LEFT JOIN "CustomerInsight" ci ON ci."shopDomain" = c."shopDomain" AND ci."customerGid" = c."customerGid"` +
    ` WHERE c."shopDomain" = ${p.add(args.shopDomain)} AND c."deletedAt" IS NULL` +
    (args.cursor ? ` AND c."customerGid" > ${p.add(args.cursor)}` : "") +
    (args.search?.trim() ? ` AND ${nameOrEmailMatches(p, args.search)}` : "") +
    ` ORDER BY c."customerGid" LIMIT ${p.add(args.take + 1)}`;
  const rows = (await db.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...p.values)).map(toCustomerRow);
  return pageOf(rows, args.take);
}

function pageOf(rows: CustomerRow[], take: number): CustomerPage {
  const customers = rows.slice(0, take);
  return { customers, nextCursor: rows.length > take ? customers[customers.length - 1].customerGid : null };
}

/** Names and emails of the given customers (one query), by customer id. */
export async function customerContacts(
  db: AdminDb,
  shopDomain: string,
  customerGids: readonly string[],
): Promise<Map<string, { firstName: string | null; lastName: string | null; email: string | null }>> {
  if (customerGids.length === 0) return new Map();
  const rows = await db.customer.findMany({
    where: { shopDomain, customerGid: { in: [...customerGids] } },
    select: { customerGid: true, firstName: true, lastName: true, email: true },
  });
  return new Map(rows.map((r) => [r.customerGid, { firstName: r.firstName, lastName: r.lastName, email: r.email }]));
}

/** The synced profile of one (not deleted) customer, or null. */
export async function customerProfile(db: AdminDb, shopDomain: string, customerGid: string) {
  const c = await db.customer.findUnique({
    where: { shopDomain_customerGid: { shopDomain, customerGid } },
    select: {
      customerGid: true, firstName: true, lastName: true, email: true, countryCode: true, locale: true, tags: true,
      emailMarketingState: true, shopifyCreatedAt: true, deletedAt: true,
    },
  });
  if (!c || c.deletedAt) return null;
  return c;
}

export interface OrderRow {
  orderGid: string;
  name: string;
  processedAt: Date;
  financialStatus: string | null;
  cancelledAt: Date | null;
  currencyCode: string;
  totalPriceMinor: number;
  totalRefundedMinor: number;
}

/**
 * A customer's orders, newest first, `take` at a time; `before` is the
 * `nextCursor` of the previous page (keyset on processedAt, orderGid; index
 * shopDomain, customerGid, processedAt).
 */
export async function customerOrders(
  db: AdminDb,
  shopDomain: string,
  customerGid: string,
  args: { before?: string | null; take: number },
): Promise<{ orders: OrderRow[]; nextCursor: string | null }> {
  const cursor = args.before ? decodeOrderCursor(args.before) : null;
  const rows = await db.order.findMany({
    where: {
      shopDomain, customerGid, deletedAt: null,
      ...(cursor
        ? { OR: [{ processedAt: { lt: cursor.processedAt } }, { processedAt: cursor.processedAt, orderGid: { lt: cursor.orderGid } }] }
        : {}),
    },
    orderBy: [{ processedAt: "desc" }, { orderGid: "desc" }],
    take: args.take + 1,
    select: {
      orderGid: true, name: true, processedAt: true, financialStatus: true, cancelledAt: true, currencyCode: true,
      totalPriceMinor: true, totalRefundedMinor: true,
    },
  });
  const page = rows.slice(0, args.take).map((o) => ({ ...o, totalPriceMinor: Number(o.totalPriceMinor), totalRefundedMinor: Number(o.totalRefundedMinor) }));
  const last = page[page.length - 1];
  return { orders: page, nextCursor: rows.length > args.take && last ? encodeOrderCursor(last) : null };
}

function encodeOrderCursor(o: { processedAt: Date; orderGid: string }): string {
  return Buffer.from(JSON.stringify([o.processedAt.toISOString(), o.orderGid])).toString("base64url");
}

function decodeOrderCursor(cursor: string): { processedAt: Date; orderGid: string } | null {
  try {
    const [at, orderGid] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [string, string];
    const processedAt = new Date(at);
    return Number.isNaN(processedAt.getTime()) || typeof orderGid !== "string" ? null : { processedAt, orderGid };
  } catch {
    return null;
  }
}

/** A data-request export's JSON document, only if it belongs to `shopDomain`. */
export async function customerDataExportDocument(db: AdminDb, shopDomain: string, exportId: string) {
  return db.customerDataExport.findFirst({
    where: { id: exportId, shopDomain },
    select: { id: true, customerGid: true, document: true, requestedAt: true },
  });
}

/** The shop's currency (ISO 4217) when known. */
export async function shopCurrency(db: AdminDb, shopDomain: string): Promise<string | null> {
  const shop = await db.shop.findUnique({ where: { domain: shopDomain }, select: { currencyCode: true } });
  return shop?.currencyCode ?? null;
}

// ---------------------------------------------------------------- loyalty (reads the loyalty services do not offer)

export interface TierChangeRow {
  fromTier: string | null;
  toTier: string | null;
  reason: string;
  changedAt: Date;
}

/** A customer's tier changes, newest first (index shopDomain, customerGid, changedAt). */
export async function customerTierChanges(db: AdminDb, shopDomain: string, customerGid: string, take = 20): Promise<TierChangeRow[]> {
  return db.loyaltyTierChange.findMany({
    where: { shopDomain, customerGid },
    orderBy: [{ changedAt: "desc" }, { id: "desc" }],
    take,
    select: { fromTier: true, toTier: true, reason: true, changedAt: true },
  });
}

export interface RewardRow {
  id: string;
  title: string;
  kind: string;
  pointsCost: number;
  amountMinor: number | null;
  currencyCode: string | null;
  percentage: number | null;
  tier: string | null;
  active: boolean;
}

/** The shop's reward catalogue, active first then newest (at most 200: a catalogue, not a log). */
export async function shopRewards(db: AdminDb, shopDomain: string): Promise<RewardRow[]> {
  const rows = await db.loyaltyReward.findMany({
    where: { shopDomain },
    orderBy: [{ active: "desc" }, { createdAt: "desc" }, { id: "asc" }],
    take: 200,
    select: { id: true, title: true, kind: true, pointsCost: true, amountMinor: true, currencyCode: true, percentage: true, tier: true, active: true },
  });
  return rows.map((r) => ({ ...r, amountMinor: r.amountMinor === null ? null : Number(r.amountMinor) }));
}

/**
 * Takes a reward out of the catalogue (redemptions already made keep their codes).
 * rewards.server.ts has no deactivation yet; this is the one write the admin
 * does on a loyalty table itself. @returns false when the shop has no such reward.
 */
export async function deactivateShopReward(db: AdminDb, shopDomain: string, rewardId: string): Promise<boolean> {
  const { count } = await db.loyaltyReward.updateMany({ where: { id: rewardId, shopDomain, active: true }, data: { active: false } });
  return count > 0;
}

/** Points the shop owes: available plus pending over every account (one SUM). */
export async function pointsLiability(db: AdminDb, dialect: SqlDialect, shopDomain: string): Promise<{ available: number; pending: number; members: number }> {
  const p = new Params(dialect);
  const [row] = await db.$queryRawUnsafe<{ available: unknown; pending: unknown; members: unknown }[]>(
    `SELECT COALESCE(SUM("available"), 0) AS available, COALESCE(SUM("pending"), 0) AS pending, COUNT(*) AS members
       FROM "LoyaltyAccount" WHERE "shopDomain" = ${p.add(shopDomain)}`,
    ...p.values,
  );
  return { available: num(row?.available), pending: num(row?.pending), members: num(row?.members) };
}

export interface MembershipGroup {
  /** Buyers (at least one paid order) in the group. */
  buyers: number;
  repeatBuyers: number;
  orders: number;
  monetaryMinor: number;
}

/**
 * Buyers who are loyalty members (have a points account) against those who
 * are not: one GROUP BY over the insight rows joined to the accounts.
 */
export async function membershipComparison(db: AdminDb, dialect: SqlDialect, shopDomain: string): Promise<{ members: MembershipGroup; nonMembers: MembershipGroup }> {
  // All buyers from the index (shopDomain, orders, monetaryMinor) alone, members through their accounts;
  // non-members are the difference (one pass over the insight rows was seconds on a 1M-order shop).
  const p = new Params(dialect);
  const totals = `SELECT COUNT(*) AS buyers, SUM(CASE WHEN ci."orders" >= 2 THEN 1 ELSE 0 END) AS repeaters, COALESCE(SUM(ci."orders"), 0) AS orders,
            COALESCE(SUM(ci."monetaryMinor"), 0) AS monetary`;
  const [all] = await db.$queryRawUnsafe<{ buyers: unknown; repeaters: unknown; orders: unknown; monetary: unknown }[]>(
    `${totals} FROM "CustomerInsight" ci WHERE ci."shopDomain" = ${p.add(shopDomain)} AND ci."orders" > 0`,
    ...p.values,
  );
  const q = new Params(dialect);
  const [members] = await db.$queryRawUnsafe<{ buyers: unknown; repeaters: unknown; orders: unknown; monetary: unknown }[]>(
    `${totals} FROM "LoyaltyAccount" la JOIN "CustomerInsight" ci ON ci."shopDomain" = la."shopDomain" AND ci."customerGid" = la."customerGid"
      WHERE la."shopDomain" = ${q.add(shopDomain)} AND ci."orders" > 0`,
    ...q.values,
  );
  const group = (r: { buyers: unknown; repeaters: unknown; orders: unknown; monetary: unknown } | undefined): MembershipGroup => ({
    buyers: num(r?.buyers), repeatBuyers: num(r?.repeaters), orders: num(r?.orders), monetaryMinor: num(r?.monetary),
  });
  const a = group(all);
  const m = group(members);
  return {
    members: m,
    nonMembers: { buyers: a.buyers - m.buyers, repeatBuyers: a.repeatBuyers - m.repeatBuyers, orders: a.orders - m.orders, monetaryMinor: a.monetaryMinor - m.monetaryMinor },
  };
}

/** A DateTime parameter as the column holds it: Prisma's text on SQLite (compared as text), a timestamp on PostgreSQL. */
function instant(dialect: SqlDialect, at: Date): Date | string {
  return dialect === "sqlite" ? at.toISOString().replace("Z", "+00:00") : at;
}

export interface LayerMovementSummary {
  /** Customers at the start of the period (the rates' denominator). */
  customers: number;
  moves: number;
  upgrades: number;
  downgrades: number;
  upgradeRate: number;
  downgradeRate: number;
}

/**
 * The dashboard's layer movement over `[from, to)`, aggregated in SQL: the
 * same figures as the intelligence service's `layerMovementRates` (the
 * domain's `moveRates`), without loading every customer's layer. Customers at
 * the start: those with an insight row now, less those whose first layer
 * (an entry, `fromLayer` null) came after `from`, plus customers since removed
 * who moved after `from` without entering then.
 */
export async function layerMovementSummary(db: AdminDb, dialect: SqlDialect, shopDomain: string, from: Date, to: Date): Promise<LayerMovementSummary> {
  const p = new Params(dialect);
  const shop = () => p.add(shopDomain);
  const since = () => p.add(instant(dialect, from));
  const [start] = await db.$queryRawUnsafe<{ current: unknown; entered: unknown; removed: unknown }[]>(
    `SELECT
       (SELECT COUNT(*) FROM "CustomerInsight" WHERE "shopDomain" = ${shop()}) AS current,
       (SELECT COUNT(DISTINCT m."customerGid") FROM "LayerMove" m
         WHERE m."shopDomain" = ${shop()} AND m."movedAt" >= ${since()} AND m."fromLayer" IS NULL
           AND EXISTS (SELECT 1 FROM "CustomerInsight" ci WHERE ci."shopDomain" = m."shopDomain" AND ci."customerGid" = m."customerGid")) AS entered,
       (SELECT COUNT(DISTINCT m."customerGid") FROM "LayerMove" m
         WHERE m."shopDomain" = ${shop()} AND m."movedAt" >= ${since()}
           AND NOT EXISTS (SELECT 1 FROM "CustomerInsight" ci WHERE ci."shopDomain" = m."shopDomain" AND ci."customerGid" = m."customerGid")
           AND NOT EXISTS (SELECT 1 FROM "LayerMove" e WHERE e."shopDomain" = m."shopDomain" AND e."customerGid" = m."customerGid" AND e."movedAt" >= ${since()} AND e."fromLayer" IS NULL)) AS removed`,
    ...p.values,
  );
  const q = new Params(dialect);
  const byDirection = await db.$queryRawUnsafe<{ direction: string; n: unknown }[]>(
    `SELECT "direction", COUNT(*) AS n FROM "LayerMove"
      WHERE "shopDomain" = ${q.add(shopDomain)} AND "movedAt" >= ${q.add(instant(dialect, from))} AND "movedAt" < ${q.add(instant(dialect, to))} AND "fromLayer" IS NOT NULL
      GROUP BY "direction"`,
    ...q.values,
  );
  const customers = num(start?.current) - num(start?.entered) + num(start?.removed);
  const count = (d: string) => num(byDirection.find((r) => r.direction === d)?.n);
  const upgrades = count("up");
  const downgrades = count("down");
  const moves = byDirection.reduce((s, r) => s + num(r.n), 0);
  const rate = (n: number) => (customers === 0 ? 0 : n / customers);
  return { customers, moves, upgrades, downgrades, upgradeRate: rate(upgrades), downgradeRate: rate(downgrades) };
}
