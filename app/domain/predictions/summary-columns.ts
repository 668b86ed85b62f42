/**
 * `summarise` for a whole shop in columns (typed arrays), from purchase
 * columns: the full pass's input. Same definitions as `summarise` (days,
 * purchases on one UTC day are one transaction), same numbers.
 */
import { DAY_MS } from "../customers/purchase-history";
import type { GroupedObservations } from "./bg-nbd";

/** The purchase columns this reads (segments' `PurchaseColumns` has them); orders ascending per customer. */
export interface OrderColumns {
  count: number;
  orderStart: Int32Array;
  orderAt: Float64Array;
  orderValueMinor: Float64Array;
}

/** One entry per customer; `x[i] < 0` marks a customer with no purchase on or before `asOf` (no summary). */
export interface SummaryColumns {
  count: number;
  /** Customers with a summary. */
  buyers: number;
  repeaters: number;
  x: Float64Array;
  /** Days. */
  tx: Float64Array;
  /** Days. */
  T: Float64Array;
  /** NaN when x = 0 (`summarise` gives null). */
  meanRepeatValueMinor: Float64Array;
  meanOrderValueMinor: Float64Array;
}

/**
 * Day-unit summaries of every customer as of `asOf` (epoch ms); orders must be
 * ascending per customer.
 *
 * @throws RangeError when `asOf` or an order is not finite (as `summarise`).
 */
export function summariseColumns(p: OrderColumns, asOf: number): SummaryColumns {
  if (!Number.isFinite(asOf)) throw new RangeError("summarise: asOf must be finite epoch ms");
  const n = p.count;
  const asOfDay = Math.floor(asOf / DAY_MS);
  const out: SummaryColumns = {
    count: n, buyers: 0, repeaters: 0,
    x: new Float64Array(n), tx: new Float64Array(n), T: new Float64Array(n),
    meanRepeatValueMinor: new Float64Array(n), meanOrderValueMinor: new Float64Array(n),
  };
  const { orderStart, orderAt, orderValueMinor } = p;
  for (let i = 0; i < n; i++) {
    let days = 0;
    let first = 0;
    let last = 0;
    let firstValue = 0;
    let total = 0;
    for (let k = orderStart[i], end = orderStart[i + 1]; k < end; k++) {
      const at = orderAt[k];
      const v = orderValueMinor[k];
      if (!Number.isFinite(at) || !Number.isFinite(v)) throw new RangeError(`summarise: customer #${i} has a non-finite order`);
      if (at > asOf) continue;
      const day = Math.floor(at / DAY_MS);
      if (days === 0) {
        first = day;
        last = day;
        days = 1;
      } else if (day !== last) {
        last = day;
        days++;
      }
      if (day === first) firstValue += v;
      total += v;
    }
    if (days === 0) {
      out.x[i] = -1;
      continue;
    }
    const x = days - 1;
    out.buyers++;
    if (x > 0) out.repeaters++;
    out.x[i] = x;
    out.tx[i] = last - first;
    out.T[i] = asOfDay - first;
    out.meanRepeatValueMinor[i] = x > 0 ? (total - firstValue) / x : NaN;
    out.meanOrderValueMinor[i] = total / days;
  }
  return out;
}

/**
 * The buyers' (x, tₓ, T) collapsed as `groupObservations` does (same rows,
 * same first-seen order, so the same likelihood sums), with numeric keys;
 * only customers whose `include` entry is 1, when given (a fit sample).
 */
export function groupSummaryColumns(s: SummaryColumns, include?: Uint8Array): GroupedObservations {
  const index = new Map<number, number>();
  const other = new Map<string, number>();
  const x: number[] = [];
  const tx: number[] = [];
  const T: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < s.count; i++) {
    const xi = s.x[i];
    if (xi < 0 || (include && include[i] === 0)) continue;
    const t = s.tx[i];
    const TT = s.T[i];
    // Whole days: one number when they fit in 52 bits, else a string key.
    const small = xi < 4096 && TT < 1 << 20 && t >= 0 && Number.isInteger(t) && Number.isInteger(TT);
    const key = small ? (xi * 1048576 + t) * 1048576 + TT : -1;
    const at = small ? index.get(key) : other.get(`${xi}|${t}|${TT}`);
    if (at === undefined) {
      if (small) index.set(key, x.length);
      else other.set(`${xi}|${t}|${TT}`, x.length);
      x.push(xi);
      tx.push(t);
      T.push(TT);
      weight.push(1);
    } else weight[at]++;
  }
  let n = 0;
  for (const w of weight) n += w;
  return { x: Float64Array.from(x), tx: Float64Array.from(tx), T: Float64Array.from(T), weight: Float64Array.from(weight), n };
}
