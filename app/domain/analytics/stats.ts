/** Small numeric helpers shared by the analytics modules. */

/**
 * Quantiles by linear interpolation between order statistics (Hyndman & Fan
 * 1996 type 7, the default of R and NumPy), found by selection rather than a
 * full sort: O(n) per quantile instead of O(n log n), which matters at millions
 * of values. Reorders `values` in place.
 * @param values the data (reordered)
 * @param qs quantiles in [0, 1], ascending
 * @returns one value per quantile; nulls for empty data
 */
export function quantilesInPlace(values: Float64Array, qs: readonly number[]): Array<number | null> {
  const n = values.length;
  if (n === 0) return qs.map(() => null);
  let left = 0;
  return qs.map((q) => {
    const pos = (n - 1) * q;
    const lo = Math.floor(pos);
    select(values, lo, left, n - 1);
    left = lo; // everything right of lo is >= values[lo]: later (larger) quantiles live there
    if (lo + 1 >= n || pos === lo) return values[lo];
    let next = values[lo + 1];
    for (let i = lo + 2; i < n; i++) if (values[i] < next) next = values[i];
    return values[lo] + (next - values[lo]) * (pos - lo);
  });
}

/**
 * Puts the k-th smallest of `a[left..right]` at index k, smaller-or-equal
 * values before it and greater-or-equal after (Hoare's FIND, as in Wirth,
 * "Algorithms + Data Structures = Programs"; median-of-three pivot, robust to
 * many equal values).
 */
function select(a: Float64Array, k: number, left: number, right: number): void {
  let l = left;
  let r = right;
  while (r > l) {
    const x = a[l];
    const y = a[(l + r) >>> 1];
    const z = a[r];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = l;
    let j = r;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return;
  }
}

/** `part / whole`, or null when the whole is 0 (a share of nobody is unknown, not 0). */
export function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/**
 * A Float64Array that grows by doubling: one allocation per doubling instead of
 * one boxed number per value (millions of values in the single pass).
 */
export class GrowableFloat64 {
  private data: Float64Array;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Float64Array(Math.max(16, initialCapacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  /** A view of the values pushed so far (shares the buffer until the next push). */
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
