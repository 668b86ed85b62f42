/**
 * The single pass over purchase histories that every retention report is
 * assembled from. One visit per order, O(1) work per customer per window
 * (difference arrays instead of a loop over the curve grid), typed arrays for
 * everything sized by customers or orders. Internal: use `analyzeRetention`.
 */
import { DAY_MS, type PurchaseHistory } from "../customers/purchase-history";
import { GrowableFloat64 } from "./stats";
import { monthIndexOf, type MonthIndex } from "./time";

/** Inputs of a retention analysis. Every duration is in days, every instant in epoch ms. */
export interface AnalyticsOptions {
  /** The analysis instant (epoch ms). Orders after it are ignored; windows must have ended by it to count. */
  asOf: number;
  /** The shop's offset from UTC in minutes (east positive) for calendar months. Default 0. */
  utcOffsetMinutes?: number;
  /** Retention windows in days. Default [30, 60, 90] (the strategy's core metrics). */
  retentionWindowsDays?: readonly number[];
  /** Spacing of the retention-curve grid in days. Default 7. */
  curveStepDays?: number;
  /** Last day of the retention-curve grid. Default 365. */
  curveMaxDays?: number;
  /** Horizons for shop-level LTV, days since first order. Default [30, 90, 365]. */
  ltvHorizonsDays?: readonly number[];
  /** Histogram bucket edges for time to second order, days; buckets are [edge_i, edge_i+1). Default below. */
  secondOrderBucketsDays?: readonly number[];
  /** Horizons of the Kaplan–Meier time-to-second-order curve, days. Default [30, 60, 90, 180, 365]. */
  survivalHorizonsDays?: readonly number[];
}

export type ResolvedOptions = Required<AnalyticsOptions>;

export const DEFAULT_SECOND_ORDER_BUCKETS_DAYS: readonly number[] = [0, 7, 14, 30, 45, 60, 90, 180, 365, Infinity];

export function resolveOptions(options: AnalyticsOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    utcOffsetMinutes: 0,
    retentionWindowsDays: [30, 60, 90],
    curveStepDays: 7,
    curveMaxDays: 365,
    ltvHorizonsDays: [30, 90, 365],
    secondOrderBucketsDays: DEFAULT_SECOND_ORDER_BUCKETS_DAYS,
    survivalHorizonsDays: [30, 60, 90, 180, 365],
    ...options,
  };
  if (!Number.isFinite(resolved.asOf)) throw new RangeError("asOf must be a finite epoch-ms instant");
  const positive = (d: number) => Number.isFinite(d) && d > 0;
  if (!resolved.retentionWindowsDays.every(positive) || !resolved.ltvHorizonsDays.every(positive)) {
    throw new RangeError("retention windows and LTV horizons must be positive day counts");
  }
  if (!positive(resolved.curveStepDays) || !(resolved.curveMaxDays >= 0)) {
    throw new RangeError("curveStepDays must be positive and curveMaxDays non-negative");
  }
  return resolved;
}

/** Per-cohort running totals; windows are indexed like `Scan.windowsDays`. */
export interface CohortAccumulator {
  month: MonthIndex;
  size: number;
  repeatCustomers: number;
  /** Difference array: prefix sums give customers matured for each window. Length windows + 1. */
  maturedDiff: Int32Array;
  /** Difference array: prefix sums give matured customers retained within each window. */
  retainedDiff: Int32Array;
  /** Revenue (minor units) by calendar months since the cohort month; index 0 is the cohort month. */
  revenueByMonth: Float64Array;
  /** Customers with at least one order in each calendar month since the cohort month. */
  activeByMonth: Int32Array;
  revenueMinor: number;
}

export interface Scan {
  options: ResolvedOptions;
  asOfMonth: MonthIndex;
  /** Sorted unique window lengths in days: the retention windows plus the curve grid. */
  windowsDays: Float64Array;
  /** Ascending by month. */
  cohorts: CohortAccumulator[];
  customers: number;
  repeatCustomers: number;
  revenueMinor: number;
  returningRevenueMinor: number;
  secondOrderGapsMs: GrowableFloat64;
  repurchaseIntervalsMs: GrowableFloat64;
  /** Per LTV horizon: revenue within the horizon of each customer matured for it (first `ltvCounts[h]` entries). */
  ltvValues: Float64Array[];
  ltvCounts: Int32Array;
}

/** Number of entries of an ascending array that are <= x. */
function countAtMost(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of entries of an ascending array that are < x. */
function countBelow(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function curveGrid(options: ResolvedOptions): number[] {
  const days: number[] = [];
  for (let d = options.curveStepDays; d <= options.curveMaxDays; d += options.curveStepDays) days.push(d);
  return days;
}

/**
 * Definitions (they are the module's, stated once here and in `index.ts`):
 * - first purchase: the order(s) at a customer's earliest order instant;
 *   orders sharing that instant (day-granular data such as CDNOW) are one purchase.
 * - repeat order: an order strictly after the first purchase, at or before `asOf`.
 * - matured for N days: `firstAt + N days <= asOf`.
 * - retained within N days: a repeat order at `firstAt < at <= firstAt + N days`.
 *
 * @throws RangeError if a history's orders are not ascending by `at`
 */
export function scanHistories(histories: readonly PurchaseHistory[], options: AnalyticsOptions): Scan {
  const opts = resolveOptions(options);
  const { asOf, utcOffsetMinutes } = opts;
  const windowsDays = Float64Array.from(new Set([...opts.retentionWindowsDays, ...curveGrid(opts)])).sort();
  const windowsMs = windowsDays.map((d) => d * DAY_MS);
  const windowCount = windowsDays.length;
  const horizonsMs = Float64Array.from(opts.ltvHorizonsDays, (d) => d * DAY_MS);
  const horizonCount = horizonsMs.length;
  const ltvValues = Array.from({ length: horizonCount }, () => new Float64Array(histories.length));
  const ltvCounts = new Int32Array(horizonCount);
  const customerLtv = new Float64Array(horizonCount);
  const asOfMonth = monthIndexOf(asOf, utcOffsetMinutes);

  const cohortByMonth = new Map<MonthIndex, CohortAccumulator>();
  let last: CohortAccumulator | undefined;
  const secondOrderGapsMs = new GrowableFloat64(histories.length >>> 2);
  const repurchaseIntervalsMs = new GrowableFloat64(histories.length);
  let customers = 0;
  let repeatCustomers = 0;
  let revenueMinor = 0;
  let returningRevenueMinor = 0;

  for (let c = 0; c < histories.length; c++) {
    const history = histories[c];
    const orders = history.orders;
    if (orders.length === 0 || orders[0].at > asOf) continue;
    const firstAt = orders[0].at;
    const month = monthIndexOf(firstAt, utcOffsetMinutes);
    let cohort = last !== undefined && last.month === month ? last : cohortByMonth.get(month);
    if (cohort === undefined) {
      const months = asOfMonth - month + 1;
      cohort = {
        month,
        size: 0,
        repeatCustomers: 0,
        maturedDiff: new Int32Array(windowCount + 1),
        retainedDiff: new Int32Array(windowCount + 1),
        revenueByMonth: new Float64Array(months),
        activeByMonth: new Int32Array(months),
        revenueMinor: 0,
      };
      cohortByMonth.set(month, cohort);
    }
    last = cohort;
    customers++;
    cohort.size++;

    customerLtv.fill(0);
    let secondGapMs = -1;
    let prevAt = firstAt;
    let monthOffset = 0; // calendar months since the cohort month; only changes when time moves on
    let lastActiveOffset = -1;
    let customerRevenue = 0;
    for (let i = 0; i < orders.length; i++) {
      const order = orders[i];
      const at = order.at;
      if (at > asOf) break;
      if (at < prevAt) throw new RangeError(`orders of customer ${history.customerId} are not ascending by time`);
      if (at > prevAt) {
        repurchaseIntervalsMs.push(at - prevAt);
        prevAt = at;
        monthOffset = monthIndexOf(at, utcOffsetMinutes) - month;
      }
      const value = order.valueMinor;
      customerRevenue += value;
      cohort.revenueByMonth[monthOffset] += value;
      if (monthOffset !== lastActiveOffset) {
        cohort.activeByMonth[monthOffset]++;
        lastActiveOffset = monthOffset;
      }
      const gapMs = at - firstAt;
      if (gapMs > 0) {
        returningRevenueMinor += value;
        if (secondGapMs < 0) secondGapMs = gapMs;
      }
      for (let h = 0; h < horizonCount; h++) if (gapMs <= horizonsMs[h]) customerLtv[h] += value;
    }
    revenueMinor += customerRevenue;
    cohort.revenueMinor += customerRevenue;

    const ageMs = asOf - firstAt;
    const maturedWindows = countAtMost(windowsMs, ageMs);
    cohort.maturedDiff[0]++;
    cohort.maturedDiff[maturedWindows]--;
    if (secondGapMs > 0) {
      repeatCustomers++;
      cohort.repeatCustomers++;
      secondOrderGapsMs.push(secondGapMs);
      // Windows shorter than the gap miss the second order; every longer matured one holds it.
      const firstRetained = countBelow(windowsMs, secondGapMs);
      if (firstRetained < maturedWindows) {
        cohort.retainedDiff[firstRetained]++;
        cohort.retainedDiff[maturedWindows]--;
      }
    }
    for (let h = 0; h < horizonCount; h++) {
      if (ageMs >= horizonsMs[h]) ltvValues[h][ltvCounts[h]++] = customerLtv[h];
    }
  }

  return {
    options: opts,
    asOfMonth,
    windowsDays,
    cohorts: [...cohortByMonth.values()].sort((a, b) => a.month - b.month),
    customers,
    repeatCustomers,
    revenueMinor,
    returningRevenueMinor,
    secondOrderGapsMs,
    repurchaseIntervalsMs,
    ltvValues,
    ltvCounts,
  };
}
