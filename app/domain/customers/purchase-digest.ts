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
 * and the first day's value. `decodeDigest` turns it back into orders that
 * give every model the same numbers, bit for bit: the times are the same
 * (integer milliseconds add exactly), the first day's value sits on the first
 * order, the rest of the total on the last, zero on the others.
 */
import type { PurchaseColumns } from "../segments/purchase-columns";
import { hashEnd, hashStart, mixNumber } from "../hash53";
import { DAY_MS } from "./purchase-history";

/** The digest format; a pass that meets another rereads the orders (ShopInsight.digestVersion). */
export const PURCHASE_DIGEST_VERSION = 2; // 2: one text column (encodeDigest), was five

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
 * The digest as `CustomerInsight.digest` stores it: integers, comma-separated.
 * The customer's created time, the as-of it was built at, the orders and their
 * net value, then for a buyer the first order's time, the first day's value and
 * every gap. One text column: a nightly pass reads a million of them, and each
 * column read costs a conversion per row.
 *
 * @example encodeDigest(digestOf(p, i, asOf), asOf) // "1698885312000,1793491200000,2,4200,1698886429000,2100,86400000"
 */
export function encodeDigest(d: PurchaseDigest, builtAtMs: number): string {
  let text = `${d.createdAtMs},${builtAtMs},${d.orders},${d.monetaryMinor}`;
  if (d.orders > 0) text += `,${d.firstOrderAtMs},${d.firstDayValueMinor}`;
  if (d.gapsMs !== null) text += `,${d.gapsMs}`;
  return text;
}

/** What `decodeDigest` read besides the orders: valid until its next call (one object, reused). */
export interface DecodedDigest {
  createdAtMs: number;
  builtAtMs: number;
  orders: number;
  monetaryMinor: number;
}

const decoded: DecodedDigest = { createdAtMs: 0, builtAtMs: 0, orders: 0, monetaryMinor: 0 };
let fields = new Float64Array(64);

/**
 * Reads a stored digest built at or before `asOf` and passes orders that give
 * the models its numbers, in time order, to `push`: the first day's value on
 * the first order, the rest of the total on the last, zero between. Null,
 * having pushed nothing, when the text does not hold together (a character
 * that is not a digit, a minus or a comma, an empty field, a number past 2^53,
 * a gap count that is not `orders − 1`, a negative gap) or was built after
 * `asOf` (it may hold later orders): the caller reads the customer's orders.
 */
export function decodeDigest(text: string, asOf: number, push: (at: number, valueMinor: number) => void): DecodedDigest | null {
  const count = parseIntegers(text);
  if (count < 4) return null;
  const createdAtMs = fields[0];
  const builtAtMs = fields[1];
  const orders = fields[2];
  const monetaryMinor = fields[3];
  if (builtAtMs > asOf || orders < 0 || count !== (orders === 0 ? 4 : orders + 5)) return null;
  for (let k = 6; k < count; k++) if (fields[k] < 0) return null;
  if (orders > 0) {
    let at = fields[4];
    push(at, orders === 1 ? monetaryMinor : fields[5]);
    for (let k = 6; k < count; k++) {
      at += fields[k];
      push(at, k === count - 1 ? monetaryMinor - fields[5] : 0);
    }
  }
  decoded.createdAtMs = createdAtMs;
  decoded.builtAtMs = builtAtMs;
  decoded.orders = orders;
  decoded.monetaryMinor = monetaryMinor;
  return decoded;
}

/** Parses comma-separated integers into `fields`; -1 when the text is not that. A loop over char codes: split and Number cost a string per field. */
function parseIntegers(text: string): number {
  let count = 0;
  let value = 0;
  let digits = 0;
  let negative = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 44;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (++digits > 16) return -1;
    } else if (c === 45 && digits === 0 && !negative) {
      negative = true;
    } else if (c === 44 && digits > 0) {
      if (value > Number.MAX_SAFE_INTEGER) return -1;
      if (count === fields.length) {
        const grown = new Float64Array(fields.length * 2);
        grown.set(fields);
        fields = grown;
      }
      fields[count++] = negative ? -value : value;
      value = 0;
      digits = 0;
      negative = false;
    } else {
      return -1;
    }
  }
  return count;
}

/** What `digestKeyOf` gives: valid until its next call (one object, reused: it runs once per customer per pass). */
export interface DigestKey {
  /** A 53-bit hash of everything the digest holds: equal digests, equal keys. */
  key: number;
  laterOrders: boolean;
  exact: boolean;
}

const keyScratch: DigestKey = { key: 0, laterOrders: false, exact: true };

/**
 * A hash of customer `i`'s digest as of `asOf`, without building it (no gap
 * text): what a pass compares, so a digest that moved is rewritten. Hashes
 * the created time, the counted orders' times, the total and the first day's
 * value, which determine the digest and are determined by it.
 */
export function digestKeyOf(p: PurchaseColumns, i: number, asOf: number): DigestKey {
  hashStart();
  mixNumber(p.createdAt[i]);
  const w = walkCounted(p, i, asOf, mixNumber);
  mixNumber(w.orders);
  mixNumber(w.total);
  mixNumber(w.firstDayValue);
  keyScratch.key = hashEnd();
  keyScratch.laterOrders = w.laterOrders;
  keyScratch.exact = w.exact;
  return keyScratch;
}
