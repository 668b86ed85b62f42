/** Test helpers: histories and features built by hand. */
import { DAY_MS, type PurchaseHistory } from "~/domain/customers/purchase-history";
import type { CustomerFeatures, ShopNorms } from "~/domain/segments";

export const AS_OF = Date.UTC(2025, 0, 1);

/** Epoch ms `days` days before AS_OF. */
export const daysAgo = (days: number) => AS_OF - days * DAY_MS;

/** A customer with one order per entry of `orderDaysAgo` (oldest first), each worth `valueMinor`. */
export function customer(customerId: string, orderDaysAgo: number[], valueMinor = 5000): PurchaseHistory {
  const days = [...orderDaysAgo].sort((a, b) => b - a);
  return {
    customerId,
    createdAt: daysAgo(Math.max(400, ...days) + 1),
    orders: days.map((d) => ({ at: daysAgo(d), valueMinor })),
  };
}

/** A customer with `count` orders, the last `recencyDays` ago, `gapDays` apart. */
export function repeater(customerId: string, count: number, recencyDays: number, gapDays = 10, valueMinor = 5000): PurchaseHistory {
  return customer(customerId, Array.from({ length: count }, (_, k) => recencyDays + k * gapDays), valueMinor);
}

/** Norms of a made-up shop: median AOV $52, typical gap 45 days (default lifecycle thresholds). */
export const NORMS: ShopNorms = {
  medianAovMinor: 5200,
  p80AovMinor: 9000,
  medianMonetaryMinor: 8000,
  medianFrequency: 1,
  typicalGapDays: 45,
  atRiskAfterDays: 67.5,
  churnAfterDays: 90,
  newWindowDays: 30,
};

export function features(over: Partial<CustomerFeatures>): CustomerFeatures {
  return {
    customerId: "x", orders: 0, frequency: 0, recencyDays: null, daysSinceFirstOrder: null, daysSinceCreated: 100,
    monetaryMinor: 0, aovMinor: null, r: null, f: null, m: null, lifecycleStage: "prospect",
    sessions30d: null, productViews30d: null, addToCarts30d: null, searches30d: null, daysSinceLastVisit: null, daysSinceCartAbandoned: null, topProductType: null,
    ...over,
    ...(over.orders !== undefined && over.frequency === undefined ? { frequency: over.orders } : {}),
  };
}
