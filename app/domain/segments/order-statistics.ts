/** Order statistics (k-th smallest values) without a full sort. */

/**
 * The values of ascending rank `ranks[i]` (0-based) of `values`, as if it were
 * sorted, by repeated quickselect (Hoare partition, median-of-three pivot):
 * expected O(n) per rank instead of a full sort. `ranks` must be ascending;
 * reorders `values` in place.
 */
export function orderStatistics(values: Float64Array, ranks: readonly number[]): number[] {
  const out: number[] = [];
  let lo = 0;
  for (const k of ranks) {
    select(values, k, lo, values.length - 1);
    out.push(values[k]);
    lo = k; // everything left of k is <= values[k]; later (larger) ranks lie right of it
  }
  return out;
}

function select(a: Float64Array, k: number, lo: number, hi: number): void {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo], y = a[mid], z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i]; a[i] = a[j]; a[j] = t;
        i++; j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return; // a[j+1..i-1] all equal the pivot
  }
}
