/**
 * The referral funnel for a period: codes issued, links shared, landing
 * clicks, sign-ups, first orders, rewards, revenue; each stage counts the
 * events that happened inside [from, to).
 */
import type { ReferralStatus } from "./payout";

export interface FunnelReferral {
  status: ReferralStatus;
  signedUpAt: number | null;
  orderedAt: number | null;
  rewardedAt: number | null;
  rejectedAt: number | null;
  voidedAt: number | null;
  orderValueMinor: bigint | null;
  currencyCode: string | null;
  rewardPoints: number | null;
}

export interface FunnelInput {
  from: number;
  to: number;
  /** Counted by the caller in [from, to). */
  codesIssued: number;
  /** Distinct codes with a share in [from, to). */
  linksShared: number;
  /** Deduplicated landing clicks (one per visitor, code and day) in [from, to). */
  clicks: number;
  /** Referrals with any of their timestamps in [from, to); others are ignored. */
  referrals: FunnelReferral[];
}

export interface ReferralFunnel {
  from: number;
  to: number;
  codesIssued: number;
  linksShared: number;
  clicks: number;
  signUps: number;
  /** Friends' first orders attributed in the period (whatever happened to them later). */
  firstOrders: number;
  rewarded: number;
  rewardPoints: number;
  rejected: number;
  voided: number;
  /** Subtotals of the period's attributed first orders that were not voided, per currency (minor units). */
  revenueMinor: Record<string, bigint>;
  /** firstOrders / clicks, null without clicks. */
  clickToOrderRate: number | null;
  /** signUps / clicks, null without clicks. */
  clickToSignUpRate: number | null;
}

const inRange = (t: number | null, from: number, to: number) => t !== null && t >= from && t < to;
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

/** Aggregates a period's funnel. Pure: the same input always gives the same numbers. */
export function aggregateFunnel(input: FunnelInput): ReferralFunnel {
  const { from, to } = input;
  let signUps = 0, firstOrders = 0, rewarded = 0, rewardPoints = 0, rejected = 0, voided = 0;
  const revenueMinor: Record<string, bigint> = {};
  for (const r of input.referrals) {
    if (inRange(r.signedUpAt, from, to)) signUps++;
    if (inRange(r.orderedAt, from, to)) {
      firstOrders++;
      if (r.status !== "voided" && r.orderValueMinor !== null && r.currencyCode) {
        revenueMinor[r.currencyCode] = (revenueMinor[r.currencyCode] ?? 0n) + r.orderValueMinor;
      }
    }
    if (inRange(r.rewardedAt, from, to) && r.status === "rewarded") {
      rewarded++;
      rewardPoints += r.rewardPoints ?? 0;
    }
    if (inRange(r.rejectedAt, from, to)) rejected++;
    if (inRange(r.voidedAt, from, to)) voided++;
  }
  return {
    from, to,
    codesIssued: input.codesIssued,
    linksShared: input.linksShared,
    clicks: input.clicks,
    signUps, firstOrders, rewarded, rewardPoints, rejected, voided, revenueMinor,
    clickToOrderRate: ratio(firstOrders, input.clicks),
    clickToSignUpRate: ratio(signUps, input.clicks),
  };
}
