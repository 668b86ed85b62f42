/**
 * The strategy's escalation rule: any metric under its threshold three months
 * in a row escalates. Generic over monthly series, so it serves LTV/CAC and
 * retention metrics alike.
 */
import { formatMonth, parseMonth } from "./time";

/** One month of a metric. A null (or NaN) value means "not measured" and breaks a run. */
export interface MonthlyValue {
  /** "YYYY-MM" */
  month: string;
  value: number | null;
}

/** A run of consecutive breached months at least as long as the rule requires. */
export interface BreachAlert {
  /** First breached month of the run, "YYYY-MM". */
  startMonth: string;
  /** Last breached month of the run, "YYYY-MM". */
  endMonth: string;
  /** The month the run reached the required length: when the alert escalated. */
  escalatedMonth: string;
  /** Length of the run in months (>= the required months). */
  months: number;
  /** The value furthest past the threshold within the run. */
  worstValue: number;
  /** True when the run reaches the series' last month (not yet recovered). */
  ongoing: boolean;
}

export interface BreachOptions {
  /** "below" (default): a breach is `value < threshold`; "above": `value > threshold` (for metrics where lower is better). */
  direction?: "below" | "above";
}

/**
 * Runs of at least `months` calendar-consecutive months in breach of
 * `threshold`. A month at the threshold is not a breach; a recovered month, a
 * missing month or a null value ends the run (an unmeasured month is not
 * evidence of a breach).
 * @param series monthly values in any order; months must be unique
 * @param months run length that escalates (strategy: 3)
 * @throws RangeError on a duplicate or malformed month, or months < 1
 * @example
 * consecutiveBreaches([{ month: "2025-01", value: 2.1 }, { month: "2025-02", value: 2.2 }, { month: "2025-03", value: 2.4 }], 2.5)
 * // [{ startMonth: "2025-01", endMonth: "2025-03", escalatedMonth: "2025-03", months: 3, worstValue: 2.1, ongoing: true }]
 */
export function consecutiveBreaches(
  series: readonly MonthlyValue[],
  threshold: number,
  months = 3,
  options: BreachOptions = {},
): BreachAlert[] {
  if (!(months >= 1)) throw new RangeError("months must be at least 1");
  const below = (options.direction ?? "below") === "below";
  const points = series.map((p) => ({ index: parseMonth(p.month), value: p.value })).sort((a, b) => a.index - b.index);
  for (let i = 1; i < points.length; i++) {
    if (points[i].index === points[i - 1].index) throw new RangeError(`duplicate month ${formatMonth(points[i].index)}`);
  }
  const alerts: BreachAlert[] = [];
  let runStart = -1;
  let worst = 0;
  const close = (endIndex: number, ongoing: boolean) => {
    const length = endIndex - runStart + 1;
    if (runStart >= 0 && length >= months) {
      alerts.push({
        startMonth: formatMonth(runStart),
        endMonth: formatMonth(endIndex),
        escalatedMonth: formatMonth(runStart + months - 1),
        months: length,
        worstValue: worst,
        ongoing,
      });
    }
    runStart = -1;
  };
  let prevIndex = Number.NaN;
  for (const { index, value } of points) {
    const breached = value !== null && !Number.isNaN(value) && (below ? value < threshold : value > threshold);
    if (runStart >= 0 && (!breached || index !== prevIndex + 1)) close(prevIndex, false);
    if (breached) {
      if (runStart < 0) {
        runStart = index;
        worst = value;
      } else if (below ? value < worst : value > worst) {
        worst = value;
      }
    }
    prevIndex = index;
  }
  if (runStart >= 0) close(prevIndex, true);
  return alerts;
}
