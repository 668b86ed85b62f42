/**
 * Nelder-Mead downhill simplex minimisation (Nelder & Mead 1965), with the
 * standard coefficients (reflection 1, expansion 2, contraction 0.5,
 * shrink 0.5) and scipy-style stopping: the simplex is smaller than
 * `xTolerance` in every coordinate and its values span less than `fTolerance`.
 *
 * Derivative-free, so it suits likelihoods whose gradients (digamma, ₂F₁
 * derivatives) we would rather not write. Non-finite objective values are
 * treated as +Infinity, which keeps the search inside the feasible region.
 */

export interface NelderMeadOptions {
  /** Default 200 × dimension. */
  maxIterations?: number;
  /** Default 1e-8 (absolute, per coordinate). */
  xTolerance?: number;
  /** Default 1e-10 (absolute, on the objective). */
  fTolerance?: number;
  /** Initial simplex step per coordinate. Default 0.1 (suits log-parameters). */
  initialStep?: number | readonly number[];
}

export interface NelderMeadResult {
  x: number[];
  fx: number;
  iterations: number;
  evaluations: number;
  /** True when both tolerances were met before `maxIterations`. */
  converged: boolean;
}

/**
 * Minimise `f` from `x0`.
 *
 * @throws RangeError when `x0` is empty or has a non-finite coordinate.
 * @example nelderMead(([x, y]) => (x - 1) ** 2 + (y + 2) ** 2, [0, 0]).x // ≈ [1, -2]
 */
export function nelderMead(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  options: NelderMeadOptions = {},
): NelderMeadResult {
  const n = x0.length;
  if (n === 0 || !x0.every(Number.isFinite)) throw new RangeError("nelderMead: x0 must be non-empty and finite");
  const maxIterations = options.maxIterations ?? 200 * n;
  const xTol = options.xTolerance ?? 1e-8;
  const fTol = options.fTolerance ?? 1e-10;
  const step = options.initialStep ?? 0.1;
  let evaluations = 0;
  const evaluate = (x: number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };

  let simplex: number[][] = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const v = x0.slice();
    v[i] += typeof step === "number" ? step : step[i];
    simplex.push(v);
  }
  let values = simplex.map(evaluate);

  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    const order = values.map((_, i) => i).sort((i, j) => values[i] - values[j]);
    simplex = order.map((i) => simplex[i]);
    values = order.map((i) => values[i]);

    if (hasConverged(simplex, values, xTol, fTol)) {
      converged = true;
      break;
    }
    iterations++;

    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i][j] / n;
    const worst = simplex[n];
    const along = (t: number) => centroid.map((c, j) => c + t * (worst[j] - c));

    const reflected = along(-1);
    const fr = evaluate(reflected);
    if (fr < values[0]) {
      const expanded = along(-2);
      const fe = evaluate(expanded);
      if (fe < fr) replaceWorst(expanded, fe);
      else replaceWorst(reflected, fr);
    } else if (fr < values[n - 1]) {
      replaceWorst(reflected, fr);
    } else {
      // Outside contraction when the reflection beat the worst, inside otherwise.
      const outside = fr < values[n];
      const contracted = along(outside ? -0.5 : 0.5);
      const fc = evaluate(contracted);
      if (fc < (outside ? fr : values[n])) {
        replaceWorst(contracted, fc);
      } else {
        for (let i = 1; i <= n; i++) {
          simplex[i] = simplex[i].map((v, j) => simplex[0][j] + 0.5 * (v - simplex[0][j]));
          values[i] = evaluate(simplex[i]);
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i <= n; i++) if (values[i] < values[best]) best = i;
  return { x: simplex[best], fx: values[best], iterations, evaluations, converged };

  function replaceWorst(x: number[], fx: number): void {
    simplex[n] = x;
    values[n] = fx;
  }
}

function hasConverged(simplex: number[][], values: number[], xTol: number, fTol: number): boolean {
  const n = simplex.length - 1;
  for (let i = 1; i <= n; i++) {
    if (!(Math.abs(values[i] - values[0]) <= fTol)) return false;
    for (let j = 0; j < n; j++) if (Math.abs(simplex[i][j] - simplex[0][j]) > xTol) return false;
  }
  return true;
}
