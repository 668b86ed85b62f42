import { describe, expect, it } from "vitest";
import { analyzeRetention, baselineInputFromShop, compareToBaselines, RETENTION_BASELINES } from "~/domain/analytics";
import { asOf, shop } from "./tiny-shop";

describe("baselines from the retention strategy", () => {
  it("holds the strategy's numbers", () => {
    expect(RETENTION_BASELINES.retention30).toMatchObject({ typical: 0.15, smallSeller: 0.08, target: 0.25, leading: 0.4 });
    expect(RETENTION_BASELINES.retention60).toMatchObject({ typical: 0.08, smallSeller: 0.03, target: 0.2, leading: 0.35 });
    expect(RETENTION_BASELINES.repeatRate).toMatchObject({ typical: 0.08, target: 0.15 });
    expect(RETENTION_BASELINES.ltvToCac).toMatchObject({ typical: 1.25, target: 3 });
  });

  it.each([
    ["retention30", 0.15, "typical"], // equal to typical does not beat it
    ["retention30", 0.18, "above-typical"],
    ["retention30", 0.25, "on-target"],
    ["retention30", 0.41, "leading"],
    ["retention60", 0.05, "typical"],
    ["repeatRate", 0.15, "on-target"],
    ["ltvToCac", 1.25, "typical"],
    ["ltvToCac", 2.8, "above-typical"],
    ["ltvToCac", 3.2, "on-target"],
    ["repurchaseCycleDays", 60, "above-typical"], // lower is better: 60 beats 90, short of 45
    ["repurchaseCycleDays", 45, "on-target"],
    ["firstToSecondChurn", 0.9, "typical"], // worse than the typical 82%
  ] as const)("%s = %s stands at %s", (metric, value, standing) => {
    expect(compareToBaselines({ [metric]: value })).toEqual([expect.objectContaining({ metric, value, standing })]);
  });

  it("gap to target and a one-line summary; absent and null metrics are skipped", () => {
    const [r30, cycle] = compareToBaselines({ retention30: 0.18, repurchaseCycleDays: 60, retention60: null });
    expect(r30.gapToTarget).toBeCloseTo(0.07, 12);
    expect(r30.summary).toBe("30-day retention 18.0%: above typical (typical 15.0%, target 25.0%, leading 40.0%)");
    expect(cycle.gapToTarget).toBe(15); // 15 days longer than the 45-day target
  });

  it("fills what a retention analysis knows", () => {
    const input = baselineInputFromShop(analyzeRetention(shop, { asOf }).shop);
    // From shop.test.ts: r30 1/4, r60 2/4, repeat 3/5, median repurchase interval 25 days.
    expect(input).toEqual({ retention30: 0.25, retention60: 0.5, repeatRate: 0.6, firstToSecondChurn: 0.4, repurchaseCycleDays: 25 });
    expect(compareToBaselines(input).map((c) => c.standing)).toEqual(["on-target", "leading", "on-target", "above-typical", "on-target"]);
  });
});
