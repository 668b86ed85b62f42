/**
 * Monitors on the strategy's level-one metrics (retention-strategy.md,
 * "Measuring"): 30/60/90-day retention, repeat-purchase rate, LTV/CAC, and the
 * share of customers at high churn risk. Each metric has a threshold; the
 * latest measured month on the wrong side of it raises an alert, and three
 * consecutive monthly breaches escalate (the strategy: "any metric under its
 * threshold three months in a row escalates"). Pure: the service supplies the
 * monthly series and stores what this returns.
 */
import { consecutiveBreaches, type MonthlyValue } from "./alerts";
import { RETENTION_BASELINES } from "./baselines";
import { DEFAULT_LTV_CAC_THRESHOLDS } from "./ltv-cac";
import { formatMonth, parseMonth } from "./time";

export const MONITOR_METRICS = ["retention30", "retention60", "retention90", "repeatRate", "ltvToCac", "highChurnRiskShare"] as const;
export type MonitorMetric = (typeof MONITOR_METRICS)[number];

export type MonitorLevel = "alert" | "escalation";

export interface MonitorSpec {
  /** "below": a breach is `value < threshold` (more is better); "above": `value > threshold`. */
  direction: "below" | "above";
  unit: "share" | "ratio";
  defaultThreshold: number;
  /** The range a merchant may set. */
  min: number;
  max: number;
}

/**
 * Defaults: the typical independent store's figure where the strategy gives
 * one (falling to it means the shop lost its edge), LTV/CAC's 2.5 ("below 2.5
 * triggers optimisation"). The strategy has no 90-day or churn-risk figure:
 * 90-day retention defaults to 60-day's (a 90-day window holds every 60-day
 * return, so it is never lower), and the high churn-risk share to 25%.
 */
export const MONITOR_SPECS: Readonly<Record<MonitorMetric, MonitorSpec>> = Object.freeze({
  retention30: { direction: "below", unit: "share", defaultThreshold: RETENTION_BASELINES.retention30.typical, min: 0, max: 1 },
  retention60: { direction: "below", unit: "share", defaultThreshold: RETENTION_BASELINES.retention60.typical, min: 0, max: 1 },
  retention90: { direction: "below", unit: "share", defaultThreshold: RETENTION_BASELINES.retention60.typical, min: 0, max: 1 },
  repeatRate: { direction: "below", unit: "share", defaultThreshold: RETENTION_BASELINES.repeatRate.typical, min: 0, max: 1 },
  ltvToCac: { direction: "below", unit: "ratio", defaultThreshold: DEFAULT_LTV_CAC_THRESHOLDS.alert, min: 0, max: 100 },
  highChurnRiskShare: { direction: "above", unit: "share", defaultThreshold: 0.25, min: 0, max: 1 },
});

export type MonitorThresholds = Record<MonitorMetric, number>;

/** Thresholds the merchant edits on the alerts page (LTV/CAC's is edited with the CAC in settings). */
export const EDITABLE_MONITOR_METRICS: readonly MonitorMetric[] = MONITOR_METRICS.filter((m) => m !== "ltvToCac");

/** The strategy's escalation: this many consecutive monthly breaches. */
export const ESCALATION_MONTHS = 3;

export const DEFAULT_MONITOR_THRESHOLDS: Readonly<MonitorThresholds> = Object.freeze(
  Object.fromEntries(MONITOR_METRICS.map((m) => [m, MONITOR_SPECS[m].defaultThreshold])) as MonitorThresholds,
);

export const isMonitorMetric = (value: unknown): value is MonitorMetric => typeof value === "string" && (MONITOR_METRICS as readonly string[]).includes(value);

/** True when `value` is on the wrong side of `threshold` for the metric (equal is not a breach). */
export function breaches(metric: MonitorMetric, value: number | null, threshold: number): boolean {
  if (value === null || Number.isNaN(value)) return false;
  return MONITOR_SPECS[metric].direction === "below" ? value < threshold : value > threshold;
}

export interface ThresholdError {
  metric: MonitorMetric;
  min: number;
  max: number;
}

/**
 * Merges the merchant's thresholds over the defaults. Unknown keys are
 * ignored; a value outside the metric's range or not a finite number is an
 * error (nothing is half-applied).
 */
export function resolveThresholds(stored: Partial<Record<string, unknown>>): { thresholds: MonitorThresholds; errors: ThresholdError[] } {
  const thresholds: MonitorThresholds = { ...DEFAULT_MONITOR_THRESHOLDS };
  const errors: ThresholdError[] = [];
  for (const metric of MONITOR_METRICS) {
    const value = stored[metric];
    if (value === undefined || value === null) continue;
    const { min, max } = MONITOR_SPECS[metric];
    if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) errors.push({ metric, min, max });
    else thresholds[metric] = value;
  }
  return { thresholds, errors };
}

export interface MonitorFinding {
  metric: MonitorMetric;
  level: MonitorLevel;
  /** The month the finding is about, "YYYY-MM": the breached month (alert) or the month the run reached three (escalation). */
  period: string;
  /** The metric's value that month (escalation: the latest month of the run). */
  value: number;
  threshold: number;
  /** Consecutive breached months up to and including the latest one. */
  months: number;
}

export interface MetricStatus {
  metric: MonitorMetric;
  /** Latest month with a measured value, and that value; null when never measured. */
  latest: { period: string; value: number } | null;
  threshold: number;
  breached: boolean;
  /** Consecutive breached months ending at the latest one (0 when not breached). */
  breachedMonths: number;
}

export interface MonitorEvaluation {
  findings: MonitorFinding[];
  statuses: MetricStatus[];
  /** Metrics measured and on the right side of their threshold at their latest month: their open alerts are resolved. */
  recovered: MonitorMetric[];
}

/**
 * Judges each metric's monthly series against its threshold.
 *
 * Per metric: the latest month with a value decides. Breached: an "alert" for
 * that month. Breached and part of a run of at least `months` consecutive
 * breached months ending there: also an "escalation", dated the month the run
 * reached `months` (so one run escalates once, however long it lasts; a
 * recovery ends the run and a new run needs `months` again). Not breached:
 * the metric is "recovered". A metric without any measured month is neither.
 *
 * @param series monthly values per metric, any order; a null value is "not measured" and breaks a run
 * @throws RangeError on a malformed or duplicate month (from consecutiveBreaches)
 * @example
 * evaluateMonitors({ ltvToCac: [{ month: "2026-08", value: 2.1 }, { month: "2026-09", value: 2.2 }, { month: "2026-10", value: 2.4 }] }, DEFAULT_MONITOR_THRESHOLDS)
 * // findings: alert 2026-10 (2.4 < 2.5) and escalation 2026-10 (3 months)
 */
export function evaluateMonitors(
  series: Partial<Record<MonitorMetric, readonly MonthlyValue[]>>,
  thresholds: MonitorThresholds,
  months = ESCALATION_MONTHS,
): MonitorEvaluation {
  const findings: MonitorFinding[] = [];
  const statuses: MetricStatus[] = [];
  const recovered: MonitorMetric[] = [];
  for (const metric of MONITOR_METRICS) {
    const points = series[metric] ?? [];
    const threshold = thresholds[metric];
    const measured = points
      .filter((p): p is { month: string; value: number } => p.value !== null && !Number.isNaN(p.value))
      .sort((a, b) => parseMonth(a.month) - parseMonth(b.month));
    const latest = measured.length ? measured[measured.length - 1] : null;
    if (!latest) {
      statuses.push({ metric, latest: null, threshold, breached: false, breachedMonths: 0 });
      continue;
    }
    const breached = breaches(metric, latest.value, threshold);
    // Runs from every month up to the latest measured one (months after it are ignored: nothing to judge yet).
    const upToLatest = points.filter((p) => parseMonth(p.month) <= parseMonth(latest.month));
    // Computed even when not breached: it also refuses malformed and duplicate months.
    const runs = consecutiveBreaches(upToLatest, threshold, 1, { direction: MONITOR_SPECS[metric].direction });
    const run = breached ? runs.find((r) => r.endMonth === latest.month) : undefined;
    const breachedMonths = run?.months ?? 0;
    statuses.push({ metric, latest: { period: latest.month, value: latest.value }, threshold, breached, breachedMonths });
    if (!breached) {
      recovered.push(metric);
      continue;
    }
    findings.push({ metric, level: "alert", period: latest.month, value: latest.value, threshold, months: breachedMonths });
    if (run && breachedMonths >= months) {
      findings.push({
        metric, level: "escalation", period: formatMonth(parseMonth(run.startMonth) + months - 1),
        value: latest.value, threshold, months: breachedMonths,
      });
    }
  }
  return { findings, statuses, recovered };
}
