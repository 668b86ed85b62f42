import { describe, expect, it } from "vitest";
import { churnRisk, expectedNextOrderAt } from "~/domain/predictions/churn-risk";

describe("churnRisk", () => {
  it.each([
    [{ pAlive: 0.9, daysSinceLastOrder: 10, expectedGapDays: 30 }, "low", ["withinThresholds"]],
    [{ pAlive: 0.25, daysSinceLastOrder: 10, expectedGapDays: 30 }, "high", ["pAliveBelow"]],
    [{ pAlive: 0.9, daysSinceLastOrder: 61, expectedGapDays: 30 }, "high", ["gapExceeded"]],
    [{ pAlive: 0.1, daysSinceLastOrder: 100, expectedGapDays: 30 }, "high", ["pAliveBelow", "gapExceeded"]],
    [{ pAlive: 0.5, daysSinceLastOrder: 10, expectedGapDays: 30 }, "medium", ["pAliveBelow"]],
    [{ pAlive: 0.9, daysSinceLastOrder: 37, expectedGapDays: 30 }, "medium", ["gapExceeded"]],
    [{ pAlive: 0.9, daysSinceLastOrder: 500, expectedGapDays: null }, "low", ["withinThresholds"]],
  ] as const)("%o -> %s (%o)", (input, level, rules) => {
    const risk = churnRisk(input);
    expect(risk.level).toBe(level);
    expect(risk.reasons.map((r) => r.rule)).toEqual(rules);
  });

  it("reports the threshold and values that fired", () => {
    expect(churnRisk({ pAlive: 0.9, daysSinceLastOrder: 61, expectedGapDays: 30 }).reasons[0]).toEqual({
      rule: "gapExceeded",
      daysSinceLastOrder: 61,
      expectedGapDays: 30,
      multiple: 2,
      limitDays: 60,
    });
  });

  it("takes thresholds as parameters", () => {
    expect(churnRisk({ pAlive: 0.5, daysSinceLastOrder: 0, expectedGapDays: 30 }, { mediumBelowPAlive: 0.4 }).level).toBe("low");
    expect(churnRisk({ pAlive: 0.5, daysSinceLastOrder: 0, expectedGapDays: 30 }, { highBelowPAlive: 0.55 }).level).toBe("high");
  });

  it("refuses out-of-range input", () => {
    expect(() => churnRisk({ pAlive: 1.2, daysSinceLastOrder: 0, expectedGapDays: 1 })).toThrow(RangeError);
    expect(() => churnRisk({ pAlive: 0.5, daysSinceLastOrder: -1, expectedGapDays: 1 })).toThrow(RangeError);
  });
});

describe("expectedNextOrderAt", () => {
  const asOf = Date.UTC(2024, 5, 1);
  it("adds the median wait when the customer is likely alive, otherwise says why not", () => {
    expect(expectedNextOrderAt({ asOf, pAlive: 0.8, medianWaitDaysIfAlive: 10 })).toEqual({
      at: asOf + 10 * 86_400_000,
      basis: "medianWaitIfAlive",
      pAlive: 0.8,
    });
    expect(expectedNextOrderAt({ asOf, pAlive: 0.05, medianWaitDaysIfAlive: 10 }).basis).toBe("unlikelyAlive");
    expect(expectedNextOrderAt({ asOf, pAlive: 0.8, medianWaitDaysIfAlive: null })).toMatchObject({ at: null, basis: "noPurchaseRate" });
  });
});
