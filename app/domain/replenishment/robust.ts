/**
 * Robust location estimates for repurchase gaps. Gaps are right-skewed (a
 * forgotten reorder doubles a gap, a stock-up halves the next one), so the
 * estimate works in log space: outliers are removed by a median-absolute-
 * deviation rule (Hampel's identifier, MAD scaled by 1.4826 to match a normal
 * standard deviation; Rousseeuw & Croux 1993) and the survivors are averaged,
 * which is a geometric mean of the gaps: the typical cycle, not the mean one.
 */

/** Median of a non-empty list (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Scale that makes the MAD a consistent estimate of a normal standard deviation. */
export const MAD_SCALE = 1.4826;

export interface RobustLogEstimate {
  /** exp(mean of the kept logs): a geometric mean, same unit as the input. */
  value: number;
  /** The median of the input (exp of the median log), for reference. */
  median: number;
  /** Scaled MAD of the logs: 0.3 means a typical sample is ~35% off the estimate. */
  spreadLog: number;
  /** Samples kept after outlier removal. */
  kept: number;
  /** Samples dropped as outliers. */
  dropped: number;
}

/**
 * The robust typical value of positive samples: logs farther than `cutoff`
 * scaled MADs from the median log are dropped, the rest averaged in log space.
 * When the MAD is 0 (half the samples identical) a small floor keeps samples
 * within ±5% of the median instead of dropping everything else.
 *
 * @throws RangeError for an empty list or a non-positive / non-finite sample.
 * @example robustLogEstimate([30, 28, 33, 31, 200]).value // ≈ 30.4 (200 dropped)
 */
export function robustLogEstimate(samples: readonly number[], cutoff = 3): RobustLogEstimate {
  if (samples.length === 0) throw new RangeError("robustLogEstimate of an empty list");
  const logs = samples.map((s) => {
    if (!(s > 0) || !Number.isFinite(s)) throw new RangeError(`samples must be positive and finite, got ${s}`);
    return Math.log(s);
  });
  const center = median(logs);
  const mad = MAD_SCALE * median(logs.map((l) => Math.abs(l - center)));
  const limit = Math.max(cutoff * mad, Math.log(1.05));
  let sum = 0;
  let kept = 0;
  for (const l of logs) {
    if (Math.abs(l - center) <= limit) {
      sum += l;
      kept++;
    }
  }
  // kept >= 1: the median log itself (or, for an even count, the two around it) is within the limit.
  return { value: Math.exp(sum / kept), median: Math.exp(center), spreadLog: mad, kept, dropped: logs.length - kept };
}
