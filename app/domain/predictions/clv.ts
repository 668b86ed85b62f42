/**
 * Predicted (discounted) customer lifetime value over a finite horizon.
 *
 * Approach (the discrete-month sum lifetimes' `customer_lifetime_value` uses;
 * Fader, Hardie & Lee 2005 "RFM and CLV" discount continuously instead):
 * split the horizon into months, take the expected purchases in each month
 * as E[X(end)] − E[X(start)] from the purchase model, value them at the
 * expected order value, and discount each month's value to today at the
 * month's end: Σₖ ΔE[X]ₖ · E[M] / (1 + d)^k. A last partial month is
 * discounted at its fractional end, (1 + d)^(end/monthLength).
 * Model-agnostic: pass the cumulative expected-purchases function of any
 * purchase model (BG/NBD or the empirical fallback).
 */

export interface LifetimeValueOptions {
  /** Default 365. */
  horizonDays?: number;
  /** Per month, e.g. 0.01 for 1 %; ≥ 0. Default 0.01 (≈ 12.7 % a year). */
  monthlyDiscountRate?: number;
  /** Default 365.25 / 12. */
  daysPerMonth?: number;
}

/**
 * @param expectedPurchasesWithin cumulative expected purchases in the next
 *   `days` days (non-decreasing, 0 at 0).
 * @param expectedOrderValueMinor expected value of one future purchase, minor units.
 * @returns discounted expected value in minor units (not rounded).
 * @throws RangeError for a negative horizon, discount rate or order value.
 */
export function predictedLifetimeValue(
  expectedPurchasesWithin: (days: number) => number,
  expectedOrderValueMinor: number,
  options: LifetimeValueOptions = {},
): number {
  const horizon = options.horizonDays ?? 365;
  const rate = options.monthlyDiscountRate ?? 0.01;
  const month = options.daysPerMonth ?? 365.25 / 12;
  if (!(horizon >= 0) || !(rate >= 0) || !(month > 0)) throw new RangeError("predictedLifetimeValue: bad options");
  if (!(expectedOrderValueMinor >= 0)) throw new RangeError("predictedLifetimeValue: order value must be >= 0");
  let value = 0;
  let previous = 0;
  for (let start = 0; start < horizon; start += month) {
    const end = Math.min(start + month, horizon);
    const cumulative = expectedPurchasesWithin(end);
    value += ((cumulative - previous) * expectedOrderValueMinor) / Math.pow(1 + rate, end / month);
    previous = cumulative;
  }
  return value;
}
