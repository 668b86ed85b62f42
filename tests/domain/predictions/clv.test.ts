import { describe, expect, it } from "vitest";
import { expectedTransactions } from "~/domain/predictions/bg-nbd";
import { predictedLifetimeValue } from "~/domain/predictions/clv";

describe("predictedLifetimeValue", () => {
  it("without discounting is E[X(horizon)] × order value", () => {
    const v = predictedLifetimeValue((d) => d / 30, 1000, { horizonDays: 365, monthlyDiscountRate: 0 });
    expect(v).toBeCloseTo((365 / 30) * 1000, 8);
  });

  it("discounts each month at its end: one purchase a month for 12 months", () => {
    const month = 365.25 / 12;
    const d = 0.01;
    const v = predictedLifetimeValue((days) => days / month, 100, { horizonDays: 12 * month, monthlyDiscountRate: d });
    let expected = 0;
    for (let k = 1; k <= 12; k++) expected += 100 / Math.pow(1 + d, k);
    expect(v).toBeCloseTo(expected, 8);
  });

  it("is below the undiscounted value and grows with the horizon (BG/NBD, weeks → days)", () => {
    const params = { r: 0.2426, alpha: 4.4136 * 7, a: 0.7929, b: 2.4259 }; // CDNOW, α in days
    const within = (days: number) => expectedTransactions(params, days, 3, 200, 270);
    const discounted = predictedLifetimeValue(within, 3500);
    expect(discounted).toBeLessThan(within(365) * 3500);
    expect(discounted).toBeGreaterThan(0.8 * within(365) * 3500);
    expect(predictedLifetimeValue(within, 3500, { horizonDays: 730 })).toBeGreaterThan(discounted);
  });

  it("refuses negative inputs", () => {
    expect(() => predictedLifetimeValue(() => 0, -1)).toThrow(RangeError);
    expect(() => predictedLifetimeValue(() => 0, 1, { monthlyDiscountRate: -0.1 })).toThrow(RangeError);
  });
});
