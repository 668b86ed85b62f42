import { describe, expect, it } from "vitest";
import { type LifecycleStage, lifecycleStage, lifecycleThresholds, scoreShop } from "~/domain/segments";
import { AS_OF, customer, repeater } from "./helpers";

// Typical gap 45 days (the default) → at-risk after 67.5 days, churned from 90.
const T = lifecycleThresholds(45);

describe("lifecycle thresholds", () => {
  it.each([
    { gap: 45, atRisk: 67.5, churn: 90 },
    { gap: 30, atRisk: 45, churn: 90 }, // the 90-day floor holds
    { gap: 60, atRisk: 90, churn: 120 }, // a slow shop: churn at 2 × gap
    { gap: 5, atRisk: 7.5, churn: 90 },
  ])("typical gap $gap days → at-risk after $atRisk, churned from $churn", ({ gap, atRisk, churn }) => {
    expect(lifecycleThresholds(gap)).toEqual({ newWindowDays: 30, atRiskAfterDays: atRisk, churnAfterDays: churn, matureMinOrders: 4 });
  });

  it("takes merchant parameters", () => {
    expect(lifecycleThresholds(40, { atRiskGapFactor: 1, churnFloorDays: 60, churnGapFactor: 3, newWindowDays: 14, matureMinOrders: 6 }))
      .toEqual({ newWindowDays: 14, atRiskAfterDays: 40, churnAfterDays: 120, matureMinOrders: 6 });
  });
});

describe("lifecycle stage rules at their boundaries", () => {
  it.each<{ rule: string; orders: number; recency: number; first: number; stage: LifecycleStage }>([
    { rule: "no order: prospect", orders: 0, recency: 0, first: 0, stage: "prospect" },
    { rule: "1 order, 0 days: new", orders: 1, recency: 0, first: 0, stage: "new" },
    { rule: "1 order, 29 days: still new", orders: 1, recency: 29, first: 29, stage: "new" },
    { rule: "1 order, 30 days: window closed, at-risk", orders: 1, recency: 30, first: 30, stage: "at-risk" },
    { rule: "1 order, 89 days: at-risk", orders: 1, recency: 89, first: 89, stage: "at-risk" },
    { rule: "1 order, 90 days: churned", orders: 1, recency: 90, first: 90, stage: "churned" },
    { rule: "2 orders, recency 67: growing", orders: 2, recency: 67, first: 100, stage: "growing" },
    { rule: "2 orders, recency 68 > 67.5: at-risk", orders: 2, recency: 68, first: 100, stage: "at-risk" },
    { rule: "3 orders, recency 0: growing", orders: 3, recency: 0, first: 10, stage: "growing" },
    { rule: "4 orders, recency 0: mature", orders: 4, recency: 0, first: 10, stage: "mature" },
    { rule: "4 orders, recency 67: mature", orders: 4, recency: 67, first: 300, stage: "mature" },
    { rule: "4 orders, recency 68: at-risk", orders: 4, recency: 68, first: 300, stage: "at-risk" },
    { rule: "9 orders, recency 89: at-risk", orders: 9, recency: 89, first: 300, stage: "at-risk" },
    { rule: "9 orders, recency 90: churned", orders: 9, recency: 90, first: 300, stage: "churned" },
    { rule: "2 orders, recency 500: churned", orders: 2, recency: 500, first: 600, stage: "churned" },
  ])("$rule", ({ orders, recency, first, stage }) => {
    expect(lifecycleStage(orders, recency, first, T)).toBe(stage);
  });

  it("does not call a new customer at risk even in a fast shop (new wins over the gap rule)", () => {
    const fast = lifecycleThresholds(10); // at-risk after 15 days
    expect(lifecycleStage(1, 20, 20, fast)).toBe("new");
    expect(lifecycleStage(2, 20, 40, fast)).toBe("at-risk");
  });

  it("follows a slow shop's rhythm past the 90-day floor", () => {
    const slow = lifecycleThresholds(80); // at-risk after 120, churned from 160
    expect([100, 120, 121, 159, 160].map((d) => lifecycleStage(3, d, 400, slow)))
      .toEqual(["growing", "growing", "at-risk", "at-risk", "churned"]);
  });
});

describe("the shop's typical repurchase gap", () => {
  const repeaters = (n: number, gapDays: number) => Array.from({ length: n }, (_, i) => repeater(`r${i}`, 3, 1, gapDays));

  it("is the median of the pooled gaps between consecutive orders", () => {
    const shop = [...repeaters(20, 10), ...Array.from({ length: 15 }, (_, i) => repeater(`s${i}`, 2, 1, 40)), customer("one", [5])];
    // 40 gaps of 10 days, 15 of 40 days → median 10
    expect(scoreShop(shop, AS_OF).thresholds).toMatchObject({ typicalGapDays: 10, typicalGapSource: "shop", repeatCustomers: 35 });
  });

  it("falls back to the default (45 days) with fewer than 30 repeaters", () => {
    expect(scoreShop(repeaters(29, 10), AS_OF).thresholds).toMatchObject({ typicalGapDays: 45, typicalGapSource: "default", repeatCustomers: 29 });
    expect(scoreShop(repeaters(30, 10), AS_OF).thresholds).toMatchObject({ typicalGapDays: 10, typicalGapSource: "shop" });
    expect(scoreShop(repeaters(5, 10), AS_OF, { minRepeatCustomers: 5, defaultTypicalGapDays: 90 }).thresholds.typicalGapDays).toBe(10);
  });

  it("leaves out same-day gaps (one trip split into orders)", () => {
    const shop = Array.from({ length: 30 }, (_, i) => customer(`c${i}`, [50, 50, 50, 20])); // gaps 0, 0, 30
    expect(scoreShop(shop, AS_OF).thresholds.typicalGapDays).toBe(30);
  });
});
