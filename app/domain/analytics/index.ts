/**
 * Retention analytics: pure functions over `PurchaseHistory` (no clock, no I/O).
 *
 * Definitions used throughout (times in epoch ms, durations in days, money in
 * minor units of the shop currency):
 * - cohort: customers whose first purchase falls in a calendar month of the shop's UTC offset;
 * - first purchase: the order(s) at a customer's earliest order instant;
 * - repeat order: an order strictly after the first purchase, at or before asOf;
 * - N-day retention: share of customers matured for N days (`firstAt + N days <= asOf`)
 *   with a repeat order at `firstAt < at <= firstAt + N days`; the rest are "maturing";
 * - repeat-purchase rate: share of customers with a repeat order by asOf;
 * - LTV at H days: net revenue of orders at `at <= firstAt + H days`, customers matured for H.
 */
export { analyzeRetention, type RetentionAnalysis, type ShopMetrics } from "./analyze";
export { cohortReports, type CohortMonth, type CohortReport } from "./cohorts";
export type { AnalyticsOptions } from "./scan";
export { churnPeakDay, type CurvePoint, type CurveSegment, type RetentionCurve, type WindowRetention } from "./retention";
export { cohortLtvAt, type LtvAtHorizon } from "./ltv";
export { summarizeDays, type DaysDistribution, type HistogramBucket } from "./intervals";
export {
  DEFAULT_LTV_CAC_THRESHOLDS,
  ltvCacEscalations,
  ltvCacStatus,
  ltvToCac,
  type CacByMonth,
  type LtvCacPoint,
  type LtvCacStatus,
  type LtvCacThresholds,
} from "./ltv-cac";
export { consecutiveBreaches, type BreachAlert, type BreachOptions, type MonthlyValue } from "./alerts";
export {
  RETENTION_BASELINES,
  baselineInputFromShop,
  compareToBaselines,
  type Baseline,
  type BaselineComparison,
  type BaselineInput,
  type BaselineMetric,
  type BaselineStanding,
} from "./baselines";
export {
  DEFAULT_SURVIVAL_HORIZONS_DAYS,
  kaplanMeier,
  logLogInterval,
  secondOrderDurations,
  secondOrderSurvival,
  type SecondOrderSurvival,
  type SurvivalOptions,
  type SurvivalPoint,
  type SurvivalStep,
} from "./survival";
export { conversionWithin, type Conversion } from "./conversion";
export { formatMonth, monthIndexOf, monthStartAt, parseMonth, type MonthIndex } from "./time";
