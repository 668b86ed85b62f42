import { describe, expect, it } from "vitest";
import {
  conditionalExpectedOrderValue,
  fitGammaGamma,
  GammaGammaAssumptionError,
  gammaGammaLogLikelihood,
  pearson,
  type GammaGammaParams,
} from "~/domain/predictions/gamma-gamma";
import { sampleGamma, seededRandom } from "~/domain/predictions/simulate";
import { standardErrors } from "./numerical-hessian";

const CDNOW: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };

describe("conditionalExpectedOrderValue", () => {
  it("is the population mean pγ/(q−1) for x = 0 and a weighted average otherwise", () => {
    const population = (CDNOW.p * CDNOW.gamma) / (CDNOW.q - 1);
    expect(conditionalExpectedOrderValue(CDNOW, 0, null)).toBeCloseTo(population, 12);
    const x = 4;
    const m = 50;
    const w = (CDNOW.q - 1) / (CDNOW.p * x + CDNOW.q - 1);
    expect(conditionalExpectedOrderValue(CDNOW, x, m)).toBeCloseTo(w * population + (1 - w) * m, 12);
  });

  it("moves towards the customer's own mean as x grows", () => {
    const values = [1, 2, 5, 20, 200].map((x) => conditionalExpectedOrderValue(CDNOW, x, 100));
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]);
    expect(values[values.length - 1]).toBeCloseTo(100, 0);
  });

  it("refuses parameters without a finite mean", () => {
    expect(() => conditionalExpectedOrderValue({ p: 1, q: 0.5, gamma: 1 }, 0, null)).toThrow(RangeError);
  });
});

/** Simulate the Gamma-Gamma story: ν ~ Gamma(q, γ); each transaction ~ Gamma(p, ν). */
function simulateSpend(params: GammaGammaParams, customers: number, seed: number, xOf: (nu: number, i: number) => number) {
  const random = seededRandom(seed);
  return Array.from({ length: customers }, (_, i) => {
    const nu = sampleGamma(random, params.q, params.gamma);
    const x = xOf(nu, i);
    let total = 0;
    for (let k = 0; k < x; k++) total += sampleGamma(random, params.p, nu);
    return { x, meanValue: total / x };
  });
}

describe("fitGammaGamma", () => {
  it("recovers simulated parameters (4,000 customers) and the population mean to 5 %", () => {
    const truth = CDNOW;
    const data = simulateSpend(truth, 4000, 7, (_, i) => 1 + (i % 6));
    const fit = fitGammaGamma(data);
    expect(fit.converged).toBe(true);
    // p and q are individually loose (they trade off); the implied mean is tight.
    const mean = (f: GammaGammaParams) => (f.p * f.gamma) / (f.q - 1);
    expect(Math.abs(mean(fit.params) / mean(truth) - 1)).toBeLessThan(0.05);
    // p and γ trade off strongly, so test them jointly: the likelihood-ratio
    // statistic 2(ℓ(θ̂) − ℓ(θ)) is asymptotically χ²₃ at the truth; its 99.9 %
    // quantile is 16.27. (This seed is a ~1 % draw: p̂ ≈ 4.5, 3.6 marginal SEs low.)
    const lr = 2 * (fit.logLikelihood - gammaGammaLogLikelihood(truth, data));
    const theta = [fit.params.p, fit.params.q, fit.params.gamma].map(Math.log);
    const se = standardErrors(
      (t) => gammaGammaLogLikelihood({ p: Math.exp(t[0]), q: Math.exp(t[1]), gamma: Math.exp(t[2]) }, data),
      theta,
    );
    console.info("Gamma-Gamma recovery", { fitted: fit.params, seLog: se, lr });
    expect(lr).toBeGreaterThanOrEqual(0); // the fit is the maximum
    expect(lr).toBeLessThan(16.27);
    // and no parameter is further than 4 marginal standard errors away.
    [truth.p, truth.q, truth.gamma].forEach((v, i) => expect(Math.abs(theta[i] - Math.log(v)) / se[i]).toBeLessThan(4));
    expect(Math.abs(fit.diagnostics.frequencyValueCorrelation)).toBeLessThan(0.1);
  });

  it("flags, or refuses on request, when frequency and value are strongly correlated", () => {
    // Frequent buyers are the low-ν (high-spend) ones: x grows with 1/ν.
    const data = simulateSpend(CDNOW, 2000, 11, (nu) => Math.min(30, 1 + Math.floor(0.5 / nu)));
    const flagged = fitGammaGamma(data);
    expect(flagged.diagnostics.independenceHolds).toBe(false);
    expect(flagged.diagnostics.frequencyValueCorrelation).toBeGreaterThan(0.3);
    expect(() => fitGammaGamma(data, { onCorrelated: "refuse" })).toThrow(GammaGammaAssumptionError);
  });

  it("excludes one-time buyers and non-positive values, and refuses when none remain", () => {
    const fit = fitGammaGamma([
      ...simulateSpend(CDNOW, 300, 3, () => 2),
      { x: 0, meanValue: 10 },
      { x: 2, meanValue: 0 },
    ]);
    expect(fit.n).toBe(300);
    expect(fit.excluded).toBe(2);
    expect(() => fitGammaGamma([{ x: 0, meanValue: 5 }])).toThrow(RangeError);
  });

  it("pearson is ±1 on lines and NaN on constants", () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 14);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 14);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});
