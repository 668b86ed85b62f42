/**
 * The input every customer-intelligence model reads: one customer's orders as
 * plain numbers. Built from synced orders (paid, not cancelled, net of
 * refunds) by a service; domain code never touches the database or the clock.
 *
 * Times are epoch milliseconds (UTC); money is minor units of the shop
 * currency as a JS number (exact up to 2^53, i.e. ~90 trillion dollars).
 */
export interface OrderPoint {
  /** When the order was placed (processedAt), epoch ms. */
  at: number;
  /** Net value: total price less refunds, minor units. */
  valueMinor: number;
}

export interface PurchaseHistory {
  customerId: string;
  /** When the customer was created, epoch ms. */
  createdAt: number;
  /** Ascending by `at`; empty for a customer who never ordered. */
  orders: OrderPoint[];
}

export const DAY_MS = 24 * 60 * 60 * 1000;
