/**
 * The strategy's industry baselines (docs: /work/shared/product/retention-strategy.md,
 * "The problem, in the strategy's numbers") and where a shop stands against them.
 * Shares are fractions in [0, 1]; LTV/CAC is a ratio; the repurchase cycle is in days.
 */
import type { ShopMetrics } from "./analyze";

export type BaselineMetric =
  | "retention30"
  | "retention60"
  | "repeatRate"
  | "ltvToCac"
  | "firstToSecondChurn"
  | "repurchaseCycleDays"
  | "referralShare";

export interface Baseline {
  label: string;
  unit: "share" | "ratio" | "days";
  /** False for churn and the repurchase cycle, where less is better. */
  higherIsBetter: boolean;
  /** The typical independent store (for retention, the strategy says "under" this figure). */
  typical: number;
  /** Small sellers, where the strategy gives a figure. */
  smallSeller?: number;
  /** The strategy's target (year 1, or year 2 for 60-day retention; "healthy" for LTV/CAC). */
  target?: number;
  /** "Industry leading". */
  leading?: number;
}

export const RETENTION_BASELINES: Readonly<Record<BaselineMetric, Baseline>> = Object.freeze({
  retention30: { label: "30-day retention", unit: "share", higherIsBetter: true, typical: 0.15, smallSeller: 0.08, target: 0.25, leading: 0.4 },
  retention60: { label: "60-day retention", unit: "share", higherIsBetter: true, typical: 0.08, smallSeller: 0.03, target: 0.2, leading: 0.35 },
  repeatRate: { label: "repeat-purchase rate", unit: "share", higherIsBetter: true, typical: 0.08, target: 0.15 },
  ltvToCac: { label: "LTV / CAC", unit: "ratio", higherIsBetter: true, typical: 1.25, target: 3 },
  firstToSecondChurn: { label: "churn between first and second order", unit: "share", higherIsBetter: false, typical: 0.82 },
  repurchaseCycleDays: { label: "repurchase cycle", unit: "days", higherIsBetter: false, typical: 90, target: 45 },
  referralShare: { label: "share of new customers from referrals", unit: "share", higherIsBetter: true, typical: 0.15, target: 0.4, leading: 0.6 },
});

/**
 * Bands, best last: `typical` = no better than the typical store; `above-typical`
 * = better than typical, short of target; `on-target`; `leading`.
 */
export type BaselineStanding = "typical" | "above-typical" | "on-target" | "leading";

export interface BaselineComparison {
  metric: BaselineMetric;
  value: number;
  baseline: Baseline;
  standing: BaselineStanding;
  /** How far short of the target (in the metric's unit, > 0 = short, <= 0 = met); null without a target. */
  gapToTarget: number | null;
  /** One line for the dashboard, e.g. "30-day retention 18.0%: above typical (typical 15.0%, target 25.0%, leading 40.0%)". */
  summary: string;
}

export type BaselineInput = Partial<Record<BaselineMetric, number | null>>;

function format(value: number, unit: Baseline["unit"]): string {
  if (unit === "share") return `${(value * 100).toFixed(1)}%`;
  return unit === "days" ? `${Math.round(value)} days` : value.toFixed(2);
}

/**
 * Where the shop stands on each metric given (null or absent metrics are
 * skipped), in the order of `RETENTION_BASELINES`. A value equal to a
 * baseline counts as reaching it, except `typical`, which must be beaten.
 */
export function compareToBaselines(
  metrics: BaselineInput,
  baselines: Readonly<Record<BaselineMetric, Baseline>> = RETENTION_BASELINES,
): BaselineComparison[] {
  const out: BaselineComparison[] = [];
  for (const metric of Object.keys(baselines) as BaselineMetric[]) {
    const value = metrics[metric];
    if (value === null || value === undefined || Number.isNaN(value)) continue;
    const baseline = baselines[metric];
    // Flip sign for lower-is-better metrics so one comparison serves both.
    const sign = baseline.higherIsBetter ? 1 : -1;
    const reaches = (level: number | undefined) => level !== undefined && sign * value >= sign * level;
    const standing: BaselineStanding = reaches(baseline.leading)
      ? "leading"
      : reaches(baseline.target)
        ? "on-target"
        : sign * value > sign * baseline.typical
          ? "above-typical"
          : "typical";
    const gapToTarget = baseline.target === undefined ? null : sign * (baseline.target - value);
    const levels = [
      `typical ${format(baseline.typical, baseline.unit)}`,
      baseline.target !== undefined ? `target ${format(baseline.target, baseline.unit)}` : null,
      baseline.leading !== undefined ? `leading ${format(baseline.leading, baseline.unit)}` : null,
    ].filter((x) => x !== null);
    const summary = `${baseline.label} ${format(value, baseline.unit)}: ${standing.replace("-", " ")} (${levels.join(", ")})`;
    out.push({ metric, value, baseline, standing, gapToTarget, summary });
  }
  return out;
}

/**
 * The baseline metrics a retention analysis can fill in: 30/60-day retention,
 * repeat rate, first-to-second churn (`1 - repeatRate`) and the repurchase
 * cycle (median repurchase interval). LTV/CAC and referral share come from
 * elsewhere and can be merged in.
 */
export function baselineInputFromShop(shop: ShopMetrics): BaselineInput {
  return {
    retention30: shop.retention[30]?.rate ?? null,
    retention60: shop.retention[60]?.rate ?? null,
    repeatRate: shop.repeatRate,
    firstToSecondChurn: shop.repeatRate === null ? null : 1 - shop.repeatRate,
    repurchaseCycleDays: shop.repurchaseIntervals.medianDays,
  };
}
