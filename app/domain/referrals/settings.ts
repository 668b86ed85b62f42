/** A shop's referral programme, as the domain reads it. */

export type FriendDiscountKind = "percentage" | "fixed_amount" | "free_shipping";

export interface ReferralProgramSettings {
  enabled: boolean;
  friendDiscountKind: FriendDiscountKind;
  /** 1..100, for "percentage". */
  friendDiscountPercentage: number | null;
  /** For "fixed_amount", in minor units of `friendDiscountCurrencyCode`. */
  friendDiscountAmountMinor: bigint | null;
  friendDiscountCurrencyCode: string | null;
  /** Points the referrer earns per rewarded referral (integer). */
  referrerRewardPoints: number;
  /** At most this many rewards per referrer in any trailing `capPeriodDays`. */
  rewardCapPerPeriod: number;
  capPeriodDays: number;
  /** The friend's order subtotal (after discounts, before shipping and tax) must reach this, shop currency minor units. */
  minimumOrderMinor: bigint;
  /** Days from the referral's start (click or sign-up) within which the friend's first order must come. */
  attributionWindowDays: number;
  /** Days from the order being seen paid until the referrer is paid, if nothing was refunded. */
  returnWindowDays: number;
  /** Bumped on every change; stored on each referral. */
  version: number;
}

export const DEFAULT_REFERRAL_SETTINGS: ReferralProgramSettings = {
  enabled: true,
  friendDiscountKind: "percentage",
  friendDiscountPercentage: 10,
  friendDiscountAmountMinor: null,
  friendDiscountCurrencyCode: null,
  referrerRewardPoints: 500,
  rewardCapPerPeriod: 10,
  capPeriodDays: 30,
  minimumOrderMinor: 0n,
  attributionWindowDays: 30,
  returnWindowDays: 30,
  version: 1,
};

export const DAY_MS = 24 * 3600 * 1000;

/** The problems with a settings change, empty when it is valid. */
const MAX_INT32 = 2_147_483_647;

export function validateReferralSettings(s: ReferralProgramSettings): string[] {
  const problems: string[] = [];
  const positiveInt = (name: string, v: number, min = 1) => {
    // The columns are 32-bit integers: a larger value would be stored (SQLite) and then not read back.
    if (!Number.isInteger(v) || v < min || v > MAX_INT32) problems.push(`${name} must be an integer from ${min} to ${MAX_INT32}`);
  };
  positiveInt("referrerRewardPoints", s.referrerRewardPoints);
  positiveInt("rewardCapPerPeriod", s.rewardCapPerPeriod, 0);
  positiveInt("capPeriodDays", s.capPeriodDays);
  positiveInt("attributionWindowDays", s.attributionWindowDays);
  positiveInt("returnWindowDays", s.returnWindowDays, 0);
  if (s.minimumOrderMinor < 0n) problems.push("minimumOrderMinor must not be negative");
  if (s.friendDiscountKind === "percentage") {
    const p = s.friendDiscountPercentage;
    if (p === null || !Number.isInteger(p) || p < 1 || p > 100) problems.push("friendDiscountPercentage must be an integer in 1..100");
  } else if (s.friendDiscountKind === "fixed_amount") {
    if (s.friendDiscountAmountMinor === null || s.friendDiscountAmountMinor <= 0n) problems.push("friendDiscountAmountMinor must be positive");
    if (!s.friendDiscountCurrencyCode) problems.push("friendDiscountCurrencyCode is required for a fixed amount");
  }
  return problems;
}
