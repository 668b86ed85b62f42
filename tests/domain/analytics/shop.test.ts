import { describe, expect, it } from "vitest";
import { analyzeRetention } from "~/domain/analytics";
import { asOf, shop as histories } from "./tiny-shop";

describe("shop-level metrics of the tiny shop", () => {
  const { shop } = analyzeRetention(histories, { asOf });

  it("counts customers with an order by asOf, and repeat customers", () => {
    expect([shop.customers, shop.repeatCustomers, shop.repeatRate]).toEqual([5, 3, 3 / 5]); // A, B, E repeat; F has no orders
  });

  it("30/60/90-day retention over all matured customers", () => {
    // 30: matured A B C D (E is 21 days old), retained A.  60: matured A B C D (D is 75 days old), retained A B.
    // 90: matured A B C, retained A B; D and E maturing.
    expect(shop.retention[30]).toEqual({ days: 30, matured: 4, maturing: 1, retained: 1, rate: 1 / 4 });
    expect(shop.retention[60]).toEqual({ days: 60, matured: 4, maturing: 1, retained: 2, rate: 2 / 4 });
    expect(shop.retention[90]).toEqual({ days: 90, matured: 3, maturing: 2, retained: 2, rate: 2 / 3 });
  });

  it("LTV at 30/90/365 days over the customers matured for each horizon", () => {
    // 30 days: A 1000+2000, B 4000, C 5000, D 2000 -> mean 14000/4 = 3500, median (3000+4000)/2 = 3500.
    expect(shop.ltv[30]).toEqual({ days: 30, customers: 4, meanMinor: 3500, medianMinor: 3500 });
    // 90 days: A 1000+2000+3000 (Mar 1 is day 50), B 4000+1000, C 5000 -> mean 16000/3, median 5000.
    expect(shop.ltv[90]).toEqual({ days: 90, customers: 3, meanMinor: 16000 / 3, medianMinor: 5000 });
    // Nobody is a year old.
    expect(shop.ltv[365]).toEqual({ days: 365, customers: 0, meanMinor: null, medianMinor: null });
  });

  it("time to second order: E 10, A 15, B 49 days", () => {
    const t = shop.timeToSecondOrder;
    // type-7 quantiles of [10, 15, 49]: p25 at position 0.5 -> 12.5; median 15; p75 at 1.5 -> 15 + 0.5 * 34 = 32.
    expect([t.count, t.p25Days, t.medianDays, t.p75Days, t.meanDays]).toEqual([3, 12.5, 15, 32, 74 / 3]);
    const counts = Object.fromEntries(t.histogram.map((b) => [`${b.fromDays}-${b.toDays}`, b.count]));
    expect(counts).toEqual({
      "0-7": 0, "7-14": 1, "14-30": 1, "30-45": 0, "45-60": 1, "60-90": 0, "90-180": 0, "180-365": 0, "365-Infinity": 0,
    });
    expect(t.histogram[1].share).toBe(1 / 3);
  });

  it("repurchase intervals: every gap between consecutive orders", () => {
    // A: 15 and Jan 25 -> Mar 1 = 7 + 28 = 35; B: 49; E: 10. Sorted [10, 15, 35, 49]: median 25.
    const r = shop.repurchaseIntervals;
    expect([r.count, r.medianDays, r.meanDays]).toEqual([4, 25, 109 / 4]);
  });

  it("share of revenue from returning customers", () => {
    // All revenue by asOf: A 6000 + B 5000 + C 5000 + D 2000 + E 2000 = 20000 (D's May 20 order is after asOf).
    // Repeat orders: A 2000 + 3000, B 1000, E 1000 = 7000 -> 0.35.
    expect([shop.revenueMinor, shop.returningRevenueMinor, shop.returningRevenueShare]).toEqual([20000, 7000, 0.35]);
  });

  it("an empty shop reports nulls, not zeros", () => {
    const { shop: empty, cohorts } = analyzeRetention([], { asOf });
    expect(cohorts).toEqual([]);
    expect([empty.repeatRate, empty.retention[30].rate, empty.timeToSecondOrder.medianDays, empty.returningRevenueShare]).toEqual([
      null, null, null, null,
    ]);
    expect(empty.curve.churnPeakDay).toBeNull();
  });

  it("refuses a non-finite asOf and non-positive windows", () => {
    expect(() => analyzeRetention(histories, { asOf: Number.NaN })).toThrow(RangeError);
    expect(() => analyzeRetention(histories, { asOf, retentionWindowsDays: [0] })).toThrow(RangeError);
  });
});
