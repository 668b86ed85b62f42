/** Test support: standard errors of an ML fit from a finite-difference Hessian. */

/** Central-difference Hessian of f at x (step h per coordinate). */
export function numericalHessian(f: (x: number[]) => number, x: readonly number[], h = 1e-4): number[][] {
  const n = x.length;
  const at = (d: Record<number, number>) => f(x.map((v, i) => v + (d[i] ?? 0)));
  const H = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const f0 = at({});
  for (let i = 0; i < n; i++) {
    H[i][i] = (at({ [i]: h }) - 2 * f0 + at({ [i]: -h })) / (h * h);
    for (let j = 0; j < i; j++) {
      H[i][j] = H[j][i] =
        (at({ [i]: h, [j]: h }) - at({ [i]: h, [j]: -h }) - at({ [i]: -h, [j]: h }) + at({ [i]: -h, [j]: -h })) / (4 * h * h);
    }
  }
  return H;
}

/** Inverse by Gauss-Jordan elimination with partial pivoting. */
export function invert(matrix: readonly number[][]): number[][] {
  const n = matrix.length;
  const m = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    const p = m[col][col];
    for (let k = 0; k < 2 * n; k++) m[col][k] /= p;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = m[r][col];
      for (let k = 0; k < 2 * n; k++) m[r][k] -= factor * m[col][k];
    }
  }
  return m.map((row) => row.slice(n));
}

/** Standard errors = sqrt(diag((−∇² log L)⁻¹)) for a log-likelihood `ll`. */
export function standardErrors(ll: (x: number[]) => number, at: readonly number[]): number[] {
  const negH = numericalHessian(ll, at).map((row) => row.map((v) => -v));
  return invert(negH).map((row, i) => Math.sqrt(row[i]));
}
