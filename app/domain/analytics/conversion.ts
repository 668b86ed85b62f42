/**
 * Holdout-ready measurement: did a group of customers order within a window?
 * Used to compare a campaign's treated group with its holdout.
 */
import { DAY_MS, type PurchaseHistory } from "../customers/purchase-history";
import { ratio } from "./stats";

export interface Conversion {
  /** Distinct customer ids in the group. */
  customers: number;
  /** Customers with at least one order in the window. */
  converted: number;
  /** `converted / customers`; null for an empty group. */
  conversionRate: number | null;
  /** Net revenue of the group's orders in the window, minor units. */
  revenueMinor: number;
  /** `revenueMinor / customers` (non-converters count as 0), minor units; null for an empty group. */
  revenuePerCustomerMinor: number | null;
  /** Ids without a history: counted as customers who did not order. */
  unknownCustomers: number;
}

/**
 * Share of `customerIds` with an order at `from <= at < from + days`, and
 * their revenue in that window.
 * @param from window start, epoch ms
 * @param days window length, days (> 0)
 * @throws RangeError on a non-positive window
 * @example
 * conversionWithin(histories, holdoutIds, campaignStartAt, 14) // { conversionRate: 0.08, ... }
 */
export function conversionWithin(
  histories: readonly PurchaseHistory[],
  customerIds: Iterable<string>,
  from: number,
  days: number,
): Conversion {
  if (!(days > 0) || !Number.isFinite(from)) throw new RangeError("the window needs a finite start and a positive length in days");
  const group = new Set(customerIds);
  const end = from + days * DAY_MS;
  const seen = new Set<string>();
  let converted = 0;
  let revenueMinor = 0;
  for (const history of histories) {
    if (!group.has(history.customerId) || seen.has(history.customerId)) continue;
    seen.add(history.customerId);
    let ordered = false;
    for (const order of history.orders) {
      if (order.at >= end) break;
      if (order.at >= from) {
        ordered = true;
        revenueMinor += order.valueMinor;
      }
    }
    if (ordered) converted++;
  }
  return {
    customers: group.size,
    converted,
    conversionRate: ratio(converted, group.size),
    revenueMinor,
    revenuePerCustomerMinor: ratio(revenueMinor, group.size),
    unknownCustomers: group.size - seen.size,
  };
}
