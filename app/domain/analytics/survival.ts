/**
 * Kaplan–Meier estimate of the time to second order.
 *
 * The naive "median days to second order" (`ShopMetrics.timeToSecondOrder`)
 * looks only at customers who came back, so it answers "how fast do
 * returners return" and is pulled down by recent customers, who can only have
 * returned fast. Kaplan–Meier uses every customer: one who has not ordered a
 * second time is right-censored at `asOf − firstAt` (we know they waited at
 * least that long). S(t) is then the share of customers still without a second
 * order t days after their first, and 1 − S(t) the probability of a second
 * order within t days.
 *
 * - Kaplan & Meier (1958): Ŝ(t) = Π_{tᵢ ≤ t} (1 − dᵢ/nᵢ), over distinct event
 *   times tᵢ with dᵢ second orders and nᵢ customers at risk (not yet reordered,
 *   not censored before tᵢ). A customer censored at tᵢ is still at risk at tᵢ
 *   (events before censorings on ties, the usual convention).
 * - Greenwood (1926): Var Ŝ(t) = Ŝ(t)² Σ_{tᵢ ≤ t} dᵢ / (nᵢ(nᵢ − dᵢ)).
 * - Confidence interval: the log-log (complementary log-log) transform,
 *   Ŝ(t)^exp(±z·σ/ln Ŝ(t)) with σ² = Σ dᵢ/(nᵢ(nᵢ − dᵢ)) (Kalbfleisch &
 *   Prentice 1980; Stata's default, `conf.type = "log-log"` in R's survfit),
 *   which stays inside [0, 1] unlike the plain Ŝ ± z·se.
 * - Median: the smallest t with Ŝ(t) ≤ 0.5, null when the curve never gets
 *   there (common: in most shops fewer than half the customers ever reorder).
 *   Its interval (Brookmeyer & Crowley 1982, as survfit reports it): from the
 *   smallest t whose lower bound is ≤ 0.5 to the smallest whose upper bound is.
 *
 * Definitions match the rest of the analytics: the first purchase is the
 * earliest order instant, the second order is the first one strictly after it
 * and at or before asOf; durations are in (fractional) days.
 */
import { DAY_MS, type PurchaseHistory } from "../customers/purchase-history";

/** Default horizons of the reported curve, days. */
export const DEFAULT_SURVIVAL_HORIZONS_DAYS: readonly number[] = [30, 60, 90, 180, 365];

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/** The estimate at one horizon. */
export interface SurvivalPoint {
  days: number;
  /** Ŝ(days): share of customers still without a second order `days` after their first. */
  survival: number;
  /** `1 − survival`: probability of a second order within `days`. */
  secondOrderProbability: number;
  /** Greenwood standard error of Ŝ; null where it is undefined (after Ŝ reaches 0). */
  standardError: number | null;
  /** 95% log-log interval of Ŝ; null while Ŝ is 1 (no event yet) or 0. */
  lower: number | null;
  upper: number | null;
  /** Customers at risk at this horizon: followed at least this long without a second order before it (n at risk, as survfit reports). */
  atRisk: number;
  /**
   * False when no customer was followed this long (every one reordered or was
   * censored before): Ŝ is then carried from the last observation and says little.
   */
  observed: boolean;
}

/** One step of the curve: a distinct time at which second orders happened. */
export interface SurvivalStep {
  days: number;
  atRisk: number;
  events: number;
  /** Customers censored since the previous step (after it, up to and including this time). */
  censored: number;
  survival: number;
  standardError: number | null;
}

export interface SecondOrderSurvival {
  /** Customers with a first purchase at or before asOf. */
  customers: number;
  /** Of them, customers with a second order by asOf (events). */
  secondOrders: number;
  /** Customers without one yet (right-censored at asOf − first purchase). */
  censored: number;
  /** Kaplan–Meier median days to second order; null when Ŝ never reaches 0.5. */
  medianDays: number | null;
  /** 95% interval of the median; an end is null when the curve's bound never reaches 0.5. */
  medianLowerDays: number | null;
  medianUpperDays: number | null;
  /** Ŝ at each horizon (default 30, 60, 90, 180, 365 days). */
  points: SurvivalPoint[];
  /** The full step function; only with `includeSteps` (one entry per distinct event time). */
  steps?: SurvivalStep[];
}

export interface SurvivalOptions {
  asOf: number;
  horizonsDays?: readonly number[];
  /** Also return every step of the curve (for a chart). Default false. */
  includeSteps?: boolean;
}

/**
 * Time to second order per customer: `durationsDays[i]` with `events[i] = 1`
 * for a second order, 0 for censored at asOf. Customers without an order at or
 * before asOf are left out.
 */
export function secondOrderDurations(histories: readonly PurchaseHistory[], asOf: number): { durationsDays: Float64Array; events: Uint8Array } {
  const durations = new Float64Array(histories.length);
  const events = new Uint8Array(histories.length);
  let n = 0;
  for (let i = 0; i < histories.length; i++) {
    const orders = histories[i].orders;
    if (orders.length === 0 || orders[0].at > asOf) continue;
    const firstAt = orders[0].at;
    let secondAt = -1;
    for (let j = 1; j < orders.length; j++) {
      const at = orders[j].at;
      if (at > asOf) break;
      if (at > firstAt) {
        secondAt = at;
        break;
      }
    }
    if (secondAt >= 0) {
      durations[n] = (secondAt - firstAt) / DAY_MS;
      events[n] = 1;
    } else {
      durations[n] = (asOf - firstAt) / DAY_MS;
      events[n] = 0;
    }
    n++;
  }
  return { durationsDays: durations.subarray(0, n), events: events.subarray(0, n) };
}

/**
 * Kaplan–Meier curve from durations and event flags (1 = event, 0 = censored).
 * O(n log n): one sort of the durations.
 *
 * @throws RangeError on a negative or non-finite duration, or mismatched lengths
 */
export function kaplanMeier(
  durationsDays: ArrayLike<number>,
  events: ArrayLike<number>,
  options: { horizonsDays?: readonly number[]; includeSteps?: boolean } = {},
): Omit<SecondOrderSurvival, "secondOrders" | "censored" | "customers"> & { subjects: number; events: number } {
  const n = durationsDays.length;
  if (events.length !== n) throw new RangeError("durations and events differ in length");
  const horizons = [...(options.horizonsDays ?? DEFAULT_SURVIVAL_HORIZONS_DAYS)];
  // Sort by time; a censoring at t counts as at risk at t (steps read whole tie groups).
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const d = durationsDays[i];
    if (!Number.isFinite(d) || d < 0) throw new RangeError(`duration ${i} is ${d}: expected a finite number ≥ 0`);
    order[i] = i;
  }
  order.sort((a, b) => durationsDays[a] - durationsDays[b]);

  const steps: SurvivalStep[] = [];
  const sums: number[] = []; // Greenwood sum at each step
  let atRisk = n;
  let s = 1;
  let greenwood = 0; // Σ d/(n(n−d))
  let totalEvents = 0;
  let censoredSinceStep = 0;
  let k = 0;
  while (k < n) {
    const t = durationsDays[order[k]];
    let d = 0;
    let c = 0;
    while (k < n && durationsDays[order[k]] === t) {
      if (events[order[k]]) d++;
      else c++;
      k++;
    }
    if (d > 0) {
      s *= 1 - d / atRisk;
      greenwood = d === atRisk ? Infinity : greenwood + d / (atRisk * (atRisk - d));
      steps.push({
        days: t, atRisk, events: d, censored: censoredSinceStep + c, survival: s,
        standardError: Number.isFinite(greenwood) ? s * Math.sqrt(greenwood) : null,
      });
      sums.push(greenwood);
      censoredSinceStep = 0;
      totalEvents += d;
    } else {
      censoredSinceStep += c;
    }
    atRisk -= d + c;
  }

  const bounds = (survival: number, g: number) => logLogInterval(survival, g);
  const sortedTimes = Float64Array.from(order, (i) => durationsDays[i]);
  const maxTime = n === 0 ? -Infinity : sortedTimes[n - 1];
  const points: SurvivalPoint[] = horizons.map((days) => {
    const j = lastStepAtOrBefore(steps, days);
    const survival = j < 0 ? 1 : steps[j].survival;
    const g = j < 0 ? 0 : sums[j];
    const { lower, upper } = bounds(survival, g);
    return {
      days,
      survival,
      secondOrderProbability: 1 - survival,
      standardError: Number.isFinite(g) ? survival * Math.sqrt(g) : null,
      lower,
      upper,
      atRisk: n - countBelow(sortedTimes, days),
      observed: days <= maxTime,
    };
  });

  let median: number | null = null;
  let medianLower: number | null = null;
  let medianUpper: number | null = null;
  for (let j = 0; j < steps.length; j++) {
    const st = steps[j];
    const { lower, upper } = bounds(st.survival, sums[j]);
    if (median === null && st.survival <= 0.5) median = st.days;
    // The lower band crosses 0.5 first: it gives the interval's lower end.
    if (medianLower === null && (lower ?? st.survival) <= 0.5) medianLower = st.days;
    if (medianUpper === null && (upper ?? st.survival) <= 0.5) medianUpper = st.days;
  }
  return {
    subjects: n,
    events: totalEvents,
    medianDays: median,
    medianLowerDays: medianLower,
    medianUpperDays: medianUpper,
    points,
    ...(options.includeSteps ? { steps } : {}),
  };
}

/**
 * The Kaplan–Meier curve of time to second order over a shop's histories.
 *
 * @example
 * const km = secondOrderSurvival(histories, { asOf });
 * km.medianDays;            // 212: half the customers reorder within 212 days
 * km.points[2].survival;    // Ŝ(90) = 0.71: 29% reorder within 90 days
 */
export function secondOrderSurvival(histories: readonly PurchaseHistory[], options: SurvivalOptions): SecondOrderSurvival {
  if (!Number.isFinite(options.asOf)) throw new RangeError("asOf must be a finite epoch-ms instant");
  const { durationsDays, events } = secondOrderDurations(histories, options.asOf);
  const km = kaplanMeier(durationsDays, events, options);
  const { subjects, events: secondOrders, ...rest } = km;
  return { customers: subjects, secondOrders, censored: subjects - secondOrders, ...rest };
}

/** 95% log-log interval of Ŝ from its Greenwood sum; null bounds where undefined (Ŝ = 1 or 0). */
export function logLogInterval(survival: number, greenwoodSum: number, z = Z95): { lower: number | null; upper: number | null } {
  if (!(survival > 0 && survival < 1) || !Number.isFinite(greenwoodSum)) return { lower: null, upper: null };
  const logS = Math.log(survival);
  const sigma = Math.sqrt(greenwoodSum) / Math.abs(logS);
  // Ŝ^exp(+zσ) is the lower bound (a larger exponent shrinks a number in (0,1)).
  return { lower: survival ** Math.exp(z * sigma), upper: survival ** Math.exp(-z * sigma) };
}

function lastStepAtOrBefore(steps: readonly SurvivalStep[], days: number): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid].days <= days) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Values < x in an ascending array. */
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
