/**
 * What an order should hold in points, from its current synced state and the
 * earn rules pinned when it first earned. Earning converges on this target:
 * every order, refund or cancel webhook appends target − what the order's
 * entries already sum to (docs/decisions/0006-points-ledger.md), so duplicate
 * and reordered deliveries cannot double-count.
 */
import { currencyExponent } from "~/domain/sync/money";
import type { EarnRules } from "./rules";

export interface OrderSnapshot {
  orderGid: string;
  customerGid: string | null;
  /** The shop currency: every amount below is shop money (the order's own conversion rate applied by Shopify). */
  currencyCode: string;
  financialStatus: string | null;
  /** Line items after discounts, before shipping and taxes. */
  subtotalMinor: bigint;
  /** The part of `subtotalMinor` that buys gift cards: it earns when it is spent, not when it is bought. */
  giftCardMinor: bigint;
  totalPriceMinor: bigint;
  /** Everything refunded so far (goods, shipping, taxes). */
  refundedMinor: bigint;
  /**
   * The order's refunds, when known, so points are reversed on the goods they
   * returned ({@link keptEligibleMinor}). Absent: `refundedMinor` is reversed
   * pro rata to the order's total.
   */
  refunds?: readonly RefundSnapshot[];
  cancelledAt: Date | null;
  test: boolean;
  tags: string[];
  processedAt: Date;
}

/** One refund as earning reads it. */
export interface RefundSnapshot {
  /** Money returned: goods, their tax, shipping. */
  totalMinor: bigint;
  /** Goods returned (line subtotals after discounts, before tax, gift cards left out); null when the source did not list its lines. */
  goodsMinor: bigint | null;
}

/** Rules pinned on the order's first entry: later rule edits never change what an order earns. */
export interface PinnedOrderRules {
  ruleVersion: number;
  pointsPerUnit: number;
  multiplierPct: number;
  /** The first-order bonus, when this was the customer's first earning order; 0 otherwise. */
  firstOrderPoints: number;
  excludedOrderTags: string[];
}

export interface OrderTarget {
  /** Points for the amount paid and kept. */
  purchase: number;
  /** The first-order bonus, kept unless the whole order is cancelled or refunded. */
  firstOrder: number;
}

/** Captured payment: the only states that earn. Pending, authorized, partially paid and voided orders earn 0 until they change. */
const EARNING_STATUSES = new Set(["PAID", "PARTIALLY_REFUNDED"]);

/** The paid-and-kept part of an order's goods, in shop minor units, and why it is zero when it is. */
export function keptEligibleMinor(order: OrderSnapshot, excludedOrderTags: string[]): { minor: bigint; total: bigint; reason: string | null } {
  if (order.test) return { minor: 0n, total: 0n, reason: "test order" };
  if (order.cancelledAt) return { minor: 0n, total: 0n, reason: "cancelled" };
  if (!order.financialStatus || !EARNING_STATUSES.has(order.financialStatus)) return { minor: 0n, total: 0n, reason: `financial status ${order.financialStatus ?? "unknown"}` };
  const excluded = new Set(excludedOrderTags.map((t) => t.toLowerCase()));
  if (order.tags.some((t) => excluded.has(t.toLowerCase()))) return { minor: 0n, total: 0n, reason: "excluded tag" };
  const total = order.totalPriceMinor;
  const goods = order.subtotalMinor - order.giftCardMinor;
  const eligible = goods > 0n ? goods : 0n;
  if (total <= 0n || eligible === 0n) return { minor: 0n, total, reason: "nothing paid" };
  const { goodsMinor, unknownMinor } = refundedGoods(order);
  // Scaled by total (divided once, at the end): goods known to be returned come off whole, money of unknown make-up pro rata.
  const kept = (eligible - goodsMinor) * total - eligible * unknownMinor;
  if (kept <= 0n) return { minor: 0n, total, reason: "refunded" };
  return { minor: kept, total, reason: null };
}

/**
 * What the order's refunds returned in goods, and the refunded money whose
 * make-up is unknown: refunds synced without their lines, and whatever the
 * order reports refunded beyond its synced refunds (refunds/create not arrived yet).
 */
export function refundedGoods(order: Pick<OrderSnapshot, "refundedMinor" | "refunds">): { goodsMinor: bigint; unknownMinor: bigint } {
  if (!order.refunds) return { goodsMinor: 0n, unknownMinor: order.refundedMinor };
  let goodsMinor = 0n;
  let unknownMinor = 0n;
  let listed = 0n;
  for (const refund of order.refunds) {
    listed += refund.totalMinor;
    if (refund.goodsMinor === null) unknownMinor += refund.totalMinor;
    else goodsMinor += refund.goodsMinor;
  }
  if (order.refundedMinor > listed) unknownMinor += order.refundedMinor - listed;
  return { goodsMinor, unknownMinor };
}

/**
 * The order's target points. Refunds reduce the purchase points by the goods
 * they returned, on the same base earning used (line subtotals after
 * discounts, before shipping and tax, gift cards left out), so earning and a
 * full refund net to zero and a partial refund takes back its goods' share.
 * A refund whose lines are unknown reduces them pro rata to its share of the
 * order's total instead. A single floor at the end.
 */
export function orderTarget(order: OrderSnapshot, pinned: PinnedOrderRules): OrderTarget {
  const { minor, total } = keptEligibleMinor(order, pinned.excludedOrderTags);
  if (minor === 0n) return { purchase: 0, firstOrder: 0 };
  const denominator = total * 10n ** BigInt(currencyExponent(order.currencyCode)) * 100n;
  const purchase = Number((minor * BigInt(pinned.pointsPerUnit) * BigInt(pinned.multiplierPct)) / denominator);
  // An order too small to earn a single point earns no first-order bonus either (a one-cent order is not a way to 100 points).
  return { purchase, firstOrder: purchase > 0 ? pinned.firstOrderPoints : 0 };
}

/** Pins the current rules and the customer's tier multiplier for an order earning for the first time. */
export function pinOrderRules(rules: EarnRules, ruleVersion: number, multiplierPct: number, isFirstOrder: boolean): PinnedOrderRules {
  return {
    ruleVersion,
    pointsPerUnit: rules.pointsPerUnit,
    multiplierPct,
    firstOrderPoints: isFirstOrder ? rules.firstOrderPoints : 0,
    excludedOrderTags: rules.excludedOrderTags,
  };
}

/** Whole points a spend earns under the given rate and multiplier (used for previews and tiers). */
export function pointsForSpend(spendMinor: bigint, currencyCode: string, pointsPerUnit: number, multiplierPct: number): number {
  if (spendMinor <= 0n) return 0;
  return Number((spendMinor * BigInt(pointsPerUnit) * BigInt(multiplierPct)) / (10n ** BigInt(currencyExponent(currencyCode)) * 100n));
}
