import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyzeRetention, monthIndexOf, monthStartAt } from "~/domain/analytics";
import { quantilesInPlace } from "~/domain/analytics/stats";
import { DAY_MS, type PurchaseHistory } from "~/domain/customers/purchase-history";
import { customerByDays } from "./helpers";

const BASE = Date.UTC(2024, 0, 1);
const MINUTE = 60_000;

/** Up to 40 customers, first purchases over ~13 months, gaps in minutes (0 = same instant, whole days often). */
const shopArb = fc.array(
  fc.record({
    firstMinute: fc.integer({ min: 0, max: 400 * 1440 }),
    gapsMinutes: fc.array(fc.oneof(fc.integer({ min: 0, max: 150 * 1440 }), fc.integer({ min: 0, max: 150 }).map((d) => d * 1440)), {
      maxLength: 4,
    }),
    values: fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 5, maxLength: 5 }),
  }),
  { maxLength: 40 },
);

function build(raw: Array<{ firstMinute: number; gapsMinutes: number[]; values: number[] }>): PurchaseHistory[] {
  return raw.map((c, i) => {
    let at = BASE + c.firstMinute * MINUTE;
    const orders = [{ at, valueMinor: c.values[0] }];
    c.gapsMinutes.forEach((g, k) => {
      at += g * MINUTE;
      orders.push({ at, valueMinor: c.values[k + 1] });
    });
    return { customerId: `c${i}`, createdAt: orders[0].at, orders };
  });
}

/** The definitions, computed the slow obvious way (no shared code with the module). */
function reference(histories: PurchaseHistory[], asOf: number, windows: number[]) {
  const cohortSizes: Record<string, number> = {};
  const matured: Record<number, number> = {};
  const retained: Record<number, number> = {};
  const ltv30: number[] = [];
  let customers = 0;
  let repeat = 0;
  for (const h of histories) {
    const orders = h.orders.filter((o) => o.at <= asOf);
    if (orders.length === 0) continue;
    customers++;
    const first = orders[0].at;
    const month = new Date(first).toISOString().slice(0, 7);
    cohortSizes[month] = (cohortSizes[month] ?? 0) + 1;
    const second = orders.find((o) => o.at > first);
    if (second) repeat++;
    for (const n of windows) {
      if (first + n * DAY_MS <= asOf) {
        matured[n] = (matured[n] ?? 0) + 1;
        if (second && second.at - first <= n * DAY_MS) retained[n] = (retained[n] ?? 0) + 1;
      }
    }
    if (first + 30 * DAY_MS <= asOf) ltv30.push(orders.filter((o) => o.at - first <= 30 * DAY_MS).reduce((s, o) => s + o.valueMinor, 0));
  }
  return { customers, repeat, cohortSizes, matured, retained, ltv30 };
}

describe("properties", () => {
  it("agrees with a naive reference implementation of the definitions", () => {
    fc.assert(
      fc.property(shopArb, fc.integer({ min: 0, max: 600 }), (raw, asOfDay) => {
        const histories = build(raw);
        const asOf = BASE + asOfDay * DAY_MS;
        const { shop, cohorts } = analyzeRetention(histories, { asOf });
        const ref = reference(histories, asOf, [30, 60, 90, 7, 364]);
        expect([shop.customers, shop.repeatCustomers]).toEqual([ref.customers, ref.repeat]);
        expect(Object.fromEntries(cohorts.map((c) => [c.month, c.size]))).toEqual(ref.cohortSizes);
        for (const n of [30, 60, 90]) {
          expect([shop.retention[n].matured, shop.retention[n].retained]).toEqual([ref.matured[n] ?? 0, ref.retained[n] ?? 0]);
        }
        for (const n of [7, 364]) {
          const point = shop.curve.points.find((p) => p.day === n)!;
          expect([point.matured, point.retained]).toEqual([ref.matured[n] ?? 0, ref.retained[n] ?? 0]);
        }
        const sorted = [...ref.ltv30].sort((a, b) => a - b);
        const mid = (sorted.length - 1) / 2;
        const median = sorted.length === 0 ? null : (sorted[Math.floor(mid)] + sorted[Math.ceil(mid)]) / 2;
        expect(shop.ltv[30].customers).toBe(ref.ltv30.length);
        expect(shop.ltv[30].medianMinor).toBe(median);
      }),
      { numRuns: 300 },
    );
  });

  it("invariants: partitions, totals, monotone cumulative LTV", () => {
    fc.assert(
      fc.property(shopArb, fc.integer({ min: 0, max: 600 }), (raw, asOfDay) => {
        const { shop, cohorts } = analyzeRetention(build(raw), { asOf: BASE + asOfDay * DAY_MS });
        expect(cohorts.reduce((s, c) => s + c.size, 0)).toBe(shop.customers);
        expect(cohorts.reduce((s, c) => s + c.revenueToDateMinor, 0)).toBe(shop.revenueMinor);
        expect(shop.returningRevenueMinor).toBeLessThanOrEqual(shop.revenueMinor);
        for (const c of cohorts) {
          for (const w of Object.values(c.retention)) {
            expect(w.matured + w.maturing).toBe(c.size);
            expect(w.retained).toBeLessThanOrEqual(w.matured);
            expect(w.retained).toBeLessThanOrEqual(c.repeatCustomers);
          }
          c.months.forEach((m, k) => {
            if (k === 0) expect(m.activeShare).toBe(1);
            else expect(m.cumulativeLtvMinor).toBeGreaterThanOrEqual(c.months[k - 1].cumulativeLtvMinor);
          });
        }
      }),
    );
  });

  it("once everyone has matured for 90 days: retention30 <= retention60 <= retention90 <= repeat rate", () => {
    fc.assert(
      fc.property(shopArb, fc.integer({ min: 0, max: 200 }), (raw, extraDays) => {
        const asOf = BASE + (400 + 90 + extraDays) * DAY_MS; // every first purchase is at most day 400
        const { shop } = analyzeRetention(build(raw), { asOf });
        if (shop.customers === 0) return;
        const [r30, r60, r90] = [30, 60, 90].map((n) => shop.retention[n].rate!);
        expect(r30).toBeLessThanOrEqual(r60);
        expect(r60).toBeLessThanOrEqual(r90);
        expect(r90).toBeLessThanOrEqual(shop.repeatRate!);
      }),
    );
  });

  it("...but not while customers are still maturing: each window has its own denominator", () => {
    // old: 100 days old, never reordered. young: 40 days old, reordered on day 5.
    // 30-day: both matured, young retained -> 1/2. 60-day: only old matured -> 0/1.
    const asOf = BASE + 200 * DAY_MS;
    const { shop } = analyzeRetention([customerByDays("old", asOf - 100 * DAY_MS, [0]), customerByDays("young", asOf - 40 * DAY_MS, [0, 5])], {
      asOf,
    });
    expect([shop.retention[30].rate, shop.retention[60].rate]).toEqual([1 / 2, 0]);
  });

  it("the shop's UTC offset moves customers between cohorts but changes no retention count", () => {
    fc.assert(
      fc.property(shopArb, fc.integer({ min: -720, max: 840 }), (raw, offset) => {
        const histories = build(raw);
        const asOf = BASE + 500 * DAY_MS;
        const utc = analyzeRetention(histories, { asOf }).shop;
        const local = analyzeRetention(histories, { asOf, utcOffsetMinutes: offset }).shop;
        expect(local.retention).toEqual(utc.retention);
        expect(local.customers).toBe(utc.customers);
      }),
    );
  });

  it("monthIndexOf and monthStartAt agree with Date", () => {
    fc.assert(
      fc.property(fc.integer({ min: -2e12, max: 8e12 }), fc.integer({ min: -720, max: 840 }), (ms, offset) => {
        const local = new Date(ms + offset * MINUTE);
        const month = monthIndexOf(ms, offset);
        expect(month).toBe(local.getUTCFullYear() * 12 + local.getUTCMonth());
        expect(monthStartAt(month, offset)).toBeLessThanOrEqual(ms);
        expect(monthStartAt(month + 1, offset)).toBeGreaterThan(ms);
      }),
    );
  });

  it("quantiles by selection equal quantiles of the sorted data (type 7)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 200 }), (values) => {
        const sorted = [...values].sort((a, b) => a - b);
        const type7 = (q: number) => {
          const pos = (sorted.length - 1) * q;
          const lo = Math.floor(pos);
          return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (pos - lo);
        };
        const got = quantilesInPlace(Float64Array.from(values), [0, 0.25, 0.5, 0.75, 1]);
        [0, 0.25, 0.5, 0.75, 1].forEach((q, i) => expect(got[i]).toBeCloseTo(type7(q), 9));
      }),
    );
  });
});
