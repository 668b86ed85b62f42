/**
 * Lifecycle stage from purchase gaps, relative to the shop's own rhythm.
 *
 * Rules, checked in this order (first that holds wins):
 * 1. **prospect**: no order yet.
 * 2. **churned**: `recencyDays >= churnAfterDays`, where
 *    `churnAfterDays = max(churnFloorDays, churnGapFactor × typicalGapDays)`:
 *    the strategy's 90 days without an order, later for shops whose rhythm is slower.
 * 3. **new**: exactly 1 order and `daysSinceFirstOrder < newWindowDays` (the
 *    strategy's 30-day window). A first order gives no rhythm of its own yet,
 *    so a new customer is not judged late before the window closes.
 * 4. **at-risk**: `recencyDays > atRiskAfterDays` (`= atRiskGapFactor × typicalGapDays`),
 *    or exactly 1 order and past the new window: the strategy's churn between
 *    first and second order (82%) makes a single-order customer at risk until they return.
 * 5. **growing**: 2..`matureMinOrders − 1` orders (2–3 by default), active.
 * 6. **mature**: `matureMinOrders` (4) or more orders, active.
 *
 * "Active" means none of 1–4 held. If a merchant sets `atRiskAfterDays >= churnAfterDays`
 * the at-risk stage (by recency) is simply never reached.
 */
import type { RfmThresholds } from "./rfm";

export const LIFECYCLE_STAGES = ["prospect", "new", "growing", "mature", "at-risk", "churned"] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** Merchant-editable lifecycle parameters; defaults in {@link DEFAULT_LIFECYCLE_PARAMS}. */
export interface LifecycleParams {
  /** Days after the first order during which a single-order customer is new. Default 30. */
  newWindowDays: number;
  /** At-risk once days since the last order exceed this multiple of the typical gap. Default 1.5. */
  atRiskGapFactor: number;
  /** Churned no earlier than this many days without an order. Default 90 (the strategy's churn risk). */
  churnFloorDays: number;
  /** ...nor earlier than this multiple of the typical gap. Default 2. */
  churnGapFactor: number;
  /** Orders from which an active customer is mature. Default 4. */
  matureMinOrders: number;
}

export const DEFAULT_LIFECYCLE_PARAMS: Readonly<LifecycleParams> = Object.freeze({
  newWindowDays: 30,
  atRiskGapFactor: 1.5,
  churnFloorDays: 90,
  churnGapFactor: 2,
  matureMinOrders: 4,
});

/** The day thresholds the rules compare against, resolved for one shop. */
export interface LifecycleThresholds {
  newWindowDays: number;
  /** Days since last order beyond which a customer is at risk (exclusive). */
  atRiskAfterDays: number;
  /** Days since last order from which a customer is churned (inclusive). */
  churnAfterDays: number;
  matureMinOrders: number;
}

export function lifecycleThresholds(
  typicalGapDays: number,
  params: Partial<LifecycleParams> = {},
): LifecycleThresholds {
  const p = { ...DEFAULT_LIFECYCLE_PARAMS, ...params };
  return {
    newWindowDays: p.newWindowDays,
    atRiskAfterDays: p.atRiskGapFactor * typicalGapDays,
    churnAfterDays: Math.max(p.churnFloorDays, p.churnGapFactor * typicalGapDays),
    matureMinOrders: p.matureMinOrders,
  };
}

/** Convenience: thresholds from a scoring pass's typical gap. */
export function lifecycleThresholdsFor(rfm: RfmThresholds, params: Partial<LifecycleParams> = {}): LifecycleThresholds {
  return lifecycleThresholds(rfm.typicalGapDays, params);
}

/**
 * The lifecycle stage of one customer. Allocation-free.
 *
 * @param orders orders on or before the as-of date
 * @param recencyDays whole days since the last order (ignored when `orders` is 0)
 * @param daysSinceFirstOrder whole days since the first order (ignored when `orders` is 0)
 */
export function lifecycleStage(
  orders: number,
  recencyDays: number,
  daysSinceFirstOrder: number,
  t: LifecycleThresholds,
): LifecycleStage {
  if (orders === 0) return "prospect";
  if (recencyDays >= t.churnAfterDays) return "churned";
  if (orders === 1) return daysSinceFirstOrder < t.newWindowDays ? "new" : "at-risk";
  if (recencyDays > t.atRiskAfterDays) return "at-risk";
  return orders >= t.matureMinOrders ? "mature" : "growing";
}
