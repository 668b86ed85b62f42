/**
 * RFM scores relative to the shop's own distribution.
 *
 * Recency, frequency and monetary value are scored 1..5 by quintile over the
 * customers with at least one order (5 is best: most recent, most orders, most
 * spent). Customers without an order get no RFM: they are prospects.
 *
 * Definition: `score = 1 + ⌊5 · w / n⌋`, where n is the number of scored
 * customers and w the number of them with a strictly worse value. So equal
 * values always get equal scores, and a tie group that straddles a quintile
 * boundary takes the lower score (moving up takes being strictly better).
 * With heavy ties (most shops: half the customers have exactly one order) some
 * quintiles are therefore empty. The full pass stores this as four cut points
 * (the upper bounds of quintiles 1..4, at ascending ranks ⌈k·n/5⌉ − 1), so a
 * single customer is scored later in O(1) with the same result.
 *
 * The same pass measures the shop's norms the layers scale with (median AOV,
 * median frequency, ...) and the typical repurchase gap lifecycle stages use.
 */
import { DAY_MS, type PurchaseHistory } from "../customers/purchase-history";
import { orderStatistics } from "./order-statistics";
import { type PurchaseColumns, purchaseColumns } from "./purchase-columns";

/** A 1..5 quintile score; 5 is best. */
export type Quintile = 1 | 2 | 3 | 4 | 5;

/**
 * Everything needed to score one customer exactly as the full pass did: store
 * it (it is plain JSON) and reuse it for single-customer updates.
 */
export interface RfmThresholds {
  /**
   * Recency cut points in whole days, descending (4 values, or none for a shop
   * without orders). `r = 1 + count(recencyDays < cut)`.
   */
  recencyDays: number[];
  /** Frequency cut points in orders, ascending. `f = 1 + count(frequency > cut)`. */
  frequency: number[];
  /** Monetary cut points in minor units, ascending. `m = 1 + count(monetaryMinor > cut)`. */
  monetaryMinor: number[];
  /** Customers with at least one order (the population the quintiles are over). */
  customersScored: number;
  /** Customers without an order as of the pass. */
  prospects: number;
  /** Median average order value, minor units (0 when nobody ordered). */
  medianAovMinor: number;
  /** 80th percentile of average order value, minor units. */
  p80AovMinor: number;
  /** Median lifetime spend, minor units. */
  medianMonetaryMinor: number;
  /** Median number of orders per ordering customer. */
  medianFrequency: number;
  /**
   * The shop's typical repurchase gap in days: median of the gaps between
   * consecutive orders pooled across customers, or the default when fewer than
   * `minRepeatCustomers` customers have a gap.
   */
  typicalGapDays: number;
  /** Whether `typicalGapDays` was measured on this shop or is the default. */
  typicalGapSource: "shop" | "default";
  /** Customers with at least one counted gap. */
  repeatCustomers: number;
}

/** Parameters of the scoring pass; defaults in {@link DEFAULT_SCORE_PARAMS}. */
export interface ScoreParams {
  /**
   * Repurchase gap in days when the shop has too few repeaters to measure its own.
   * Default 45: the strategy's target repurchase cycle with a membership programme
   * (which, with the default lifecycle factors, puts churn at the strategy's 90 days).
   */
  defaultTypicalGapDays: number;
  /** Fewest customers with a gap before the shop's own median gap is trusted. Default 30. */
  minRepeatCustomers: number;
  /**
   * Gaps shorter than this many days are one shopping trip split into several
   * orders and are left out of the typical gap (they would drag it towards 0). Default 1.
   */
  minGapDays: number;
}

export const DEFAULT_SCORE_PARAMS: Readonly<ScoreParams> = Object.freeze({
  defaultTypicalGapDays: 45,
  minRepeatCustomers: 30,
  minGapDays: 1,
});

/** One customer's RFM values and scores as of a date. */
export interface RfmScore {
  /** Whole days since the last order (floor). */
  recencyDays: number;
  /** Number of orders. */
  frequency: number;
  /** Lifetime net spend, minor units. */
  monetaryMinor: number;
  /** Average order value, minor units, rounded to an integer. */
  aovMinor: number;
  /** Whole days since the first order (floor). */
  daysSinceFirstOrder: number;
  r: Quintile;
  f: Quintile;
  m: Quintile;
}

export interface ShopScores {
  thresholds: RfmThresholds;
  /** Customers with at least one order; prospects are absent. */
  scores: Map<string, RfmScore>;
}

/** Score with cut points ascending, higher values better. Allocation-free. */
export function scoreHigherBetter(value: number, cuts: readonly number[]): Quintile {
  let s = 1;
  for (let k = 0; k < cuts.length; k++) if (value > cuts[k]) s++;
  return s as Quintile;
}

/** Score with cut points descending, lower values better. Allocation-free. */
export function scoreLowerBetter(value: number, cuts: readonly number[]): Quintile {
  let s = 1;
  for (let k = 0; k < cuts.length; k++) if (value < cuts[k]) s++;
  return s as Quintile;
}

/**
 * Per-customer raw values in columns (typed arrays), so a pass over a million
 * customers allocates a handful of arrays rather than a million objects.
 * `orders[i] === 0` marks a prospect; its other values are meaningless.
 */
export interface ShopColumns {
  count: number;
  orders: Int32Array;
  recencyDays: Float64Array;
  daysSinceFirstOrder: Float64Array;
  daysSinceCreated: Float64Array;
  monetaryMinor: Float64Array;
  aovMinor: Float64Array;
  /** Pooled gaps between consecutive orders, days; only the first `gapCount` are used. */
  gapsDays: Float64Array;
  gapCount: number;
  repeatCustomers: number;
}

/**
 * Reads every history once into columns. Orders after `asOf` are ignored (the
 * pass describes the shop as it was at `asOf`); orders are assumed ascending.
 */
export function readColumns(
  histories: readonly PurchaseHistory[],
  asOf: number,
  minGapDays: number = DEFAULT_SCORE_PARAMS.minGapDays,
): ShopColumns {
  return readPurchaseColumns(purchaseColumns(histories), asOf, minGapDays);
}

/** {@link readColumns} over purchase columns (the full pass's input): the one implementation. */
export function readPurchaseColumns(
  p: PurchaseColumns,
  asOf: number,
  minGapDays: number = DEFAULT_SCORE_PARAMS.minGapDays,
): ShopColumns {
  const n = p.count;
  const cols: ShopColumns = {
    count: n,
    orders: new Int32Array(n),
    recencyDays: new Float64Array(n),
    daysSinceFirstOrder: new Float64Array(n),
    daysSinceCreated: new Float64Array(n),
    monetaryMinor: new Float64Array(n),
    aovMinor: new Float64Array(n),
    gapsDays: new Float64Array(p.orderStart[n]),
    gapCount: 0,
    repeatCustomers: 0,
  };
  const { orderStart, orderAt, orderValueMinor } = p;
  const minGapMs = minGapDays * DAY_MS;
  let gapCount = 0;
  let repeatCustomers = 0;
  for (let i = 0; i < n; i++) {
    cols.daysSinceCreated[i] = Math.floor((asOf - p.createdAt[i]) / DAY_MS);
    let count = 0;
    let sum = 0;
    let prevAt = 0;
    let firstAt = 0;
    let gapsHere = 0;
    for (let j = orderStart[i], end = orderStart[i + 1]; j < end; j++) {
      const at = orderAt[j];
      if (at > asOf) break;
      if (count === 0) firstAt = at;
      else if (at - prevAt >= minGapMs) {
        cols.gapsDays[gapCount++] = (at - prevAt) / DAY_MS;
        gapsHere++;
      }
      prevAt = at;
      sum += orderValueMinor[j];
      count++;
    }
    if (gapsHere > 0) repeatCustomers++;
    cols.orders[i] = count;
    if (count > 0) {
      cols.recencyDays[i] = Math.floor((asOf - prevAt) / DAY_MS);
      cols.daysSinceFirstOrder[i] = Math.floor((asOf - firstAt) / DAY_MS);
      cols.monetaryMinor[i] = sum;
      cols.aovMinor[i] = Math.round(sum / count);
    }
  }
  cols.gapCount = gapCount;
  cols.repeatCustomers = repeatCustomers;
  return cols;
}

/** 0-based rank of the upper bound of quintile k (1..4) among n values: ceil(k·n/5) − 1. */
function quintileRank(k: number, n: number): number {
  return Math.ceil((k * n) / 5) - 1;
}

/**
 * Quintile upper bounds (4, ascending) plus extra quantile ranks in one
 * multi-select; an empty population has no cut points.
 */
function cutsAnd(values: Float64Array, extraRanks: number[] = []): { cuts: number[]; extra: number[] } {
  const n = values.length;
  if (n === 0) return { cuts: [], extra: extraRanks.map(() => 0) };
  const quintiles = [1, 2, 3, 4].map((k) => quintileRank(k, n));
  const ranks = [...new Set([...quintiles, ...extraRanks])].sort((a, b) => a - b);
  const stats = orderStatistics(values, ranks);
  const at = (r: number) => stats[ranks.indexOf(r)];
  return { cuts: quintiles.map(at), extra: extraRanks.map(at) };
}

/** 0-based rank of the q-quantile (lower): ceil(q·n) − 1, at least 0. */
function quantileRank(q: number, n: number): number {
  return Math.max(0, Math.ceil(q * n) - 1);
}

/** Quintile cut points and shop norms from columns: a few linear-time selections, no sorts. */
export function thresholdsFromColumns(cols: ShopColumns, params: Partial<ScoreParams> = {}): RfmThresholds {
  const p = { ...DEFAULT_SCORE_PARAMS, ...params };
  let scored = 0;
  for (let i = 0; i < cols.count; i++) if (cols.orders[i] > 0) scored++;
  // One scratch buffer reused for every selection: allocating four 8 MB arrays
  // next to a large heap of histories costs more (GC) than the selections.
  const scratch = new Float64Array(Math.max(scored, cols.gapCount));
  const column = (read: (i: number) => number): Float64Array => {
    for (let i = 0, k = 0; i < cols.count; i++) if (cols.orders[i] > 0) scratch[k++] = read(i);
    return scratch.subarray(0, scored);
  };
  const medianRank = quantileRank(0.5, scored);
  const r = cutsAnd(column((i) => -cols.recencyDays[i])); // negated: ascending = worst (oldest) first
  const f = cutsAnd(column((i) => cols.orders[i]), [medianRank]);
  const m = cutsAnd(column((i) => cols.monetaryMinor[i]), [medianRank]);
  const aov = column((i) => cols.aovMinor[i]);
  const a = scored === 0 ? [0, 0] : orderStatistics(aov, [medianRank, quantileRank(0.8, scored)]);
  scratch.set(cols.gapsDays.subarray(0, cols.gapCount));
  const gaps = scratch.subarray(0, cols.gapCount);
  const measured = cols.repeatCustomers >= p.minRepeatCustomers && gaps.length > 0;
  return {
    recencyDays: r.cuts.map((v) => (v === 0 ? 0 : -v)),
    frequency: f.cuts,
    monetaryMinor: m.cuts,
    customersScored: scored,
    prospects: cols.count - scored,
    medianAovMinor: a[0],
    p80AovMinor: a[1],
    medianMonetaryMinor: m.extra[0],
    medianFrequency: f.extra[0],
    typicalGapDays: measured ? orderStatistics(gaps, [quantileRank(0.5, gaps.length)])[0] : p.defaultTypicalGapDays,
    typicalGapSource: measured ? "shop" : "default",
    repeatCustomers: cols.repeatCustomers,
  };
}

/**
 * Scores every customer of a shop relative to the shop's distribution.
 *
 * @param histories all the shop's customers (prospects included; they count in `thresholds.prospects`)
 * @param asOf epoch ms; orders after it are ignored
 * @returns the thresholds (JSON-safe, reusable with {@link scoreCustomer}) and a score per ordering customer
 */
export function scoreShop(
  histories: readonly PurchaseHistory[],
  asOf: number,
  params: Partial<ScoreParams> = {},
): ShopScores {
  const p = { ...DEFAULT_SCORE_PARAMS, ...params };
  const cols = readColumns(histories, asOf, p.minGapDays);
  const thresholds = thresholdsFromColumns(cols, p);
  const scores = new Map<string, RfmScore>();
  for (let i = 0; i < cols.count; i++) {
    if (cols.orders[i] === 0) continue;
    scores.set(histories[i].customerId, scoreFromValues(
      cols.recencyDays[i], cols.orders[i], cols.monetaryMinor[i], cols.aovMinor[i], cols.daysSinceFirstOrder[i], thresholds,
    ));
  }
  return { thresholds, scores };
}

function scoreFromValues(
  recencyDays: number, frequency: number, monetaryMinor: number, aovMinor: number, daysSinceFirstOrder: number,
  t: RfmThresholds,
): RfmScore {
  return {
    recencyDays, frequency, monetaryMinor, aovMinor, daysSinceFirstOrder,
    r: scoreLowerBetter(recencyDays, t.recencyDays),
    f: scoreHigherBetter(frequency, t.frequency),
    m: scoreHigherBetter(monetaryMinor, t.monetaryMinor),
  };
}

/**
 * Scores one customer against stored thresholds; identical to what
 * {@link scoreShop} gave that customer when it produced the thresholds.
 *
 * @returns null for a prospect (no order on or before `asOf`)
 */
export function scoreCustomer(history: PurchaseHistory, thresholds: RfmThresholds, asOf: number): RfmScore | null {
  const cols = readColumns([history], asOf, 0);
  if (cols.orders[0] === 0) return null;
  return scoreFromValues(
    cols.recencyDays[0], cols.orders[0], cols.monetaryMinor[0], cols.aovMinor[0], cols.daysSinceFirstOrder[0], thresholds,
  );
}
