/**
 * Window retention and the retention curve, from the counts the single pass
 * collects. Definitions (used by every report in this module):
 * - **first purchase**: the order(s) at a customer's earliest order instant.
 * - **retained within N days**: the customer placed a repeat order (strictly
 *   after the first purchase) at `firstAt < at <= firstAt + N days`.
 * - **matured for N days**: `firstAt + N days <= asOf`; only matured customers
 *   are in the denominator, the others are reported as `maturing`.
 */
import { ratio } from "./stats";

/** Retention within one window for one population (a cohort or the whole shop). */
export interface WindowRetention {
  /** Window length, days since the first purchase. */
  days: number;
  /** Customers whose window had fully elapsed by asOf: the denominator. */
  matured: number;
  /** Customers whose window had not yet elapsed ("still maturing"); excluded from `rate`. */
  maturing: number;
  /** Matured customers with a repeat order within the window. */
  retained: number;
  /** `retained / matured` in [0, 1]; null when nobody has matured. */
  rate: number | null;
}

/** One point of the retention curve: the share of matured customers who had ordered again by `day`. */
export interface CurvePoint {
  day: number;
  matured: number;
  retained: number;
  /** In [0, 1]; null when nobody has matured for `day`. */
  share: number | null;
}

/** The curve's slope between two grid days: share of customers making their second order per day. */
export interface CurveSegment {
  fromDay: number;
  toDay: number;
  /** Change of `share` per day (fraction of customers / day). */
  slopePerDay: number;
}

/**
 * The retention curve (cumulative share who ordered again by day d) on a day
 * grid, starting at day 0 where it is 0 by definition. Each point has its own
 * denominator (customers matured for that day), so while recent cohorts are
 * still maturing the curve may dip; compare `matured` before reading a dip.
 */
export interface RetentionCurve {
  points: CurvePoint[];
  segments: CurveSegment[];
  /**
   * The strategy's "churn peak": the grid day where the curve's slope falls
   * the most from one segment to the next, i.e. after which second orders
   * fall away. Reminders belong before it. Null when the slope never falls
   * (or the curve has fewer than two segments).
   */
  churnPeakDay: number | null;
}

/** Window retention for every window of the scan, from its difference arrays. */
export function windowRetention(
  size: number,
  maturedDiff: ArrayLike<number>,
  retainedDiff: ArrayLike<number>,
  windowsDays: ArrayLike<number>,
): WindowRetention[] {
  const out: WindowRetention[] = [];
  let matured = 0;
  let retained = 0;
  for (let w = 0; w < windowsDays.length; w++) {
    matured += maturedDiff[w];
    retained += retainedDiff[w];
    out.push({ days: windowsDays[w], matured, maturing: size - matured, retained, rate: ratio(retained, matured) });
  }
  return out;
}

/** Picks the requested windows, keyed by their length in days (e.g. `byDays[30].rate`). */
export function retentionByDays(windows: readonly WindowRetention[], days: readonly number[]): Record<number, WindowRetention> {
  const byDays: Record<number, WindowRetention> = {};
  for (const w of windows) if (days.includes(w.days)) byDays[w.days] = w;
  return byDays;
}

/**
 * The retention curve on the grid `stepDays, 2*stepDays, ... <= maxDays`,
 * its per-segment slopes and the churn peak.
 */
export function retentionCurve(
  size: number,
  windows: readonly WindowRetention[],
  stepDays: number,
  maxDays: number,
): RetentionCurve {
  const points: CurvePoint[] = [{ day: 0, matured: size, retained: 0, share: size === 0 ? null : 0 }];
  for (const w of windows) {
    if (w.days <= maxDays && Number.isInteger(w.days / stepDays)) {
      points.push({ day: w.days, matured: w.matured, retained: w.retained, share: w.rate });
    }
  }
  const segments: CurveSegment[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (a.share === null || b.share === null) break;
    segments.push({ fromDay: a.day, toDay: b.day, slopePerDay: (b.share - a.share) / (b.day - a.day) });
  }
  return { points, segments, churnPeakDay: churnPeakDay(segments) };
}

/** The start of the segment whose slope fell the most from its predecessor's; null if none fell. */
export function churnPeakDay(segments: readonly CurveSegment[]): number | null {
  let bestDrop = 0;
  let best: number | null = null;
  for (let i = 1; i < segments.length; i++) {
    const drop = segments[i - 1].slopePerDay - segments[i].slopePerDay;
    if (drop > bestDrop) {
      bestDrop = drop;
      best = segments[i].fromDay;
    }
  }
  return best;
}
