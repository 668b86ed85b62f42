/**
 * Lifetime value. Two views:
 * - shop level, by days since first purchase: a customer's LTV at H days is
 *   the net revenue of their orders at `at <= firstAt + H days` (first
 *   purchase included), counted only for customers matured for H days;
 * - cohort level, by calendar months since the cohort month (see `cohorts.ts`).
 * Money is minor units of the shop currency; means and medians may be fractional.
 */
import type { CohortReport } from "./cohorts";
import { quantilesInPlace } from "./stats";

/** LTV at one horizon across the customers matured for it. */
export interface LtvAtHorizon {
  days: number;
  /** Customers matured for the horizon (the population of the mean and median). */
  customers: number;
  meanMinor: number | null;
  medianMinor: number | null;
}

/** Mean and median of the first `count` values of `values` (which get reordered). */
export function ltvAtHorizon(days: number, values: Float64Array, count: number): LtvAtHorizon {
  const population = values.subarray(0, count);
  let sum = 0;
  for (let i = 0; i < count; i++) sum += population[i];
  const [median] = quantilesInPlace(population, [0.5]);
  return { days, customers: count, meanMinor: count === 0 ? null : sum / count, medianMinor: median };
}

/**
 * Cumulative LTV per cohort member after `monthsSinceFirst` complete calendar
 * months (0 = the cohort month itself), keyed by cohort month "YYYY-MM".
 * Cohorts whose month `monthsSinceFirst` has not ended by asOf are left out.
 * This is the input `ltvToCac` expects.
 */
export function cohortLtvAt(cohorts: readonly CohortReport[], monthsSinceFirst: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const cohort of cohorts) {
    const month = cohort.months[monthsSinceFirst];
    if (month !== undefined) out[cohort.month] = month.cumulativeLtvMinor;
  }
  return out;
}

