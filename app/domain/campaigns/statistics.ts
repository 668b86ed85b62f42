/**
 * The statistics behind campaign results (docs/decisions/0008-campaign-experiments.md):
 *
 * - conversion: the difference of two proportions with a fixed-horizon Wald
 *   interval (unpooled) and the pooled two-proportion z-test;
 * - the sequential rule: a mixture sequential probability ratio test (mSPRT)
 *   on that difference, whose always-valid p-value and confidence sequence
 *   stay valid however often the merchant looks (Johari, Koomen, Pekelis &
 *   Walsh, "Peeking at A/B tests", KDD 2017, and "Always valid inference",
 *   Operations Research 2022, eq. for the normal mixture);
 * - revenue per customer: a seeded percentile bootstrap of the difference in means;
 * - ROI: incremental revenue net of the campaign's reward cost.
 */
import type { Random } from "../random";

/** Standard normal CDF. erfc by W. J. Cody's rational approximation via Numerical Recipes' erfcc (|error| < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Inverse standard normal CDF (Acklam's algorithm, relative error < 1.15e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

export interface ArmCounts {
  customers: number;
  converted: number;
}

export interface ProportionComparison {
  pTreatment: number;
  pControl: number;
  /** pTreatment − pControl (absolute uplift). */
  difference: number;
  /** difference / pControl; null when the control converted nobody. */
  relativeUplift: number | null;
  /** Unpooled standard error of the difference. */
  standardError: number;
  /** Fixed-horizon (1 − alpha) Wald interval of the difference: valid at one pre-planned look only. */
  interval: [number, number];
  /** Pooled two-proportion z statistic and its two-sided p-value (fixed horizon). */
  z: number;
  pValue: number;
}

/**
 * Treatment versus control conversion.
 * @throws RangeError when an arm is empty or counts are inconsistent.
 */
export function compareProportions(treatment: ArmCounts, control: ArmCounts, alpha = 0.05): ProportionComparison {
  for (const arm of [treatment, control]) {
    if (!(arm.customers > 0) || arm.converted < 0 || arm.converted > arm.customers) throw new RangeError(`invalid arm counts ${JSON.stringify(arm)}`);
  }
  const pT = treatment.converted / treatment.customers;
  const pC = control.converted / control.customers;
  const difference = pT - pC;
  const standardError = Math.sqrt((pT * (1 - pT)) / treatment.customers + (pC * (1 - pC)) / control.customers);
  const zq = normalQuantile(1 - alpha / 2);
  const pooled = (treatment.converted + control.converted) / (treatment.customers + control.customers);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / treatment.customers + 1 / control.customers));
  const z = pooledSe > 0 ? difference / pooledSe : 0;
  return {
    pTreatment: pT,
    pControl: pC,
    difference,
    relativeUplift: pC > 0 ? difference / pC : null,
    standardError,
    interval: [difference - zq * standardError, difference + zq * standardError],
    z,
    pValue: pooledSe > 0 ? 2 * (1 - normalCdf(Math.abs(z))) : 1,
  };
}

/**
 * The mixing scale of the mSPRT, in absolute conversion difference: the
 * effect size the test is most sensitive to. 0.03 is three points of
 * conversion, the strategy's "+15%" on a 20% base.
 */
export const DEFAULT_MIXTURE_SCALE = 0.03;

export interface SequentialTest {
  /** The mixture likelihood ratio Λ; the test rejects "no difference" once Λ ≥ 1/alpha. */
  likelihoodRatio: number;
  /** 1/Λ capped at 1: valid at any look (a running minimum over looks is also valid). */
  alwaysValidPValue: number;
  rejectsNull: boolean;
  /** The (1 − alpha) confidence sequence of the difference at this look. */
  interval: [number, number];
}

/**
 * The normal-mixture mSPRT for a difference with estimate `difference` and
 * variance `variance`, mixing N(0, tau²):
 *   Λ = sqrt(V / (V + τ²)) · exp(τ² θ̂² / (2 V (V + τ²)))
 * and the confidence sequence
 *   θ̂ ± sqrt(V (V + τ²) / τ² · (ln((V + τ²) / V) − 2 ln α)).
 * With V = 0 (no variation yet) nothing is known: Λ = 1, the interval is unbounded.
 */
export function mixtureSequentialTest(difference: number, variance: number, alpha = 0.05, tau = DEFAULT_MIXTURE_SCALE): SequentialTest {
  if (!(variance > 0)) return { likelihoodRatio: 1, alwaysValidPValue: 1, rejectsNull: false, interval: [-Infinity, Infinity] };
  const t2 = tau * tau;
  const logLambda = 0.5 * Math.log(variance / (variance + t2)) + (t2 * difference * difference) / (2 * variance * (variance + t2));
  const likelihoodRatio = Math.exp(logLambda);
  const halfWidth = Math.sqrt(((variance * (variance + t2)) / t2) * (Math.log((variance + t2) / variance) - 2 * Math.log(alpha)));
  return {
    likelihoodRatio,
    alwaysValidPValue: Math.min(1, 1 / likelihoodRatio),
    rejectsNull: logLambda >= -Math.log(alpha),
    interval: [difference - halfWidth, difference + halfWidth],
  };
}

/** {@link mixtureSequentialTest} on conversion: the unpooled variance of the difference of proportions. */
export function sequentialConversionTest(treatment: ArmCounts, control: ArmCounts, alpha = 0.05, tau = DEFAULT_MIXTURE_SCALE): SequentialTest {
  const c = compareProportions(treatment, control, alpha);
  return mixtureSequentialTest(c.difference, c.standardError ** 2, alpha, tau);
}

export interface BootstrapInterval {
  /** mean(treatment) − mean(control). */
  difference: number;
  interval: [number, number];
  resamples: number;
}

const mean = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : 0;
};

function resampledMean(xs: ArrayLike<number>, random: Random): number {
  const n = xs.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[Math.floor(random() * n)];
  return s / n;
}

/**
 * Percentile bootstrap (1 − alpha) interval of the difference in mean
 * revenue per customer (minor units), resampling each arm independently.
 * Deterministic for a given `random` (app/domain/random.ts `seededRandom`).
 * @throws RangeError when an arm is empty.
 */
export function bootstrapMeanDifference(
  treatment: ArrayLike<number>,
  control: ArrayLike<number>,
  random: Random,
  options: { alpha?: number; resamples?: number } = {},
): BootstrapInterval {
  const { alpha = 0.05, resamples = 1000 } = options;
  if (treatment.length === 0 || control.length === 0) throw new RangeError("bootstrap needs customers in both arms");
  const diffs = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) diffs[b] = resampledMean(treatment, random) - resampledMean(control, random);
  diffs.sort();
  const at = (q: number) => diffs[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))];
  return { difference: mean(treatment) - mean(control), interval: [at(alpha / 2), at(1 - alpha / 2)], resamples };
}

export interface ReturnOnCost {
  /** (mean revenue per treated − per control customer) × treated customers, minor units. */
  incrementalRevenueMinor: number;
  /** Points at their value plus reward codes, minor units. */
  costMinor: number;
  /** incremental revenue − cost. */
  netMinor: number;
  /** net / cost; null when the campaign cost nothing. */
  roi: number | null;
}

/** Incremental revenue net of the campaign's reward cost. */
export function returnOnCost(revenuePerCustomerDifferenceMinor: number, treatedCustomers: number, costMinor: number): ReturnOnCost {
  const incrementalRevenueMinor = revenuePerCustomerDifferenceMinor * treatedCustomers;
  const netMinor = incrementalRevenueMinor - costMinor;
  return { incrementalRevenueMinor, costMinor, netMinor, roi: costMinor > 0 ? netMinor / costMinor : null };
}
