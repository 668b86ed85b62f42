/**
 * Campaign statistics: small cases checked by hand, and simulations (seeded,
 * deterministic) showing the sequential rule keeps false positives at the
 * nominal level under repeated looks, where the naive z-test does not, and
 * that intervals cover a known injected effect at their nominal rate.
 */
import { describe, expect, it } from "vitest";
import {
  bootstrapMeanDifference,
  compareProportions,
  mixtureSequentialTest,
  normalCdf,
  normalQuantile,
  returnOnCost,
  sequentialConversionTest,
} from "~/domain/campaigns";
import { seededRandom, type Random } from "~/domain/random";

describe("normal distribution helpers", () => {
  it.each([
    [0, 0.5], [1.959963985, 0.975], [-1.644853627, 0.05], [3, 0.998650102],
  ])("Φ(%d) = %d", (z, p) => {
    expect(normalCdf(z)).toBeCloseTo(p, 6);
    expect(normalQuantile(p)).toBeCloseTo(z, 5);
  });
  it("refuses a quantile outside (0, 1)", () => {
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe("compareProportions (hand-checked)", () => {
  it("120/1000 against 100/1000", () => {
    const c = compareProportions({ customers: 1000, converted: 120 }, { customers: 1000, converted: 100 });
    expect(c.difference).toBeCloseTo(0.02, 12);
    expect(c.relativeUplift).toBeCloseTo(0.2, 12);
    // sqrt(.12·.88/1000 + .1·.9/1000) = sqrt(0.0001956) = 0.013986
    expect(c.standardError).toBeCloseTo(0.0139857, 6);
    expect(c.interval[0]).toBeCloseTo(0.02 - 1.959964 * 0.0139857, 5);
    expect(c.interval[1]).toBeCloseTo(0.02 + 1.959964 * 0.0139857, 5);
    // pooled p = 0.11, se = sqrt(.11·.89·0.002) = 0.0139929; z = 1.42930
    expect(c.z).toBeCloseTo(1.4293, 3);
    expect(c.pValue).toBeCloseTo(0.1529, 3);
  });
  it("relative uplift is null when the control converted nobody, and bad counts are refused", () => {
    expect(compareProportions({ customers: 10, converted: 1 }, { customers: 10, converted: 0 }).relativeUplift).toBeNull();
    expect(() => compareProportions({ customers: 0, converted: 0 }, { customers: 10, converted: 1 })).toThrow(RangeError);
    expect(() => compareProportions({ customers: 5, converted: 6 }, { customers: 10, converted: 1 })).toThrow(RangeError);
  });
});

describe("mixtureSequentialTest", () => {
  it("matches the closed form at a hand-computed point", () => {
    // θ = 0.02, V = 0.0001, τ = 0.03: V + τ² = 0.001; Λ = sqrt(0.1)·exp(9e-4·4e-4/(2·1e-4·1e-3)) = 0.316228·e^1.8 = 1.91307
    const t = mixtureSequentialTest(0.02, 0.0001, 0.05, 0.03);
    expect(t.likelihoodRatio).toBeCloseTo(1.91307, 4);
    expect(t.alwaysValidPValue).toBeCloseTo(1 / 1.91307, 4);
    expect(t.rejectsNull).toBe(false); // 1.91 < 1/0.05
    const half = Math.sqrt(((1e-4 * 1e-3) / 9e-4) * (Math.log(10) - 2 * Math.log(0.05)));
    expect(t.interval[1] - 0.02).toBeCloseTo(half, 10);
  });
  it("its interval excludes 0 exactly when it rejects", () => {
    for (const theta of [0.01, 0.03, 0.045, 0.05, -0.05, 0.1]) {
      const t = mixtureSequentialTest(theta, 0.0002);
      expect(t.rejectsNull).toBe(t.interval[0] > 0 || t.interval[1] < 0);
    }
  });
  it("is wider than the fixed-horizon interval (the price of looking any time)", () => {
    const counts = [{ customers: 5000, converted: 650 }, { customers: 5000, converted: 600 }] as const;
    const fixed = compareProportions(counts[0], counts[1]);
    const seq = sequentialConversionTest(counts[0], counts[1]);
    expect(seq.interval[1] - seq.interval[0]).toBeGreaterThan(fixed.interval[1] - fixed.interval[0]);
  });
  it("knows nothing without variation", () => {
    expect(mixtureSequentialTest(0, 0).rejectsNull).toBe(false);
  });
});

function binomial(n: number, p: number, random: Random): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (random() < p) k++;
  return k;
}

/** Experiments with `looks` looks of `step` customers per arm each; the share that ever declares a difference. */
function everRejects(options: { experiments: number; looks: number; step: number; pT: number; pC: number; seed: number }) {
  const random = seededRandom(options.seed);
  let sequential = 0;
  let naive = 0;
  for (let e = 0; e < options.experiments; e++) {
    const t = { customers: 0, converted: 0 };
    const c = { customers: 0, converted: 0 };
    let seqHit = false;
    let naiveHit = false;
    for (let look = 0; look < options.looks; look++) {
      t.customers += options.step; t.converted += binomial(options.step, options.pT, random);
      c.customers += options.step; c.converted += binomial(options.step, options.pC, random);
      if (!seqHit && sequentialConversionTest(t, c).rejectsNull) seqHit = true;
      if (!naiveHit && compareProportions(t, c).pValue < 0.05) naiveHit = true;
    }
    if (seqHit) sequential++;
    if (naiveHit) naive++;
  }
  return { sequential: sequential / options.experiments, naive: naive / options.experiments };
}

describe("A/A simulation: repeated looks", () => {
  it("GIVEN no effect and 20 looks WHEN the sequential rule decides THEN false positives stay at or below alpha = 0.05, while peeking at the z-test inflates them", () => {
    const { sequential, naive } = everRejects({ experiments: 2000, looks: 20, step: 100, pT: 0.1, pC: 0.1, seed: 20261203 });
    // 2000 experiments: the binomial standard error at 5% is 0.5 points; allow two of them.
    expect(sequential).toBeLessThanOrEqual(0.05 + 0.01);
    // The naive rule, checked at every look, is well above nominal (about 0.2 for 20 looks).
    expect(naive).toBeGreaterThan(0.1);
  });

  it("GIVEN a real effect THEN the same rule detects it (the guard is not just a refusal to decide)", () => {
    const { sequential } = everRejects({ experiments: 300, looks: 20, step: 100, pT: 0.16, pC: 0.1, seed: 7 });
    expect(sequential).toBeGreaterThan(0.8);
  });
});

describe("coverage simulation: a known injected effect", () => {
  it("GIVEN pT = 0.13, pC = 0.10 WHEN measured at the horizon THEN the 95% interval covers 0.03 at about 95%, and the confidence sequence at every look at least 95%", () => {
    const random = seededRandom(99);
    const runs = 1500;
    let fixedCovers = 0;
    let sequenceCoversAlways = 0;
    for (let r = 0; r < runs; r++) {
      const t = { customers: 0, converted: 0 };
      const c = { customers: 0, converted: 0 };
      let always = true;
      for (let look = 0; look < 10; look++) {
        t.customers += 300; t.converted += binomial(300, 0.13, random);
        c.customers += 300; c.converted += binomial(300, 0.1, random);
        const [lo, hi] = sequentialConversionTest(t, c).interval;
        if (!(lo <= 0.03 && 0.03 <= hi)) always = false;
      }
      const [lo, hi] = compareProportions(t, c).interval;
      if (lo <= 0.03 && 0.03 <= hi) fixedCovers++;
      if (always) sequenceCoversAlways++;
    }
    // sd of a 95% rate over 1500 runs ≈ 0.56 points; allow about 2.5 sd.
    expect(fixedCovers / runs).toBeGreaterThan(0.935);
    expect(fixedCovers / runs).toBeLessThan(0.965);
    expect(sequenceCoversAlways / runs).toBeGreaterThanOrEqual(0.95);
  });

  it("GIVEN revenue per customer with a known uplift WHEN bootstrapped THEN the 90% interval covers the true difference at about 90%", () => {
    const random = seededRandom(4242);
    // Revenue: converts with p, then an order of 40 + exponential(mean 60) currency units, in minor units.
    const revenue = (n: number, p: number) => Float64Array.from({ length: n }, () => (random() < p ? Math.round((40 - 60 * Math.log(1 - random())) * 100) : 0));
    const truth = (0.3 - 0.2) * 100 * 100; // (pT − pC) · mean order (100 units) in minor units
    const runs = 300;
    let covers = 0;
    for (let r = 0; r < runs; r++) {
      const b = bootstrapMeanDifference(revenue(400, 0.3), revenue(400, 0.2), random, { alpha: 0.1, resamples: 400 });
      if (b.interval[0] <= truth && truth <= b.interval[1]) covers++;
    }
    // sd at 90% over 300 runs ≈ 1.7 points.
    expect(covers / runs).toBeGreaterThan(0.85);
    expect(covers / runs).toBeLessThan(0.95);
  });
});

describe("bootstrapMeanDifference", () => {
  it("is deterministic for a seed and brackets the observed difference", () => {
    const t = [0, 0, 5000, 12000, 0, 3000];
    const c = [0, 4000, 0, 0, 0, 1000];
    const a = bootstrapMeanDifference(t, c, seededRandom(1), { resamples: 500 });
    const b = bootstrapMeanDifference(t, c, seededRandom(1), { resamples: 500 });
    expect(a).toEqual(b);
    expect(a.difference).toBeCloseTo(20000 / 6 - 5000 / 6, 9);
    expect(a.interval[0]).toBeLessThan(a.difference);
    expect(a.interval[1]).toBeGreaterThan(a.difference);
  });
  it("refuses an empty arm", () => {
    expect(() => bootstrapMeanDifference([], [1], seededRandom(1))).toThrow(RangeError);
  });
});

describe("returnOnCost", () => {
  it.each([
    // +250 minor per customer × 1000 treated = 250,000; cost 100,000 → net 150,000, ROI 1.5
    [250, 1000, 100_000, { incrementalRevenueMinor: 250_000, costMinor: 100_000, netMinor: 150_000, roi: 1.5 }],
    [-10, 100, 5_000, { incrementalRevenueMinor: -1_000, costMinor: 5_000, netMinor: -6_000, roi: -1.2 }],
    [30, 10, 0, { incrementalRevenueMinor: 300, costMinor: 0, netMinor: 300, roi: null }],
  ])("difference %d × %d treated, cost %d", (diff, n, cost, expected) => {
    expect(returnOnCost(diff, n, cost)).toEqual(expected);
  });
});
