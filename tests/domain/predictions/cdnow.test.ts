/**
 * The published CDNOW fits: BG/NBD (Fader, Hardie & Lee 2005, Marketing
 * Science, Table/§5: r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4)
 * and Gamma-Gamma (Fader, Hardie & Lee 2005 JMR; Fader & Hardie 2013 note:
 * p = 6.25, q = 3.74, γ = 15.44, LL = −4055.92 on the 946 repeat customers).
 * Calibration: first 39 weeks to 1997-09-30, weeks, repeat purchases per day.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { fitBgNbd } from "~/domain/predictions/bg-nbd";
import { fitGammaGamma } from "~/domain/predictions/gamma-gamma";
import { summarise, type CustomerSummary } from "~/domain/predictions/summaries";
import { CDNOW_CALIBRATION_END, CDNOW_SAMPLE_PATH, loadCdnowSample } from "./cdnow";

const histories = loadCdnowSample();
if (!histories) console.warn(`CDNOW sample not found at ${CDNOW_SAMPLE_PATH}: skipping the published-fit tests`);

const relErr = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe.skipIf(!histories)("CDNOW published fits", () => {
  let summaries: CustomerSummary[];
  beforeAll(() => {
    summaries = summarise(histories!, CDNOW_CALIBRATION_END, "weeks");
  });

  it("summarises 2,357 customers, 946 of them repeaters, in weeks", () => {
    expect(summaries).toHaveLength(2357);
    expect(summaries.filter((s) => s.x > 0)).toHaveLength(946);
    expect(summaries[0]).toMatchObject({ x: 2, tx: 213 / 7, T: 272 / 7 });
  });

  it("BG/NBD reproduces r, α, a, b within 1 % and the log-likelihood", () => {
    const fit = fitBgNbd(summaries);
    console.info("CDNOW BG/NBD", fit);
    expect(fit.converged).toBe(true);
    expect(relErr(fit.params.r, 0.243)).toBeLessThan(0.01);
    expect(relErr(fit.params.alpha, 4.414)).toBeLessThan(0.01);
    expect(relErr(fit.params.a, 0.793)).toBeLessThan(0.01);
    expect(relErr(fit.params.b, 2.426)).toBeLessThan(0.01);
    expect(fit.logLikelihood).toBeCloseTo(-9582.4, 1);
  });

  it("Gamma-Gamma reproduces p, q, γ within 1 % and the log-likelihood", () => {
    const spend = summaries
      .filter((s) => s.x > 0)
      .map((s) => ({ x: s.x, meanValue: s.meanRepeatValueMinor! / 100 })); // dollars, as published
    const fit = fitGammaGamma(spend);
    console.info("CDNOW Gamma-Gamma", fit);
    expect(fit.n).toBe(946);
    expect(relErr(fit.params.p, 6.25)).toBeLessThan(0.01);
    expect(relErr(fit.params.q, 3.74)).toBeLessThan(0.01);
    expect(relErr(fit.params.gamma, 15.44)).toBeLessThan(0.01);
    expect(fit.logLikelihood).toBeCloseTo(-4055.92, 1);
    expect(fit.diagnostics.independenceHolds).toBe(true); // corr ≈ 0.11
  });
});
