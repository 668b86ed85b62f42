/**
 * Real data: the CDNOW cohort (23,570 customers who first bought in Q1 1997,
 * followed to June 1998), layered as of 1998-07-01. Every expectation is
 * recomputed here straight from the file, independently of the loader and the
 * domain code.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { DAY_MS } from "~/domain/customers/purchase-history";
import { type ShopSegmentation, segmentShop } from "~/domain/segments";
import { CDNOW_PATH, cdnowAvailable, loadCdnow } from "./cdnow";

const AS_OF = Date.UTC(1998, 6, 1);
const available = cdnowAvailable();
if (!available) console.warn(`CDNOW data not found at ${CDNOW_PATH}; skipping the real-data test`);

interface Direct { days: Set<string>; cents: number }

/** Straight from the text: per customer, distinct purchase days and total cents. */
function readDirect(): Map<string, Direct> {
  const out = new Map<string, Direct>();
  const lines = readFileSync(CDNOW_PATH, "latin1").split(/\r?\n/).slice(1);
  for (const line of lines) {
    const [id, date, , dollars] = line.trim().split(/\s+/);
    if (!date) continue;
    const c = out.get(id) ?? { days: new Set<string>(), cents: 0 };
    c.days.add(date);
    c.cents += Math.round(Number(dollars) * 100);
    out.set(id, c);
  }
  return out;
}

const dayMs = (d: string) => Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8));
const lowerMedian = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1];

describe.skipIf(!available)("CDNOW as of 1998-07-01", () => {
  let pass: ShopSegmentation;
  let direct: Map<string, Direct>;
  const size = (...ids: string[]) => ids.reduce((n, id) => n + pass.layerSizes[id], 0);
  const count = (pred: (days: number[], recency: number) => boolean) => {
    let n = 0;
    for (const c of direct.values()) {
      const days = [...c.days].map(dayMs).sort((a, b) => a - b);
      if (pred(days, Math.floor((AS_OF - days[days.length - 1]) / DAY_MS))) n++;
    }
    return n;
  };

  beforeAll(() => {
    direct = readDirect();
    pass = segmentShop(loadCdnow(), AS_OF);
  });

  it("loads 23,570 customers and layers every one of them", () => {
    expect(direct.size).toBe(23_570);
    expect(Object.values(pass.layerSizes).reduce((a, b) => a + b, 0)).toBe(23_570);
    expect(pass.layerSizes.unclassified).toBe(0);
  });

  it("has no prospects and no new customers (everyone first bought in Q1 1997)", () => {
    expect(count((days) => days[0] >= Date.UTC(1997, 3, 1))).toBe(0);
    expect(pass.layerSizes.prospects).toBe(0);
    expect(pass.layerSizes["new-customers"]).toBe(0);
  });

  it("counts as one-time buyers exactly the customers with one purchase day", () => {
    const oneDay = count((days) => days.length === 1);
    expect(oneDay).toBe(12_054);
    expect(pass.layerSizes["one-time-buyers"]).toBe(oneDay);
    expect(pass.layerSizes["one-time-buyers"] / 23_570).toBeCloseTo(0.5114, 4);
  });

  it("measures the shop's typical gap and median AOV as the file says", () => {
    const gaps: number[] = [];
    const aovs: number[] = [];
    for (const c of direct.values()) {
      const days = [...c.days].map(dayMs).sort((a, b) => a - b);
      for (let i = 1; i < days.length; i++) gaps.push((days[i] - days[i - 1]) / DAY_MS);
      aovs.push(Math.round(c.cents / days.length));
    }
    expect(pass.norms.typicalGapDays).toBe(lowerMedian(gaps));
    expect(pass.norms.medianAovMinor).toBe(lowerMedian(aovs));
    expect(pass.norms.churnAfterDays).toBe(Math.max(90, 2 * lowerMedian(gaps)));
  });

  it("splits repeat buyers by days since their last purchase as the file says", () => {
    const { atRiskAfterDays, churnAfterDays } = pass.norms;
    expect(size("vip", "loyal", "potential-growth", "needs-attention"))
      .toBe(count((d, recency) => d.length >= 2 && recency <= atRiskAfterDays));
    expect(size("at-risk-high-value", "about-to-sleep"))
      .toBe(count((d, recency) => d.length >= 2 && recency > atRiskAfterDays && recency < churnAfterDays));
    expect(size("churn-risk")).toBe(count((d, recency) => d.length >= 2 && recency >= churnAfterDays && recency < 2 * churnAfterDays));
    expect(size("lost")).toBe(count((d, recency) => d.length >= 2 && recency >= 4 * churnAfterDays));
    expect(size("loyal") + size("vip")).toBeGreaterThanOrEqual(count((d, recency) => d.length >= 4 && recency <= atRiskAfterDays));
  });
});
