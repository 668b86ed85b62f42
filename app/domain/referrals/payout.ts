/**
 * The referrer's payout: paid once the friend's order is paid and past the
 * return window with nothing refunded or cancelled; voided otherwise.
 */
import { DAY_MS, type ReferralProgramSettings } from "./settings";

export type ReferralStatus = "clicked" | "signed_up" | "ordered" | "rewarded" | "rejected" | "voided";

export const REFERRAL_STATUSES: readonly ReferralStatus[] = ["clicked", "signed_up", "ordered", "rewarded", "rejected", "voided"];

export type VoidReason = "order_cancelled" | "order_refunded" | "order_not_paid" | "refunded_within_return_window";

/** Shopify's displayFinancialStatus values (as the sync layer stores them) that mean the money was taken. */
const PAID = new Set(["PAID", "PARTIALLY_REFUNDED", "REFUNDED"]);

/** Whether an order counts as paid for attribution (PARTIALLY_PAID and AUTHORIZED do not: the money is not taken yet). */
export function isPaidStatus(financialStatus: string | null): boolean {
  return financialStatus !== null && PAID.has(financialStatus);
}

/** Statuses after which a paid order's money is gone again. */
const UNPAID_AFTER_PAYMENT = new Set(["VOIDED", "EXPIRED"]);

export interface OrderState {
  financialStatus: string | null;
  cancelledAt: number | null;
  /** What Shopify says was refunded in total (shop currency minor units). */
  totalRefundedMinor: bigint;
  /** The creation times of the order's refunds we hold, epoch ms. */
  refundedAt: number[];
}

export type PayoutDecision =
  | { action: "pay" }
  | { action: "wait"; until: number }
  | { action: "void"; reason: VoidReason }
  /** Already paid, but a refund or cancellation inside the return window arrived late: reverse the reward. */
  | { action: "reverse"; reason: VoidReason }
  | { action: "none" };

/** When an ordered referral becomes payable: the return window after the order was seen paid. */
export function payableAtFor(orderedAt: number, settings: Pick<ReferralProgramSettings, "returnWindowDays">): number {
  return orderedAt + settings.returnWindowDays * DAY_MS;
}

/**
 * What to do with a referral now.
 * - "ordered": cancelled -> void; any refund (Shopify's total, or a refund we
 *   hold) -> void; payment voided -> void; before `payableAt` -> wait; else pay.
 * - "rewarded": a refund or cancellation dated at or before `payableAt` (a late
 *   delivery) -> reverse; anything later leaves the reward (the return window
 *   is over). A refund Shopify totals but we hold no date for leaves it too.
 * - any other status: none.
 */
export function decidePayout(input: { status: ReferralStatus; payableAt: number | null; order: OrderState | null; now: number }): PayoutDecision {
  const { status, payableAt, order, now } = input;
  if (status === "ordered") {
    if (!order) return { action: "none" }; // the order row is gone (redacted): nothing to decide on
    if (order.cancelledAt !== null) return { action: "void", reason: "order_cancelled" };
    if (order.totalRefundedMinor > 0n || order.refundedAt.length > 0) return { action: "void", reason: "order_refunded" };
    if (order.financialStatus !== null && UNPAID_AFTER_PAYMENT.has(order.financialStatus)) return { action: "void", reason: "order_not_paid" };
    if (payableAt === null || now < payableAt) return { action: "wait", until: payableAt ?? now };
    return { action: "pay" };
  }
  if (status === "rewarded" && order && payableAt !== null) {
    const lateRefund = order.refundedAt.some((t) => t <= payableAt);
    const lateCancel = order.cancelledAt !== null && order.cancelledAt <= payableAt;
    if (lateRefund || lateCancel) return { action: "reverse", reason: "refunded_within_return_window" };
  }
  return { action: "none" };
}

/**
 * Whether the referrer may get one more reward at `now`: fewer than the cap
 * in the trailing period (now - capPeriodDays, now].
 */
export function capAllows(rewardedAt: number[], now: number, settings: Pick<ReferralProgramSettings, "rewardCapPerPeriod" | "capPeriodDays">): boolean {
  const from = now - settings.capPeriodDays * DAY_MS;
  // Rewards dated after `now` (another clock ran ahead) count too: the cap is never exceeded.
  return rewardedAt.filter((t) => t > from).length < settings.rewardCapPerPeriod;
}
