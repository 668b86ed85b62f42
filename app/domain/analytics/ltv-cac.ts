/**
 * LTV / CAC per cohort month, against the strategy's thresholds: healthy at 3,
 * below 2.5 triggers optimisation; three months in a row below escalates.
 */
import { consecutiveBreaches, type BreachAlert } from "./alerts";
import { parseMonth } from "./time";

export type LtvCacStatus = "healthy" | "watch" | "alert";

export interface LtvCacThresholds {
  /** Ratio at or above which the month is healthy. Strategy: 3. */
  healthy: number;
  /** Ratio below which the month is in alert (optimise). Strategy: 2.5. Between the two: watch. */
  alert: number;
}

export const DEFAULT_LTV_CAC_THRESHOLDS: Readonly<LtvCacThresholds> = Object.freeze({ healthy: 3, alert: 2.5 });

/**
 * Customer acquisition cost entered by the merchant, minor units per new
 * customer, keyed by month "YYYY-MM": either one blended figure or one per
 * channel (`{ "2025-01": 2800 }` or `{ "2025-01": { meta: 3500, google: 2100 } }`).
 */
export type CacByMonth = Readonly<Record<string, number | Readonly<Record<string, number>>>>;

export interface LtvCacPoint {
  /** Cohort (acquisition) month, "YYYY-MM". */
  month: string;
  /** Null for a blended CAC. */
  channel: string | null;
  /** LTV per cohort member, minor units. */
  ltvMinor: number;
  /** CAC per new customer, minor units. */
  cacMinor: number;
  /** `ltvMinor / cacMinor`; Infinity when CAC is 0 (acquisition was free). */
  ratio: number;
  status: LtvCacStatus;
}

/** healthy if `ratio >= healthy`, alert if `ratio < alert`, watch in between. */
export function ltvCacStatus(ratio: number, thresholds: LtvCacThresholds = DEFAULT_LTV_CAC_THRESHOLDS): LtvCacStatus {
  if (ratio >= thresholds.healthy) return "healthy";
  return ratio < thresholds.alert ? "alert" : "watch";
}

/**
 * LTV/CAC for every month present in both inputs, ascending by month then
 * channel (blended first). Channel CACs are compared with the cohort's LTV:
 * purchase histories carry no channel, so per-channel LTV is not known here.
 * @param cohortLtv LTV per member by cohort month, minor units (e.g. from `cohortLtvAt`)
 * @throws RangeError on a negative or non-finite CAC, or thresholds with alert > healthy
 * @example
 * ltvToCac({ "2025-01": 8400 }, { "2025-01": 2800 }) // [{ month: "2025-01", channel: null, ratio: 3, status: "healthy", ... }]
 */
export function ltvToCac(
  cohortLtv: Readonly<Record<string, number>>,
  cacByMonth: CacByMonth,
  thresholds: LtvCacThresholds = DEFAULT_LTV_CAC_THRESHOLDS,
): LtvCacPoint[] {
  if (!(thresholds.alert <= thresholds.healthy)) throw new RangeError("the alert threshold must not exceed the healthy one");
  const points: LtvCacPoint[] = [];
  const point = (month: string, channel: string | null, ltvMinor: number, cacMinor: number): LtvCacPoint => {
    if (!Number.isFinite(cacMinor) || cacMinor < 0) throw new RangeError(`CAC for ${month}${channel ? ` (${channel})` : ""} must be a non-negative amount`);
    const ratio = cacMinor === 0 ? Infinity : ltvMinor / cacMinor;
    return { month, channel, ltvMinor, cacMinor, ratio, status: ltvCacStatus(ratio, thresholds) };
  };
  for (const [month, cac] of Object.entries(cacByMonth)) {
    parseMonth(month);
    const ltvMinor = cohortLtv[month];
    if (ltvMinor === undefined) continue;
    if (typeof cac === "number") points.push(point(month, null, ltvMinor, cac));
    else for (const [channel, cacMinor] of Object.entries(cac)) points.push(point(month, channel, ltvMinor, cacMinor));
  }
  return points.sort(
    (a, b) => a.month.localeCompare(b.month) || (a.channel === null ? -1 : b.channel === null ? 1 : a.channel.localeCompare(b.channel)),
  );
}

/**
 * The escalation rule applied to LTV/CAC: per channel (null = blended), runs
 * of `months` consecutive months below the alert threshold.
 */
export function ltvCacEscalations(
  points: readonly LtvCacPoint[],
  thresholds: LtvCacThresholds = DEFAULT_LTV_CAC_THRESHOLDS,
  months = 3,
): Array<BreachAlert & { channel: string | null }> {
  const byChannel = new Map<string | null, LtvCacPoint[]>();
  for (const p of points) byChannel.set(p.channel, [...(byChannel.get(p.channel) ?? []), p]);
  return [...byChannel].flatMap(([channel, series]) =>
    consecutiveBreaches(series.map((p) => ({ month: p.month, value: p.ratio })), thresholds.alert, months).map((a) => ({ ...a, channel })),
  );
}
