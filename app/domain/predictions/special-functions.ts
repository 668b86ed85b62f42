/**
 * Special functions the customer-lifetime models need, in plain TypeScript.
 *
 * - `lgamma`: log|Γ(x)| by the Lanczos approximation (g = 7, n = 9; the
 *   coefficients of Numerical Recipes 3rd ed. §6.1 / Godfrey), with the
 *   reflection formula Γ(x)Γ(1−x) = π / sin(πx) below x = 0.5. Relative error
 *   about 1e-15 away from the zeros of lgamma at 1 and 2 (absolute there).
 * - `logAddExp` / `logSumExp`: log(Σ e^vᵢ) without overflow.
 * - `hyp2f1`: the Gauss hypergeometric function ₂F₁(a, b; c; z) for real
 *   parameters and 0 ≤ |z| < 1, summed in log space; for z near 1 it uses the
 *   1 − z connection formula (Abramowitz & Stegun 15.3.6).
 */

const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** log|Γ(x)| and the sign of Γ(x). */
export interface SignedLog {
  /** log of the absolute value; -Infinity when the value is 0. */
  logAbs: number;
  /** 1, -1, or 0 when the value is exactly 0 (e.g. 1/Γ at a pole). */
  sign: 1 | -1 | 0;
}

/**
 * log|Γ(x)| together with the sign of Γ(x), for any real x.
 *
 * At the poles (x = 0, −1, −2, …) returns `{ logAbs: Infinity, sign: 1 }`
 * (|Γ| is unbounded there; callers that need 1/Γ treat it as 0).
 * NaN in, NaN out.
 */
export function lgammaSigned(x: number): SignedLog {
  if (Number.isNaN(x)) return { logAbs: NaN, sign: 1 };
  if (x === Infinity) return { logAbs: Infinity, sign: 1 };
  if (x <= 0 && Number.isInteger(x)) return { logAbs: Infinity, sign: 1 };
  if (x < 0.5) {
    // Reflection: Γ(x) = π / (sin(πx) Γ(1−x)); Γ(1−x) > 0 because 1−x > 0.5.
    const s = sinPi(x);
    return {
      logAbs: Math.log(Math.PI / Math.abs(s)) - lanczosLgamma(1 - x),
      sign: s < 0 ? -1 : 1,
    };
  }
  return { logAbs: lanczosLgamma(x), sign: 1 };
}

/**
 * log Γ(x) for x > 0 (log|Γ(x)| for negative non-integers).
 * Returns Infinity at the poles x = 0, −1, −2, …
 *
 * @example lgamma(5) // ≈ Math.log(24)
 */
export function lgamma(x: number): number {
  return lgammaSigned(x).logAbs;
}

function lanczosLgamma(x: number): number {
  // Valid for x ≥ 0.5: Γ(x) = Γ(y + 1) with y = x − 1.
  const y = x - 1;
  let series = LANCZOS_COEFFICIENTS[0];
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) series += LANCZOS_COEFFICIENTS[i] / (y + i);
  const t = y + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (y + 0.5) * Math.log(t) - t + Math.log(series);
}

/** sin(πx) computed on the reduced argument so that it is exactly 0 at integers. */
function sinPi(x: number): number {
  const r = x - 2 * Math.floor(x / 2); // r ∈ [0, 2)
  if (r === 0 || r === 1) return 0;
  return Math.sin(Math.PI * r);
}

/** log(e^a + e^b), exact when either is -Infinity. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** log(Σ e^vᵢ); -Infinity for an empty list. */
export function logSumExp(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  if (max === -Infinity || max === Infinity || Number.isNaN(max)) return max;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp(values[i] - max);
  return max + Math.log(sum);
}

/** The series did not reach the requested accuracy within `maxTerms`. */
export class HypergeometricConvergenceError extends Error {
  constructor(
    readonly a: number,
    readonly b: number,
    readonly c: number,
    readonly z: number,
    readonly terms: number,
  ) {
    super(`2F1(${a}, ${b}; ${c}; ${z}) did not converge in ${terms} terms`);
    this.name = "HypergeometricConvergenceError";
  }
}

export interface Hyp2f1Options {
  /** Stop when the bounded tail is below this fraction of the sum. Default 1e-15. */
  relativeTolerance?: number;
  /** Give up (throw) after this many series terms. Default 10,000,000. */
  maxTerms?: number;
  /** Use the 1 − z connection formula above this z. Default 0.9. */
  transformAbove?: number;
  /** "auto" (default), or force one path (tests compare the two). */
  method?: "auto" | "series" | "transform";
}

const DEFAULT_MAX_TERMS = 10_000_000;
const MAX_CANCELLATION = Math.log(1e4);

/** A signed log plus the log of the largest magnitude summed on the way (for cancellation checks). */
interface ScaledLog extends SignedLog {
  logScale: number;
}

const strip = ({ logAbs, sign }: ScaledLog): SignedLog => ({ logAbs, sign });

/**
 * ₂F₁(a, b; c; z) = Σₙ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ as a signed log.
 *
 * Domain: real a, b, c with c not a non-positive integer; −1 < z < 1.
 * For z > `transformAbove` and c − a − b at least 0.05 from an integer it uses
 * A&S 15.3.6 (the same two-term 1 − z formula scipy's hyp2f1, which lifetimes
 * calls, uses); otherwise the direct series, whose terms are summed in log
 * space with a geometric bound on the tail as the stopping rule.
 *
 * @throws RangeError outside the domain.
 * @throws HypergeometricConvergenceError if `maxTerms` terms are not enough
 *   (only for z within ~1e-6 of 1 with integer c − a − b).
 */
export function hyp2f1Log(a: number, b: number, c: number, z: number, options: Hyp2f1Options = {}): SignedLog {
  if (![a, b, c, z].every(Number.isFinite)) throw new RangeError("hyp2f1: non-finite argument");
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`hyp2f1: c = ${c} is a non-positive integer`);
  if (!(z > -1 && z < 1)) throw new RangeError(`hyp2f1: z = ${z} outside (-1, 1)`);
  const method = options.method ?? "auto";
  const s = c - a - b;
  const nearInteger = Math.abs(s - Math.round(s)) < 0.05;
  const useTransform =
    method === "transform" || (method === "auto" && z > (options.transformAbove ?? 0.9) && !nearInteger);
  if (useTransform) {
    if (Math.abs(s - Math.round(s)) < 1e-9) throw new RangeError("hyp2f1: transform needs non-integer c - a - b");
    const transformed = transformOneMinusZ(a, b, c, z, options);
    // The two terms of 15.3.6 (and the series inside them, whose c may be
    // negative) can cancel when a, b are large; if more than ~4 digits are
    // lost that way, the slower direct series is the accurate answer.
    if (method === "transform" || transformed.logScale - transformed.logAbs < MAX_CANCELLATION) return strip(transformed);
  }
  return strip(seriesLog(a, b, c, z, options));
}

/** ₂F₁(a, b; c; z) as a number; see {@link hyp2f1Log} for domain and failures. */
export function hyp2f1(a: number, b: number, c: number, z: number, options: Hyp2f1Options = {}): number {
  const r = hyp2f1Log(a, b, c, z, options);
  return r.sign * Math.exp(r.logAbs);
}

/**
 * Direct series, each term kept as (log|term|, sign); positive and negative
 * parts summed separately in log space so nothing overflows.
 */
function seriesLog(a: number, b: number, c: number, z: number, options: Hyp2f1Options): ScaledLog {
  const tol = options.relativeTolerance ?? 1e-15;
  const maxTerms = options.maxTerms ?? DEFAULT_MAX_TERMS;
  if (z === 0) return { logAbs: 0, sign: 1, logScale: 0 };
  const logAbsZ = Math.log(Math.abs(z));
  let logTerm = 0;
  let sign = 1;
  let logPos = 0; // term 0 is 1
  let logNeg = -Infinity;
  for (let n = 0; n < maxTerms; n++) {
    const an = a + n;
    const bn = b + n;
    if (an === 0 || bn === 0) return combine(logPos, logNeg); // series terminates (polynomial)
    const ratio = (an * bn) / ((c + n) * (n + 1));
    logTerm += Math.log(Math.abs(ratio)) + logAbsZ;
    if (ratio < 0) sign = -sign;
    if (z < 0) sign = -sign;
    if (sign > 0) logPos = logAddExp(logPos, logTerm);
    else logNeg = logAddExp(logNeg, logTerm);
    // Tail bound: for k > n with a+k, b+k, c+k > 0 each factor (p+k)/(q+k) of
    // the term ratio is monotone in k and tends to 1, so every later ratio is
    // at most ρ = |z|·max(1, (a+n+1)/(c+n+1))·max(1, (b+n+1)/(n+2)); when ρ < 1
    // the tail is at most |termₙ|·ρ/(1 − ρ) (geometric series).
    if (an + 1 > 0 && bn + 1 > 0 && c + n + 1 > 0) {
      const rho = Math.abs(z) * Math.max(1, (an + 1) / (c + n + 1)) * Math.max(1, (bn + 1) / (n + 2));
      if (rho < 1) {
        const logTail = logTerm + Math.log(rho / (1 - rho));
        if (logTail < Math.max(logPos, logNeg) + Math.log(tol)) return combine(logPos, logNeg);
      }
    }
  }
  throw new HypergeometricConvergenceError(a, b, c, z, maxTerms);
}

function combine(logPos: number, logNeg: number, innerScale = -Infinity): ScaledLog {
  const logScale = Math.max(logPos, logNeg, innerScale);
  if (logNeg === -Infinity) return { logAbs: logPos, sign: 1, logScale };
  if (logPos === logNeg) return { logAbs: -Infinity, sign: 0, logScale };
  if (logPos > logNeg) return { logAbs: logPos + Math.log1p(-Math.exp(logNeg - logPos)), sign: 1, logScale };
  return { logAbs: logNeg + Math.log1p(-Math.exp(logPos - logNeg)), sign: -1, logScale };
}

/**
 * A&S 15.3.6, valid when c − a − b is not an integer:
 *   F(a,b;c;z) = Γ(c)Γ(c−a−b)/(Γ(c−a)Γ(c−b)) · F(a, b; a+b−c+1; 1−z)
 *              + (1−z)^(c−a−b) Γ(c)Γ(a+b−c)/(Γ(a)Γ(b)) · F(c−a, c−b; c−a−b+1; 1−z)
 * Both series are in 1 − z, which is small exactly when the direct series is slow.
 */
function transformOneMinusZ(a: number, b: number, c: number, z: number, options: Hyp2f1Options): ScaledLog {
  const w = 1 - z;
  const s = c - a - b;
  const gc = lgammaSigned(c);
  const term1 = gammaRatio([gc, lgammaSigned(s)], [lgammaSigned(c - a), lgammaSigned(c - b)]);
  const term2 = gammaRatio([gc, lgammaSigned(-s)], [lgammaSigned(a), lgammaSigned(b)]);
  const parts: SignedLog[] = [];
  let innerScale = -Infinity;
  if (term1.sign !== 0) {
    const f1 = seriesLog(a, b, 1 - s, w, options);
    parts.push({ logAbs: term1.logAbs + f1.logAbs, sign: mulSign(term1.sign, f1.sign) });
    innerScale = Math.max(innerScale, term1.logAbs + f1.logScale);
  }
  if (term2.sign !== 0) {
    const f2 = seriesLog(c - a, c - b, 1 + s, w, options);
    const prefactor = term2.logAbs + s * Math.log(w);
    parts.push({ logAbs: prefactor + f2.logAbs, sign: mulSign(term2.sign, f2.sign) });
    innerScale = Math.max(innerScale, prefactor + f2.logScale);
  }
  let logPos = -Infinity;
  let logNeg = -Infinity;
  for (const p of parts) {
    if (p.sign > 0) logPos = logAddExp(logPos, p.logAbs);
    else if (p.sign < 0) logNeg = logAddExp(logNeg, p.logAbs);
  }
  return combine(logPos, logNeg, innerScale);
}

/** Π Γ(numerator) / Π Γ(denominator) as a signed log; a pole downstairs gives 0. */
function gammaRatio(numerator: SignedLog[], denominator: SignedLog[]): SignedLog {
  let logAbs = 0;
  let sign: 1 | -1 = 1;
  for (const g of denominator) {
    if (g.logAbs === Infinity) return { logAbs: -Infinity, sign: 0 };
    logAbs -= g.logAbs;
    if (g.sign < 0) sign = -sign as 1 | -1;
  }
  for (const g of numerator) {
    logAbs += g.logAbs;
    if (g.sign < 0) sign = -sign as 1 | -1;
  }
  return { logAbs, sign };
}

function mulSign(a: 1 | -1 | 0, b: 1 | -1 | 0): 1 | -1 | 0 {
  return (a * b) as 1 | -1 | 0;
}
