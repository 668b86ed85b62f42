import { describe, expect, it } from "vitest";
import { analyzeRetention } from "~/domain/analytics";
import { DAY_MS } from "~/domain/customers/purchase-history";
import { at, customer, customerByDays } from "./helpers";
import { asOf, shop } from "./tiny-shop";


describe("cohorts of a hand-built shop", () => {
  const { cohorts } = analyzeRetention(shop, { asOf });
  const [jan, feb, apr] = cohorts;

  it("groups customers by first-purchase month, skipping months nobody started in", () => {
    expect(cohorts.map((c) => [c.month, c.size])).toEqual([
      ["2025-01", 3], // A, B, C
      ["2025-02", 1], // D
      ["2025-04", 1], // E
    ]);
  });

  it("January: 30/60/90-day retention over matured members", () => {
    // Retained within 30: A (day 15). Within 60 and 90: A, B (day 49). C never reorders; all three matured (C exactly at 90).
    expect(jan.retention[30]).toEqual({ days: 30, matured: 3, maturing: 0, retained: 1, rate: 1 / 3 });
    expect(jan.retention[60]).toEqual({ days: 60, matured: 3, maturing: 0, retained: 2, rate: 2 / 3 });
    expect(jan.retention[90]).toEqual({ days: 90, matured: 3, maturing: 0, retained: 2, rate: 2 / 3 });
    expect([jan.repeatCustomers, jan.repeatRate]).toEqual([2, 2 / 3]);
  });

  it("February: D is matured for 30 and 60 (75 days) but still maturing for 90; the order after asOf does not count", () => {
    expect(feb.retention[30]).toEqual({ days: 30, matured: 1, maturing: 0, retained: 0, rate: 0 });
    expect(feb.retention[60]).toEqual({ days: 60, matured: 1, maturing: 0, retained: 0, rate: 0 });
    expect(feb.retention[90]).toEqual({ days: 90, matured: 0, maturing: 1, retained: 0, rate: null });
    expect(feb.repeatRate).toBe(0);
  });

  it("April: E is excluded from 30-day retention (21 days old) but counts as a repeat customer", () => {
    expect(apr.retention[30]).toEqual({ days: 30, matured: 0, maturing: 1, retained: 0, rate: null });
    expect(apr.repeatRate).toBe(1);
  });

  it("January by calendar month: active share, revenue and cumulative LTV per member", () => {
    // Complete months by May 1: Jan (0), Feb (1), Mar (2), Apr (3). May has not ended.
    // Month 0: 1000 + 2000 (A) + 4000 (B) + 5000 (C) = 12000 -> 4000 per member, all 3 active.
    // Month 2: 3000 (A, Mar 1) + 1000 (B, Mar 10) = 4000 -> 1333.33 per member, 2 active.
    expect(jan.months.map((m) => [m.monthsSinceFirst, m.activeCustomers, m.revenueMinor])).toEqual([
      [0, 3, 12000],
      [1, 0, 0],
      [2, 2, 4000],
      [3, 0, 0],
    ]);
    expect(jan.months.map((m) => m.activeShare)).toEqual([1, 0, 2 / 3, 0]);
    expect(jan.months.map((m) => m.cumulativeLtvMinor)).toEqual([4000, 4000, 4000 + 4000 / 3, 4000 + 4000 / 3]);
    expect(jan.revenueToDateMinor).toBe(16000);
  });

  it("reports only months that have ended", () => {
    expect(feb.months.map((m) => m.revenueMinor)).toEqual([2000, 0, 0]); // Feb, Mar, Apr
    expect(apr.months.map((m) => m.cumulativeLtvMinor)).toEqual([2000]); // Apr only
  });

  it("January's retention curve: share who ordered again by day d, each day over its matured members", () => {
    const byDay = new Map(jan.curve.points.map((p) => [p.day, p]));
    expect(byDay.get(0)).toEqual({ day: 0, matured: 3, retained: 0, share: 0 });
    expect(byDay.get(14)).toEqual({ day: 14, matured: 3, retained: 0, share: 0 }); // A reorders on day 15
    expect(byDay.get(21)).toEqual({ day: 21, matured: 3, retained: 1, share: 1 / 3 });
    expect(byDay.get(49)).toEqual({ day: 49, matured: 3, retained: 2, share: 2 / 3 }); // B on day 49: inclusive
    expect(byDay.get(91)).toEqual({ day: 91, matured: 2, retained: 2, share: 1 }); // C (90 days old) drops out
    expect(byDay.get(112)).toEqual({ day: 112, matured: 0, retained: 0, share: null });
    expect(jan.curve.segments.find((s) => s.fromDay === 14)?.slopePerDay).toBeCloseTo(1 / 3 / 7, 12);
  });
});

describe("month boundaries and time zones", () => {
  it("a first purchase on Jan 31 belongs to January; a reorder on Feb 1 is month 1 yet day 1", () => {
    const { cohorts } = analyzeRetention([customer("X", ["2025-01-31T23:30", 1000], ["2025-02-01T00:30", 500])], {
      asOf: at("2025-04-01"),
    });
    expect(cohorts.map((c) => c.month)).toEqual(["2025-01"]);
    expect(cohorts[0].months.map((m) => m.activeCustomers)).toEqual([1, 1, 0]); // Jan, Feb, Mar
    expect(cohorts[0].months.map((m) => m.revenueMinor)).toEqual([1000, 500, 0]);
    expect(cohorts[0].retention[30].rate).toBe(1);
  });

  it("the shop's UTC offset moves late-evening and early-morning orders across the month line", () => {
    const late = [customer("X", ["2025-01-31T23:30", 1000])];
    const early = [customer("Y", ["2025-02-01T00:30", 1000])];
    const asOfMar = { asOf: at("2025-03-15") };
    expect(analyzeRetention(late, asOfMar).cohorts[0].month).toBe("2025-01");
    expect(analyzeRetention(late, { ...asOfMar, utcOffsetMinutes: 60 }).cohorts[0].month).toBe("2025-02"); // 00:30 on Feb 1 at UTC+1
    expect(analyzeRetention(early, { ...asOfMar, utcOffsetMinutes: -300 }).cohorts[0].month).toBe("2025-01"); // 19:30 on Jan 31 at UTC-5
  });

  it("a month in a negative offset ends at local midnight, not UTC midnight", () => {
    const history = [customer("X", ["2025-01-15", 1000])];
    // Jan ends at 2025-02-01T05:00Z in UTC-5: one hour before that, month 0 is still open.
    expect(analyzeRetention(history, { asOf: at("2025-02-01T04:00"), utcOffsetMinutes: -300 }).cohorts[0].months).toEqual([]);
    expect(analyzeRetention(history, { asOf: at("2025-02-01T05:00"), utcOffsetMinutes: -300 }).cohorts[0].months).toHaveLength(1);
  });

  it("leap day: Feb 29 is February, and 30 days later is Mar 30", () => {
    const first = at("2024-02-29");
    const { cohorts } = analyzeRetention([customerByDays("X", first, [0, 30])], { asOf: at("2024-06-01") });
    expect(cohorts[0].month).toBe("2024-02");
    expect(cohorts[0].months[1].revenueMinor).toBe(1000); // the day-30 order is in March
    expect(cohorts[0].retention[30].retained).toBe(1);
  });
});

describe("window maturity", () => {
  const asOfMs = at("2025-06-01");
  const histories = [
    customerByDays("young", asOfMs - 29 * DAY_MS, [0, 5]), // 29 days old, reordered on day 5
    customerByDays("exact", asOfMs - 30 * DAY_MS, [0, 30]), // exactly 30 days old, reordered on day 30
    customerByDays("late", asOfMs - 40 * DAY_MS, [0, 31]), // reordered one day too late for 30
  ];
  const { shop } = analyzeRetention(histories, { asOf: asOfMs });

  it("a customer whose 30 days have not elapsed is excluded from the rate and counted as maturing", () => {
    // matured: exact, late; retained within 30: exact (day 30 is inside the window).
    expect(shop.retention[30]).toEqual({ days: 30, matured: 2, maturing: 1, retained: 1, rate: 1 / 2 });
  });

  it("the repeat rate has no maturity requirement", () => {
    expect(shop.repeatRate).toBe(1);
  });

  it("orders placed in the same instant as the first are one purchase, not a repeat", () => {
    const { shop: s } = analyzeRetention([customerByDays("X", at("2025-01-01"), [0, 0])], { asOf: asOfMs });
    expect([s.repeatCustomers, s.retention[30].retained, s.returningRevenueMinor, s.repurchaseIntervals.count]).toEqual([0, 0, 0, 0]);
  });

  it("refuses orders that are not ascending", () => {
    const bad = { customerId: "X", createdAt: 0, orders: [{ at: at("2025-02-01"), valueMinor: 1 }, { at: at("2025-01-01"), valueMinor: 1 }] };
    expect(() => analyzeRetention([bad], { asOf: asOfMs })).toThrow(RangeError);
  });
});

describe("churn peak", () => {
  it("is where second orders stop: reorders spread over days 3-44, none after, peak at day 45", () => {
    const first = at("2025-01-01");
    // 9 of 10 customers reorder, 3 in each 15-day segment up to day 45; slope 0.3/15 = 0.02/day, then 0.
    const histories = [3, 8, 12, 18, 22, 27, 33, 38, 44].map((d, i) => customerByDays(`c${i}`, first, [0, d]));
    histories.push(customerByDays("never", first, [0]));
    const { shop } = analyzeRetention(histories, { asOf: at("2026-01-01"), curveStepDays: 15, curveMaxDays: 90 });
    expect(shop.curve.points.map((p) => p.share)).toEqual([0, 0.3, 0.6, 0.9, 0.9, 0.9, 0.9]);
    expect(shop.curve.segments[0].slopePerDay).toBeCloseTo(0.02, 12);
    expect(shop.curve.segments[3].slopePerDay).toBe(0);
    expect(shop.curve.churnPeakDay).toBe(45);
  });
});
