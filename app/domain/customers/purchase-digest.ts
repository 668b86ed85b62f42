/**
 * A customer's purchases reduced to what the intelligence models read of
 * them, stored with the customer's insight row so a pass need not read the
 * orders of a customer whose purchases did not change (ADR 0012).
 *
 * Segments read per customer the order count, net spend, first and last
 * order times, created time and the gaps between consecutive orders (the
 * shop's typical repurchase gap); predictions read the purchase days (UTC),
 * the first day's value and the total. A digest keeps exactly those: the
 * created time, the first order's time, every gap in milliseconds, the total
 * and the first day's value. `digestOrders` turns it back into orders that
 * give every model the same numbers, bit for bit: the times are the same
 * (integer milliseconds add exactly), the first day's value sits on the first
 * order, the rest of the total on the last, zero on the others.
 */
import type { PurchaseColumns } from "../segments/purchase-columns";
import { DAY_MS } from "./purchase-history";

/** The digest format; a pass that meets another rereads the orders (ShopInsight.digestVersion). */
export const PURCHASE_DIGEST_VERSION = 1;

export interface PurchaseDigest {
  /** The customer's createdAt, epoch ms. */
  createdAtMs: number;
  /** Counted orders at or before the as-of. */
  orders: number;
  /** Their net value, minor units. */
  monetaryMinor: number;
  /** The first of them, epoch ms; null without orders. */
  firstOrderAtMs: number | null;
  /** Milliseconds between consecutive orders, comma-separated (`orders − 1` of them); null for fewer than two orders. */
  gapsMs: string | null;
  /** Net value of the orders on the first order's UTC day; null without orders. */
  firstDayValueMinor: number | null;
}

export interface DigestOfCustomer extends PurchaseDigest {
  /** The customer has orders after the as-of, left out here: a later pass must read the orders again. */
  laterOrders: boolean;
  /** False when a time or value is not an integer: such a digest would not give the same numbers back. */
  exact: boolean;
}

/** What a walk over a customer's counted orders sums up (one object, reused). */
interface CountedOrders {
  orders: number;
  total: number;
  firstDayValue: number;
  laterOrders: boolean;
  exact: boolean;
}

const walked: CountedOrders = { orders: 0, total: 0, firstDayValue: 0, laterOrders: false, exact: true };

/**
 * The one definition of what a digest holds: customer `i`'s orders at or
 * before `asOf` (ascending, as `PurchaseColumns` holds them), each passed to
 * `visit` with the one before it; sums the total and the first UTC day's value.
 */
function walkCounted(p: PurchaseColumns, i: number, asOf: number, visit: (at: number, previousAt: number, index: number) => void): CountedOrders {
  walked.orders = 0;
  walked.total = 0;
  walked.firstDayValue = 0;
  walked.laterOrders = false;
  walked.exact = Number.isInteger(p.createdAt[i]);
  let firstDay = 0;
  let prev = 0;
  for (let k = p.orderStart[i], end = p.orderStart[i + 1]; k < end; k++) {
    const at = p.orderAt[k];
    const value = p.orderValueMinor[k];
    if (at > asOf) {
      walked.laterOrders = true;
      continue;
    }
    if (!Number.isInteger(at) || !Number.isInteger(value)) walked.exact = false;
    const day = Math.floor(at / DAY_MS);
    if (walked.orders === 0) firstDay = day;
    if (day === firstDay) walked.firstDayValue += value;
    walked.total += value;
    visit(at, prev, walked.orders);
    prev = at;
    walked.orders++;
  }
  return walked;
}

/** Customer `i`'s digest as of `asOf` (orders ascending by time, as `PurchaseColumns` holds them). */
export function digestOf(p: PurchaseColumns, i: number, asOf: number): DigestOfCustomer {
  let first = 0;
  let gaps = "";
  const w = walkCounted(p, i, asOf, (at, prev, k) => {
    if (k === 0) first = at;
    else gaps += k === 1 ? String(at - prev) : "," + String(at - prev);
  });
  return {
    createdAtMs: p.createdAt[i],
    orders: w.orders,
    monetaryMinor: w.total,
    firstOrderAtMs: w.orders > 0 ? first : null,
    gapsMs: w.orders > 1 ? gaps : null,
    firstDayValueMinor: w.orders > 0 ? w.firstDayValue : null,
    laterOrders: w.laterOrders,
    exact: w.exact,
  };
}

/**
 * Orders that give the models the digest's numbers, in time order, through
 * `push`. Returns false (having pushed nothing) when the digest does not hold
 * together (a gap count that is not `orders − 1`, a gap that is not a
 * non-negative integer): the caller reads the customer's orders instead.
 */
export function digestOrders(d: PurchaseDigest, push: (at: number, valueMinor: number) => void): boolean {
  if (d.orders === 0) return d.firstOrderAtMs === null;
  if (d.firstOrderAtMs === null || d.firstDayValueMinor === null || !(d.orders > 0)) return false;
  if (d.orders === 1) {
    if (d.gapsMs !== null) return false;
    push(d.firstOrderAtMs, d.monetaryMinor);
    return true;
  }
  if (d.gapsMs === null) return false;
  const gaps = d.gapsMs.split(",");
  if (gaps.length !== d.orders - 1) return false;
  const at = new Float64Array(d.orders);
  at[0] = d.firstOrderAtMs;
  for (let k = 0; k < gaps.length; k++) {
    const gap = Number(gaps[k]);
    if (!Number.isInteger(gap) || gap < 0 || gaps[k] === "") return false;
    at[k + 1] = at[k] + gap;
  }
  push(at[0], d.firstDayValueMinor);
  for (let k = 1; k < d.orders - 1; k++) push(at[k], 0);
  push(at[d.orders - 1], d.monetaryMinor - d.firstDayValueMinor);
  return true;
}

/** What `digestKeyOf` gives: valid until its next call (one object, reused: it runs once per customer per pass). */
export interface DigestKey {
  /** A 53-bit hash of everything the digest holds: equal digests, equal keys. */
  key: number;
  laterOrders: boolean;
  exact: boolean;
}

const keyScratch: DigestKey = { key: 0, laterOrders: false, exact: true };
let laneA = 0;
let laneB = 0;

function mixNumber(v: number): void {
  // Both 32-bit halves of an integer up to 2^53 (times in ms are above 2^32); a fraction only needs to hash deterministically.
  const hi = Math.floor(v / 4294967296);
  const lo = (v - hi * 4294967296) >>> 0;
  const frac = Math.round((v - Math.floor(v)) * 1e9);
  mixWord(lo);
  mixWord(hi | 0);
  mixWord(frac);
}

function mixWord(w: number): void {
  laneA = Math.imul(laneA ^ w, 0x01000193);
  laneB = Math.imul(laneB ^ w, 0x5bd1e995);
  laneB ^= laneB >>> 15;
}

/**
 * A hash of customer `i`'s digest as of `asOf`, without building it (no gap
 * text): what a pass compares, so a digest that moved is rewritten. Hashes
 * the created time, the counted orders' times, the total and the first day's
 * value, which determine the digest and are determined by it.
 */
export function digestKeyOf(p: PurchaseColumns, i: number, asOf: number): DigestKey {
  laneA = 0x811c9dc5;
  laneB = 0x9e3779b9;
  mixNumber(p.createdAt[i]);
  const w = walkCounted(p, i, asOf, mixNumber);
  mixNumber(w.orders);
  mixNumber(w.total);
  mixNumber(w.firstDayValue);
  keyScratch.key = (laneB >>> 11) * 0x100000000 + (laneA >>> 0);
  keyScratch.laterOrders = w.laterOrders;
  keyScratch.exact = w.exact;
  return keyScratch;
}
