import { describe, expect, it } from "vitest";
import { decodeDigest, digestKeyOf, digestOf, encodeDigest } from "~/domain/customers/purchase-digest";
import { DAY_MS, type PurchaseHistory } from "~/domain/customers/purchase-history";
import { fitShopModelFromColumns, summariseColumns } from "~/domain/predictions";
import { seededRandom } from "~/domain/random";
import { purchaseColumns, readPurchaseColumns, segmentPurchaseColumns, type PurchaseColumns } from "~/domain/segments";

const AS_OF = Date.UTC(2026, 10, 1);

/** Shoppers with 0-12 orders over three years, several on one day, some after the as-of. */
function randomHistories(n: number, seed: number): PurchaseHistory[] {
  const random = seededRandom(seed);
  const out: PurchaseHistory[] = [];
  for (let i = 0; i < n; i++) {
    const createdAt = AS_OF - Math.floor(random() * 1100 * DAY_MS);
    const count = random() < 0.1 ? 0 : Math.floor(random() ** 2 * 12) + 1;
    const orders = [];
    let at = createdAt + Math.floor(random() * 5 * DAY_MS);
    for (let k = 0; k < count; k++) {
      orders.push({ at, valueMinor: Math.floor(random() * 20_000) });
      // same day, minutes later, or weeks later
      at += random() < 0.2 ? Math.floor(random() * 3_600_000) : Math.floor(random() * 120 * DAY_MS);
    }
    out.push({ customerId: `gid://shopify/Customer/${i}`, createdAt, orders });
  }
  return out;
}

/** The same customers with their orders replaced by the orders of their stored digests (encoded, then decoded). */
function fromDigests(p: PurchaseColumns, asOf: number): PurchaseColumns {
  const histories: PurchaseHistory[] = [];
  for (let i = 0; i < p.count; i++) {
    const orders: { at: number; valueMinor: number }[] = [];
    const read = decodeDigest(encodeDigest(digestOf(p, i, asOf), asOf), asOf, (at, valueMinor) => orders.push({ at, valueMinor }));
    expect(read).not.toBeNull();
    histories.push({ customerId: p.customerIds[i], createdAt: read!.createdAtMs, orders });
  }
  return purchaseColumns(histories);
}

describe("purchase digest", () => {
  const original = purchaseColumns(randomHistories(3_000, 7));
  const digested = fromDigests(original, AS_OF);

  it("gives segments the same columns, bit for bit", () => {
    const a = readPurchaseColumns(original, AS_OF);
    const b = readPurchaseColumns(digested, AS_OF);
    expect(b.orders).toEqual(a.orders);
    expect(b.recencyDays).toEqual(a.recencyDays);
    expect(b.daysSinceFirstOrder).toEqual(a.daysSinceFirstOrder);
    expect(b.daysSinceCreated).toEqual(a.daysSinceCreated);
    expect(b.monetaryMinor).toEqual(a.monetaryMinor);
    expect(b.aovMinor).toEqual(a.aovMinor);
    expect(b.gapCount).toBe(a.gapCount);
    expect(b.repeatCustomers).toBe(a.repeatCustomers);
    expect([...b.gapsDays.subarray(0, b.gapCount)]).toEqual([...a.gapsDays.subarray(0, a.gapCount)]);
  });

  it("gives the same layers, baseline and fitted model", () => {
    const a = segmentPurchaseColumns(original, AS_OF);
    const b = segmentPurchaseColumns(digested, AS_OF);
    expect(b.baseline).toEqual(a.baseline);
    expect(b.layerIndex).toEqual(a.layerIndex);
    const sa = summariseColumns(original, AS_OF);
    const sb = summariseColumns(digested, AS_OF);
    expect(sb).toEqual(sa);
    expect(fitShopModelFromColumns(sb).fitDiagnostics).toEqual(fitShopModelFromColumns(sa).fitDiagnostics);
  });

  it("keys a digest by what it holds: the same key from the orders and from the digest, another when anything in it moves", () => {
    for (let i = 0; i < original.count; i++) expect(digestKeyOf(digested, i, AS_OF).key).toBe(digestKeyOf(original, i, AS_OF).key);
    const one = (orders: { at: number; valueMinor: number }[], createdAt = 0) =>
      digestKeyOf(purchaseColumns([{ customerId: "c", createdAt, orders }]), 0, AS_OF).key;
    const t = AS_OF - 30 * DAY_MS;
    const base = [{ at: t, valueMinor: 1_000 }, { at: t + 3_600_000, valueMinor: 500 }, { at: t + 9 * DAY_MS, valueMinor: 700 }];
    const variants = [
      base.map((o, k) => (k === 1 ? { ...o, at: o.at + 1 } : o)), // one gap, 1 ms
      base.map((o, k) => (k === 2 ? { ...o, valueMinor: 701 } : o)), // the total
      base.map((o, k) => (k === 1 ? { ...o, valueMinor: 400 } : k === 2 ? { ...o, valueMinor: 800 } : o)), // first day's value, same total
      base.slice(0, 2), // an order fewer
      [...base, { at: AS_OF + 1, valueMinor: 5 }], // an order after the as-of: same digest
    ];
    const keys = variants.map((v) => one(v));
    expect(new Set([one(base), ...keys.slice(0, 4)]).size).toBe(5);
    expect(keys[4]).toBe(one(base));
    expect(one(base, 1)).not.toBe(one(base));
    expect(Number.isSafeInteger(one(base))).toBe(true);
  });

  it("leaves out orders after the as-of and says so", () => {
    const p = purchaseColumns([{ customerId: "c", createdAt: AS_OF - 10 * DAY_MS, orders: [
      { at: AS_OF - 5 * DAY_MS, valueMinor: 1_000 }, { at: AS_OF - 5 * DAY_MS + 60_000, valueMinor: 500 },
      { at: AS_OF - DAY_MS, valueMinor: 200 }, { at: AS_OF + 1, valueMinor: 999 },
    ] }]);
    const d = digestOf(p, 0, AS_OF);
    expect(d).toMatchObject({ orders: 3, monetaryMinor: 1_700, firstOrderAtMs: AS_OF - 5 * DAY_MS, gapsMs: `60000,${4 * DAY_MS - 60_000}`, firstDayValueMinor: 1_500, laterOrders: true, exact: true });
    const later = digestOf(p, 0, AS_OF + 1);
    expect(later).toMatchObject({ orders: 4, laterOrders: false });
  });

  it("marks a digest with non-integer times or values inexact", () => {
    const p = purchaseColumns([{ customerId: "c", createdAt: 0, orders: [{ at: 1.5, valueMinor: 1 }] }]);
    expect(digestOf(p, 0, AS_OF).exact).toBe(false);
  });

  it("stores a digest as comma-separated integers and reads back the orders that give its numbers", () => {
    const d = { createdAtMs: 7, orders: 3, monetaryMinor: 10, firstOrderAtMs: 1_000, gapsMs: "5,7", firstDayValueMinor: 4 };
    expect(encodeDigest(d, 2_000)).toBe("7,2000,3,10,1000,4,5,7");
    const pushed: number[][] = [];
    expect(decodeDigest("7,2000,3,10,1000,4,5,7", 2_000, (at, v) => pushed.push([at, v]))).toEqual({ createdAtMs: 7, builtAtMs: 2_000, orders: 3, monetaryMinor: 10 });
    expect(pushed).toEqual([[1_000, 4], [1_005, 0], [1_012, 6]]);
    // A prospect: no orders, nothing after the value.
    expect(encodeDigest({ createdAtMs: 7, orders: 0, monetaryMinor: 0, firstOrderAtMs: null, gapsMs: null, firstDayValueMinor: null }, 9)).toBe("7,9,0,0");
    expect(decodeDigest("7,9,0,0", 9, () => { throw new Error("pushed"); })).toMatchObject({ orders: 0 });
    // One order carries the whole value; a negative net value (refunds) survives.
    const one: number[][] = [];
    expect(decodeDigest("7,9,1,-250,5,-250", 9, (at, v) => one.push([at, v]))).not.toBeNull();
    expect(one).toEqual([[5, -250]]);
  });

  it("refuses a stored digest that does not hold together, or was built after the as-of, and pushes nothing", () => {
    const none = () => { throw new Error("pushed"); };
    for (const text of [
      "7,2000,3,10,1000,4,5", // a gap short
      "7,2000,3,10,1000,4,5,7,9", // a gap too many
      "7,2000,3,10,1000,4,5,x", // not a number
      "7,2000,3,10,1000,4,5,-1", // a negative gap
      "7,2000,3,10,1000,4,5,1.5", // not an integer
      "7,2000,3,10,1000,4,5,", // an empty field
      "7,2000,3,10,1000,4,5,,7",
      "7,2000,1,10,1000,10,5", // one order with a gap
      "7,2000,0,0,1000", // a prospect with an order
      "7,2000,-1,0",
      "7,2000,3,10,1000,4,5,12345678901234567", // past 2^53
      "7,2000,3,10,1000,4,5,7-1",
      "", "7,2000", " 7,2000,0,0",
    ]) expect(decodeDigest(text, 2_000, none), text).toBeNull();
    expect(decodeDigest("7,2001,0,0", 2_000, none)).toBeNull(); // built after the as-of
  });
});
