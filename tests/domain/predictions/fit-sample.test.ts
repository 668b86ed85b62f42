import { describe, expect, it } from "vitest";
import { fitShopModelFromColumns } from "~/domain/predictions/predict-shop";
import { sampleGamma, seededRandom, simulateBgNbd } from "~/domain/predictions/simulate";
import type { SummaryColumns } from "~/domain/predictions/summary-columns";

// A shop simulated from known BG/NBD parameters (in days, whole-day times as the full pass has them),
// with repeat order values drawn from a Gamma-Gamma-like spend process.
const truth = { r: 0.6, alpha: 40, a: 0.8, b: 2.5 };

function simulatedColumns(customers: number): SummaryColumns {
  const observations = simulateBgNbd({
    params: truth,
    customers,
    observedFor: (i) => 180 + Math.floor((540 * i) / customers),
    seed: 7,
    roundTimes: (t) => Math.floor(t),
  });
  const random = seededRandom(11);
  const s: SummaryColumns = {
    count: customers,
    buyers: 0,
    repeaters: 0,
    x: new Float64Array(customers),
    tx: new Float64Array(customers),
    T: new Float64Array(customers),
    meanRepeatValueMinor: new Float64Array(customers),
    meanOrderValueMinor: new Float64Array(customers),
  };
  observations.forEach((o, i) => {
    s.x[i] = o.x;
    s.tx[i] = o.tx;
    s.T[i] = o.T;
    // Each customer's mean spend ~ Gamma(p=6, ν), ν ~ Gamma(q=4, γ=150): independent of frequency.
    const nu = sampleGamma(random, 4, 150);
    let total = 0;
    for (let k = 0; k < Math.max(1, o.x); k++) total += sampleGamma(random, 6, nu) * 100;
    s.meanRepeatValueMinor[i] = o.x > 0 ? total / o.x : Number.NaN;
    s.meanOrderValueMinor[i] = total / Math.max(1, o.x);
    s.buyers++;
    if (o.x > 0) s.repeaters++;
  });
  return s;
}

const relativeError = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe("fitShopModelFromColumns on a sample of a large shop", () => {
  const columns = simulatedColumns(24_000);

  it("fits on every buyer when the shop is within the cap, and says nothing about a sample", () => {
    const fit = fitShopModelFromColumns(columns, { maxFitCustomers: 50_000 });
    expect(fit.model).toBe("bgnbd");
    expect(fit.fitDiagnostics.fitSample).toBeUndefined();
    expect(fit.fitDiagnostics.n).toBe(24_000);
  });

  it("fits on about maxFitCustomers buyers, recovers the parameters the full fit finds, and records the sample", () => {
    const full = fitShopModelFromColumns(columns, { maxFitCustomers: 50_000 });
    const sampled = fitShopModelFromColumns(columns, { maxFitCustomers: 6_000 });
    expect(sampled.model).toBe("bgnbd");
    const sample = sampled.fitDiagnostics.fitSample!;
    expect(sample.of).toBe(24_000);
    // Binomial(24,000, 0.25): sd ≈ 67; five sd either side.
    expect(sample.customers).toBeGreaterThan(6_000 - 340);
    expect(sample.customers).toBeLessThan(6_000 + 340);
    // The gates still see the whole shop.
    expect(sampled.fitDiagnostics.n).toBe(24_000);
    for (const key of ["r", "alpha", "a", "b"] as const) {
      expect(relativeError(sampled.bgNbd![key], full.bgNbd![key])).toBeLessThan(0.25);
      expect(relativeError(sampled.bgNbd![key], truth[key])).toBeLessThan(0.35);
    }
    expect(sampled.gammaGamma).not.toBeNull();
    expect(relativeError(sampled.gammaGamma!.p, full.gammaGamma!.p)).toBeLessThan(0.25);
    // The mean spend the two fits imply, pγ/(q−1), agrees closely even where p, q and γ trade off.
    const meanOf = (g: { p: number; q: number; gamma: number }) => (g.p * g.gamma) / (g.q - 1);
    expect(relativeError(meanOf(sampled.gammaGamma!), meanOf(full.gammaGamma!))).toBeLessThan(0.1);
  });

  it("draws the same sample every pass over the same data", () => {
    const first = fitShopModelFromColumns(columns, { maxFitCustomers: 6_000 });
    const second = fitShopModelFromColumns(columns, { maxFitCustomers: 6_000 });
    expect(second.fitDiagnostics.fitSample).toEqual(first.fitDiagnostics.fitSample);
    expect(second.bgNbd).toEqual(first.bgNbd);
  });
});
