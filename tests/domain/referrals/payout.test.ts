import { describe, expect, it } from "vitest";
import {
  DAY_MS,
  DEFAULT_REFERRAL_SETTINGS,
  capAllows,
  decidePayout,
  isPaidStatus,
  payableAtFor,
  validateReferralSettings,
  type OrderState,
  type PayoutDecision,
  type ReferralStatus,
} from "~/domain/referrals";

const PAID_AT = Date.parse("2026-06-01T00:00:00Z");
const PAYABLE = payableAtFor(PAID_AT, { returnWindowDays: 30 });
const paid: OrderState = { financialStatus: "PAID", cancelledAt: null, totalRefundedMinor: 0n, refundedAt: [] };

type Case = [name: string, status: ReferralStatus, order: OrderState | null, now: number, expected: PayoutDecision];

const cases: Case[] = [
  ["paid, inside the return window", "ordered", paid, PAYABLE - 1, { action: "wait", until: PAYABLE }],
  ["paid, window just over", "ordered", paid, PAYABLE, { action: "pay" }],
  ["paid long ago", "ordered", paid, PAYABLE + 90 * DAY_MS, { action: "pay" }],
  ["refunded inside the window", "ordered", { ...paid, financialStatus: "PARTIALLY_REFUNDED", totalRefundedMinor: 500n, refundedAt: [PAID_AT + DAY_MS] }, PAYABLE, { action: "void", reason: "order_refunded" }],
  ["a refund we hold, Shopify's total not yet updated", "ordered", { ...paid, refundedAt: [PAID_AT + DAY_MS] }, PAYABLE - 1, { action: "void", reason: "order_refunded" }],
  ["Shopify's refunded total without a refund row", "ordered", { ...paid, totalRefundedMinor: 1n }, PAYABLE, { action: "void", reason: "order_refunded" }],
  ["cancelled", "ordered", { ...paid, cancelledAt: PAID_AT + DAY_MS }, PAYABLE, { action: "void", reason: "order_cancelled" }],
  ["payment voided", "ordered", { ...paid, financialStatus: "VOIDED" }, PAYABLE, { action: "void", reason: "order_not_paid" }],
  ["order row gone (redacted)", "ordered", null, PAYABLE, { action: "none" }],
  ["rewarded, refund dated inside the window arrives late", "rewarded", { ...paid, refundedAt: [PAYABLE - 1] }, PAYABLE + DAY_MS, { action: "reverse", reason: "refunded_within_return_window" }],
  ["rewarded, refund after the window", "rewarded", { ...paid, refundedAt: [PAYABLE + 1], totalRefundedMinor: 100n }, PAYABLE + DAY_MS, { action: "none" }],
  ["rewarded, cancelled inside the window (late delivery)", "rewarded", { ...paid, cancelledAt: PAYABLE - DAY_MS }, PAYABLE + DAY_MS, { action: "reverse", reason: "refunded_within_return_window" }],
  ["rewarded, refunded total but no dated refund", "rewarded", { ...paid, totalRefundedMinor: 100n }, PAYABLE + DAY_MS, { action: "none" }],
  ["rejected stays rejected", "rejected", paid, PAYABLE, { action: "none" }],
  ["voided stays voided", "voided", { ...paid, refundedAt: [PAID_AT] }, PAYABLE, { action: "none" }],
  ["pending referral", "signed_up", paid, PAYABLE, { action: "none" }],
];

describe("decidePayout", () => {
  it.each(cases)("%s", (_name, status, order, now, expected) => {
    expect(decidePayout({ status, payableAt: PAYABLE, order, now })).toEqual(expected);
  });
});

describe("isPaidStatus", () => {
  it.each([
    ["PAID", true], ["PARTIALLY_REFUNDED", true], ["REFUNDED", true],
    ["PENDING", false], ["AUTHORIZED", false], ["PARTIALLY_PAID", false], ["VOIDED", false], [null, false],
  ] as const)("%s -> %s", (status, expected) => {
    expect(isPaidStatus(status)).toBe(expected);
  });
});

describe("capAllows", () => {
  const settings = { rewardCapPerPeriod: 2, capPeriodDays: 30 };
  const now = PAYABLE;
  it.each([
    ["no rewards yet", [], true],
    ["one in the period", [now - DAY_MS], true],
    ["two in the period", [now - DAY_MS, now - 29 * DAY_MS], false],
    ["two, one just outside the period", [now - DAY_MS, now - 30 * DAY_MS], true],
    ["two, one dated in the future (skewed clock)", [now - DAY_MS, now + DAY_MS], false],
  ] as const)("%s -> %s", (_name, times, expected) => {
    expect(capAllows([...times], now, settings)).toBe(expected);
  });
  it("a cap of zero pays nobody", () => {
    expect(capAllows([], now, { rewardCapPerPeriod: 0, capPeriodDays: 30 })).toBe(false);
  });
});

describe("validateReferralSettings", () => {
  it("accepts the defaults and names every problem of a bad change", () => {
    expect(validateReferralSettings(DEFAULT_REFERRAL_SETTINGS)).toEqual([]);
    const problems = validateReferralSettings({ ...DEFAULT_REFERRAL_SETTINGS, referrerRewardPoints: 0, friendDiscountPercentage: 120, minimumOrderMinor: -1n });
    expect(problems).toHaveLength(3);
    expect(validateReferralSettings({ ...DEFAULT_REFERRAL_SETTINGS, friendDiscountKind: "fixed_amount" })).toEqual([
      "friendDiscountAmountMinor must be positive",
      "friendDiscountCurrencyCode is required for a fixed amount",
    ]);
  });
});
