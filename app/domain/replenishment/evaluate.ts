/**
 * Back-testing intervals: learn from purchases before a cut-off, then, for
 * every repurchase after it (two consecutive purchase occasions of a product
 * by a customer, the first one after the cut-off), compare the predicted gap
 * (resolved interval × quantity factor) with the real one.
 */
import { DEFAULT_REMINDER_SETTINGS, dueDate, personalInterval, resolveInterval, type OwnGap } from "./due";
import { learnIntervals, mergeTrips } from "./intervals";
import { median } from "./robust";
import { DAY_MS, DEFAULT_LEARN_OPTIONS, type LearnedIntervals, type LearnOptions, type ProductInfo, type ProductPurchase, type ResolvedInterval } from "./types";

export interface BacktestResult {
  /** Repurchases in the test period. */
  repurchases: number;
  /** Of those, how many had an interval (coverage = predicted / repurchases). */
  predicted: number;
  /** Median |ln(predicted gap / real gap)| over predicted repurchases: 0.5 means typically a factor 1.65 off. */
  medianAbsLogError: number;
  /** Share of predicted repurchases whose real gap is within a factor 1.5 of the prediction (real/predicted in [2/3, 1.5]). */
  withinHalf: number;
  /** The same errors for one shop-wide interval (the median training gap) on the same (predicted) repurchases: the baseline. */
  baselineMedianAbsLogError: number;
  baselineWithinHalf: number;
  bySource: Record<string, number>;
  /** The shop-level learning (elasticity, shrinkage). */
  shop: LearnedIntervals["shop"];
}

/**
 * @param cutoff epoch ms: training purchases are before it, test repurchases start after it.
 */
export function backtestIntervals(
  purchases: readonly ProductPurchase[],
  products: readonly ProductInfo[],
  cutoff: number,
  options: Partial<LearnOptions> = {},
  personalWeight = DEFAULT_REMINDER_SETTINGS.personalWeight,
): BacktestResult {
  const opts = { ...DEFAULT_LEARN_OPTIONS, ...options };
  const learned = learnIntervals(
    purchases.filter((p) => p.at < cutoff),
    products,
    opts,
  );
  const allTrainingGaps: number[] = [];
  const typeOf = new Map(products.map((p) => [p.productGid, p.productType]));
  const groups = new Map<string, ProductPurchase[]>();
  for (const p of purchases) {
    const key = `${p.customerGid}\u0000${p.productGid}`;
    const list = groups.get(key);
    if (list) list.push(p);
    else groups.set(key, [p]);
  }
  const errors: number[] = [];
  const baselinePairs: { gap: number; quantity: number }[] = [];
  const bySource: Record<string, number> = {};
  let repurchases = 0;
  for (const lines of groups.values()) {
    const trips = mergeTrips(lines, opts.minGapDays);
    const own: OwnGap[] = [];
    for (let i = 1; i < trips.length; i++) {
      const gap = (trips[i].at - trips[i - 1].at) / DAY_MS;
      if (gap > opts.maxGapDays) continue;
      if (trips[i].at < cutoff) {
        allTrainingGaps.push(gap);
        own.push({ days: gap, quantity: trips[i - 1].quantity });
        continue;
      }
      if (trips[i - 1].at < cutoff) continue;
      repurchases++;
      const interval: ResolvedInterval | null = resolveInterval(
        { productGid: lines[0].productGid, variantGid: trips[i - 1].variantGid, productType: typeOf.get(lines[0].productGid) ?? null },
        learned,
        new Map(),
      );
      if (!interval) continue;
      // Personalised with the gaps known at the cut-off (a live reminder would also know later ones).
      const personal = personalInterval(interval, own, personalWeight);
      bySource[interval.source] = (bySource[interval.source] ?? 0) + 1;
      const predicted = (dueDate(trips[i - 1].at, trips[i - 1].quantity, personal) - trips[i - 1].at) / DAY_MS;
      errors.push(Math.log(predicted / gap));
      baselinePairs.push({ gap, quantity: trips[i - 1].quantity });
    }
  }
  const shopWide = allTrainingGaps.length ? median(allTrainingGaps) : NaN;
  const baselineErrors = errors.length ? baselinePairs.map((p) => Math.log(shopWide / p.gap)) : [];
  const within = (e: number[]) => (e.length ? e.filter((x) => Math.abs(x) <= Math.log(1.5)).length / e.length : NaN);
  const mae = (e: number[]) => (e.length ? median(e.map(Math.abs)) : NaN);
  return {
    repurchases,
    predicted: errors.length,
    medianAbsLogError: mae(errors),
    withinHalf: within(errors),
    baselineMedianAbsLogError: mae(baselineErrors),
    baselineWithinHalf: within(baselineErrors),
    bySource,
    shop: learned.shop,
  };
}
