import { describe, expect, it } from "vitest";
import { analyzeRetention, cohortLtvAt, ltvCacEscalations, ltvToCac } from "~/domain/analytics";
import { asOf, shop } from "./tiny-shop";

describe("ltvToCac", () => {
  const ltv = { "2025-01": 9000, "2025-02": 7000, "2025-03": 5000, "2025-04": 4000 };

  it("ratio and status per month: healthy at 3, watch from 2.5, alert below; months without LTV are skipped", () => {
    const points = ltvToCac(ltv, { "2025-03": 2500, "2025-01": 3000, "2025-02": 2500, "2025-05": 1000 });
    // 9000/3000 = 3 healthy; 7000/2500 = 2.8 watch; 5000/2500 = 2 alert; May has no cohort LTV.
    expect(points.map((p) => [p.month, p.ratio, p.status])).toEqual([
      ["2025-01", 3, "healthy"],
      ["2025-02", 2.8, "watch"],
      ["2025-03", 2, "alert"],
    ]);
  });

  it("per channel, against the cohort's LTV; custom thresholds", () => {
    const points = ltvToCac(ltv, { "2025-01": { meta: 4500, google: 2000 } }, { healthy: 4, alert: 2 });
    // 9000/2000 = 4.5 healthy; 9000/4500 = 2 watch (not below 2).
    expect(points.map((p) => [p.channel, p.ratio, p.status])).toEqual([
      ["google", 4.5, "healthy"],
      ["meta", 2, "watch"],
    ]);
  });

  it("free acquisition is healthy; negative CAC and inverted thresholds are refused", () => {
    expect(ltvToCac(ltv, { "2025-01": 0 })[0]).toMatchObject({ ratio: Infinity, status: "healthy" });
    expect(() => ltvToCac(ltv, { "2025-01": -1 })).toThrow(RangeError);
    expect(() => ltvToCac(ltv, { "2025-01": 1 }, { healthy: 2, alert: 3 })).toThrow(RangeError);
  });

  it("three alert months in a row escalate, per channel", () => {
    const points = ltvToCac(ltv, {
      "2025-01": { meta: 4000, google: 2000 }, // 2.25 alert, 4.5
      "2025-02": { meta: 3000, google: 2000 }, // 2.33 alert, 3.5
      "2025-03": { meta: 2500, google: 2000 }, // 2 alert, 2.5 watch
      "2025-04": { meta: 1000, google: 2000 }, // 4, 2 alert
    });
    expect(ltvCacEscalations(points)).toEqual([
      { channel: "meta", startMonth: "2025-01", endMonth: "2025-03", escalatedMonth: "2025-03", months: 3, worstValue: 2, ongoing: false },
    ]);
  });

  it("takes cohort LTV from the cohort analysis at a month since first purchase", () => {
    const { cohorts } = analyzeRetention(shop, { asOf });
    // Month 2 has ended for Jan (cumulative 4000 + 4000/3) and Feb (2000), not for Apr.
    expect(cohortLtvAt(cohorts, 2)).toEqual({ "2025-01": 4000 + 4000 / 3, "2025-02": 2000 });
  });
});
