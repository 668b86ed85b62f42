/**
 * Kaplan–Meier time to second order: a textbook example checked by hand, the
 * censoring rules on histories, invariants, and the real CDNOW data against
 * the naive median among repeaters.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyzeRetention, kaplanMeier, secondOrderDurations, secondOrderSurvival } from "~/domain/analytics";
import { DAY_MS, type PurchaseHistory } from "~/domain/customers/purchase-history";
import { cdnowHistories } from "../../helpers/cdnow";

/**
 * Freireich et al. (1963), the 6-MP arm of the leukaemia remission trial, as
 * tabulated in Klein & Moeschberger, "Survival Analysis", Table 4.1A (also
 * Kleinbaum & Klein, ch. 2): 21 patients, weeks of remission, `+` censored.
 * 6, 6, 6, 6+, 7, 9+, 10, 10+, 11+, 13, 16, 17+, 19+, 20+, 22, 23, 25+, 32+, 32+, 34+, 35+
 */
const SIX_MP: Array<[number, 0 | 1]> = [
  [6, 1], [6, 1], [6, 1], [6, 0], [7, 1], [9, 0], [10, 1], [10, 0], [11, 0], [13, 1], [16, 1],
  [17, 0], [19, 0], [20, 0], [22, 1], [23, 1], [25, 0], [32, 0], [32, 0], [34, 0], [35, 0],
];

/** The textbook's table: time, at risk, events, Ŝ and Greenwood standard error (3 decimals). */
const TEXTBOOK = [
  { days: 6, atRisk: 21, events: 3, survival: 0.857, se: 0.076 },
  { days: 7, atRisk: 17, events: 1, survival: 0.807, se: 0.087 },
  { days: 10, atRisk: 15, events: 1, survival: 0.753, se: 0.096 },
  { days: 13, atRisk: 12, events: 1, survival: 0.69, se: 0.107 },
  { days: 16, atRisk: 11, events: 1, survival: 0.627, se: 0.114 },
  { days: 22, atRisk: 7, events: 1, survival: 0.538, se: 0.128 },
  { days: 23, atRisk: 6, events: 1, survival: 0.448, se: 0.135 },
];

describe("kaplanMeier on a textbook example (6-MP arm, Freireich 1963)", () => {
  const km = kaplanMeier(SIX_MP.map(([t]) => t), SIX_MP.map(([, e]) => e), { horizonsDays: [5, 6, 12, 22.5, 23, 30, 40], includeSteps: true });

  it("GIVEN 21 subjects with 9 events WHEN estimated THEN the steps, Ŝ and Greenwood SEs match the published table", () => {
    expect(km.subjects).toBe(21);
    expect(km.events).toBe(9);
    expect(km.steps!.map((s) => ({ days: s.days, atRisk: s.atRisk, events: s.events }))).toEqual(
      TEXTBOOK.map(({ days, atRisk, events }) => ({ days, atRisk, events })),
    );
    km.steps!.forEach((s, i) => {
      expect(s.survival).toBeCloseTo(TEXTBOOK[i].survival, 3);
      expect(s.standardError!).toBeCloseTo(TEXTBOOK[i].se, 3);
    });
    // Exact products, by hand: (18/21)(16/17)(14/15)(11/12)(10/11)(6/7)(5/6).
    expect(km.steps![6].survival).toBeCloseTo((18 / 21) * (16 / 17) * (14 / 15) * (11 / 12) * (10 / 11) * (6 / 7) * (5 / 6), 12);
    // The 6+ censored at the event time 6 is at risk at 6 (21) and counted with that step; gone at 7 (17 = 21 − 3 − 1).
    expect(km.steps![0].censored).toBe(1);
    expect(km.steps![1].censored).toBe(0);
  });

  it("GIVEN horizons WHEN read THEN Ŝ is the last step at or before each, with survfit's n at risk", () => {
    const at = Object.fromEntries(km.points.map((p) => [p.days, p]));
    expect(at[5]).toMatchObject({ survival: 1, secondOrderProbability: 0, standardError: 0, lower: null, upper: null, atRisk: 21, observed: true });
    expect(at[6].survival).toBeCloseTo(18 / 21, 12);
    expect(at[6].atRisk).toBe(21);
    expect(at[12].survival).toBeCloseTo(TEXTBOOK[2].survival, 3); // last step 10
    expect(at[12].atRisk).toBe(12); // 13, 16, 17+, … : twelve times ≥ 12
    expect(at[22.5].survival).toBeCloseTo(TEXTBOOK[5].survival, 3);
    expect(at[23].survival).toBeCloseTo(TEXTBOOK[6].survival, 3);
    expect(at[30].survival).toBe(at[23].survival);
    expect(at[30].atRisk).toBe(4); // 32+, 32+, 34+, 35+
    expect(at[40]).toMatchObject({ atRisk: 0, observed: false });
  });

  it("GIVEN the curve WHEN the 95% log-log interval is computed THEN it matches the formula by hand and brackets Ŝ", () => {
    // At 16 weeks: Greenwood sum Σ d/(n(n−d)) over 6, 7, 10, 13, 16.
    const g = 3 / (21 * 18) + 1 / (17 * 16) + 1 / (15 * 14) + 1 / (12 * 11) + 1 / (11 * 10);
    const s = (18 / 21) * (16 / 17) * (14 / 15) * (11 / 12) * (10 / 11);
    const sigma = Math.sqrt(g) / Math.abs(Math.log(s));
    const step = km.steps![4];
    expect(step.standardError!).toBeCloseTo(s * Math.sqrt(g), 12);
    const point = kaplanMeier(SIX_MP.map(([t]) => t), SIX_MP.map(([, e]) => e), { horizonsDays: [16] }).points[0];
    expect(point.lower!).toBeCloseTo(s ** Math.exp(1.959964 * sigma), 5); // ≈ 0.367
    expect(point.upper!).toBeCloseTo(s ** Math.exp(-1.959964 * sigma), 5); // ≈ 0.804
    expect(point.lower!).toBeCloseTo(0.367, 2);
    expect(point.upper!).toBeCloseTo(0.804, 2);
  });

  it("GIVEN the curve WHEN the median is read THEN it is 23 weeks, with the interval [13, not reached)", () => {
    // Ŝ(22) = 0.538 > 0.5, Ŝ(23) = 0.448 ≤ 0.5. The lower band first reaches 0.5 at 13 (0.43; at 10 it is 0.503);
    // the upper band never does (0.68 at 23), as R's survfit(conf.type = "log-log") reports: 23 (13, NA).
    expect(km.medianDays).toBe(23);
    expect(km.medianLowerDays).toBe(13);
    expect(km.medianUpperDays).toBeNull();
  });
});

describe("kaplanMeier edge cases", () => {
  it("GIVEN no subjects THEN Ŝ is 1 everywhere and there is no median", () => {
    const km = kaplanMeier([], []);
    expect(km).toMatchObject({ subjects: 0, events: 0, medianDays: null, medianLowerDays: null, medianUpperDays: null });
    expect(km.points.map((p) => [p.days, p.survival, p.atRisk, p.observed])).toEqual([
      [30, 1, 0, false], [60, 1, 0, false], [90, 1, 0, false], [180, 1, 0, false], [365, 1, 0, false],
    ]);
  });

  it("GIVEN only censored subjects THEN Ŝ stays 1; GIVEN only events THEN it falls to 0 with the empirical CDF", () => {
    expect(kaplanMeier([10, 20, 30], [0, 0, 0], { horizonsDays: [25] }).points[0]).toMatchObject({ survival: 1, atRisk: 1 });
    const all = kaplanMeier([10, 20, 30, 40], [1, 1, 1, 1], { horizonsDays: [15, 25, 45] });
    expect(all.points.map((p) => p.survival)).toEqual([0.75, 0.5, 0]);
    expect(all.medianDays).toBe(20);
    expect(all.points[2]).toMatchObject({ standardError: null, lower: null, upper: null });
  });

  it("rejects negative or non-finite durations and mismatched lengths", () => {
    expect(() => kaplanMeier([1, -1], [1, 1])).toThrow(RangeError);
    expect(() => kaplanMeier([1, NaN], [1, 1])).toThrow(RangeError);
    expect(() => kaplanMeier([1, 2], [1])).toThrow(RangeError);
  });

  it("without censoring equals 1 − the empirical CDF, and is non-increasing in [0, 1] with any censoring (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.boolean()), { minLength: 1, maxLength: 80 }),
        fc.array(fc.integer({ min: 0, max: 450 }), { minLength: 1, maxLength: 6 }),
        (subjects, horizons) => {
          const t = subjects.map(([d]) => d);
          const censored = kaplanMeier(t, subjects.map(([, e]) => (e ? 1 : 0)), { horizonsDays: [...horizons].sort((a, b) => a - b), includeSteps: true });
          let previous = 1;
          for (const s of censored.steps!) {
            expect(s.survival).toBeLessThanOrEqual(previous + 1e-12);
            expect(s.survival).toBeGreaterThanOrEqual(0);
            previous = s.survival;
          }
          for (const p of censored.points) {
            if (p.lower !== null) expect(p.lower).toBeLessThanOrEqual(p.survival + 1e-12);
            if (p.upper !== null) expect(p.upper).toBeGreaterThanOrEqual(p.survival - 1e-12);
          }
          const uncensored = kaplanMeier(t, t.map(() => 1), { horizonsDays: horizons });
          for (const p of uncensored.points) {
            expect(p.survival).toBeCloseTo(t.filter((d) => d > p.days).length / t.length, 10);
          }
        },
      ),
    );
  });
});

describe("secondOrderDurations / secondOrderSurvival on histories", () => {
  const asOf = Date.UTC(2025, 0, 31);
  const at = (day: number) => Date.UTC(2025, 0, 1) + day * DAY_MS;
  const h = (id: string, days: number[]): PurchaseHistory => ({ customerId: id, createdAt: at(0), orders: days.map((d) => ({ at: at(d), valueMinor: 1000 })) });

  it("GIVEN customers WHEN durations are taken THEN a repeat is an event, same-instant orders are not, later-than-asOf orders are ignored", () => {
    const { durationsDays, events } = secondOrderDurations([
      h("repeat", [0, 10, 20]), // event at 10
      h("same-instant", [5, 5]), // one purchase instant: censored at 30 − 5 = 25
      h("after-asof", [20, 40]), // the second order is after asOf: censored at 10
      h("prospect", []), // left out
      h("first-after-asof", [45]), // left out
    ], asOf);
    expect([...durationsDays]).toEqual([10, 25, 10]);
    expect([...events]).toEqual([1, 0, 0]);
  });

  it("GIVEN a shop WHEN analyzed THEN the shop metrics carry the KM estimate with its counts", () => {
    const histories = [h("a", [0, 10]), h("b", [0]), h("c", [0, 20]), h("d", [15]), h("e", [])];
    const km = secondOrderSurvival(histories, { asOf, horizonsDays: [10, 20] });
    expect(km).toMatchObject({ customers: 4, secondOrders: 2, censored: 2 });
    // At risk at 10: a (event), b (censored 30), c (20); d censored at 15 → Ŝ(10) = 1 − 1/4 (d is at risk at 10: 15 ≥ 10).
    expect(km.points[0].survival).toBeCloseTo(3 / 4, 12);
    // At 20: at risk b (30) and c (20); c reorders → × (1 − 1/2).
    expect(km.points[1].survival).toBeCloseTo((3 / 4) * (1 / 2), 12);
    expect(km.medianDays).toBe(20);
    expect(analyzeRetention(histories, { asOf, survivalHorizonsDays: [10, 20] }).shop.secondOrderSurvival).toEqual(km);
  });
});

const cdnow = cdnowHistories("CDNOW_master.txt", { sameDay: "sum" });

describe.skipIf(!cdnow)("Kaplan–Meier time to second order on CDNOW (23,570 customers, 1997-Q1 cohort, to 1998-06-30)", () => {
  const asOf = Date.UTC(1998, 6, 1);
  const { shop } = analyzeRetention(cdnow ?? [], { asOf });
  const km = shop.secondOrderSurvival;

  it("GIVEN every customer WHEN estimated THEN repeaters are events and the rest are censored at asOf", () => {
    expect(km.customers).toBe(23_570);
    expect(km.secondOrders).toBe(shop.repeatCustomers);
    expect(km.censored).toBe(23_570 - shop.repeatCustomers);
  });

  it("GIVEN one cohort followed 15+ months WHEN compared THEN 1 − Ŝ(t) equals the matured N-day retention (no censoring before 30/60/90)", () => {
    // Every CDNOW customer first bought in Jan–Mar 1997, so no one is censored before ~15 months:
    // KM reduces to the plain share, which the retention report counts directly.
    for (const days of [30, 60, 90]) {
      const p = km.points.find((x) => x.days === days)!;
      expect(p.secondOrderProbability).toBeCloseTo(shop.retention[days].rate!, 12);
    }
  });

  it("GIVEN censoring WHEN the medians are compared THEN KM's is far above the naive median among repeaters", () => {
    // docs/intelligence.md's naive figure: 57 days among repeaters. KM, which counts the customers who never
    // came back as still waiting, shows most CDNOW customers did not reorder within the 15–18 months observed.
    expect(shop.timeToSecondOrder.medianDays).toBe(57);
    const last = km.points[km.points.length - 1];
    expect(last.days).toBe(365);
    expect(last.survival).toBeGreaterThan(0.5);
    expect(km.medianDays).toBeNull();
    const print = km.points.map((p) => `S(${p.days})=${p.survival.toFixed(3)} [${p.lower!.toFixed(3)}, ${p.upper!.toFixed(3)}] n=${p.atRisk}`);
    console.info(`CDNOW KM: ${print.join("; ")}; repeaters ${km.secondOrders}/${km.customers}, naive median ${shop.timeToSecondOrder.medianDays} d`);
    for (const p of km.points) {
      expect(p.lower!).toBeLessThan(p.survival);
      expect(p.upper!).toBeGreaterThan(p.survival);
      expect(p.upper! - p.lower!).toBeLessThan(0.02); // 23,570 customers: a tight band
    }
  });
});
