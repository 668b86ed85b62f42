/**
 * What the admin pages show, assembled from the intelligence service's
 * readers (`intelligence.server.ts`), the sync status, and the admin's own
 * queries (`~/db/admin-queries.server.ts`). Every function returns plain,
 * JSON-safe view models (numbers, strings, ISO dates) in the shop's currency
 * and minor units; the pages only format them.
 *
 * Scale: everything per customer is paged in the database (keyset) and
 * everything per shop is aggregated there, except retention analytics, which
 * the domain computes from every purchase history (one history load: seconds
 * on a 1M-order shop). That result is memoised per shop and per intelligence
 * pass (its `asOf` is the pass's instant), so it is computed once after each
 * pass, not on every page view, and pages stream it (Remix `defer`).
 */
import { cacEntries, getAcquisitionCost, InvalidAcquisitionCostError, LTV_CAC_HORIZON_MONTHS, ltvCacSummary, setLtvCacThresholds, setMonthlyCac, type CacEntry, type LtvCacSummary } from "./acquisition-cost.server";
import type { SqlDialect } from "~/db/adapter.server";
import { randomUUID } from "node:crypto";
import {
  customerContacts,
  customerTierChanges,
  deactivateShopReward,
  membershipComparison,
  pointsLiability,
  shopRewards,
  type RewardRow,
  customerDataExportDocument,
  customerOrders,
  customerProfile,
  layerAggregates,
  layerMovementSummary,
  layerNetChange,
  searchCustomers,
  searchCustomersInLayer,
  shopCurrency,
  storedLayerSet,
  type CustomerRow,
  type OrderRow,
} from "~/db/admin-queries.server";
import {
  RETENTION_BASELINES,
  baselineInputFromShop,
  cohortLtvAt,
  compareToBaselines,
  consecutiveBreaches,
  type BaselineMetric,
  type RetentionAnalysis,
} from "~/domain/analytics";
import { renderRule, shopNorms, UNASSIGNED_LAYER_ID, validateLayers, type LayerDefinition, type ShopBaseline } from "~/domain/segments";
import { loadRules, upsertProgram } from "~/db/loyalty-program.server";
import { ReplenishmentRepository } from "~/db/replenishment-repository.server";
import { DEFAULT_EARN_RULES, EarnRulesSchema, type EarnRules } from "~/domain/loyalty/rules";
import type { FriendDiscountKind } from "~/domain/referrals/settings";
import type { PrismaClient } from "~/generated/prisma/client";
import type { MessageKey } from "~/i18n/messages";
import { currencyExponent, InvalidAmountError } from "~/domain/sync/money";
import * as intelligence from "~/services/intelligence.server";
import { adjustPoints, customerHistory, getBalance, InsufficientPointsError, LoyaltyProgramOffError } from "~/services/points.server";
import { getReferralSettings, InvalidReferralSettingsError, listReferralsForCustomer, updateReferralSettings, type ReferralSettingsIssue } from "~/services/referrals.server";
import { dueRemindersFor, updateReplenishmentSettings } from "~/services/replenishment.server";
import { createReward, type RewardKind } from "~/services/rewards.server";
import { getShopSettings, MAX_TAG_PREFIX_LENGTH, updateShopSettings } from "~/services/shop-settings.server";
import { saveEarnRulesAndTiers, tierMemberCounts } from "~/services/tiers.server";
import { isVariantGid, type RewardVariantsPort, type RewardVariantView } from "~/services/reward-products.server";
import { logger } from "~/logger.server";
import { listCustomerDataExports } from "~/services/privacy.server";
import { getSyncOverview } from "~/services/sync-status.server";

export interface AdminDeps {
  db: PrismaClient;
  dialect: SqlDialect;
}

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------- retention (dashboard, cohorts)

export interface RetentionWindowView {
  days: number;
  rate: number | null;
  matured: number;
  retained: number;
}

export interface RetentionAlert {
  kind: "typical" | "breach";
  metric: BaselineMetric;
  /** The metric's value (share, ratio or days, as its unit says). */
  value: number;
  unit: "share" | "ratio" | "days";
  typical: number;
  target: number | null;
  /** For a breach: the run of months below the typical store's figure. */
  run?: { startMonth: string; endMonth: string; months: number };
}

export interface CohortRow {
  month: string;
  size: number;
  repeatRate: number;
  retention: Record<30 | 60 | 90, number | null>;
  /** Share of the cohort active in each complete month since the first (index 0 is the cohort month), at most 13. */
  activeShares: number[];
}

export interface RetentionOverview {
  /** The instant the figures describe, ISO. */
  asOf: string;
  currencyCode: string;
  buyers: number;
  repeatCustomers: number;
  repeatRate: number | null;
  windows: RetentionWindowView[];
  /** 30-day retention of the last fully matured cohorts (at most 12), ascending by month. */
  retentionTrend: { month: string; rate: number }[];
  /** Latest matured cohort minus the mean of the three before it, in [−1, 1]; null with fewer than 4. */
  trendDelta: number | null;
  ltv: { days: number; customers: number; meanMinor: number | null; medianMinor: number | null }[];
  revenueMinor: number;
  returningRevenueShare: number | null;
  alerts: RetentionAlert[];
  /** The last 18 cohorts, ascending by month. */
  cohorts: CohortRow[];
  /** The shop's retention curve: share who ordered again by day (every 14 days to 365). */
  curve: { day: number; share: number | null }[];
  /** The same curve for the six latest cohorts old enough to have one. */
  cohortCurves: { month: string; points: { day: number; share: number | null }[] }[];
  /** LTV per member after LTV_CAC_HORIZON_MONTHS months, by cohort month (what LTV/CAC compares). */
  cohortLtvForCac: Record<string, number>;
}

const retentionCache = new Map<string, Promise<RetentionOverview>>();
const RETENTION_CACHE_SHOPS = 32;

/**
 * Retention, repeat rate, LTV, trend, alerts, cohorts and curves for the
 * dashboard and the cohorts page, as of the shop's last intelligence pass (or
 * the current minute before the first one). Memoised per shop and `asOf`.
 */
export async function retentionOverview(shopDomain: string, deps: AdminDeps, now: Date = new Date()): Promise<RetentionOverview> {
  const stored = await storedLayerSet(deps.db, shopDomain);
  const asOf = stored?.computedAt ?? new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const key = `${shopDomain}|${asOf.getTime()}`;
  let cached = retentionCache.get(key);
  if (!cached) {
    for (const k of retentionCache.keys()) if (k.startsWith(`${shopDomain}|`)) retentionCache.delete(k);
    while (retentionCache.size >= RETENTION_CACHE_SHOPS) retentionCache.delete(retentionCache.keys().next().value!);
    cached = computeRetentionOverview(shopDomain, deps, asOf);
    retentionCache.set(key, cached);
    cached.catch(() => retentionCache.delete(key));
  }
  return cached;
}

async function computeRetentionOverview(shopDomain: string, deps: AdminDeps, asOf: Date): Promise<RetentionOverview> {
  const [analysis, currencyCode] = await Promise.all([
    intelligence.getRetentionAnalytics(shopDomain, { ...deps, asOf, options: { curveStepDays: 14 } }),
    shopCurrency(deps.db, shopDomain),
  ]);
  return summariseRetention(analysis, currencyCode ?? "USD");
}

/** The view model of a retention analysis (pure; exported for tests). */
export function summariseRetention(analysis: RetentionAnalysis, currencyCode: string): RetentionOverview {
  const { shop, cohorts } = analysis;
  const windows = [30, 60, 90].map((days) => {
    const w = shop.retention[days];
    return { days, rate: w?.rate ?? null, matured: w?.matured ?? 0, retained: w?.retained ?? 0 };
  });
  // A cohort's 30-day figure is final once every member has had 30 days.
  const matured30 = cohorts.filter((c) => c.retention[30] && c.retention[30].maturing === 0 && c.retention[30].rate !== null);
  const retentionTrend = matured30.slice(-12).map((c) => ({ month: c.month, rate: c.retention[30].rate as number }));
  let trendDelta: number | null = null;
  if (matured30.length >= 4) {
    const last = matured30[matured30.length - 1].retention[30].rate as number;
    const before = matured30.slice(-4, -1).map((c) => c.retention[30].rate as number);
    trendDelta = last - before.reduce((a, b) => a + b, 0) / before.length;
  }

  const alerts: RetentionAlert[] = [];
  for (const c of compareToBaselines(baselineInputFromShop(shop))) {
    if (c.standing !== "typical") continue;
    alerts.push({ kind: "typical", metric: c.metric, value: c.value, unit: c.baseline.unit, typical: c.baseline.typical, target: c.baseline.target ?? null });
  }
  // The strategy's escalation: three months in a row below the typical store.
  const typical30 = RETENTION_BASELINES.retention30.typical;
  for (const run of consecutiveBreaches(matured30.map((c) => ({ month: c.month, value: c.retention[30].rate })), typical30, 3)) {
    if (!run.ongoing) continue;
    alerts.push({
      kind: "breach", metric: "retention30", value: run.worstValue, unit: "share", typical: typical30,
      target: RETENTION_BASELINES.retention30.target ?? null, run: { startMonth: run.startMonth, endMonth: run.endMonth, months: run.months },
    });
  }

  const curveOf = (points: { day: number; share: number | null }[]) => points.map((p) => ({ day: p.day, share: p.share }));
  return {
    asOf: new Date(analysis.asOf).toISOString(),
    currencyCode,
    buyers: shop.customers,
    repeatCustomers: shop.repeatCustomers,
    repeatRate: shop.repeatRate,
    windows,
    retentionTrend,
    trendDelta,
    ltv: Object.values(shop.ltv).map((l) => ({ days: l.days, customers: l.customers, meanMinor: l.meanMinor, medianMinor: l.medianMinor })),
    revenueMinor: shop.revenueMinor,
    returningRevenueShare: shop.returningRevenueShare,
    alerts,
    cohorts: cohorts.slice(-18).map((c) => ({
      month: c.month,
      size: c.size,
      repeatRate: c.repeatRate,
      retention: { 30: c.retention[30]?.rate ?? null, 60: c.retention[60]?.rate ?? null, 90: c.retention[90]?.rate ?? null },
      activeShares: c.months.slice(0, 13).map((m) => m.activeShare),
    })),
    curve: curveOf(shop.curve.points),
    cohortCurves: cohorts
      .filter((c) => c.curve.points.some((p) => p.day >= 90 && p.share !== null))
      .slice(-6)
      .map((c) => ({ month: c.month, points: curveOf(c.curve.points).filter((p) => p.share !== null) })),
    cohortLtvForCac: cohortLtvAt(cohorts, LTV_CAC_HORIZON_MONTHS - 1),
  };
}

/** The dashboard's retention figures with LTV/CAC from the merchant's acquisition cost (not cached: CAC edits show at once). */
export async function dashboardRetention(shopDomain: string, deps: AdminDeps): Promise<RetentionOverview & { ltvCac: LtvCacSummary }> {
  const [overview, cost] = await Promise.all([retentionOverview(shopDomain, deps), getAcquisitionCost(shopDomain, { db: deps.db })]);
  return { ...overview, ltvCac: ltvCacSummary(overview.cohortLtvForCac, cost) };
}

// ---------------------------------------------------------------- layers

export interface LayerRowView {
  id: string;
  name: string;
  description: string;
  /** The rule in words (the domain's renderRule with the shop's norms); null for layers outside the set. */
  rule: string | null;
  rank: number;
  customers: number;
  customerShare: number | null;
  monetaryMinor: number;
  revenueShare: number | null;
  /** Moves in minus moves out over the last 30 days. */
  netChange30: number;
}

export interface LayersView {
  computedAt: string;
  currencyCode: string;
  customers: number;
  layers: LayerRowView[];
}

/**
 * Each layer of the shop with its rule in words, size, revenue share and
 * 30-day net change. Null before the first pass. Sizes and revenue come from
 * one GROUP BY that reads only the index (shopDomain, layerId, monetaryMinor);
 * the layers, in the stored set's order, from ShopInsight.
 */
export async function layersOverview(shopDomain: string, deps: AdminDeps, now: Date = new Date()): Promise<LayersView | null> {
  const [aggregates, change, stored, currencyCode] = await Promise.all([
    layerAggregates(deps.db, deps.dialect, shopDomain),
    layerNetChange(deps.db, shopDomain, new Date(now.getTime() - 30 * DAY_MS)),
    storedLayerSet(deps.db, shopDomain),
    shopCurrency(deps.db, shopDomain),
  ]);
  if (!stored) return null;
  const currency = currencyCode ?? "USD";
  const rules = renderedRules(stored, currency);
  const byLayer = new Map(aggregates.map((a) => [a.layerId, a]));
  const totalCustomers = aggregates.reduce((s, a) => s + a.customers, 0);
  const totalRevenue = aggregates.reduce((s, a) => s + a.monetaryMinor, 0);
  const defined = definedLayers(stored.layers);
  const known = new Set(defined.map((l) => l.id));
  // Stored layer ids outside the set (unassigned, or a layer removed since): listed after it, as getShopInsights lists them.
  const extra = aggregates.filter((a) => !known.has(a.layerId)).map((a) => ({ id: a.layerId, name: a.layerId === UNASSIGNED_LAYER_ID ? "Unassigned" : a.layerId, description: "", rank: -1 }));
  return {
    computedAt: stored.computedAt.toISOString(),
    currencyCode: currency,
    customers: totalCustomers,
    layers: [...defined, ...extra].map((l) => {
      const agg = byLayer.get(l.id);
      const moves = change[l.id] ?? { in: 0, out: 0 };
      const customers = agg?.customers ?? 0;
      const monetaryMinor = agg?.monetaryMinor ?? 0;
      return {
        id: l.id, name: l.name, description: l.description, rule: rules.get(l.id) ?? null, rank: l.rank,
        customers,
        customerShare: totalCustomers > 0 ? customers / totalCustomers : null,
        monetaryMinor,
        revenueShare: totalRevenue > 0 ? monetaryMinor / totalRevenue : null,
        netChange30: moves.in - moves.out,
      };
    }),
  };
}

/** The stored set's layers (id, name, description, rank), in its order; none when it does not validate. */
function definedLayers(json: string): { id: string; name: string; description: string; rank: number }[] {
  const layers: unknown = JSON.parse(json);
  if (validateLayers(layers).length > 0) return [];
  return (layers as LayerDefinition[]).map((l) => ({ id: l.id, name: l.name, description: l.description, rank: l.rank }));
}

function renderedRules(stored: { layers: string; baseline: string }, currencyCode: string): Map<string, string> {
  const layers: unknown = JSON.parse(stored.layers);
  if (validateLayers(layers).length > 0) return new Map();
  const norms = shopNorms(JSON.parse(stored.baseline) as ShopBaseline);
  return new Map((layers as LayerDefinition[]).map((l) => [l.id, renderRule(l.rule, { norms, currencyCode })]));
}

export interface CustomerListItem {
  customerGid: string;
  /** The numeric part of the GID, for URLs. */
  id: string;
  name: string | null;
  email: string | null;
  layerId: string | null;
  lifecycleStage: string | null;
  orders: number;
  monetaryMinor: number;
  churnRisk: string | null;
  predictedLtvMinor: number | null;
}

export interface LayerDetailView {
  layer: LayerRowView;
  currencyCode: string;
  computedAt: string;
  search: string;
  customers: CustomerListItem[];
  nextCursor: string | null;
}

export const PAGE_SIZE = 50;

/**
 * A layer with one page of its customers (50, keyset by customer id): the
 * intelligence service's `listCustomersInLayer` with names and emails added,
 * or, with `search`, the layer's customers whose name or email contains it.
 * Null when the layer is not in the shop's set (or before the first pass).
 */
export async function layerDetail(
  shopDomain: string,
  layerId: string,
  deps: AdminDeps,
  args: { search?: string | null; cursor?: string | null; take?: number; now?: Date } = {},
): Promise<LayerDetailView | null> {
  const overview = await layersOverview(shopDomain, deps, args.now);
  const layer = overview?.layers.find((l) => l.id === layerId);
  if (!overview || !layer) return null;
  const take = Math.min(500, Math.max(1, args.take ?? PAGE_SIZE));
  const search = args.search?.trim() ?? "";
  const page = await customersOfLayer(shopDomain, layerId, deps, { search, cursor: args.cursor ?? null, take });
  return { layer, currencyCode: overview.currencyCode, computedAt: overview.computedAt, search, ...page };
}

async function customersOfLayer(
  shopDomain: string,
  layerId: string,
  deps: AdminDeps,
  args: { search: string; cursor: string | null; take: number; ltv?: intelligence.FreshLtv },
): Promise<{ customers: CustomerListItem[]; nextCursor: string | null }> {
  if (args.search) {
    const [page, ltv] = await Promise.all([
      searchCustomersInLayer(deps.db, deps.dialect, { shopDomain, layerId, search: args.search, cursor: args.cursor, take: args.take }),
      args.ltv ?? intelligence.freshLtvReader(shopDomain, deps),
    ]);
    return { customers: page.customers.map((c) => listItem(withFreshLtv(c, ltv))), nextCursor: page.nextCursor };
  }
  const page = await intelligence.listCustomersInLayer(shopDomain, layerId, { ...deps, cursor: args.cursor, take: args.take, ltv: args.ltv });
  const contacts = await customerContacts(deps.db, shopDomain, page.customers.map((c) => c.customerGid));
  return {
    customers: page.customers.map((c) => {
      const contact = contacts.get(c.customerGid);
      return listItem({ ...c, layerId, firstName: contact?.firstName ?? null, lastName: contact?.lastName ?? null, email: contact?.email ?? null, state: null });
    }),
    nextCursor: page.nextCursor,
  };
}

/** The row with its predicted LTV at the time of reading (its stored one is as of its last write). */
function withFreshLtv(r: CustomerRow, ltv: intelligence.FreshLtv): CustomerRow {
  return r.state === null ? r : { ...r, predictedLtvMinor: ltv({ customerGid: r.customerGid, predictedLtvMinor: r.predictedLtvMinor, ...r.state }) };
}

function listItem(r: CustomerRow): CustomerListItem {
  const name = [r.firstName, r.lastName].filter(Boolean).join(" ").trim();
  return {
    customerGid: r.customerGid, id: customerIdOf(r.customerGid), name: name || null, email: r.email, layerId: r.layerId,
    lifecycleStage: r.lifecycleStage, orders: r.orders, monetaryMinor: r.monetaryMinor, churnRisk: r.churnRisk, predictedLtvMinor: r.predictedLtvMinor,
  };
}

/** `gid://shopify/Customer/123` → `123` (the admin's URLs carry the number). */
export function customerIdOf(customerGid: string): string {
  return customerGid.slice(customerGid.lastIndexOf("/") + 1);
}

/** `123` → `gid://shopify/Customer/123`; null for anything but digits. */
export function customerGidOf(id: string): string | null {
  return /^\d{1,20}$/.test(id) ? `gid://shopify/Customer/${id}` : null;
}

/** CSV columns of a layer export, in order. */
export const LAYER_CSV_COLUMNS = [
  "customer_id", "first_name", "last_name", "email", "layer", "lifecycle_stage", "orders", "net_spend", "churn_risk", "predicted_ltv_365d", "currency",
] as const;

/**
 * Every customer of a layer as CSV lines (header first), read 500 at a time
 * through `listCustomersInLayer` (keyset), so memory stays flat whatever the
 * layer's size. Money in major units of the shop currency.
 */
export async function* layerCsvLines(shopDomain: string, layerId: string, deps: AdminDeps): AsyncGenerator<string> {
  const currency = (await shopCurrency(deps.db, shopDomain)) ?? "USD";
  const exponent = currencyExponent(currency);
  const money = (minor: number | null) => (minor === null ? "" : (minor / 10 ** exponent).toFixed(exponent));
  yield LAYER_CSV_COLUMNS.join(",") + "\r\n";
  // One model read for the whole export, not one per page.
  const ltv = await intelligence.freshLtvReader(shopDomain, deps);
  let cursor: string | null = null;
  do {
    const page = await customersOfLayer(shopDomain, layerId, deps, { search: "", cursor, take: 500, ltv });
    let chunk = "";
    for (const c of page.customers) {
      const [first, ...rest] = (c.name ?? "").split(" ");
      chunk += [c.customerGid, first, rest.join(" "), c.email ?? "", layerId, c.lifecycleStage ?? "", c.orders, money(c.monetaryMinor), c.churnRisk ?? "",
        money(c.predictedLtvMinor), currency].map(csvField).join(",") + "\r\n";
    }
    if (chunk) yield chunk;
    cursor = page.nextCursor;
  } while (cursor);
}

/** RFC 4180 quoting, and a leading quote for cells a spreadsheet would run as a formula. */
export function csvField(value: string | number): string {
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s) && typeof value === "string") s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// ---------------------------------------------------------------- customers

export interface CustomerListView {
  search: string;
  customers: CustomerListItem[];
  nextCursor: string | null;
  currencyCode: string;
  layerNames: Record<string, string>;
}

/** The shop's customers, 50 a page by customer id, optionally searched by name or email. */
export async function customerList(
  shopDomain: string,
  deps: AdminDeps,
  args: { search?: string | null; cursor?: string | null; take?: number } = {},
): Promise<CustomerListView> {
  const search = args.search?.trim() ?? "";
  const [page, currencyCode, insights, ltv] = await Promise.all([
    searchCustomers(deps.db, deps.dialect, { shopDomain, search, cursor: args.cursor ?? null, take: Math.min(500, Math.max(1, args.take ?? PAGE_SIZE)) }),
    shopCurrency(deps.db, shopDomain),
    intelligence.getShopInsights(shopDomain, deps),
    intelligence.freshLtvReader(shopDomain, deps),
  ]);
  return {
    search,
    customers: page.customers.map((c) => listItem(withFreshLtv(c, ltv))),
    nextCursor: page.nextCursor,
    currencyCode: currencyCode ?? "USD",
    layerNames: Object.fromEntries((insights?.layers ?? []).map((l) => [l.id, l.name])),
  };
}

export interface CustomerDetailView {
  customerGid: string;
  id: string;
  name: string | null;
  email: string | null;
  countryCode: string | null;
  createdAt: string;
  currencyCode: string;
  insight: null | {
    layer: { id: string; name: string };
    layerReason: { matchedRule: string; values: Record<string, string | number | null>; explanation: string };
    lifecycleStage: string;
    rfm: { r: number | null; f: number | null; m: number | null };
    recencyDays: number | null;
    orders: number;
    aovMinor: number | null;
    monetaryMinor: number;
    prediction: null | {
      pAlive: number;
      expectedOrders: { next30Days: number; next90Days: number; next365Days: number };
      expectedOrderValueMinor: number;
      predictedLtvMinor: number;
      churnRisk: { level: string; reasons: Record<string, unknown>[] };
      expectedNextOrderAt: string | null;
    };
    computedAt: string;
    recentMoves: { from: string | null; to: string; direction: string; movedAt: string }[];
  };
  orders: (Omit<OrderRow, "processedAt" | "cancelledAt"> & { processedAt: string; cancelledAt: string | null })[];
  nextOrdersCursor: string | null;
}

/** One customer: profile, layer with its reason, scores, churn risk, predictions, layer history, a page of orders (25). Null when unknown. */
export async function customerDetail(
  shopDomain: string,
  customerGid: string,
  deps: AdminDeps,
  args: { ordersBefore?: string | null } = {},
): Promise<CustomerDetailView | null> {
  const [profile, insight, orders, currencyCode] = await Promise.all([
    customerProfile(deps.db, shopDomain, customerGid),
    intelligence.getCustomerInsight(shopDomain, customerGid, deps),
    customerOrders(deps.db, shopDomain, customerGid, { before: args.ordersBefore ?? null, take: 25 }),
    shopCurrency(deps.db, shopDomain),
  ]);
  if (!profile) return null;
  const name = [profile.firstName, profile.lastName].filter(Boolean).join(" ").trim();
  return {
    customerGid,
    id: customerIdOf(customerGid),
    name: name || null,
    email: profile.email,
    countryCode: profile.countryCode,
    createdAt: profile.shopifyCreatedAt.toISOString(),
    currencyCode: currencyCode ?? "USD",
    insight: insight && {
      layer: insight.layer,
      layerReason: {
        matchedRule: insight.layerReason.matchedRule,
        values: insight.layerReason.values as Record<string, string | number | null>,
        explanation: insight.layerReason.explanation,
      },
      lifecycleStage: insight.lifecycleStage,
      rfm: insight.rfm,
      recencyDays: insight.recencyDays,
      orders: insight.orders,
      aovMinor: insight.aovMinor,
      monetaryMinor: insight.monetaryMinor,
      prediction: insight.prediction && {
        pAlive: insight.prediction.pAlive,
        expectedOrders: insight.prediction.expectedOrders,
        expectedOrderValueMinor: insight.prediction.expectedOrderValueMinor,
        predictedLtvMinor: insight.prediction.predictedLtvMinor,
        churnRisk: {
          level: insight.prediction.churnRisk.level,
          reasons: insight.prediction.churnRisk.reasons as unknown as Record<string, unknown>[],
        },
        expectedNextOrderAt: insight.prediction.expectedNextOrderAt?.toISOString() ?? null,
      },
      computedAt: insight.computedAt.toISOString(),
      recentMoves: insight.recentMoves.map((m) => ({ ...m, movedAt: m.movedAt.toISOString() })),
    },
    orders: orders.orders.map((o) => ({ ...o, processedAt: o.processedAt.toISOString(), cancelledAt: o.cancelledAt?.toISOString() ?? null })),
    nextOrdersCursor: orders.nextCursor,
  };
}

/** The shop has this (not deleted) customer. */
export async function customerExists(shopDomain: string, customerGid: string, deps: Pick<AdminDeps, "db">): Promise<boolean> {
  return (await customerProfile(deps.db, shopDomain, customerGid)) !== null;
}

// ---------------------------------------------------------------- dashboard

export interface DashboardInsights {
  computedAt: string;
  customers: number;
  layers: LayerRowView[];
  movement: { customers: number; moves: number; upgrades: number; downgrades: number; upgradeRate: number; downgradeRate: number };
  currencyCode: string;
}

/** Layer distribution and the last 30 days' movement (upgrade and downgrade rates). Null before the first pass. */
export async function dashboardInsights(shopDomain: string, deps: AdminDeps, now: Date = new Date()): Promise<DashboardInsights | null> {
  // Movement aggregated in SQL (the service's layerMovementRates loads every customer's layer: seconds on a big shop).
  const [layers, rates] = await Promise.all([
    layersOverview(shopDomain, deps, now),
    layerMovementSummary(deps.db, deps.dialect, shopDomain, new Date(now.getTime() - 30 * DAY_MS), new Date(now.getTime() + 1)),
  ]);
  if (!layers) return null;
  return {
    computedAt: layers.computedAt,
    customers: layers.customers,
    layers: layers.layers,
    currencyCode: layers.currencyCode,
    movement: {
      customers: rates.customers, moves: rates.moves, upgrades: rates.upgrades, downgrades: rates.downgrades,
      upgradeRate: rates.upgradeRate, downgradeRate: rates.downgradeRate,
    },
  };
}

// ---------------------------------------------------------------- data requests

/** A data-request export's document (JSON text), only when it belongs to the shop; null otherwise. */
export async function dataExportDocument(shopDomain: string, exportId: string, deps: Pick<AdminDeps, "db">) {
  const row = await customerDataExportDocument(deps.db, shopDomain, exportId);
  return row && { id: row.id, customerId: customerIdOf(row.customerGid), document: row.document };
}

// ---------------------------------------------------------------- sync

export interface SyncStatusView {
  counts: { customers: number; orders: number; products: number };
  latest: null | {
    status: string; kind: string; phase: string | null; rowsProcessed: number; lastError: string | null; startedAt: string; finishedAt: string | null;
  };
  history: { id: string; kind: string; status: string; rows: number; startedAt: string; finishedAt: string | null }[];
}

/** The sync card's data (the sync status service's overview, JSON-safe). */
export async function syncStatus(shopDomain: string, deps: Pick<AdminDeps, "db">): Promise<SyncStatusView> {
  const overview = await getSyncOverview(deps.db, shopDomain);
  return {
    counts: overview.counts,
    latest: overview.latest && {
      status: overview.latest.status,
      kind: overview.latest.kind,
      phase: overview.latest.phase,
      rowsProcessed: overview.latest.rowsProcessed,
      lastError: overview.latest.lastError,
      startedAt: overview.latest.startedAt.toISOString(),
      finishedAt: overview.latest.finishedAt?.toISOString() ?? null,
    },
    history: overview.history.map((r) => ({
      id: r.id, kind: r.kind, status: r.status, rows: r.rowsProcessed, startedAt: r.startedAt.toISOString(), finishedAt: r.finishedAt?.toISOString() ?? null,
    })),
  };
}

/** Data-request exports waiting for the merchant, newest first (without documents). */
export async function dataExports(shopDomain: string, deps: Pick<AdminDeps, "db">) {
  const rows = await listCustomerDataExports(deps.db, shopDomain);
  return rows.map((r) => ({ id: r.id, customerId: customerIdOf(r.customerGid), dataRequestId: r.dataRequestId, requestedAt: r.requestedAt.toISOString() }));
}

// ---------------------------------------------------------------- loyalty: shared

/**
 * A validation problem for one form field, as a message key (the page
 * translates it: actions do not know the admin's language, the app route does).
 */
export interface FieldError {
  key: MessageKey;
  vars?: Record<string, string | number>;
}
export type FieldErrors = Record<string, FieldError>;

export type ActionResult<T extends object = object> = ({ ok: true } & T) | { ok: false; errors: FieldErrors };


/** The programme row whatever its state (loadActiveProgram hides a switched-off one). */
async function programRow(db: PrismaClient, shopDomain: string) {
  return db.loyaltyProgram.findUnique({ where: { shopDomain } });
}

/** A form value as a whole number; undefined when blank, NaN when not a whole number. */
function wholeNumber(value: FormDataEntryValue | null): number | undefined {
  if (value === null) return undefined;
  const text = String(value).trim();
  if (text === "") return undefined;
  return /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
}

/** A money form value (major units, e.g. "12.50") in minor units; undefined when blank, NaN when not money. */
function moneyMinor(value: FormDataEntryValue | null, currencyCode: string): number | undefined {
  if (value === null) return undefined;
  const text = String(value).trim();
  if (text === "") return undefined;
  const digits = currencyExponent(currencyCode);
  if (!new RegExp(`^\\d+(\\.\\d{0,${digits}})?$`).test(text)) return Number.NaN;
  return Math.round(Number(text) * 10 ** digits);
}

function checkInt(errors: FieldErrors, field: string, value: number | undefined, min: number, max: number, required = true): value is number {
  if (value === undefined) {
    if (required) errors[field] = { key: "err.required" };
    return false;
  }
  if (!Number.isInteger(value)) {
    errors[field] = { key: "err.wholeNumber" };
    return false;
  }
  if (value < min || value > max) {
    errors[field] = { key: "err.range", vars: { min, max } };
    return false;
  }
  return true;
}

// ---------------------------------------------------------------- loyalty: customer page

export interface CustomerLoyaltyView {
  /** False when the shop has no programme or it is off: the page says so and links to settings. */
  programmeOn: boolean;
  balance: { available: number; pending: number; lifetimeEarned: number };
  tier: { id: string; name: string } | null;
  tierHistory: { from: string | null; to: string | null; reason: string; changedAt: string }[];
  ledger: { id: string; points: number; kind: string; category: string; reason: string | null; staffMember: string | null; orderGid: string | null; availableAt: string; createdAt: string }[];
  referrals: {
    link: string | null;
    referredBy: string | null;
    totals: { signedUp: number; ordered: number; rewarded: number; rewardPoints: number; rejected: number; voided: number };
    recent: { id: string; status: string; rewardPoints: number | null; createdAt: string }[];
  };
  reminders: { id: string; productTitle: string; quantity: number; dueAt: string; daysLeft: number; status: string }[];
  /** A fresh key for the adjustment form: a resubmitted form is the same adjustment, not a second one. */
  adjustmentKey: string;
}

const LEDGER_PAGE = 25;

/** Points, tier and its history, the ledger (25 newest), referrals and due replenishment items of one customer. */
export async function customerLoyalty(shopDomain: string, customerGid: string, deps: AdminDeps, now: Date = new Date()): Promise<CustomerLoyaltyView> {
  const ledgerDeps = { db: deps.db, now: () => now };
  const [program, balance, history, changes, referrals, reminders, account] = await Promise.all([
    programRow(deps.db, shopDomain),
    getBalance(shopDomain, customerGid, ledgerDeps),
    customerHistory(shopDomain, customerGid, { limit: LEDGER_PAGE }, ledgerDeps),
    customerTierChanges(deps.db, shopDomain, customerGid),
    listReferralsForCustomer(shopDomain, customerGid, { db: deps.db, now: () => now }, { limit: 10 }),
    dueRemindersFor(shopDomain, customerGid, now, deps),
    deps.db.loyaltyAccount.findUnique({ where: { shopDomain_customerGid: { shopDomain, customerGid } }, select: { tier: true } }),
  ]);
  let tier: CustomerLoyaltyView["tier"] = null;
  if (program) {
    const { rules } = await loadRules(deps.db, shopDomain, program.currentRuleVersion);
    const found = rules.tiers.find((t) => t.id === account?.tier) ?? rules.tiers[0];
    tier = { id: found.id, name: found.name };
  }
  return {
    programmeOn: Boolean(program?.enabled),
    balance,
    tier,
    tierHistory: changes.map((c) => ({ from: c.fromTier, to: c.toTier, reason: c.reason, changedAt: c.changedAt.toISOString() })),
    ledger: history.map((e) => ({
      id: e.id, points: e.points, kind: e.kind, category: e.category, reason: e.reason, staffMember: e.staffMember, orderGid: e.orderGid,
      availableAt: e.availableAt.toISOString(), createdAt: e.createdAt.toISOString(),
    })),
    referrals: {
      link: referrals.link?.url ?? null,
      referredBy: referrals.referredBy ? customerIdOf(referrals.referredBy.referrerCustomerGid) : null,
      totals: referrals.totals,
      recent: referrals.referrals.map((r) => ({ id: r.id, status: r.status, rewardPoints: r.rewardPoints, createdAt: r.createdAt.toISOString() })),
    },
    reminders: reminders.map((r) => ({ id: r.id, productTitle: r.productTitle, quantity: r.quantity, dueAt: r.dueAt.toISOString(), daysLeft: r.daysLeft, status: r.status })),
    adjustmentKey: randomUUID(),
  };
}

export const MAX_ADJUSTMENT_POINTS = 1_000_000;
export const MAX_REASON_LENGTH = 200;

/**
 * A staff member's points adjustment from the customer page's form (points:
 * signed whole number; reason: required; key: the form's idempotency key).
 */
export async function adjustCustomerPoints(
  shopDomain: string,
  customerGid: string,
  form: FormData,
  staffMember: string,
  deps: AdminDeps,
): Promise<ActionResult<{ points: number }>> {
  const errors: FieldErrors = {};
  const points = wholeNumber(form.get("points"));
  if (checkInt(errors, "points", points, -MAX_ADJUSTMENT_POINTS, MAX_ADJUSTMENT_POINTS) && points === 0) errors.points = { key: "err.nonZero" };
  const reason = String(form.get("reason") ?? "").trim();
  if (!reason) errors.reason = { key: "err.reasonRequired" };
  else if (reason.length > MAX_REASON_LENGTH) errors.reason = { key: "err.tooLong", vars: { max: MAX_REASON_LENGTH } };
  const key = String(form.get("key") ?? "");
  if (!/^[0-9a-f-]{36}$/.test(key)) errors.form = { key: "err.staleForm" };
  if (Object.keys(errors).length) return { ok: false, errors };
  try {
    await adjustPoints({ shopDomain, customerGid, points: points!, reason, staffMember, idempotencyKey: `admin-adjust:${key}` }, { db: deps.db });
    return { ok: true, points: points! };
  } catch (error) {
    if (error instanceof InsufficientPointsError) return { ok: false, errors: { points: { key: "err.insufficient", vars: { available: error.available } } } };
    if (error instanceof LoyaltyProgramOffError) return { ok: false, errors: { form: { key: "err.programmeOff" } } };
    if (error instanceof Error && error.name === "IdempotencyConflictError") return { ok: false, errors: { form: { key: "err.staleForm" } } };
    throw error;
  }
}

// ---------------------------------------------------------------- loyalty: settings page

export interface SettingsView {
  currencyCode: string;
  programme: null | { enabled: boolean; returnWindowDays: number; expiryMonths: number | null; allowNegativeBalance: boolean; ruleVersion: number };
  rules: EarnRules;
  rewards: RewardRow[];
  referrals: {
    enabled: boolean; friendDiscountKind: FriendDiscountKind; friendDiscountPercentage: number | null; friendDiscountAmountMinor: number | null;
    referrerRewardPoints: number; rewardCapPerPeriod: number; capPeriodDays: number; minimumOrderMinor: number; attributionWindowDays: number; returnWindowDays: number;
  };
  replenishment: { enabled: boolean; reminderLeadDays: number; reminderExpireDays: number };
  writeBack: { insightTagsEnabled: boolean; insightTagPrefix: string };
  acquisition: { entries: CacEntry[]; healthy: number; alert: number };
  /** Members holding each tier id (the page warns before a tier with members is removed). */
  tierMembers: Record<string, number>;
}

/** Everything the settings page edits, current values (defaults where nothing is saved yet). */
export async function programmeSettings(shopDomain: string, deps: AdminDeps): Promise<SettingsView> {
  const [program, rewards, referral, replenishment, writeBack, currencyCode] = await Promise.all([
    programRow(deps.db, shopDomain),
    shopRewards(deps.db, shopDomain),
    getReferralSettings(shopDomain, { db: deps.db }),
    new ReplenishmentRepository(deps.db, deps.dialect).settings(shopDomain),
    getShopSettings(shopDomain, { db: deps.db }),
    shopCurrency(deps.db, shopDomain),
  ]);
  const [cost, tierMembers] = await Promise.all([getAcquisitionCost(shopDomain, { db: deps.db }), tierMemberCounts(deps.db, shopDomain)]);
  const rules = program ? (await loadRules(deps.db, shopDomain, program.currentRuleVersion)).rules : DEFAULT_EARN_RULES;
  return {
    currencyCode: currencyCode ?? "USD",
    programme: program && {
      enabled: program.enabled, returnWindowDays: program.returnWindowDays, expiryMonths: program.expiryMonths,
      allowNegativeBalance: program.allowNegativeBalance, ruleVersion: program.currentRuleVersion,
    },
    rules,
    rewards,
    referrals: {
      enabled: referral.enabled, friendDiscountKind: referral.friendDiscountKind, friendDiscountPercentage: referral.friendDiscountPercentage,
      friendDiscountAmountMinor: referral.friendDiscountAmountMinor === null ? null : Number(referral.friendDiscountAmountMinor),
      referrerRewardPoints: referral.referrerRewardPoints, rewardCapPerPeriod: referral.rewardCapPerPeriod, capPeriodDays: referral.capPeriodDays,
      minimumOrderMinor: Number(referral.minimumOrderMinor), attributionWindowDays: referral.attributionWindowDays, returnWindowDays: referral.returnWindowDays,
    },
    replenishment: { enabled: replenishment.enabled, reminderLeadDays: replenishment.reminderLeadDays, reminderExpireDays: replenishment.reminderExpireDays },
    writeBack: { insightTagsEnabled: writeBack.insightTagsEnabled, insightTagPrefix: writeBack.insightTagPrefix },
    acquisition: { entries: cacEntries(cost.cacByMonth), healthy: cost.thresholds.healthy, alert: cost.thresholds.alert },
    tierMembers,
  };
}

export type SettingsSection = "programme" | "rules" | "createReward" | "deactivateReward" | "referrals" | "replenishment" | "writeBack" | "cac" | "ltvCacThresholds";
export const SETTINGS_SECTIONS: readonly SettingsSection[] = ["programme", "rules", "createReward", "deactivateReward", "referrals", "replenishment", "writeBack", "cac", "ltvCacThresholds"];

const on = (form: FormData, name: string) => form.get(name) === "on" || form.get(name) === "true";

/** Saves one section of the settings page from its form. Nothing is saved when any field is invalid. */
export async function saveSettingsSection(
  shopDomain: string,
  section: SettingsSection,
  form: FormData,
  deps: AdminDeps & { variants?: RewardVariantsPort },
): Promise<ActionResult<{ membersMoved?: number }>> {
  const currencyCode = (await shopCurrency(deps.db, shopDomain)) ?? "USD";
  const errors: FieldErrors = {};
  const fail = () => ({ ok: false as const, errors });
  switch (section) {
    case "programme": {
      const returnWindowDays = wholeNumber(form.get("returnWindowDays"));
      const expiryMonths = wholeNumber(form.get("expiryMonths"));
      checkInt(errors, "returnWindowDays", returnWindowDays, 0, 365);
      checkInt(errors, "expiryMonths", expiryMonths, 1, 120, false);
      if (Object.keys(errors).length) return fail();
      await upsertProgram(deps.db, shopDomain, {
        enabled: on(form, "enabled"), returnWindowDays, expiryMonths: expiryMonths ?? null, allowNegativeBalance: on(form, "allowNegativeBalance"),
      });
      return { ok: true };
    }
    case "rules": {
      if (!(await programRow(deps.db, shopDomain))) return { ok: false, errors: { form: { key: "err.programmeFirst" } } };
      const candidate = earnRulesFromForm(form, currencyCode);
      const parsed = EarnRulesSchema.safeParse(candidate);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const field = issue.path.join(".") || "form";
          errors[field] ??= ruleIssue(issue);
        }
        return fail();
      }
      // Members of a removed tier move to the next lower tier, in the same transaction (tiers.server.ts).
      const saved = await saveEarnRulesAndTiers(deps.db, shopDomain, parsed.data, new Date());
      return { ok: true, membersMoved: saved.membersMoved };
    }
    case "createReward": {
      const title = String(form.get("title") ?? "").trim();
      if (!title) errors.title = { key: "err.required" };
      else if (title.length > 100) errors.title = { key: "err.tooLong", vars: { max: 100 } };
      const kind = String(form.get("kind") ?? "") as RewardKind;
      if (!["fixed_amount", "percentage", "free_shipping", "free_product"].includes(kind)) errors.kind = { key: "err.choose" };
      const variantGid = kind === "free_product" ? String(form.get("variantGid") ?? "") : "";
      if (kind === "free_product" && !isVariantGid(variantGid)) errors.variantGid = { key: "err.chooseProduct" };
      const pointsCost = wholeNumber(form.get("pointsCost"));
      checkInt(errors, "pointsCost", pointsCost, 1, MAX_ADJUSTMENT_POINTS);
      const amountMinor = kind === "fixed_amount" ? moneyMinor(form.get("amount"), currencyCode) : undefined;
      if (kind === "fixed_amount" && (amountMinor === undefined || Number.isNaN(amountMinor) || amountMinor <= 0)) errors.amount = { key: "err.money" };
      const percentage = kind === "percentage" ? wholeNumber(form.get("percentage")) : undefined;
      if (kind === "percentage") checkInt(errors, "percentage", percentage, 1, 100);
      if (Object.keys(errors).length) return fail();
      // A free product covers one unit at the variant's price in Shopify now (not a price from the form).
      let freeProduct: { productVariantGids: string[]; amountMinor: bigint; currencyCode: string } | undefined;
      if (kind === "free_product") {
        let variant: RewardVariantView | null;
        try {
          if (!deps.variants) throw new Error("no Admin API for the variant check");
          variant = await deps.variants.variant(variantGid);
        } catch (error) {
          if (error instanceof InvalidAmountError) return { ok: false, errors: { variantGid: { key: "err.productPrice" } } };
          logger.warn("free-product reward: variant lookup failed", { shopDomain, error: error instanceof Error ? error.message : String(error) });
          return { ok: false, errors: { variantGid: { key: "err.productLookup" } } };
        }
        if (!variant || !variant.active || variant.priceMinor <= 0) return { ok: false, errors: { variantGid: { key: "err.noSuchVariant" } } };
        freeProduct = { productVariantGids: [variant.variantGid], amountMinor: BigInt(variant.priceMinor), currencyCode };
      }
      try {
        await createReward(
          shopDomain,
          {
            title, kind, pointsCost: pointsCost!, ...(kind === "fixed_amount" ? { amountMinor: BigInt(amountMinor!), currencyCode } : {}), ...(kind === "percentage" ? { percentage } : {}),
            ...freeProduct,
          },
          { db: deps.db },
        );
      } catch (error) {
        if (error instanceof RangeError) return { ok: false, errors: { form: { key: "err.invalid", vars: { detail: error.message } } } };
        throw error;
      }
      return { ok: true };
    }
    case "deactivateReward": {
      const found = await deactivateShopReward(deps.db, shopDomain, String(form.get("rewardId") ?? ""));
      return found ? { ok: true } : { ok: false, errors: { form: { key: "err.noSuchReward" } } };
    }
    case "referrals": {
      const kind = String(form.get("friendDiscountKind") ?? "") as FriendDiscountKind;
      if (!["percentage", "fixed_amount", "free_shipping"].includes(kind)) errors.friendDiscountKind = { key: "err.choose" };
      const ints = { referrerRewardPoints: [1, MAX_ADJUSTMENT_POINTS], rewardCapPerPeriod: [0, 1000], capPeriodDays: [1, 365], attributionWindowDays: [1, 365], returnWindowDays: [0, 365] } as const;
      const values: Record<string, number> = {};
      for (const [name, [min, max]] of Object.entries(ints)) {
        const v = wholeNumber(form.get(name));
        if (checkInt(errors, name, v, min, max)) values[name] = v;
      }
      const percentage = kind === "percentage" ? wholeNumber(form.get("friendDiscountPercentage")) : undefined;
      if (kind === "percentage") checkInt(errors, "friendDiscountPercentage", percentage, 1, 100);
      const amount = kind === "fixed_amount" ? moneyMinor(form.get("friendDiscountAmount"), currencyCode) : undefined;
      if (kind === "fixed_amount" && (amount === undefined || Number.isNaN(amount) || amount <= 0)) errors.friendDiscountAmount = { key: "err.money" };
      const minimum = moneyMinor(form.get("minimumOrder"), currencyCode) ?? 0;
      if (Number.isNaN(minimum)) errors.minimumOrder = { key: "err.money" };
      if (Object.keys(errors).length) return fail();
      try {
        await updateReferralSettings(shopDomain, {
          enabled: on(form, "enabled"),
          friendDiscountKind: kind,
          friendDiscountPercentage: kind === "percentage" ? percentage! : null,
          friendDiscountAmountMinor: kind === "fixed_amount" ? BigInt(amount!) : null,
          friendDiscountCurrencyCode: kind === "fixed_amount" ? currencyCode : null,
          minimumOrderMinor: BigInt(minimum),
          ...values,
        }, { db: deps.db });
      } catch (error) {
        if (!(error instanceof InvalidReferralSettingsError)) throw error;
        for (const issue of error.issues) errors[referralFormField(issue.field)] = referralIssueError(issue);
        return fail();
      }
      return { ok: true };
    }
    case "replenishment": {
      const lead = wholeNumber(form.get("reminderLeadDays"));
      const expire = wholeNumber(form.get("reminderExpireDays"));
      checkInt(errors, "reminderLeadDays", lead, 0, 365);
      checkInt(errors, "reminderExpireDays", expire, 0, 365);
      if (Object.keys(errors).length) return fail();
      await updateReplenishmentSettings(shopDomain, { enabled: on(form, "enabled"), reminderLeadDays: lead, reminderExpireDays: expire }, deps);
      return { ok: true };
    }
    case "cac": {
      // A blank amount removes the month's (or the channel's) figure.
      const amount = moneyMinor(form.get("amount"), currencyCode);
      if (Number.isNaN(amount)) return { ok: false, errors: { amount: { key: "err.money" } } };
      return acquisitionCostSaved(() =>
        setMonthlyCac(shopDomain, { month: String(form.get("month") ?? "").trim(), channel: String(form.get("channel") ?? "") || null, amountMinor: amount ?? null }, { db: deps.db }),
      );
    }
    case "ltvCacThresholds": {
      const ratio = (name: string) => Number(String(form.get(name) ?? "").trim() || Number.NaN);
      return acquisitionCostSaved(() => setLtvCacThresholds(shopDomain, { healthy: ratio("healthy"), alert: ratio("alert") }, { db: deps.db }));
    }
    case "writeBack": {
      const result = await updateShopSettings(shopDomain, { insightTagsEnabled: on(form, "insightTagsEnabled"), insightTagPrefix: String(form.get("insightTagPrefix") ?? "") }, { db: deps.db });
      if (result.ok) return { ok: true };
      // The service says what is wrong as a code; the page shows it in the admin's language.
      for (const e of result.errors) {
        errors[e.field] = e.code === "invalid" ? { key: "err.invalid", vars: { detail: e.message } } : { key: `err.${e.code}`, vars: { max: MAX_TAG_PREFIX_LENGTH } };
      }
      return fail();
    }
  }
}

/** The form field a referral settings problem belongs to (money is typed in major units under another name). */
function referralFormField(field: string): string {
  return field === "friendDiscountAmountMinor" || field === "friendDiscountCurrencyCode" ? "friendDiscountAmount" : field === "minimumOrderMinor" ? "minimumOrder" : field;
}

/** A referral settings problem as a message key, in the admin's language. */
export function referralIssueError(issue: ReferralSettingsIssue): FieldError {
  switch (issue.code) {
    case "range": return { key: "err.range", vars: { min: issue.min ?? 0, max: issue.max ?? 0 } };
    case "negative": return { key: "err.negative" };
    case "positive": return { key: "err.money" };
    case "required": return { key: "err.required" };
    default: return { key: "err.invalid", vars: { detail: issue.message } };
  }
}

async function acquisitionCostSaved(save: () => Promise<void>): Promise<ActionResult> {
  try {
    await save();
    return { ok: true };
  } catch (error) {
    if (!(error instanceof InvalidAcquisitionCostError)) throw error;
    return { ok: false, errors: Object.fromEntries(error.problems.map((p) => [p.field, { key: `cacErr.${p.code}`, vars: p.params } satisfies FieldError])) };
  }
}

/** Earn rules from the settings form: numbers where the schema wants numbers (NaN for text, so the schema reports it). */
function earnRulesFromForm(form: FormData, currencyCode: string): unknown {
  const n = (name: string) => wholeNumber(form.get(name)) ?? Number.NaN;
  const tierBasis = String(form.get("tierBasis") ?? "spend");
  const tierCount = Math.min(10, Number(form.get("tierCount") ?? 0) || 0);
  const ids = Array.from({ length: tierCount }, (_, i) => String(form.get(`tiers.${i}.id`) ?? ""));
  const tiers = Array.from({ length: tierCount }, (_, i) => ({
    // A tier added on the page has no id yet: one from its name, unique among the others.
    id: ids[i] || newTierId(String(form.get(`tiers.${i}.name`) ?? ""), ids),
    name: String(form.get(`tiers.${i}.name`) ?? "").trim(),
    // Spend thresholds are typed in the shop currency's major units; stored in minor units.
    threshold: tierBasis === "spend" ? (moneyMinor(form.get(`tiers.${i}.threshold`), currencyCode) ?? Number.NaN) : n(`tiers.${i}.threshold`),
    multiplierPct: n(`tiers.${i}.multiplierPct`),
    freeShipping: on(form, `tiers.${i}.freeShipping`),
    birthdayBonusPoints: n(`tiers.${i}.birthdayBonusPoints`),
  }));
  const excluded = String(form.get("excludedOrderTags") ?? "").split(",").map((t) => t.trim()).filter(Boolean);
  return {
    pointsPerUnit: n("pointsPerUnit"),
    excludedOrderTags: excluded,
    accountCreatedPoints: n("accountCreatedPoints"),
    signupPoints: n("signupPoints"),
    birthdayPoints: n("birthdayPoints"),
    firstOrderPoints: n("firstOrderPoints"),
    activities: {
      review: { points: n("activities.review.points"), maxPerYear: n("activities.review.maxPerYear"), maxPerDay: n("activities.review.maxPerDay") },
      social: { points: n("activities.social.points"), maxPerYear: n("activities.social.maxPerYear"), maxPerDay: n("activities.social.maxPerDay") },
    },
    tierBasis,
    tiers,
  };
}

/** A tier id (`[a-z0-9_-]{1,30}`, as TierSchema wants) from a name; `tier-N` for names without Latin letters or digits. Pushes it onto `taken`. */
export function newTierId(name: string, taken: string[]): string {
  const base = name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 24) || "tier";
  let id = base;
  for (let n = 2; taken.includes(id) || (base === "tier" && id === "tier"); n++) id = `${base}-${n}`;
  taken.push(id);
  return id;
}

/** rules.ts's zod issue as a message the page can translate. */
function ruleIssue(issue: { code: string; message: string; minimum?: unknown; maximum?: unknown; type?: unknown }): FieldError {
  if (issue.message === "the first tier's threshold must be 0") return { key: "err.firstTierZero" };
  if (issue.message === "thresholds must increase") return { key: "err.thresholdsIncrease" };
  if (issue.message === "tier ids must be unique") return { key: "err.tierIdsUnique" };
  if (issue.type === "string") return issue.code === "too_small" ? { key: "err.required" } : { key: "err.tooLong", vars: { max: Number(issue.maximum) } };
  if (issue.code === "invalid_type" || issue.code === "not_finite") return { key: "err.wholeNumber" };
  if (issue.code === "too_small" && typeof issue.minimum === "number") return { key: "err.atLeast", vars: { min: issue.minimum } };
  if (issue.code === "too_big" && typeof issue.maximum === "number") return { key: "err.atMost", vars: { max: issue.maximum } };
  return { key: "err.invalid", vars: { detail: issue.message } };
}

// ---------------------------------------------------------------- loyalty: onboarding and dashboard

/** The starter catalogue a programme goes live with (amounts in the shop currency's major units). */
const STARTER_REWARDS = [
  { title: "5 off your order", kind: "fixed_amount", pointsCost: 500, major: 5 },
  { title: "10% off your order", kind: "percentage", pointsCost: 1000, percentage: 10 },
  { title: "Free shipping", kind: "free_shipping", pointsCost: 300 },
] as const;

/**
 * Onboarding's one step: the programme on with Evergreen's default earn rules
 * and tiers, and the starter rewards when the catalogue is empty. Idempotent
 * (a second click changes nothing but switching the programme on).
 */
export async function enableProgrammeWithDefaults(shopDomain: string, deps: AdminDeps): Promise<{ rewardsCreated: number }> {
  await upsertProgram(deps.db, shopDomain, { enabled: true });
  const existing = await shopRewards(deps.db, shopDomain);
  if (existing.length > 0) return { rewardsCreated: 0 };
  const currencyCode = (await shopCurrency(deps.db, shopDomain)) ?? "USD";
  const digits = currencyExponent(currencyCode);
  for (const r of STARTER_REWARDS) {
    await createReward(
      shopDomain,
      r.kind === "fixed_amount"
        ? { title: r.title, kind: r.kind, pointsCost: r.pointsCost, amountMinor: BigInt(r.major * 10 ** digits), currencyCode }
        : r.kind === "percentage"
          ? { title: r.title, kind: r.kind, pointsCost: r.pointsCost, percentage: r.percentage }
          : { title: r.title, kind: r.kind, pointsCost: r.pointsCost },
      { db: deps.db },
    );
  }
  return { rewardsCreated: STARTER_REWARDS.length };
}

export interface LoyaltyOverview {
  /** "none": never set up (onboarding shows); "off": set up and switched off; "on". */
  programme: "none" | "off" | "on";
  rewards: number;
  liability: { available: number; pending: number; total: number; members: number };
  comparison: {
    members: { buyers: number; repeatRate: number | null; aovMinor: number | null };
    nonMembers: { buyers: number; repeatRate: number | null; aovMinor: number | null };
  };
  currencyCode: string;
}

/** The dashboard's loyalty figures: programme state, points liability, members against non-members. */
export async function loyaltyOverview(shopDomain: string, deps: AdminDeps): Promise<LoyaltyOverview> {
  const [program, rewards, liability, comparison, currencyCode] = await Promise.all([
    programRow(deps.db, shopDomain),
    shopRewards(deps.db, shopDomain),
    pointsLiability(deps.db, deps.dialect, shopDomain),
    membershipComparison(deps.db, deps.dialect, shopDomain),
    shopCurrency(deps.db, shopDomain),
  ]);
  const group = (g: { buyers: number; repeatBuyers: number; orders: number; monetaryMinor: number }) => ({
    buyers: g.buyers,
    repeatRate: g.buyers > 0 ? g.repeatBuyers / g.buyers : null,
    aovMinor: g.orders > 0 ? Math.round(g.monetaryMinor / g.orders) : null,
  });
  return {
    programme: !program ? "none" : program.enabled ? "on" : "off",
    rewards: rewards.filter((r) => r.active).length,
    liability: { ...liability, total: liability.available + liability.pending },
    comparison: { members: group(comparison.members), nonMembers: group(comparison.nonMembers) },
    currencyCode: currencyCode ?? "USD",
  };
}

/** Who is acting, for the ledger: the staff member's email on an online session, else the admin user id from the session token. */
export function staffMemberOf(auth: { session: { onlineAccessInfo?: { associated_user?: { email?: string; id?: number } } }; sessionToken?: { sub?: string } }): string {
  const user = auth.session.onlineAccessInfo?.associated_user;
  if (user?.email) return user.email;
  if (user?.id) return `staff:${user.id}`;
  return auth.sessionToken?.sub ? `staff:${auth.sessionToken.sub}` : "staff";
}
