import { describe, expect, it } from "vitest";
import { DAY_MS, type PurchaseHistory } from "~/domain/customers/purchase-history";
import { predictShop } from "~/domain/predictions/predict-shop";
import { sampleBeta, sampleGamma, seededRandom } from "~/domain/predictions/simulate";
import { CDNOW_CALIBRATION_END, loadCdnowSample } from "./cdnow";

const ASOF = Date.UTC(2025, 0, 1);

/**
 * A synthetic shop: BG/NBD purchasing in days (CDNOW-like: r 0.24, α 31 days,
 * a 0.79, b 2.43), first purchases spread over the last two years, order
 * values from the Gamma-Gamma story in cents.
 */
function syntheticShop(customers: number, seed: number): PurchaseHistory[] {
  const random = seededRandom(seed);
  return Array.from({ length: customers }, (_, i) => {
    const firstDay = 1 + Math.floor(random() * 730);
    const first = ASOF - firstDay * DAY_MS;
    const lambda = sampleGamma(random, 0.24, 31);
    const p = sampleBeta(random, 0.79, 2.43);
    const nu = sampleGamma(random, 3.7, 1500);
    const value = () => Math.round(sampleGamma(random, 6, nu) * 100);
    const orders = [{ at: first, valueMinor: value() }];
    let t = first;
    for (;;) {
      t += (-Math.log(1 - random()) / lambda) * DAY_MS;
      if (t > ASOF) break;
      orders.push({ at: t, valueMinor: value() });
      if (random() < p) break;
    }
    return { customerId: `c${i}`, createdAt: first, orders };
  });
}

describe("predictShop", () => {
  it("falls back to the empirical model for a tiny shop and says why", () => {
    const result = predictShop(syntheticShop(40, 1), ASOF);
    expect(result.model).toBe("empirical");
    expect(result.fitDiagnostics.fallbackReason).toEqual({ code: "tooFewCustomers", customers: 40, minCustomers: 200 });
    expect(result.fitDiagnostics.params).toBeNull();
    expect(result.fitDiagnostics.valueModel.model).toBe("empirical");
    expect(result.customers).toHaveLength(40);
    for (const c of result.customers) {
      expect(c.pAlive).toBeGreaterThanOrEqual(0);
      expect(c.pAlive).toBeLessThanOrEqual(1);
      expect(c.expectedOrders.next30Days).toBeLessThanOrEqual(c.expectedOrders.next90Days);
      expect(c.churnRisk.reasons.length).toBeGreaterThan(0);
      expect(Number.isInteger(c.predictedLtvMinor)).toBe(true);
    }
  });

  it("falls back when there are customers but too few repeaters (thresholds are parameters)", () => {
    const result = predictShop(syntheticShop(300, 2), ASOF, { minRepeaters: 10_000 });
    expect(result.model).toBe("empirical");
    expect(result.fitDiagnostics.fallbackReason).toMatchObject({ code: "tooFewRepeaters", minRepeaters: 10_000 });
    expect(result.fitDiagnostics.empirical.meanGapDays).toBeGreaterThan(0);
  });

  it("handles a shop with no orders at all", () => {
    const result = predictShop([{ customerId: "x", createdAt: ASOF, orders: [] }], ASOF);
    expect(result).toMatchObject({ model: "empirical", customers: [], fitDiagnostics: { n: 0, repeaters: 0 } });
  });

  it("fits BG/NBD and Gamma-Gamma for a shop with enough data; outputs are coherent", () => {
    // GIVEN 3,000 customers over two years
    const result = predictShop(syntheticShop(3000, 3), ASOF);
    // THEN the models fitted and report what they did
    expect(result.model).toBe("bgnbd");
    const d = result.fitDiagnostics;
    expect(d).toMatchObject({ fallbackReason: null, converged: true, n: 3000, timeUnit: "days" });
    expect(d.params!.alpha).toBeGreaterThan(10); // days, truth 31
    expect(d.params!.alpha).toBeLessThan(80);
    expect(d.valueModel.model).toBe("gamma-gamma");
    expect(Math.abs(d.valueModel.frequencyValueCorrelation!)).toBeLessThan(0.3);
    // AND per-customer numbers are consistent
    for (const c of result.customers) {
      expect(c.expectedOrders.next30Days).toBeLessThanOrEqual(c.expectedOrders.next90Days);
      expect(c.expectedOrders.next90Days).toBeLessThanOrEqual(c.expectedOrders.next365Days);
      expect(c.predictedLtvMinor).toBeGreaterThanOrEqual(0);
      expect(c.predictedLtvMinor).toBeLessThanOrEqual(Math.ceil(c.expectedOrders.next365Days * c.expectedOrderValueMinor) + 1);
      if (c.expectedNextOrderAt !== null) expect(c.expectedNextOrderAt).toBeGreaterThan(ASOF);
      else expect(c.nextOrderBasis).toBe("unlikelyAlive");
    }
    const levels = new Set(result.customers.map((c) => c.churnRisk.level));
    expect(levels).toEqual(new Set(["low", "medium", "high"]));
  });

  const cdnow = loadCdnowSample();
  it.skipIf(!cdnow)("on CDNOW in days, r, a, b match the weekly fit and α is 7× (units only rescale α)", () => {
    const result = predictShop(cdnow!, CDNOW_CALIBRATION_END);
    const p = result.fitDiagnostics.params!;
    expect(result.model).toBe("bgnbd");
    expect(p.r).toBeCloseTo(0.2426, 3);
    expect(p.alpha / 7).toBeCloseTo(4.4136, 2);
    expect(p.a).toBeCloseTo(0.7929, 3);
    expect(p.b).toBeCloseTo(2.4259, 2);
  });
});
