/**
 * The per-customer features layer rules read, and the shop norms they compare
 * against. Both are plain data: features are what a rule sees, norms are what
 * "× shop median" resolves to.
 */
import type { PurchaseHistory } from "../customers/purchase-history";
import { type LifecycleStage, type LifecycleThresholds, lifecycleStage } from "./lifecycle";
import { type Quintile, type RfmThresholds, readColumns, scoreHigherBetter, scoreLowerBetter } from "./rfm";

/**
 * One customer as layer rules see it. Values that need an order are null for
 * prospects; a comparison on a null value is false.
 */
export interface CustomerFeatures {
  customerId: string;
  /** Orders on or before the as-of date (0 for a prospect). */
  orders: number;
  /** Same as `orders`; the RFM name. */
  frequency: number;
  /** Whole days since the last order. */
  recencyDays: number | null;
  /** Whole days since the first order. */
  daysSinceFirstOrder: number | null;
  /** Whole days since the customer record was created. */
  daysSinceCreated: number;
  /** Lifetime net spend, minor units (0 for a prospect). */
  monetaryMinor: number;
  /** Average order value, minor units. */
  aovMinor: number | null;
  r: Quintile | null;
  f: Quintile | null;
  m: Quintile | null;
  lifecycleStage: LifecycleStage;
  // Behaviour and interest (the web pixel's dimensions, app/domain/behaviour/rule-features.ts):
  // null when the pixel never saw the customer (no analytics consent, never logged in while browsing).
  /** Distinct browser-days in the 30 days before the behaviour refresh. */
  sessions30d: number | null;
  productViews30d: number | null;
  addToCarts30d: number | null;
  searches30d: number | null;
  /** Whole days since the latest event. */
  daysSinceLastVisit: number | null;
  /** Whole days since the abandoned cart; null when none in the 7 days before the refresh. */
  daysSinceCartAbandoned: number | null;
  /** The strongest product-type affinity. */
  topProductType: string | null;
}

/** The shop-level numbers rules may compare against ("1.5× shop median AOV"). */
export interface ShopNorms {
  /** Minor units. */
  medianAovMinor: number;
  /** Minor units. */
  p80AovMinor: number;
  /** Minor units. */
  medianMonetaryMinor: number;
  /** Orders. */
  medianFrequency: number;
  /** Days. */
  typicalGapDays: number;
  /** Days. */
  atRiskAfterDays: number;
  /** Days. */
  churnAfterDays: number;
  /** Days. */
  newWindowDays: number;
}

/**
 * What a full pass stores so one customer can later be scored, staged and
 * layered exactly as the pass would have: JSON-safe.
 */
export interface ShopBaseline {
  rfm: RfmThresholds;
  lifecycle: LifecycleThresholds;
}

export function shopNorms(baseline: ShopBaseline): ShopNorms {
  const { rfm, lifecycle } = baseline;
  return {
    medianAovMinor: rfm.medianAovMinor,
    p80AovMinor: rfm.p80AovMinor,
    medianMonetaryMinor: rfm.medianMonetaryMinor,
    medianFrequency: rfm.medianFrequency,
    typicalGapDays: rfm.typicalGapDays,
    atRiskAfterDays: lifecycle.atRiskAfterDays,
    churnAfterDays: lifecycle.churnAfterDays,
    newWindowDays: lifecycle.newWindowDays,
  };
}

/** A features object with prospect values, for reuse as a scratch row in hot loops. */
export function emptyFeatures(customerId = ""): CustomerFeatures {
  return {
    customerId, orders: 0, frequency: 0, recencyDays: null, daysSinceFirstOrder: null, daysSinceCreated: 0,
    monetaryMinor: 0, aovMinor: null, r: null, f: null, m: null, lifecycleStage: "prospect",
    sessions30d: null, productViews30d: null, addToCarts30d: null, searches30d: null,
    daysSinceLastVisit: null, daysSinceCartAbandoned: null, topProductType: null,
  };
}

/**
 * Fills `into` with customer `i` of the raw columns (allocation-free), scoring
 * against the baseline. Used by both the full pass and single-customer updates
 * so the two cannot drift apart.
 */
export function fillFeatures(
  into: CustomerFeatures,
  customerId: string,
  orders: number,
  recencyDays: number,
  daysSinceFirstOrder: number,
  daysSinceCreated: number,
  monetaryMinor: number,
  aovMinor: number,
  baseline: ShopBaseline,
): CustomerFeatures {
  into.customerId = customerId;
  into.orders = orders;
  into.frequency = orders;
  into.daysSinceCreated = daysSinceCreated;
  into.monetaryMinor = orders > 0 ? monetaryMinor : 0;
  into.lifecycleStage = lifecycleStage(orders, recencyDays, daysSinceFirstOrder, baseline.lifecycle);
  if (orders === 0) {
    into.recencyDays = null; into.daysSinceFirstOrder = null; into.aovMinor = null;
    into.r = null; into.f = null; into.m = null;
    return into;
  }
  into.recencyDays = recencyDays;
  into.daysSinceFirstOrder = daysSinceFirstOrder;
  into.aovMinor = aovMinor;
  into.r = scoreLowerBetter(recencyDays, baseline.rfm.recencyDays);
  into.f = scoreHigherBetter(orders, baseline.rfm.frequency);
  into.m = scoreHigherBetter(monetaryMinor, baseline.rfm.monetaryMinor);
  return into;
}

/** One customer's features as of `asOf`, against a stored baseline. */
export function customerFeatures(history: PurchaseHistory, baseline: ShopBaseline, asOf: number): CustomerFeatures {
  const c = readColumns([history], asOf, 0);
  return fillFeatures(
    emptyFeatures(), history.customerId, c.orders[0], c.recencyDays[0], c.daysSinceFirstOrder[0],
    c.daysSinceCreated[0], c.monetaryMinor[0], c.aovMinor[0], baseline,
  );
}
