/**
 * Distributions of durations between orders: time to second order (first
 * purchase -> first repeat order, one value per repeat customer) and
 * repurchase intervals (every gap between consecutive distinct order instants).
 */
import { DAY_MS } from "../customers/purchase-history";
import { quantilesInPlace, ratio } from "./stats";

/** Values in `[fromDays, toDays)`. */
export interface HistogramBucket {
  fromDays: number;
  /** Exclusive; `Infinity` for the open last bucket. */
  toDays: number;
  count: number;
  /** `count / total`, null when there are no values. */
  share: number | null;
}

/** Summary of a set of durations, in days (fractional). Quantiles are type 7 (linear interpolation). */
export interface DaysDistribution {
  count: number;
  meanDays: number | null;
  p25Days: number | null;
  medianDays: number | null;
  p75Days: number | null;
  histogram: HistogramBucket[];
}

/**
 * Summarises durations in ms into days.
 * @param valuesMs durations, milliseconds (reordered in place)
 * @param bucketEdgesDays ascending edges; values below the first edge or at/after the last are not bucketed
 */
export function summarizeDays(valuesMs: Float64Array, bucketEdgesDays: readonly number[]): DaysDistribution {
  const count = valuesMs.length;
  const edgesMs = bucketEdgesDays.map((d) => d * DAY_MS);
  const counts = new Float64Array(Math.max(0, edgesMs.length - 1));
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const v = valuesMs[i];
    sum += v;
    if (v < edgesMs[0]) continue;
    for (let b = 0; b < counts.length; b++) {
      if (v < edgesMs[b + 1]) {
        counts[b]++;
        break;
      }
    }
  }
  const [p25, median, p75] = quantilesInPlace(valuesMs, [0.25, 0.5, 0.75]).map((ms) => (ms === null ? null : ms / DAY_MS));
  return {
    count,
    meanDays: count === 0 ? null : sum / count / DAY_MS,
    p25Days: p25,
    medianDays: median,
    p75Days: p75,
    histogram: Array.from(counts, (n, b) => ({
      fromDays: bucketEdgesDays[b],
      toDays: bucketEdgesDays[b + 1],
      count: n,
      share: ratio(n, count),
    })),
  };
}
