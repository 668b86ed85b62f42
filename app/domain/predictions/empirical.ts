/**
 * The fallback purchase and value model for shops too small (or too new) to
 * fit the BG/NBD: shop-level rates with light per-customer shrinkage. Crude on
 * purpose: every number is explainable from the shop's own averages.
 *
 * - Repeat probability πₓ: of the customers with at least x repeat purchases,
 *   the share with at least x + 1 (add-one smoothed; the last observed level
 *   carries on beyond the data). It is the shop's "comes back again" rate.
 * - Mean gap g: pooled Σtₓ / Σx over repeat customers, days.
 * - A customer's gap: (tₓ + g) / (x + 1), their own gaps plus one shop gap.
 * - P(alive) after s days of silence: Bayes with prior πₓ and, while active,
 *   orders at rate 1/gap: πₓe^(−s/gap) / (πₓe^(−s/gap) + 1 − πₓ). Unlike the
 *   BG/NBD (where P(alive) = 1 until a repeat purchase) this is the
 *   probability the customer orders again at all.
 * - Expected orders in the next t days: P(alive) · t / gap (no further
 *   dropout within the horizon, so long horizons are optimistic).
 * - Expected order value: the customer's mean per purchase day shrunk
 *   towards the shop mean with one pseudo-order: ((x+1)·m + M) / (x+2).
 */
import type { CustomerSummary } from "./summaries";

export interface EmpiricalShopModel {
  customers: number;
  repeaters: number;
  /** Share of customers with at least one repeat purchase. */
  repeatRate: number;
  /** πₓ for x = 0, 1, …; the last entry applies to larger x. */
  repeatProbabilityByRepeats: number[];
  /** Pooled mean days between purchase days; null with no repeat customers. */
  meanGapDays: number | null;
  /** Pooled mean value per purchase day, minor units. */
  meanOrderValueMinor: number;
}

/** Shop-level rates from day-unit summaries. @throws RangeError for no customers. */
export function empiricalShopModel(summaries: readonly Pick<CustomerSummary, "x" | "tx" | "meanOrderValueMinor">[]): EmpiricalShopModel {
  if (summaries.length === 0) throw new RangeError("empiricalShopModel: no customers");
  let repeaters = 0;
  let sumTx = 0;
  let sumX = 0;
  let totalValue = 0;
  let purchaseDays = 0;
  let maxX = 0;
  for (const s of summaries) {
    if (s.x > 0) repeaters++;
    sumTx += s.tx;
    sumX += s.x;
    totalValue += s.meanOrderValueMinor * (s.x + 1);
    purchaseDays += s.x + 1;
    maxX = Math.max(maxX, s.x);
  }
  // atLeast[k] = customers with ≥ k repeat purchases.
  const atLeast = new Array<number>(maxX + 2).fill(0);
  for (const s of summaries) atLeast[s.x]++;
  for (let k = maxX; k >= 0; k--) atLeast[k] += atLeast[k + 1];
  const repeatProbabilityByRepeats: number[] = [];
  for (let k = 0; k <= maxX; k++) {
    if (atLeast[k] < 10 && k > 0) break; // too few to estimate; carry the last level
    repeatProbabilityByRepeats.push((atLeast[k + 1] + 1) / (atLeast[k] + 2));
  }
  return {
    customers: summaries.length,
    repeaters,
    repeatRate: repeaters / summaries.length,
    repeatProbabilityByRepeats,
    meanGapDays: sumX > 0 ? sumTx / sumX : null,
    meanOrderValueMinor: totalValue / purchaseDays,
  };
}

export interface EmpiricalCustomerEstimate {
  pAlive: number;
  /** Days; null when the shop has no repeat customers. */
  expectedGapDays: number | null;
  expectedPurchasesWithin: (days: number) => number;
  medianWaitDaysIfAlive: number | null;
  expectedOrderValueMinor: number;
}

/** Per-customer estimates; `summary` must be in days. */
export function empiricalCustomerEstimate(model: EmpiricalShopModel, summary: CustomerSummary): EmpiricalCustomerEstimate {
  const probs = model.repeatProbabilityByRepeats;
  const prior = probs[Math.min(summary.x, probs.length - 1)];
  const silence = summary.T - summary.tx;
  const gap = model.meanGapDays === null ? null : (summary.tx + model.meanGapDays) / (summary.x + 1);
  let pAlive = prior;
  if (gap !== null && gap > 0) {
    const stay = prior * Math.exp(-silence / gap);
    pAlive = stay / (stay + 1 - prior);
  }
  const value = ((summary.x + 1) * summary.meanOrderValueMinor + model.meanOrderValueMinor) / (summary.x + 2);
  return {
    pAlive,
    expectedGapDays: gap,
    expectedPurchasesWithin: (days) => (gap !== null && gap > 0 ? (pAlive * days) / gap : 0),
    medianWaitDaysIfAlive: gap !== null ? Math.LN2 * gap : null,
    expectedOrderValueMinor: Math.max(0, value),
  };
}
