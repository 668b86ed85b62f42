import { describe, expect, it } from "vitest";
import { aggregateFunnel, type FunnelReferral } from "~/domain/referrals";

const FROM = Date.parse("2026-06-01T00:00:00Z");
const TO = Date.parse("2026-07-01T00:00:00Z");
const IN = FROM + 1000;
const BEFORE = FROM - 1000;

const r = (over: Partial<FunnelReferral>): FunnelReferral => ({
  status: "clicked", signedUpAt: null, orderedAt: null, rewardedAt: null, rejectedAt: null, voidedAt: null,
  orderValueMinor: null, currencyCode: null, rewardPoints: null, ...over,
});

describe("aggregateFunnel", () => {
  it("counts each stage by when it happened and sums revenue per currency, voided orders excluded", () => {
    const funnel = aggregateFunnel({
      from: FROM, to: TO, codesIssued: 5, linksShared: 4, clicks: 40,
      referrals: [
        r({ status: "signed_up", signedUpAt: IN }),
        r({ status: "ordered", signedUpAt: IN, orderedAt: IN, orderValueMinor: 5000n, currencyCode: "EUR" }),
        r({ status: "rewarded", signedUpAt: BEFORE, orderedAt: BEFORE, rewardedAt: IN, orderValueMinor: 7000n, currencyCode: "EUR", rewardPoints: 500 }),
        r({ status: "rewarded", orderedAt: IN, rewardedAt: IN, orderValueMinor: 3000n, currencyCode: "USD", rewardPoints: 500 }),
        r({ status: "voided", orderedAt: IN, voidedAt: IN, orderValueMinor: 9000n, currencyCode: "EUR" }),
        r({ status: "rejected", signedUpAt: IN, rejectedAt: IN }),
        r({ status: "ordered", orderedAt: TO, orderValueMinor: 1n, currencyCode: "EUR" }), // `to` is exclusive
      ],
    });
    expect(funnel).toEqual({
      from: FROM, to: TO, codesIssued: 5, linksShared: 4, clicks: 40,
      signUps: 3, firstOrders: 3, rewarded: 2, rewardPoints: 1000, rejected: 1, voided: 1,
      revenueMinor: { EUR: 5000n, USD: 3000n },
      clickToOrderRate: 3 / 40, clickToSignUpRate: 3 / 40,
    });
  });

  it("gives null rates without clicks", () => {
    const funnel = aggregateFunnel({ from: FROM, to: TO, codesIssued: 0, linksShared: 0, clicks: 0, referrals: [] });
    expect(funnel.clickToOrderRate).toBeNull();
    expect(funnel.clickToSignUpRate).toBeNull();
    expect(funnel.revenueMinor).toEqual({});
  });
});
