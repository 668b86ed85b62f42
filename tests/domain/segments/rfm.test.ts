import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DAY_MS, type PurchaseHistory } from "~/domain/customers/purchase-history";
import { layerMap, orderStatistics, scoreCustomer, scoreShop, segmentCustomer, segmentShop } from "~/domain/segments";
import { AS_OF, customer, daysAgo, repeater } from "./helpers";

const byOrders = (counts: number[]) => counts.map((n, i) => repeater(`c${i}`, n, 5, 3));
const fScores = (counts: number[]) => {
  const { scores } = scoreShop(byOrders(counts), AS_OF);
  return counts.map((_, i) => scores.get(`c${i}`)!.f);
};

describe("RFM quintiles", () => {
  it.each([
    { name: "ten distinct values: two per quintile", counts: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], f: [1, 1, 2, 2, 3, 3, 4, 4, 5, 5] },
    { name: "five values: one per quintile", counts: [5, 1, 4, 2, 3], f: [5, 1, 4, 2, 3] },
    { name: "a tie straddling boundaries takes the lower score", counts: [1, 1, 1, 1, 1, 1, 2, 2, 3, 10], f: [1, 1, 1, 1, 1, 1, 4, 4, 5, 5] },
    { name: "a tie at the top stays below 5", counts: [1, 2, 3, 4, 4], f: [1, 2, 3, 4, 4] },
    { name: "everyone equal: everyone 1", counts: [3, 3, 3, 3, 3, 3], f: [1, 1, 1, 1, 1, 1] },
    { name: "a single customer", counts: [7], f: [1] },
    { name: "three customers: 1 + ⌊5·worse/n⌋", counts: [1, 2, 3], f: [1, 2, 4] },
  ])("frequency: $name", ({ counts, f }) => {
    expect(fScores(counts)).toEqual(f);
  });

  it("scores recency lower-is-better: the most recent fifth gets 5", () => {
    const histories = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90].map((d, i) => customer(`c${i}`, [d]));
    const { thresholds, scores } = scoreShop(histories, AS_OF);
    expect(thresholds.recencyDays).toEqual([80, 60, 40, 20]);
    expect(histories.map((h) => scores.get(h.customerId)!.r)).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
  });

  it("equal recency gets equal scores, the straddling tie taking the lower", () => {
    const histories = [1, 1, 1, 5, 5, 5, 9, 9, 9, 9].map((d, i) => customer(`c${i}`, [d]));
    const { scores } = scoreShop(histories, AS_OF);
    expect(histories.map((h) => scores.get(h.customerId)!.r)).toEqual([4, 4, 4, 3, 3, 3, 1, 1, 1, 1]);
  });

  it("scores monetary on lifetime spend and reports AOV rounded to minor units", () => {
    const histories = [
      customer("a", [10, 5], 1001), // 2002
      customer("b", [3], 100),
      customer("c", [3], 5000),
      customer("d", [20, 10, 1], 333), // 999, AOV 333
      customer("e", [2], 9999),
    ];
    const { scores, thresholds } = scoreShop(histories, AS_OF);
    expect(thresholds.monetaryMinor).toEqual([100, 999, 2002, 5000]);
    expect(["a", "b", "c", "d", "e"].map((id) => scores.get(id)!.m)).toEqual([3, 1, 4, 2, 5]);
    expect(scores.get("a")).toMatchObject({ monetaryMinor: 2002, aovMinor: 1001, frequency: 2, recencyDays: 5, daysSinceFirstOrder: 10 });
    expect(thresholds.medianAovMinor).toBe(1001);
  });

  it("leaves prospects out of the scores and the quintiles, and ignores orders after asOf", () => {
    const histories: PurchaseHistory[] = [
      { customerId: "p", createdAt: daysAgo(5), orders: [] },
      { customerId: "future", createdAt: daysAgo(5), orders: [{ at: AS_OF + DAY_MS, valueMinor: 100 }] },
      customer("a", [3]),
      customer("b", [4]),
    ];
    const { scores, thresholds } = scoreShop(histories, AS_OF);
    expect([...scores.keys()]).toEqual(["a", "b"]);
    expect(thresholds).toMatchObject({ customersScored: 2, prospects: 2 });
    expect(scoreCustomer(histories[0], thresholds, AS_OF)).toBeNull();
    expect(scoreCustomer(histories[1], thresholds, AS_OF)).toBeNull();
  });

  it("an empty shop has no cut points and scores anyone 1", () => {
    const { thresholds } = scoreShop([], AS_OF);
    expect(thresholds).toMatchObject({ recencyDays: [], frequency: [], monetaryMinor: [], customersScored: 0, medianAovMinor: 0 });
    expect(scoreCustomer(customer("a", [1, 2, 3]), thresholds, AS_OF)).toMatchObject({ r: 1, f: 1, m: 1 });
  });

  it("thresholds survive a JSON round trip unchanged (they are stored)", () => {
    const { thresholds } = scoreShop(byOrders([1, 2, 3, 4, 5, 6]), AS_OF);
    expect(JSON.parse(JSON.stringify(thresholds))).toEqual(thresholds);
  });

  it("splits distinct values into fifths of equal size (±1)", () => {
    const histories = Array.from({ length: 103 }, (_, i) => customer(`c${i}`, [i]));
    const { scores } = scoreShop(histories, AS_OF);
    const sizes = [1, 2, 3, 4, 5].map((q) => [...scores.values()].filter((s) => s.r === q).length);
    for (const size of sizes) expect(Math.abs(size - 103 / 5)).toBeLessThanOrEqual(1);
  });
});

describe("the quintile formula", () => {
  it("score = 1 + ⌊5 × (customers strictly worse) / n⌋ for any spend distribution", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 80 }), (spends) => {
      const histories = spends.map((v, i) => customer(`c${i}`, [3], v));
      const { scores } = scoreShop(histories, AS_OF);
      spends.forEach((v, i) => {
        const worse = spends.filter((w) => w < v).length;
        expect(scores.get(`c${i}`)!.m).toBe(1 + Math.floor((5 * worse) / spends.length));
      });
    }));
  });
});

describe("orderStatistics", () => {
  it("equals indexing the sorted array, ties included", () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 200 }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
      (values, rawRanks) => {
        const ranks = [...new Set(rawRanks.map((r) => r % values.length))].sort((a, b) => a - b);
        const sorted = [...values].sort((a, b) => a - b);
        expect(orderStatistics(Float64Array.from(values), ranks)).toEqual(ranks.map((r) => sorted[r]));
      },
    ));
  });
});

const historyArb = (id: number) => fc.record({
  createdDaysAgo: fc.integer({ min: 0, max: 800 }),
  orders: fc.array(fc.record({ daysAgo: fc.integer({ min: -20, max: 700 }), hours: fc.integer({ min: 0, max: 23 }), valueMinor: fc.integer({ min: 0, max: 50_000 }) }), { maxLength: 8 }),
}).map(({ createdDaysAgo, orders }): PurchaseHistory => ({
  customerId: `c${id}`,
  createdAt: daysAgo(createdDaysAgo),
  orders: orders.map((o) => ({ at: daysAgo(o.daysAgo) + o.hours * 3_600_000, valueMinor: o.valueMinor })).sort((a, b) => a.at - b.at),
}));
const shopArb = fc.integer({ min: 0, max: 60 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => historyArb(i))));

describe("single-customer update = full pass", () => {
  it("scoreCustomer with the stored thresholds gives every customer the score the full pass gave", () => {
    fc.assert(fc.property(shopArb, (histories) => {
      const { thresholds, scores } = scoreShop(histories, AS_OF);
      const stored = JSON.parse(JSON.stringify(thresholds));
      for (const h of histories) expect(scoreCustomer(h, stored, AS_OF)).toEqual(scores.get(h.customerId) ?? null);
    }), { numRuns: 200 });
  });

  it("segmentCustomer with the stored baseline gives every customer the full pass's layer", () => {
    fc.assert(fc.property(shopArb, (histories) => {
      const pass = segmentShop(histories, AS_OF, { scoreParams: { minRepeatCustomers: 3 } });
      const layers = layerMap(pass);
      const baseline = JSON.parse(JSON.stringify(pass.baseline));
      for (const h of histories) expect(segmentCustomer(h, baseline, AS_OF).assignment.layerId).toBe(layers.get(h.customerId));
    }), { numRuns: 200 });
  });
});
