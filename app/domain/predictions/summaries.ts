/**
 * Per-customer RFM summaries (x, tₓ, T, mean repeat value) from purchase
 * histories, as the BG/NBD and Gamma-Gamma literature defines them
 * (Fader, Hardie & Lee 2005): time starts at the customer's first purchase
 * (not at account creation), and purchases on the same UTC day count as one
 * transaction whose value is their sum.
 */
import { DAY_MS, type PurchaseHistory } from "../customers/purchase-history";

export type TimeUnit = "days" | "weeks";

/** Length of one model time unit in days. */
export const UNIT_DAYS: Record<TimeUnit, number> = { days: 1, weeks: 7 };

export interface CustomerSummary {
  customerId: string;
  /** Repeat purchases: distinct purchase days after the first. */
  x: number;
  /** First to last purchase day, in `unit`. 0 when x = 0. */
  tx: number;
  /** First purchase day to the `asOf` day, in `unit` (T ≥ tₓ). */
  T: number;
  /** Mean value of the repeat purchase days, minor units; null when x = 0. */
  meanRepeatValueMinor: number | null;
  /** Mean value over all purchase days including the first, minor units. */
  meanOrderValueMinor: number;
  /** Start of the first purchase day (UTC), epoch ms. */
  firstPurchaseAt: number;
  /** Start of the last purchase day (UTC), epoch ms. */
  lastPurchaseAt: number;
}

/**
 * Summarise purchase histories as of `asOf`.
 *
 * Orders placed after `asOf` are ignored; customers with no order at or before
 * `asOf` are left out (the models describe customers who have bought once).
 * Times are whole UTC days converted to `unit` (weeks = days / 7), so T for a
 * customer who first bought on 1997-01-01 with `asOf` 1997-09-30 is 272/7.
 * Orders need not be sorted.
 *
 * @param asOf end of the observation period, epoch ms.
 * @throws RangeError when `asOf` or an order time/value is not finite.
 */
export function summarise(histories: readonly PurchaseHistory[], asOf: number, unit: TimeUnit): CustomerSummary[] {
  if (!Number.isFinite(asOf)) throw new RangeError("summarise: asOf must be finite epoch ms");
  const asOfDay = Math.floor(asOf / DAY_MS);
  const perUnit = UNIT_DAYS[unit];
  const out: CustomerSummary[] = [];
  for (const h of histories) {
    const valueByDay = new Map<number, number>();
    for (const o of h.orders) {
      if (!Number.isFinite(o.at) || !Number.isFinite(o.valueMinor)) {
        throw new RangeError(`summarise: customer ${h.customerId} has a non-finite order`);
      }
      if (o.at > asOf) continue;
      const day = Math.floor(o.at / DAY_MS);
      valueByDay.set(day, (valueByDay.get(day) ?? 0) + o.valueMinor);
    }
    if (valueByDay.size === 0) continue;
    const days = Array.from(valueByDay.keys()).sort((p, q) => p - q);
    const first = days[0];
    const last = days[days.length - 1];
    let total = 0;
    for (const v of valueByDay.values()) total += v;
    const firstValue = valueByDay.get(first)!;
    const x = days.length - 1;
    out.push({
      customerId: h.customerId,
      x,
      tx: (last - first) / perUnit,
      T: (asOfDay - first) / perUnit,
      meanRepeatValueMinor: x > 0 ? (total - firstValue) / x : null,
      meanOrderValueMinor: total / days.length,
      firstPurchaseAt: first * DAY_MS,
      lastPurchaseAt: last * DAY_MS,
    });
  }
  return out;
}
