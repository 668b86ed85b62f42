/**
 * Gamma-Gamma model of spend per transaction: Colombo & Jiang (1999),
 * "A stochastic RFM model", Journal of Interactive Marketing 13(3); as used in
 * Fader, Hardie & Lee (2005), "RFM and CLV: Using iso-value curves for
 * customer base analysis", JMR 42(4); likelihood as in Fader & Hardie (2013),
 * "The Gamma-Gamma model of monetary value".
 *
 * Each transaction's value ~ Gamma(p, ν), ν ~ Gamma(q, γ) across customers.
 * The model assumes spend is independent of purchase frequency; we measure the
 * correlation between x and the mean repeat value and report it.
 * Money may be in any unit (γ is in that unit); we use minor units.
 */
import { nelderMead } from "./nelder-mead";
import { lgamma } from "./special-functions";

export interface GammaGammaParams {
  p: number;
  q: number;
  /** Scale of the spend distribution, in the money unit of the data. */
  gamma: number;
}

/** A repeat customer: x ≥ 1 repeat transactions with mean value mₓ > 0. */
export interface SpendObservation {
  x: number;
  meanValue: number;
}

export interface GammaGammaFitOptions {
  /** |Pearson correlation of x and mₓ| above which the fit is flagged. Default 0.3. */
  maxAbsCorrelation?: number;
  /** "flag" (default) returns the fit with `independenceHolds: false`; "refuse" throws. */
  onCorrelated?: "flag" | "refuse";
  maxIterations?: number;
  restarts?: number;
}

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  iterations: number;
  converged: boolean;
  /** Customers used (x ≥ 1 and mₓ > 0). */
  n: number;
  /** Customers dropped for x = 0 or mₓ ≤ 0 (e.g. fully refunded). */
  excluded: number;
  diagnostics: {
    /** Pearson correlation between x and mₓ over the customers used; NaN if undefined. */
    frequencyValueCorrelation: number;
    maxAbsCorrelation: number;
    /** False when |correlation| exceeds the threshold: the model's key assumption fails. */
    independenceHolds: boolean;
  };
}

export class GammaGammaAssumptionError extends Error {
  constructor(readonly correlation: number, readonly maxAbsCorrelation: number) {
    super(`frequency and order value are correlated (r = ${correlation.toFixed(3)}, limit ${maxAbsCorrelation})`);
    this.name = "GammaGammaAssumptionError";
  }
}

/**
 * Log-likelihood (Fader & Hardie 2013, eq. 3 in log form):
 *   ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + px ln x + (px−1) ln mₓ − (px+q) ln(γ + x mₓ).
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, data: readonly SpendObservation[]): number {
  const { p, q, gamma } = params;
  if (!(p > 0 && q > 0 && gamma > 0)) return -Infinity;
  let ll = 0;
  const lgq = lgamma(q);
  const lgg = Math.log(gamma);
  const byX = new Map<number, number>();
  for (const { x, meanValue: m } of data) {
    let perX = byX.get(x);
    if (perX === undefined) {
      perX = lgamma(p * x + q) - lgamma(p * x) - lgq + q * lgg + p * x * Math.log(x);
      byX.set(x, perX);
    }
    ll += perX + (p * x - 1) * Math.log(m) - (p * x + q) * Math.log(gamma + x * m);
  }
  return ll;
}

/**
 * Maximum-likelihood fit of (p, q, γ) by Nelder-Mead on log-parameters.
 * Customers with x = 0 or mₓ ≤ 0 are excluded (counted in `excluded`).
 *
 * @throws RangeError when no customer qualifies.
 * @throws GammaGammaAssumptionError when `onCorrelated` is "refuse" and the
 *   frequency/value correlation exceeds `maxAbsCorrelation`.
 */
export function fitGammaGamma(
  observations: readonly SpendObservation[],
  options: GammaGammaFitOptions = {},
): GammaGammaFit {
  const data = observations.filter((o) => o.x >= 1 && o.meanValue > 0 && Number.isFinite(o.meanValue));
  if (data.length === 0) throw new RangeError("fitGammaGamma: no customer with x >= 1 and a positive mean value");
  const maxAbsCorrelation = options.maxAbsCorrelation ?? 0.3;
  const correlation = pearson(
    data.map((d) => d.x),
    data.map((d) => d.meanValue),
  );
  const independenceHolds = !(Math.abs(correlation) > maxAbsCorrelation);
  if (!independenceHolds && options.onCorrelated === "refuse") {
    throw new GammaGammaAssumptionError(correlation, maxAbsCorrelation);
  }
  const mean = data.reduce((s, d) => s + d.meanValue, 0) / data.length;
  const objective = (t: readonly number[]) => {
    if (t.some((v) => Math.abs(v) > 30)) return Infinity;
    return -gammaGammaLogLikelihood(fromLog(t), data) / data.length;
  };
  const nm = { maxIterations: options.maxIterations ?? 2000, fTolerance: 1e-11, xTolerance: 1e-8 };
  // Starts: E[value] = pγ/(q−1) matched to the sample mean for a few (p, q).
  let best = { x: [0, 0, 0], fx: Infinity, converged: false };
  let iterations = 0;
  for (const [p, q] of [
    [1, 2],
    [5, 3],
    [20, 10],
  ]) {
    const run = nelderMead(objective, [Math.log(p), Math.log(q), Math.log((mean * (q - 1)) / p)], {
      ...nm,
      initialStep: 0.5,
    });
    iterations += run.iterations;
    if (run.fx < best.fx) best = run;
  }
  for (let i = 0; i < (options.restarts ?? 3); i++) {
    const run = nelderMead(objective, best.x, { ...nm, initialStep: 0.1 });
    iterations += run.iterations;
    const improvement = best.fx - run.fx;
    best = run.fx <= best.fx ? run : { ...best, converged: run.converged };
    if (improvement < 1e-10) break;
  }
  const params = fromLog(best.x);
  return {
    params,
    logLikelihood: gammaGammaLogLikelihood(params, data),
    iterations,
    converged: best.converged,
    n: data.length,
    excluded: observations.length - data.length,
    diagnostics: { frequencyValueCorrelation: correlation, maxAbsCorrelation, independenceHolds },
  };
}

/**
 * E[M | p, q, γ, mₓ, x] = p(γ + x mₓ) / (px + q − 1): a weighted average of
 * the population mean pγ/(q−1) and the customer's mean mₓ (FHL 2005 RFM/CLV,
 * eq. 5). For x = 0 it is the population mean. Same money unit as γ.
 *
 * @throws RangeError when px + q ≤ 1 (the expectation does not exist).
 */
export function conditionalExpectedOrderValue(params: GammaGammaParams, x: number, meanValue: number | null): number {
  const { p, q, gamma } = params;
  const denominator = p * x + q - 1;
  if (!(denominator > 0)) throw new RangeError(`expected order value undefined: p*x + q - 1 = ${denominator}`);
  return (p * (gamma + x * (x > 0 ? (meanValue ?? 0) : 0))) / denominator;
}

function fromLog(t: readonly number[]): GammaGammaParams {
  return { p: Math.exp(t[0]), q: Math.exp(t[1]), gamma: Math.exp(t[2]) };
}

/** Pearson correlation; NaN when either series is constant or shorter than 2. */
export function pearson(u: readonly number[], v: readonly number[]): number {
  const n = u.length;
  if (n < 2) return NaN;
  let mu = 0;
  let mv = 0;
  for (let i = 0; i < n; i++) {
    mu += u[i] / n;
    mv += v[i] / n;
  }
  let suv = 0;
  let suu = 0;
  let svv = 0;
  for (let i = 0; i < n; i++) {
    suv += (u[i] - mu) * (v[i] - mv);
    suu += (u[i] - mu) ** 2;
    svv += (v[i] - mv) ** 2;
  }
  return suu > 0 && svv > 0 ? suv / Math.sqrt(suu * svv) : NaN;
}
