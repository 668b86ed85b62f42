/**
 * BG/NBD ("beta-geometric / negative binomial distribution") model of repeat
 * purchasing: Fader, Hardie & Lee (2005), "Counting your customers the easy
 * way: An alternative to the Pareto/NBD model", Marketing Science 24(2).
 *
 * While active, a customer buys as a Poisson process with rate λ ~ Gamma(r, α)
 * (α a rate, in 1/time); after each repeat purchase they drop out with
 * probability p ~ Beta(a, b). A customer is summarised by x (repeat
 * purchases), tₓ (time of the last purchase) and T (time since the first
 * purchase), all measured from the first purchase in one time unit; the
 * parameters α and all times passed to the functions below share that unit
 * (weeks in the paper; `summarise` produces days or weeks).
 */
import { nelderMead } from "./nelder-mead";
import { hyp2f1Log, lgamma, logAddExp } from "./special-functions";

export interface BgNbdParams {
  r: number;
  /** Scale of the purchase rate, in the time unit of the data. */
  alpha: number;
  a: number;
  b: number;
}

/** One customer: x repeat purchases, the last at tₓ, observed for T (0 ≤ tₓ ≤ T). */
export interface RfmObservation {
  x: number;
  tx: number;
  T: number;
}

/** Identical (x, tₓ, T) triples collapsed into one row with a weight (count). */
export interface GroupedObservations {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  weight: Float64Array;
  /** Number of customers (Σ weight). */
  n: number;
}

export class InvalidObservationError extends Error {
  constructor(
    readonly index: number,
    readonly observation: RfmObservation,
    reason: string,
  ) {
    super(`observation ${index} (x=${observation.x}, tx=${observation.tx}, T=${observation.T}): ${reason}`);
    this.name = "InvalidObservationError";
  }
}

/**
 * Collapse identical (x, tₓ, T) triples. With day-granular data a large shop
 * has far fewer distinct triples than customers, and the likelihood is then a
 * weighted sum over the triples.
 *
 * @throws InvalidObservationError unless x is a non-negative integer,
 *   0 ≤ tₓ ≤ T, all finite, and tₓ = 0 when x = 0.
 */
export function groupObservations(observations: readonly RfmObservation[]): GroupedObservations {
  const index = new Map<string, number>();
  const x: number[] = [];
  const tx: number[] = [];
  const T: number[] = [];
  const weight: number[] = [];
  observations.forEach((o, i) => {
    validate(o, i);
    const key = `${o.x}|${o.tx}|${o.T}`;
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, x.length);
      x.push(o.x);
      tx.push(o.tx);
      T.push(o.T);
      weight.push(1);
    } else weight[at]++;
  });
  return {
    x: Float64Array.from(x),
    tx: Float64Array.from(tx),
    T: Float64Array.from(T),
    weight: Float64Array.from(weight),
    n: observations.length,
  };
}

function validate(o: RfmObservation, i: number): void {
  if (!Number.isInteger(o.x) || o.x < 0) throw new InvalidObservationError(i, o, "x must be a non-negative integer");
  if (!Number.isFinite(o.tx) || !Number.isFinite(o.T)) throw new InvalidObservationError(i, o, "times must be finite");
  if (o.tx < 0 || o.tx > o.T) throw new InvalidObservationError(i, o, "need 0 <= tx <= T");
  if (o.x === 0 && o.tx !== 0) throw new InvalidObservationError(i, o, "tx must be 0 when x = 0");
}

/**
 * A log-likelihood function over fixed data, with everything that does not
 * depend on the parameters precomputed: the x-only terms (A₁ + A₂ of the
 * paper's eq. 6 in log form) are evaluated once per distinct x, the
 * log(α + T) and log(α + tₓ) once per distinct time.
 */
export function bgNbdLogLikelihoodFunction(data: GroupedObservations): (params: BgNbdParams) => number {
  const distinct = (values: Float64Array) => {
    const unique = Array.from(new Set(values));
    const position = new Map(unique.map((v, i) => [v, i]));
    return { unique: Float64Array.from(unique), at: Uint32Array.from(values, (v) => position.get(v)!) };
  };
  const xs = distinct(data.x);
  const Ts = distinct(data.T);
  const txs = distinct(data.tx);
  const m = data.weight.length;
  const perX = new Float64Array(xs.unique.length);
  const dropTerm = new Float64Array(xs.unique.length);
  const logAlphaT = new Float64Array(Ts.unique.length);
  const logAlphaTx = new Float64Array(txs.unique.length);

  return ({ r, alpha, a, b }: BgNbdParams): number => {
    if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) return -Infinity;
    const common = -lgamma(r) + r * Math.log(alpha) + lgamma(a + b) - lgamma(b);
    for (let i = 0; i < xs.unique.length; i++) {
      const x = xs.unique[i];
      // ln Γ(r+x)/Γ(r) + r ln α + ln B(a, b+x)/B(a, b)
      perX[i] = common + lgamma(r + x) + lgamma(b + x) - lgamma(a + b + x);
      // ln[a / (b+x−1)]: the δ_{x>0} term's B(a+1, b+x−1)/B(a, b+x); absent for x = 0
      dropTerm[i] = x > 0 ? Math.log(a) - Math.log(b + x - 1) : -Infinity;
    }
    for (let i = 0; i < Ts.unique.length; i++) logAlphaT[i] = Math.log(alpha + Ts.unique[i]);
    for (let i = 0; i < txs.unique.length; i++) logAlphaTx[i] = Math.log(alpha + txs.unique[i]);
    let ll = 0;
    for (let k = 0; k < m; k++) {
      const xi = xs.at[k];
      const rx = r + data.x[k];
      // eq. 6: ln[ (α+T)^−(r+x) + δ_{x>0} a/(b+x−1) (α+tₓ)^−(r+x) ], by log-sum-exp
      const a3 = -rx * logAlphaT[Ts.at[k]];
      const a4 = dropTerm[xi] - rx * logAlphaTx[txs.at[k]];
      const hi = a3 > a4 ? a3 : a4;
      const lo = a3 > a4 ? a4 : a3;
      ll += data.weight[k] * (perX[xi] + hi + Math.log1p(Math.exp(lo - hi)));
    }
    return ll;
  };
}

/** Total log-likelihood of `params` on the data (FHL 2005 eq. 6, summed). */
export function bgNbdLogLikelihood(params: BgNbdParams, data: readonly RfmObservation[] | GroupedObservations): number {
  return bgNbdLogLikelihoodFunction(asGrouped(data))(params);
}

export interface FitBgNbdOptions {
  /** Starting points; default: three spread around the data's repeat rate. */
  starts?: readonly BgNbdParams[];
  /** Nelder-Mead restarts from the best point (fresh simplex). Default 3. */
  restarts?: number;
  /** Per Nelder-Mead run. Default 2000. */
  maxIterations?: number;
  /** On the mean negative log-likelihood per customer. Default 1e-10. */
  fTolerance?: number;
  /** On the log-parameters. Default 1e-7. */
  xTolerance?: number;
}

export interface BgNbdFit {
  params: BgNbdParams;
  logLikelihood: number;
  /** Nelder-Mead iterations summed over starts and restarts. */
  iterations: number;
  /** The final run met its tolerances and the last restart did not move the optimum. */
  converged: boolean;
  /** Customers (Σ weights). */
  n: number;
  /** Distinct (x, tₓ, T) triples the likelihood was summed over. */
  distinctTriples: number;
}

const LOG_BOUND = 30;

/**
 * Maximum-likelihood fit of (r, α, a, b) by Nelder-Mead on the log-parameters
 * (so positivity is free), from several starts, then restarted from the best
 * point until a restart stops improving (a standard guard against simplex
 * collapse).
 *
 * @throws InvalidObservationError for malformed observations.
 * @throws RangeError for no observations.
 */
export function fitBgNbd(data: readonly RfmObservation[] | GroupedObservations, options: FitBgNbdOptions = {}): BgNbdFit {
  const grouped = asGrouped(data);
  if (grouped.n === 0) throw new RangeError("fitBgNbd: no observations");
  const ll = bgNbdLogLikelihoodFunction(grouped);
  const objective = (theta: readonly number[]) => {
    if (theta.some((v) => Math.abs(v) > LOG_BOUND)) return Infinity;
    return -ll(fromLog(theta)) / grouped.n;
  };
  const nmOptions = {
    maxIterations: options.maxIterations ?? 2000,
    fTolerance: options.fTolerance ?? 1e-10,
    xTolerance: options.xTolerance ?? 1e-7,
  };
  const starts = options.starts ?? defaultStarts(grouped);
  let iterations = 0;
  let best = { x: toLog(starts[0]), fx: Infinity, converged: false };
  // Starts only need to find the right basin: loose tolerances there, full
  // precision in the restarts from the best of them (halves the evaluations).
  for (const start of starts) {
    const run = nelderMead(objective, toLog(start), {
      ...nmOptions,
      fTolerance: Math.max(nmOptions.fTolerance, 1e-6),
      xTolerance: Math.max(nmOptions.xTolerance, 1e-3),
      initialStep: 0.5,
    });
    iterations += run.iterations;
    if (run.fx < best.fx) best = run;
  }
  const restarts = options.restarts ?? 3;
  for (let i = 0; i < restarts; i++) {
    const run = nelderMead(objective, best.x, { ...nmOptions, initialStep: 0.1 });
    iterations += run.iterations;
    const improvement = best.fx - run.fx;
    if (run.fx <= best.fx) best = run;
    else best = { ...best, converged: run.converged };
    if (improvement < 10 * nmOptions.fTolerance) break;
  }
  const params = fromLog(best.x);
  return {
    params,
    logLikelihood: ll(params),
    iterations,
    converged: best.converged && Number.isFinite(best.fx),
    n: grouped.n,
    distinctTriples: grouped.weight.length,
  };
}

function asGrouped(data: readonly RfmObservation[] | GroupedObservations): GroupedObservations {
  return "weight" in data ? data : groupObservations(data);
}

function defaultStarts(data: GroupedObservations): BgNbdParams[] {
  let purchases = 0;
  let exposure = 0;
  for (let k = 0; k < data.weight.length; k++) {
    purchases += data.weight[k] * data.x[k];
    exposure += data.weight[k] * data.T[k];
  }
  // Pooled repeat rate per unit time; sets the scale of α (E[λ] = r/α).
  const rate = Math.max(purchases, 1) / Math.max(exposure, 1e-9);
  return [
    { r: 1, alpha: 1 / rate, a: 1, b: 1 },
    { r: 0.3, alpha: 0.3 / rate, a: 0.7, b: 2.5 },
    { r: 3, alpha: 3 / rate, a: 2, b: 6 },
  ];
}

const toLog = (p: BgNbdParams) => [Math.log(p.r), Math.log(p.alpha), Math.log(p.a), Math.log(p.b)];
const fromLog = (t: readonly number[]): BgNbdParams => ({
  r: Math.exp(t[0]),
  alpha: Math.exp(t[1]),
  a: Math.exp(t[2]),
  b: Math.exp(t[3]),
});

/**
 * P(customer still active at T | x, tₓ, T): FHL 2005 eq. 11,
 *   1 / (1 + δ_{x>0} a/(b+x−1) · ((α+T)/(α+tₓ))^(r+x)).
 * Exactly 1 for x = 0: in the BG/NBD a customer can only drop out right after
 * a repeat purchase, so one who never repeated has not had the chance.
 */
export function probabilityAlive(params: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha, a, b } = params;
  const logOdds = Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  return Math.exp(-logAddExp(0, logOdds));
}

/**
 * E[X(t)] for a customer just acquired (first purchase at 0): FHL 2005 eq. 9,
 *   (a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))].
 * `t` in the model's time unit, ≥ 0.
 */
export function expectedTransactionsNewCustomer(params: BgNbdParams, t: number): number {
  return conditionalExpectation(params, t, 0, 0, 0, false);
}

/**
 * E[Y(t) | x, tₓ, T]: expected repeat purchases in (T, T + t]. FHL 2005 eq. 10,
 *   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
 *   / (1 + δ_{x>0} a/(b+x−1) ((α+T)/(α+tₓ))^(r+x)).
 * Times in the model's unit. At a = 1 the formula is 0/0; we take the limit by
 * averaging a = 1 ± 1e-6 (the expectation is smooth in a).
 *
 * @throws HypergeometricConvergenceError only for t/(α+T+t) within ~1e-6 of 1.
 */
export function expectedTransactions(params: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  return conditionalExpectation(params, t, x, tx, T, true);
}

function conditionalExpectation(
  params: BgNbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
  conditional: boolean,
): number {
  if (!(t >= 0)) throw new RangeError(`t must be >= 0, got ${t}`);
  if (t === 0) return 0;
  const { a } = params;
  if (Math.abs(a - 1) < 1e-7) {
    const lo = conditionalExpectation({ ...params, a: 1 - 1e-6 }, t, x, tx, T, conditional);
    const hi = conditionalExpectation({ ...params, a: 1 + 1e-6 }, t, x, tx, T, conditional);
    return (lo + hi) / 2;
  }
  const value = expectationIfAliveTerm(params, t, x, T);
  return conditional ? value * probabilityAlive(params, x, tx, T) : value;
}

/**
 * The part of eq. 10 that does not depend on tₓ (E[Y(t) | x, tₓ, T] is this
 * times P(alive)), for t > 0 and |a − 1| ≥ 1e-7. Exported so a whole shop can
 * compute it once per distinct (x, T) and get bit-identical expectations
 * (predictions/customer-predictor.ts).
 */
export function expectationIfAliveTerm(params: BgNbdParams, t: number, x: number, T: number): number {
  const { r, alpha, a, b } = params;
  const z = t / (alpha + T + t);
  const c = a + b + x - 1;
  const f = hyp2f1Log(r + x, b + x, c, z);
  // ((α+T)/(α+T+t))^(r+x) · ₂F₁ in log space; 1 − e^L by expm1 keeps small t exact.
  const logTerm = (r + x) * Math.log1p(-z) + f.logAbs;
  const bracket = f.sign > 0 ? -Math.expm1(logTerm) : 1 + Math.exp(logTerm);
  return (c / (a - 1)) * bracket;
}

/**
 * Posterior mean purchase rate of a customer who is still active,
 * E[λ | alive, x, T] = (r+x)/(α+T), per model time unit.
 */
export function purchaseRateIfAlive(params: BgNbdParams, x: number, T: number): number {
  return (params.r + x) / (params.alpha + T);
}

/**
 * Median time from T to the next purchase, given the customer is still active:
 * λ | alive ~ Gamma(r+x, α+T), so P(no purchase in (T, T+s]) = ((α+T)/(α+T+s))^(r+x)
 * (a Lomax tail) and the median is (α+T)(2^(1/(r+x)) − 1). In model time units.
 */
export function medianTimeToNextPurchaseIfAlive(params: BgNbdParams, x: number, T: number): number {
  return (params.alpha + T) * Math.expm1(Math.LN2 / (params.r + x));
}
