import { DAY_MS, type PurchaseHistory } from "~/domain/customers/purchase-history";

/** Epoch ms of a UTC date "YYYY-MM-DD" (optionally "THH:MM"). */
export function at(date: string): number {
  const ms = Date.parse(date.length === 10 ? `${date}T00:00:00Z` : `${date}:00Z`);
  if (Number.isNaN(ms)) throw new Error(`bad date ${date}`);
  return ms;
}

/** A history from [date, valueMinor] pairs (already ascending). */
export function customer(customerId: string, ...orders: Array<[string, number]>): PurchaseHistory {
  const points = orders.map(([date, valueMinor]) => ({ at: at(date), valueMinor }));
  return { customerId, createdAt: points[0]?.at ?? 0, orders: points };
}

/** A history whose orders are given as days after `firstAt` (day 0 = the first purchase). */
export function customerByDays(customerId: string, firstAt: number, days: number[], valueMinor = 1000): PurchaseHistory {
  return { customerId, createdAt: firstAt, orders: days.map((d) => ({ at: firstAt + d * DAY_MS, valueMinor })) };
}
