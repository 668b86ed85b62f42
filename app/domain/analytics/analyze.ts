/**
 * The entry point: one pass over the histories, then cohort and shop-level
 * reports. Pure: the caller passes `asOf` (no clock is read here).
 */
import type { PurchaseHistory } from "../customers/purchase-history";
import { cohortReports, type CohortReport } from "./cohorts";
import { summarizeDays, type DaysDistribution } from "./intervals";
import { ltvAtHorizon, type LtvAtHorizon } from "./ltv";
import { retentionByDays, retentionCurve, windowRetention, type RetentionCurve, type WindowRetention } from "./retention";
import { scanHistories, type AnalyticsOptions } from "./scan";
import { secondOrderSurvival, type SecondOrderSurvival } from "./survival";
import { ratio } from "./stats";

/** Shop-level metrics: every customer with a first purchase at or before asOf, all cohorts together. */
export interface ShopMetrics {
  /** Customers with at least one order at or before asOf. */
  customers: number;
  /** Customers with a repeat order (strictly after the first purchase) by asOf. */
  repeatCustomers: number;
  /** `repeatCustomers / customers`; null for a shop without customers. */
  repeatRate: number | null;
  /** Retention over all matured customers for each window, keyed by days: `retention[90].rate`. */
  retention: Record<number, WindowRetention>;
  curve: RetentionCurve;
  /** LTV by days since first purchase, keyed by horizon days (default 30, 90, 365). */
  ltv: Record<number, LtvAtHorizon>;
  /**
   * Days from the first purchase to the first repeat order, over customers who
   * have one by asOf. Conditional on reordering, and censored by asOf: recent
   * customers contribute only fast reorders, which pulls the median down.
   */
  timeToSecondOrder: DaysDistribution;
  /**
   * Kaplan–Meier time to second order over every customer: those without a
   * second order are right-censored at asOf, so unlike `timeToSecondOrder` it
   * is not conditional on reordering. Median and Ŝ at 30/60/90/180/365 days
   * with Greenwood 95% intervals (`survival.ts`).
   */
  secondOrderSurvival: SecondOrderSurvival;
  /** Every gap between a customer's consecutive distinct order instants, days. */
  repurchaseIntervals: DaysDistribution;
  /** Net revenue of all orders up to asOf, minor units. */
  revenueMinor: number;
  /** Net revenue of repeat orders (after each customer's first purchase), minor units. */
  returningRevenueMinor: number;
  /** `returningRevenueMinor / revenueMinor`; null when there is no revenue. */
  returningRevenueShare: number | null;
}

export interface RetentionAnalysis {
  /** The instant the analysis describes, epoch ms. */
  asOf: number;
  /** Ascending by month. */
  cohorts: CohortReport[];
  shop: ShopMetrics;
}

/**
 * Cohort and shop-level retention analysis in a single pass over the orders.
 *
 * Definitions: the first purchase is the order(s) at a customer's earliest
 * order instant; a repeat order is one strictly after it and at or before
 * asOf; a customer is retained within N days if a repeat order falls in
 * `(firstAt, firstAt + N days]`, and counts toward N-day retention only once
 * `firstAt + N days <= asOf` (otherwise "maturing").
 *
 * @param histories orders ascending by `at` within each history
 * @throws RangeError on a non-finite asOf, non-positive windows or unsorted orders
 * @example
 * const { cohorts, shop } = analyzeRetention(histories, { asOf: Date.UTC(2025, 0, 1) });
 * shop.retention[30].rate; // 0.21
 * cohorts[0].months[2].cumulativeLtvMinor; // 5400 (minor units per member)
 */
export function analyzeRetention(histories: readonly PurchaseHistory[], options: AnalyticsOptions): RetentionAnalysis {
  const scan = scanHistories(histories, options);
  const { retentionWindowsDays, curveStepDays, curveMaxDays, ltvHorizonsDays, secondOrderBucketsDays } = scan.options;

  const windowCount = scan.windowsDays.length;
  const maturedDiff = new Int32Array(windowCount + 1);
  const retainedDiff = new Int32Array(windowCount + 1);
  for (const cohort of scan.cohorts) {
    for (let w = 0; w <= windowCount; w++) {
      maturedDiff[w] += cohort.maturedDiff[w];
      retainedDiff[w] += cohort.retainedDiff[w];
    }
  }
  const windows = windowRetention(scan.customers, maturedDiff, retainedDiff, scan.windowsDays);

  const ltv: Record<number, LtvAtHorizon> = {};
  ltvHorizonsDays.forEach((days, h) => {
    ltv[days] = ltvAtHorizon(days, scan.ltvValues[h], scan.ltvCounts[h]);
  });

  return {
    asOf: scan.options.asOf,
    cohorts: cohortReports(scan),
    shop: {
      customers: scan.customers,
      repeatCustomers: scan.repeatCustomers,
      repeatRate: ratio(scan.repeatCustomers, scan.customers),
      retention: retentionByDays(windows, retentionWindowsDays),
      curve: retentionCurve(scan.customers, windows, curveStepDays, curveMaxDays),
      ltv,
      timeToSecondOrder: summarizeDays(scan.secondOrderGapsMs.values(), secondOrderBucketsDays),
      secondOrderSurvival: secondOrderSurvival(histories, { asOf: scan.options.asOf, horizonsDays: scan.options.survivalHorizonsDays }),
      repurchaseIntervals: summarizeDays(scan.repurchaseIntervalsMs.values(), secondOrderBucketsDays),
      revenueMinor: scan.revenueMinor,
      returningRevenueMinor: scan.returningRevenueMinor,
      returningRevenueShare: ratio(scan.returningRevenueMinor, scan.revenueMinor),
    },
  };
}
