/**
 * Customer intelligence: layers, RFM scores, lifecycle stages, churn risk and
 * predicted value for every customer of a shop, computed from synced orders by
 * the pure domain modules (`~/domain/segments`, `~/domain/predictions`,
 * `~/domain/analytics`) and stored for the admin to read.
 *
 * Definitions: docs/decisions/0005-customer-intelligence-models.md. What is
 * stored and how to call this module: docs/intelligence.md.
 *
 * Two writers:
 * - {@link recomputeShop}: the full pass (refits the models, recomputes the
 *   baseline, rewrites every customer's row, records layer moves);
 * - {@link updateCustomer}: one customer after an order, against the stored
 *   baseline and fitted parameters (no refit), so it gives exactly what the
 *   full pass would have given that customer with the same baseline.
 * Readers: {@link getShopInsights}, {@link getCustomerInsight},
 * {@link listCustomersInLayer}, {@link layerMovementRates}, {@link getRetentionAnalytics}.
 */
import { performance } from "node:perf_hooks";
import type { SqlDialect } from "~/db/adapter.server";
import { loadBehaviourColumns, loadCustomerBehaviourColumns } from "~/db/behaviour-columns.server";
import { type BehaviourColumns, fillBehaviourFeatures, layersReadBehaviour } from "~/domain/behaviour/rule-features";
import { insightsDriver } from "~/db/insights-driver.server";
import {
  InsightsBulkRepository,
  InsightsRepository,
  insightValues,
  type CustomerInsightRow,
  type InsightValues,
  type InsightsDb,
  type StoredStateColumns,
} from "~/db/insights-repository.server";
import { PurchaseHistoryReader, historyOfCustomer, loadPurchaseColumns, loadPurchaseColumnsFromDigests } from "~/db/purchase-histories.server";
import { PURCHASE_DIGEST_VERSION, type PurchaseDigest, digestKeyOf, digestOf, encodeDigest } from "~/domain/customers/purchase-digest";
import { DAY_MS, type PurchaseHistory } from "~/domain/customers/purchase-history";
import { type InsightState, type PurchaseState, insightStateHash, recencyDaysAt, summaryAt } from "~/domain/customers/insight-state";
import { analyzeRetention, type AnalyticsOptions, type RetentionAnalysis } from "~/domain/analytics";
import {
  type ChurnRisk,
  type CustomerPrediction,
  type CustomerPredictor,
  type FitDiagnostics,
  type SummaryColumns,
  customerPredictor,
  fitShopModelFromColumns,
  predictCustomer,
  summarise,
  summariseColumns,
} from "~/domain/predictions";
import {
  DEFAULT_LAYERS,
  UNASSIGNED_LAYER_ID,
  compileLayers,
  purchaseColumns,
  diffLayers,
  emptyFeatures,
  explainRule,
  fillFeatures,
  layerMap,
  moveRates,
  renderRule,
  ruleFields,
  segmentCustomer,
  segmentPurchaseColumns,
  shopNorms,
  validateLayers,
  type CompiledLayers,
  type CustomerFeatures,
  type LayerAssignment,
  type ShopColumns,
  type LayerDefinition,
  type MoveRates,
  type PurchaseColumns,
  type Rule,
  type ShopBaseline,
} from "~/domain/segments";
import type { PrismaClient } from "~/generated/prisma/client";

/** The database slice this module needs: a Prisma client (not a transaction client: writers open their own). */
export type IntelligenceDb = InsightsDb & Pick<PrismaClient, "$transaction">;

export interface IntelligenceDeps {
  db: IntelligenceDb;
  dialect: SqlDialect;
}

export interface ComputeDeps extends IntelligenceDeps {
  /** The instant the figures describe (orders after it are ignored). Passed in: nothing here reads the clock. */
  asOf: Date;
  /** Customers per page when loading histories. Default 5,000. */
  pageCustomers?: number;
  /** recomputeShop: read every customer's orders even when stored digests would do (ADR 0012). */
  full?: boolean;
}

/**
 * Above this share of stale customers (of the stored rows), a pass reads all
 * orders: one scan of the order table costs less than that many lookups.
 */
export const MAX_STALE_SHARE = 0.25;

/** `updateCustomer` was called before the shop's first `recomputeShop`. */
export class IntelligenceNotComputedError extends Error {
  constructor(readonly shopDomain: string) {
    super(`no customer intelligence computed for ${shopDomain} yet: run recomputeShop first`);
    this.name = "IntelligenceNotComputedError";
  }
}

/** The shop's stored layer set is not valid (hand-edited JSON); the errors say where. */
export class InvalidLayersError extends Error {
  constructor(readonly shopDomain: string, readonly errors: { path: string; message: string }[]) {
    super(`the stored layers of ${shopDomain} are invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
    this.name = "InvalidLayersError";
  }
}

/** The customer is not synced (or deleted). */
export class UnknownCustomerError extends Error {
  constructor(readonly shopDomain: string, readonly customerGid: string) {
    super(`no customer ${customerGid} in ${shopDomain}`);
    this.name = "UnknownCustomerError";
  }
}

export interface RecomputeSummary {
  shopDomain: string;
  asOf: Date;
  customers: number;
  /** Customers with at least one counted order. */
  buyers: number;
  /** Customers per layer id (every layer of the set, 0 when empty). */
  layerSizes: Record<string, number>;
  /** Layer moves recorded by this pass (customers whose stored layer changed). */
  moves: number;
  model: "bgnbd" | "empirical";
  fallbackReason: FitDiagnostics["fallbackReason"];
  /**
   * Customer rows written by this pass: those whose stored state (layer, rule,
   * scores, stage, churn level, purchase inputs: `insightStateHash`) changed.
   * A second pass over unchanged data writes none, at the same `asOf` or a later one
   * unless the clock moved a customer's stage, layer or churn level.
   */
  written: number;
  /**
   * Wall-clock milliseconds per phase: load purchases, segment, predict (summaries
   * and the model fit), rows (per-customer predictions and row values), write (one
   * transaction: read the stored rows, write the changed ones, moves, deletions).
   */
  durationsMs: { load: number; segment: number; predict: number; rows: number; write: number; total: number };
  /**
   * How the purchases were read (ADR 0012): `full`, every order; `digest`, the
   * stored digests plus the orders of the `reread` customers (stale ones, rows
   * without a usable digest). Both give the same rows.
   */
  mode: "full" | "digest";
  reread: number;
}

/**
 * The full pass for one shop: loads every customer's purchase history, runs
 * `segmentShop` (with the shop's stored layer set, or the domain's defaults)
 * and `predictShop` (refits BG/NBD + Gamma-Gamma or falls back to the
 * empirical model), then in one transaction writes the `CustomerInsight` of
 * every customer whose stored state changed, records a `LayerMove` for each customer whose stored layer
 * changed, deletes the rows of customers deleted since, and saves the
 * `ShopInsight` (baseline, layers, fit) that {@link updateCustomer} scores against.
 *
 * Rows not rewritten keep their clock-dependent columns as of their own
 * `computedAt`; readers compute those fresh ({@link getCustomerInsight}).
 *
 * Purchases come from each row's stored digest unless the customer is marked
 * stale (database triggers mark every change to their orders or record) or
 * the shop has no usable digests yet; then from the orders (ADR 0012).
 *
 * Idempotent: a second pass over the same data writes no rows and no moves.
 *
 * @throws InvalidLayersError when the stored layer set does not validate
 * @example
 * const summary = await recomputeShop(shop, { db: prisma, dialect: appDatabaseDialect(), asOf: new Date() });
 * summary.layerSizes.vip; // 42
 */
export async function recomputeShop(shopDomain: string, deps: ComputeDeps): Promise<RecomputeSummary> {
  const asOfMs = deps.asOf.getTime();
  const t0 = performance.now();
  // Bulk reads and writes go through the driver under the Prisma client (app/db/insights-driver.server.ts).
  const driver = await insightsDriver(deps.db, deps.dialect);
  const bulk = new InsightsBulkRepository(driver, deps.dialect, driver.kind);
  const state = await bulk.shopState(shopDomain);
  // Marks first: a change after this read is marked again (a new version) and redone next pass.
  const stale = await bulk.staleCustomers(shopDomain);
  const storedRows = state.computedAtMs === null ? 0 : await bulk.insightCount(shopDomain);
  const digestUsable = deps.full !== true && state.computedAtMs !== null && asOfMs >= state.computedAtMs &&
    state.digestVersion === PURCHASE_DIGEST_VERSION && stale.size <= MAX_STALE_SHARE * storedRows;
  const { purchases, stored } = digestUsable
    ? await loadPurchaseColumnsFromDigests(driver, deps.dialect, shopDomain, asOfMs, stale, (shop, onRow) => bulk.eachStoredDigest(shop, onRow), storedRows)
    : { purchases: await loadPurchaseColumns(driver, deps.dialect, shopDomain), stored: null };
  const layers = state.layers !== null ? parseLayers(shopDomain, state.layers) : DEFAULT_LAYERS;
  // Behaviour rule fields (docs/behaviour.md): loaded only when some rule reads them.
  const behaviour = layersReadBehaviour(layers) ? await loadBehaviourColumns(driver, deps.dialect, shopDomain, purchases) : null;
  const t1 = performance.now();

  const segmentation = segmentPurchaseColumns(purchases, asOfMs, { layers, behaviour });
  const t2 = performance.now();

  const summaries = summariseColumns(purchases, asOfMs);
  const fit = fitShopModelFromColumns(summaries);
  const t3 = performance.now();

  const compiled = compileLayers(layers, segmentation.norms);
  const rows = insightRowBuilder(purchases, segmentation.columns, segmentation.baseline, compiled, segmentation.layerIds,
    segmentation.layerIndex, summaries, customerPredictor(asOfMs, fit.bgNbd, fit.gammaGamma, fit.fitDiagnostics.empirical), asOfMs,
    state.currencyCode ?? undefined, behaviour);
  const n = purchases.count;
  const t4 = performance.now();

  // Only customers whose stored state changed are rewritten: the clock-dependent values are read fresh (insight-state.ts).
  const { moves, written, rowsMs } = await driver.transaction(async (session) => {
    const tx = new InsightsBulkRepository(session, deps.dialect, driver.kind);
    let storedHash: Float64Array;
    let storedLayer: (string | undefined)[];
    let gone: string[];
    if (stored) {
      ({ storedHash, storedLayer, gone } = stored);
    } else {
      storedHash = new Float64Array(n).fill(Number.NaN);
      storedLayer = new Array(n);
      gone = [];
      await tx.eachStoredState(shopDomain, (customerGid, layerId, hash) => {
        const i = purchases.indexOf.get(customerGid);
        if (i === undefined) {
          gone.push(customerGid); // deleted (or synced since the load): removed below if deleted
          return;
        }
        storedLayer[i] = layerId;
        if (hash !== null) storedHash[i] = hash;
      });
    }
    const rowsStart = performance.now();
    // Previous layers only of customers whose layer differs: diffLayers gives the same moves, in stored order.
    const previous = new Map<string, string>();
    const next = new Map<string, string>();
    const changed: InsightValues[] = [];
    // Customers with orders after the as-of: their digest leaves those out, so they stay (or become) stale.
    const later: string[] = [];
    for (let i = 0; i < n; i++) {
      if (rows.stateHash(i) !== storedHash[i]) {
        const row = rows.values(i);
        changed.push(row);
        const before = storedLayer[i];
        if (before !== undefined && before !== row[1]) {
          previous.set(row[0], before);
          next.set(row[0], row[1]);
        }
      }
      if (rows.laterOrders()) later.push(purchases.customerIds[i]);
    }
    const rowsMs = performance.now() - rowsStart;
    await tx.upsert(shopDomain, changed);
    const moves = diffLayers(previous, next, asOfMs, layers);
    await tx.insertMoves(shopDomain, moves.map((m) => ({
      customerGid: m.customerId, fromLayer: m.from, toLayer: m.to, direction: m.direction, movedAt: deps.asOf,
    })));
    await tx.deleteGone(shopDomain, gone);
    // After the writes (deleting a row marks its customer): clear the marks this pass read, then re-mark the later ones.
    await tx.clearStale(shopDomain, [...stale]);
    await tx.clearStaleOfGone(shopDomain, gone);
    await tx.markStale(shopDomain, later);
    await tx.saveShopInsight({
      shopDomain,
      baseline: JSON.stringify(segmentation.baseline),
      layers: JSON.stringify(layers),
      model: fit.model,
      fitDiagnostics: JSON.stringify(fit.fitDiagnostics),
      computedAt: deps.asOf,
      durationMs: Math.round(performance.now() - t0),
      // A full pass has written every row whose digest differed: the shop's digests are now all current.
      ...(stored ? {} : { digestVersion: PURCHASE_DIGEST_VERSION }),
    });
    return { moves: moves.length, written: changed.length, rowsMs };
  });
  const t5 = performance.now();

  const ms = (a: number, b: number) => Math.round((b - a) * 10) / 10;
  return {
    shopDomain,
    asOf: deps.asOf,
    customers: purchases.count,
    buyers: summaries.buyers,
    layerSizes: segmentation.layerSizes,
    moves,
    model: fit.model,
    fallbackReason: fit.fitDiagnostics.fallbackReason,
    written,
    durationsMs: {
      load: ms(t0, t1), segment: ms(t1, t2), predict: ms(t2, t3), rows: ms(t3, t4) + ms(0, rowsMs), write: ms(t4, t5) - ms(0, rowsMs), total: ms(t0, t5),
    },
    mode: stored ? "digest" : "full",
    reread: stored ? stored.reread : purchases.count,
  };
}

export interface CustomerUpdate {
  customerGid: string;
  layerId: string;
  previousLayerId: string | null;
  /** The move recorded, if the layer changed. */
  move: { from: string | null; to: string; direction: string } | null;
  orders: number;
  /** Time spent in domain code (segment + predict + row), ms: the part that must stay under ~5 ms. */
  computeMs: number;
  /** Whole call including database round trips, ms. */
  totalMs: number;
}

/**
 * Re-scores one customer (after an order, a refund, a cancellation) against
 * the shop's stored baseline, layer set and fitted parameters, without a
 * refit: layer with reason, RFM, lifecycle stage, P(alive), expected orders,
 * predicted value, churn risk. Writes the customer's row and, when the layer
 * changed, one `LayerMove`, in one transaction.
 *
 * A customer with no stored row yet (signed up since the last pass) gets one
 * and no move: entries are not moves (as in `diffLayers`).
 *
 * @throws IntelligenceNotComputedError before the shop's first recomputeShop
 * @throws UnknownCustomerError when the customer is not synced or is deleted
 */
export async function updateCustomer(shopDomain: string, customerGid: string, deps: ComputeDeps): Promise<CustomerUpdate> {
  const started = performance.now();
  const asOfMs = deps.asOf.getTime();
  // Two reads (the shop's stored model, the customer's history) and one write transaction, through the driver.
  const driver = await insightsDriver(deps.db, deps.dialect);
  const repo = new InsightsBulkRepository(driver, deps.dialect, driver.kind);
  const stored = await repo.updateState(shopDomain, customerGid);
  if (!stored) throw new IntelligenceNotComputedError(shopDomain);
  const history = await historyOfCustomer(driver, deps.dialect, shopDomain, customerGid);
  if (!history) throw new UnknownCustomerError(shopDomain, customerGid);
  const model = cachedModel(shopDomain, stored);
  const behaviour = layersReadBehaviour(model.layers) ? await loadCustomerBehaviourColumns(driver, deps.dialect, shopDomain, customerGid) : null;

  const computeStart = performance.now();
  const { row, assignment } = scoreOne(history, asOfMs, model, deps.asOf, stored.currencyCode ?? undefined, behaviour);
  const computeMs = performance.now() - computeStart;

  const { previousLayerId, move } = await driver.transaction(async (session) => {
    const tx = new InsightsBulkRepository(session, deps.dialect, driver.kind);
    const before = await tx.storedLayer(shopDomain, customerGid);
    await tx.upsert(shopDomain, [insightValues(row)]);
    let move: CustomerUpdate["move"] = null;
    if (before !== null) {
      const [m] = diffLayers(new Map([[customerGid, before]]), new Map([[customerGid, assignment.layerId]]), asOfMs, model.layers);
      if (m) {
        move = { from: m.from, to: m.to, direction: m.direction };
        await tx.insertMoves(shopDomain, [{ customerGid, fromLayer: m.from, toLayer: m.to, direction: m.direction, movedAt: deps.asOf }]);
      }
    }
    return { previousLayerId: before, move };
  });
  return {
    customerGid, layerId: assignment.layerId, previousLayerId, move, orders: row.orders,
    computeMs, totalMs: performance.now() - started,
  };
}

// ---------------------------------------------------------------- readers

export interface LayerSummary {
  id: string;
  name: string;
  description: string;
  rank: number;
  customers: number;
}

export interface ShopInsights {
  shopDomain: string;
  /** The as-of instant of the last full pass. */
  computedAt: Date;
  durationMs: number;
  customers: number;
  /** The shop's layers by priority, each with its current size (single-customer updates included), then "unassigned" if any. */
  layers: LayerSummary[];
  model: "bgnbd" | "empirical";
  fitDiagnostics: FitDiagnostics;
  baseline: ShopBaseline;
}

/**
 * The shop's intelligence overview for the admin: layer sizes with names,
 * the model in use with its diagnostics, when it was computed. Null before the first pass.
 */
export async function getShopInsights(shopDomain: string, deps: IntelligenceDeps): Promise<ShopInsights | null> {
  const repo = new InsightsRepository(deps.db, deps.dialect);
  const [stored, sizes] = await Promise.all([repo.shopInsight(shopDomain), repo.layerSizes(shopDomain)]);
  if (!stored) return null;
  const model = storedModel(shopDomain, stored);
  const layers: LayerSummary[] = model.layers.map((l) => ({
    id: l.id, name: l.name, description: l.description, rank: l.rank, customers: sizes[l.id] ?? 0,
  }));
  const known = new Set(layers.map((l) => l.id));
  for (const [id, customers] of Object.entries(sizes)) {
    if (!known.has(id)) layers.push({ id, name: id === UNASSIGNED_LAYER_ID ? "Unassigned" : id, description: "", rank: -1, customers });
  }
  return {
    shopDomain,
    computedAt: stored.computedAt,
    durationMs: stored.durationMs,
    customers: Object.values(sizes).reduce((a, b) => a + b, 0),
    layers,
    model: model.model,
    fitDiagnostics: model.fitDiagnostics,
    baseline: model.baseline,
  };
}

export interface CustomerInsightView {
  customerGid: string;
  layer: { id: string; name: string };
  /** Why this layer: the rule in words, the values it read, and a sentence with both. */
  layerReason: LayerAssignment["reason"];
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
    churnRisk: ChurnRisk;
    expectedNextOrderAt: Date | null;
  };
  /** When the stored state (layer, reason, scores, stage, churn level) was last written. */
  computedAt: Date;
  /** The instant recency and predictions describe (the reader's `asOf`, default now). */
  asOf: Date;
  /** The customer's latest layer moves, newest first. */
  recentMoves: { from: string | null; to: string; direction: string; movedAt: Date }[];
}

/**
 * Everything stored about one customer, reasons parsed (and put in words), with
 * recency and predictions computed at `deps.asOf` (default now) from the stored
 * state and the shop's fitted model. The layer, its reason, the scores, the
 * stage and the churn level are as of the last pass or update (`computedAt`).
 * Null when none is stored.
 */
export async function getCustomerInsight(
  shopDomain: string,
  customerGid: string,
  deps: IntelligenceDeps & { asOf?: Date },
): Promise<CustomerInsightView | null> {
  const repo = new InsightsRepository(deps.db, deps.dialect);
  const [row, stored, moves, currencyCode] = await Promise.all([
    repo.customerInsight(shopDomain, customerGid),
    repo.shopInsight(shopDomain),
    repo.movesOf(shopDomain, customerGid),
    repo.shopCurrency(shopDomain),
  ]);
  if (!row) return null;
  const model = stored ? storedModel(shopDomain, stored) : null;
  const layer = model?.layers.find((l) => l.id === row.layerId);
  const reason = JSON.parse(row.layerReason) as StoredLayerReason;
  const explanation =
    reason.explanation ??
    (layer && model
      ? explainRule(layer.rule, reason.values as unknown as CustomerFeatures, shopNorms(model.baseline), { currencyCode: currencyCode ?? undefined })
      : "No layer's rule matched this customer");
  const num = (v: bigint | null) => (v === null ? null : Number(v));
  const asOf = deps.asOf ?? new Date();
  const fresh = model ? freshValues(row, model, asOf.getTime()) : null;
  return {
    customerGid,
    layer: { id: row.layerId, name: layer?.name ?? row.layerId },
    layerReason: { matchedRule: reason.matchedRule, values: reason.values, explanation },
    lifecycleStage: row.lifecycleStage,
    rfm: { r: row.r, f: row.f, m: row.m },
    recencyDays: fresh ? fresh.recencyDays : row.recencyDays,
    orders: row.orders,
    aovMinor: num(row.aovMinor),
    monetaryMinor: Number(row.monetaryMinor),
    prediction: fresh
      ? fresh.prediction && {
          pAlive: fresh.prediction.pAlive,
          expectedOrders: fresh.prediction.expectedOrders,
          expectedOrderValueMinor: fresh.prediction.expectedOrderValueMinor,
          predictedLtvMinor: fresh.prediction.predictedLtvMinor,
          churnRisk: fresh.prediction.churnRisk,
          expectedNextOrderAt: fresh.prediction.expectedNextOrderAt === null ? null : new Date(fresh.prediction.expectedNextOrderAt),
        }
      : row.pAlive === null
        ? null
        : {
            pAlive: row.pAlive,
            expectedOrders: { next30Days: row.expectedOrders30 ?? 0, next90Days: row.expectedOrders90 ?? 0, next365Days: row.expectedOrders365 ?? 0 },
            expectedOrderValueMinor: num(row.expectedOrderValueMinor) ?? 0,
            predictedLtvMinor: num(row.predictedLtvMinor) ?? 0,
            churnRisk: { level: row.churnRisk as ChurnRisk["level"], reasons: row.churnReason ? JSON.parse(row.churnReason) : [] },
            expectedNextOrderAt: row.expectedNextOrderAt,
          },
    computedAt: row.computedAt,
    asOf,
    recentMoves: moves.map((m) => ({ from: m.fromLayer, to: m.toLayer, direction: m.direction, movedAt: m.movedAt })),
  };
}

export interface LayerPage {
  customers: { customerGid: string; lifecycleStage: string; orders: number; monetaryMinor: number; churnRisk: string | null; predictedLtvMinor: number | null }[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * A layer's customers, `take` at a time (default 50, at most 500), by customer
 * id; keyset pagination, so deep pages cost the same as the first.
 */
export async function listCustomersInLayer(
  shopDomain: string,
  layerId: string,
  deps: IntelligenceDeps & { cursor?: string | null; take?: number; asOf?: Date; ltv?: FreshLtv },
): Promise<LayerPage> {
  const take = Math.min(500, Math.max(1, deps.take ?? 50));
  const repo = new InsightsRepository(deps.db, deps.dialect);
  // A reader passed in is reused (an export reads page after page against one model).
  const [rows, predictedLtv] = await Promise.all([
    repo.customersInLayer(shopDomain, layerId, deps.cursor ?? null, take + 1),
    deps.ltv ?? freshLtvReader(shopDomain, deps),
  ]);
  const page = rows.slice(0, take);
  return {
    customers: page.map((r) => ({
      customerGid: r.customerGid, lifecycleStage: r.lifecycleStage, orders: r.orders, monetaryMinor: Number(r.monetaryMinor),
      churnRisk: r.churnRisk, predictedLtvMinor: predictedLtv(r),
    })),
    nextCursor: rows.length > take ? page[page.length - 1].customerGid : null,
  };
}

/**
 * Upgrade / downgrade rates between layers over `[from, to)` (the domain's
 * `moveRates`). The denominators are the layer sizes at `from`, rebuilt from
 * the current layers by undoing the moves recorded since `from`; customers
 * who joined after `from` are counted in their current layer.
 */
export async function layerMovementRates(
  shopDomain: string,
  deps: IntelligenceDeps & { from: Date; to: Date },
): Promise<MoveRates> {
  const repo = new InsightsRepository(deps.db, deps.dialect);
  const [current, since] = await Promise.all([repo.currentLayers(shopDomain), repo.movesBetween(shopDomain, { from: deps.from })]);
  const start = new Map(current);
  for (let i = since.length - 1; i >= 0; i--) {
    const m = since[i];
    if (m.fromLayer === null) start.delete(m.customerGid);
    else start.set(m.customerGid, m.fromLayer);
  }
  const moves = since
    .filter((m) => m.fromLayer !== null)
    .map((m) => ({ customerId: m.customerGid, from: m.fromLayer as string, to: m.toLayer, at: m.movedAt.getTime(), direction: m.direction as "up" | "down" | "lateral" }));
  return moveRates(moves, { fromAt: deps.from.getTime(), toAt: deps.to.getTime() }, start);
}

/**
 * Cohorts, 30/60/90-day retention, LTV by horizon, time to second order and
 * repeat rates (the domain's `analyzeRetention`) over the shop's purchase
 * histories as of `asOf`. Computed on demand (not stored): about one history
 * load plus a pass over the orders.
 */
export async function getRetentionAnalytics(
  shopDomain: string,
  deps: IntelligenceDeps & { asOf: Date; options?: Omit<AnalyticsOptions, "asOf"> },
): Promise<RetentionAnalysis> {
  const histories = await new PurchaseHistoryReader(deps.db, deps.dialect).all(shopDomain);
  return analyzeRetention(histories, { ...deps.options, asOf: deps.asOf.getTime() });
}

/** What a fresh read needs of a row (a `CustomerInsight` row has it). */
export interface StoredInsightState extends StoredStateColumns {
  customerGid: string;
  recencyDays: number | null;
  predictedLtvMinor: bigint | number | null;
}

/**
 * Predicted lifetime value at `deps.asOf` (default now) for rows of one shop,
 * from their stored state and the shop's fitted model: what lists, exports and
 * the write-back show. Rows stored before the state columns existed (or before
 * the shop's first pass) give their stored value.
 *
 * @example
 * const ltv = await freshLtvReader(shop, { db: prisma, dialect });
 * rows.map((r) => ltv(r));
 */
export type FreshLtv = (row: StoredInsightState) => number | null;

export async function freshLtvReader(shopDomain: string, deps: IntelligenceDeps & { asOf?: Date }): Promise<FreshLtv> {
  const stored = await new InsightsRepository(deps.db, deps.dialect).shopInsight(shopDomain);
  const model = stored ? storedModel(shopDomain, stored) : null;
  const asOfMs = (deps.asOf ?? new Date()).getTime();
  const predictor = model ? customerPredictor(asOfMs, ...modelParams(model)) : null;
  return (row) => {
    const s = predictor ? summaryAt(statePart(row), asOfMs) : null;
    if (predictor && s) return predictor.predict(row.customerGid, s).predictedLtvMinor;
    // A prospect (null), or a row stored before the state columns: its stored value.
    return row.predictedLtvMinor === null ? null : Number(row.predictedLtvMinor);
  };
}

function statePart(row: StoredInsightState): PurchaseState {
  return {
    lastOrderAtMs: row.lastOrderAt === null ? null : row.lastOrderAt.getTime(),
    firstOrderDay: row.firstOrderDay,
    repeatOrders: row.repeatOrders,
    repeatSpanDays: row.repeatSpanDays,
    meanRepeatValueMinor: row.meanRepeatValueMinor,
    meanOrderValueMinor: row.meanOrderValueMinor,
  };
}

/**
 * Recency and the prediction at `asOfMs` from a row's stored state: exactly what
 * a pass at `asOfMs` with the same fit computes. Null for a row stored before the
 * state columns existed (the reader then shows the stored values).
 */
function freshValues(row: StoredInsightState, model: StoredModel, asOfMs: number): { recencyDays: number | null; prediction: CustomerPrediction | null } | null {
  const state = statePart(row);
  const s = summaryAt(state, asOfMs);
  if (!s) return row.repeatOrders === null && row.lastOrderAt === null && row.recencyDays !== null ? null : { recencyDays: null, prediction: null };
  return {
    recencyDays: recencyDaysAt(state, asOfMs),
    prediction: customerPredictor(asOfMs, ...modelParams(model)).predict(row.customerGid, s),
  };
}

// ---------------------------------------------------------------- internals

/** The stored reason's rule when no layer matched (as the domain's `assignLayer` writes it). */
const NO_MATCH_RULE = "none";

interface StoredLayerReason {
  matchedRule: string;
  values: LayerAssignment["reason"]["values"];
  /** Written by single-customer updates; the full pass leaves it to the reader (rendered from values). */
  explanation?: string;
}

interface StoredModel {
  baseline: ShopBaseline;
  layers: readonly LayerDefinition[];
  compiled: CompiledLayers;
  model: "bgnbd" | "empirical";
  fitDiagnostics: FitDiagnostics;
}

function parseLayers(shopDomain: string, json: string): readonly LayerDefinition[] {
  const layers: unknown = JSON.parse(json);
  const errors = validateLayers(layers);
  if (errors.length > 0) throw new InvalidLayersError(shopDomain, errors);
  return layers as LayerDefinition[];
}

function storedModel(shopDomain: string, stored: { baseline: string; layers: string; model: string; fitDiagnostics: string }): StoredModel {
  const baseline = JSON.parse(stored.baseline) as ShopBaseline;
  const layers = parseLayers(shopDomain, stored.layers);
  return {
    baseline,
    layers,
    compiled: compileLayers(layers, shopNorms(baseline)),
    model: stored.model === "bgnbd" ? "bgnbd" : "empirical",
    fitDiagnostics: JSON.parse(stored.fitDiagnostics) as FitDiagnostics,
  };
}

/**
 * Row values for the full pass, customer by customer in the pass's order:
 * features from the columns `segmentShop` read, layers from its result,
 * predictions from the shop's predictor. `stateHash(i)` is cheap (no expected
 * orders, value or reason text) and is what the pass compares with the stored
 * hash; `values(i)` (after `stateHash(i)`) gives exactly the values `toRow`
 * gives (the single-customer update's row), with the reason's JSON written
 * directly (one rendered rule per layer, not an object per customer).
 */
function insightRowBuilder(
  purchases: PurchaseColumns,
  cols: ShopColumns,
  baseline: ShopBaseline,
  compiled: CompiledLayers,
  layerIds: readonly string[],
  layerIndex: Uint16Array,
  summaries: SummaryColumns,
  predictor: CustomerPredictor,
  asOfMs: number,
  currencyCode: string | undefined,
  behaviour: BehaviourColumns | null = null,
) {
  const { customerIds } = purchases;
  const byId = new Map(compiled.layers.map((l) => [l.id, l]));
  // The rule in words is the same for everyone in a layer: render it once per layer.
  const rendered = new Map<string, { ruleText: string; ruleKey: string; head: string; fields: (keyof CustomerFeatures)[]; keys: string[] }>();
  for (const l of compiled.layers) {
    const fields = ruleFields(l.rule);
    const ruleText = renderRule(l.rule, { norms: compiled.norms, currencyCode });
    rendered.set(l.id, {
      ruleText,
      ruleKey: ruleKey(l.rule, currencyCode),
      head: `{"matchedRule":${JSON.stringify(ruleText)},"values":{`,
      fields,
      keys: fields.map((f, k) => (k === 0 ? "" : ",") + JSON.stringify(f) + ":"),
    });
  }
  const noMatch = JSON.stringify({ matchedRule: NO_MATCH_RULE, values: {}, explanation: "No layer's rule matched this customer" } satisfies StoredLayerReason);
  const asOfDay = Math.floor(asOfMs / DAY_MS);
  const row = emptyFeatures();
  const s = { x: 0, tx: 0, T: 0, meanRepeatValueMinor: null as number | null, meanOrderValueMinor: 0 };
  let state: InsightState | null = null;
  let hash = 0;
  let later = false;

  /** The last counted order at or before the as-of (orders are sorted by time). */
  function lastOrderAt(i: number): number | null {
    for (let k = purchases.orderStart[i + 1] - 1; k >= purchases.orderStart[i]; k--) if (purchases.orderAt[k] <= asOfMs) return purchases.orderAt[k];
    return null;
  }

  return {
    stateHash(i: number): number {
      fillFeatures(row, customerIds[i], cols.orders[i], cols.recencyDays[i], cols.daysSinceFirstOrder[i], cols.daysSinceCreated[i],
        cols.monetaryMinor[i], cols.aovMinor[i], baseline);
      if (behaviour) fillBehaviourFeatures(row, behaviour, i, asOfMs);
      const layerId = layerIds[layerIndex[i]];
      const x = summaries.x[i];
      const buyer = x >= 0;
      if (buyer) {
        s.x = x;
        s.tx = summaries.tx[i];
        s.T = summaries.T[i];
        s.meanRepeatValueMinor = x > 0 ? summaries.meanRepeatValueMinor[i] : null;
        s.meanOrderValueMinor = summaries.meanOrderValueMinor[i];
      }
      const digest = digestKeyOf(purchases, i, asOfMs);
      later = digest.laterOrders || !digest.exact;
      state = {
        layerId,
        matchedRule: byId.has(layerId) ? rendered.get(layerId)!.ruleKey : NO_MATCH_RULE,
        lifecycleStage: row.lifecycleStage, r: row.r, f: row.f, m: row.m, orders: row.orders,
        aovMinor: row.aovMinor === null ? null : Math.round(row.aovMinor), monetaryMinor: Math.round(row.monetaryMinor),
        churnRisk: buyer ? predictor.churn(s).level : null,
        lastOrderAtMs: buyer ? lastOrderAt(i) : null,
        firstOrderDay: buyer ? asOfDay - s.T : null,
        repeatOrders: buyer ? s.x : null,
        repeatSpanDays: buyer ? s.tx : null,
        meanRepeatValueMinor: buyer ? s.meanRepeatValueMinor : null,
        meanOrderValueMinor: buyer ? s.meanOrderValueMinor : null,
        digestKey: digest.key,
      };
      hash = insightStateHash(state);
      return hash;
    },
    /**
     * Whether the customer of the last `stateHash` must stay stale: orders after
     * the as-of (left out of the digest) or a digest that would not give the same numbers.
     */
    laterOrders(): boolean {
      return later;
    },
    /** The row of the customer whose `stateHash` was computed last. */
    values(i: number): InsightValues {
      const st = state!;
      const id = customerIds[i];
      const r = byId.has(st.layerId) ? rendered.get(st.layerId)! : null;
      let reason = noMatch;
      if (r) {
        // JSON.stringify({ matchedRule, values }) by hand: numbers as JSON writes them, non-finite as null.
        reason = r.head;
        for (let k = 0; k < r.fields.length; k++) reason += r.keys[k] + jsonValue(row[r.fields[k]]);
        reason += "}}";
      }
      const p = st.repeatOrders !== null ? predictor.predict(id, s) : null;
      return [
        id, st.layerId, st.lifecycleStage, st.r, st.f, st.m, row.recencyDays, st.orders, st.aovMinor, st.monetaryMinor,
        p?.pAlive ?? null, p?.expectedOrders.next30Days ?? null, p?.expectedOrders.next90Days ?? null, p?.expectedOrders.next365Days ?? null,
        p === null ? null : Math.round(p.expectedOrderValueMinor), p === null ? null : Math.round(p.predictedLtvMinor),
        p?.churnRisk.level ?? null, p ? predictor.churnReasonJson(p.churnRisk) : null,
        p?.expectedNextOrderAt ?? null, reason, asOfMs,
        st.lastOrderAtMs, st.firstOrderDay, st.repeatOrders, st.repeatSpanDays, st.meanRepeatValueMinor, st.meanOrderValueMinor, hash,
        encodeDigest(digestOf(purchases, i, asOfMs), asOfMs),
      ];
    },
  };
}

function jsonValue(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "null";
  return JSON.stringify(v);
}

/**
 * The matched rule as the state hash reads it: its conditions in words without
 * the shop's current norm values. Those move with almost every order (a median
 * AOV a cent higher), and with them every row of a layer whose rule names one
 * would be rewritten; a layer edit still changes this. The stored reason keeps
 * the values as of the row's write.
 */
function ruleKey(rule: Rule, currencyCode: string | undefined): string {
  return renderRule(rule, { currencyCode });
}

function toRow(
  x: CustomerFeatures,
  layerId: string,
  reason: StoredLayerReason,
  matchedRuleKey: string,
  p: CustomerPrediction | null,
  computedAt: Date,
  purchase: PurchaseState,
  digest: PurchaseDigest,
  digestKey: number,
): CustomerInsightRow {
  const aovMinor = x.aovMinor === null ? null : Math.round(x.aovMinor);
  const monetaryMinor = Math.round(x.monetaryMinor);
  const stateHash = insightStateHash({
    layerId, matchedRule: matchedRuleKey, lifecycleStage: x.lifecycleStage, r: x.r, f: x.f, m: x.m, orders: x.orders,
    aovMinor, monetaryMinor, churnRisk: p?.churnRisk.level ?? null, ...purchase, digestKey,
  });
  return {
    customerGid: x.customerId,
    layerId,
    lifecycleStage: x.lifecycleStage,
    r: x.r, f: x.f, m: x.m,
    recencyDays: x.recencyDays,
    orders: x.orders,
    aovMinor: x.aovMinor === null ? null : Math.round(x.aovMinor),
    monetaryMinor: Math.round(x.monetaryMinor),
    pAlive: p?.pAlive ?? null,
    expectedOrders30: p?.expectedOrders.next30Days ?? null,
    expectedOrders90: p?.expectedOrders.next90Days ?? null,
    expectedOrders365: p?.expectedOrders.next365Days ?? null,
    expectedOrderValueMinor: p?.expectedOrderValueMinor ?? null,
    predictedLtvMinor: p?.predictedLtvMinor ?? null,
    churnRisk: p?.churnRisk.level ?? null,
    churnReason: p ? JSON.stringify(p.churnRisk.reasons) : null,
    expectedNextOrderAt: p?.expectedNextOrderAt == null ? null : new Date(p.expectedNextOrderAt),
    layerReason: JSON.stringify(reason),
    computedAt,
    lastOrderAt: purchase.lastOrderAtMs === null ? null : new Date(purchase.lastOrderAtMs),
    firstOrderDay: purchase.firstOrderDay,
    repeatOrders: purchase.repeatOrders,
    repeatSpanDays: purchase.repeatSpanDays,
    meanRepeatValueMinor: purchase.meanRepeatValueMinor,
    meanOrderValueMinor: purchase.meanOrderValueMinor,
    stateHash,
    digest: encodeDigest(digest, computedAt.getTime()),
  };
}

/**
 * The parsed and compiled stored model per shop, reused while the stored JSON
 * is the same (a new pass or a layer edit changes it): parsing and compiling
 * the layer set is most of a single update's compute.
 */
const modelCache = new Map<string, { key: string[]; model: StoredModel }>();

function cachedModel(shopDomain: string, stored: { baseline: string; layers: string; model: string; fitDiagnostics: string; computedAtMs: number }): StoredModel {
  const key = [String(stored.computedAtMs), stored.baseline, stored.layers, stored.model, stored.fitDiagnostics];
  const hit = modelCache.get(shopDomain);
  if (hit && hit.key.every((k, i) => k === key[i])) return hit.model;
  const model = storedModel(shopDomain, stored);
  if (modelCache.size > 1_000) modelCache.clear();
  modelCache.set(shopDomain, { key, model });
  return model;
}

/** One customer against the stored model: the single-customer update's domain step. */
function scoreOne(history: PurchaseHistory, asOfMs: number, model: StoredModel, computedAt: Date, currencyCode: string | undefined, behaviour: BehaviourColumns | null = null) {
  const { features, assignment } = segmentCustomer(history, model.baseline, asOfMs, model.compiled, { currencyCode, behaviour });
  const [s] = summarise([history], asOfMs, "days");
  const prediction = s ? predictCustomer(s, asOfMs, ...modelParams(model), {}) : null;
  let lastOrderAtMs: number | null = null;
  for (const o of history.orders) if (o.at <= asOfMs && (lastOrderAtMs === null || o.at > lastOrderAtMs)) lastOrderAtMs = o.at;
  const purchase: PurchaseState = s
    ? {
        lastOrderAtMs, firstOrderDay: Math.floor(asOfMs / DAY_MS) - s.T, repeatOrders: s.x, repeatSpanDays: s.tx,
        meanRepeatValueMinor: s.meanRepeatValueMinor, meanOrderValueMinor: s.meanOrderValueMinor,
      }
    : { lastOrderAtMs: null, firstOrderDay: null, repeatOrders: null, repeatSpanDays: null, meanRepeatValueMinor: null, meanOrderValueMinor: null };
  const reason: StoredLayerReason = { ...assignment.reason };
  const cols = purchaseColumns([history]);
  const digestKey = digestKeyOf(cols, 0, asOfMs).key;
  const layer = model.compiled.layers.find((l) => l.id === assignment.layerId);
  const matchedRuleKey = layer ? ruleKey(layer.rule, currencyCode) : NO_MATCH_RULE;
  return { row: toRow(features, assignment.layerId, reason, matchedRuleKey, prediction, computedAt, purchase, digestOf(cols, 0, asOfMs), digestKey), assignment };
}

/** The stored fit's parameters, as `customerPredictor` and `predictCustomer` take them. */
function modelParams(model: StoredModel) {
  const diag = model.fitDiagnostics;
  return [
    model.model === "bgnbd" ? diag.params : null,
    diag.valueModel.model === "gamma-gamma" ? diag.valueModel.params : null,
    diag.empirical,
  ] as const;
}
