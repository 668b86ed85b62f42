/**
 * Real data: the CDNOW sample (Fader & Hardie), 69,659 purchases by 23,570
 * customers who all first bought in 1997-Q1, observed to 1998-06-30.
 * The module's numbers are checked against a separate direct loop over the file.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { analyzeRetention } from "~/domain/analytics";
import type { PurchaseHistory } from "~/domain/customers/purchase-history";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const file = resolve(repoRoot, "../shared/datasets/cdnow/CDNOW_master.txt");
const present = existsSync(file);
if (!present) console.warn(`CDNOW data not found at ${file}: skipping the real-data test`);

/** Rows of (customer id, yyyymmdd, cents). Columns: customer id, date, CDs, dollars; CRLF; a header line. */
function rows(): Array<{ id: string; date: string; cents: number }> {
  return readFileSync(file, "utf8")
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const [id, date, , dollars] = line.split(/\s+/);
      return { id, date, cents: Math.round(Number(dollars) * 100) };
    });
}

const dayOf = (yyyymmdd: string) =>
  Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8))) / 86_400_000;

describe.skipIf(!present)("CDNOW (real data)", () => {
  const data = present ? rows() : [];
  const asOf = Date.UTC(1998, 6, 1); // the day after the last purchase

  // Direct loop: per customer the first purchase day and the first later day; nothing from the module.
  const firstDay = new Map<string, number>();
  for (const r of data) firstDay.set(r.id, Math.min(firstDay.get(r.id) ?? Infinity, dayOf(r.date)));
  const secondDay = new Map<string, number>();
  for (const r of data) {
    const d = dayOf(r.date);
    if (d > firstDay.get(r.id)!) secondDay.set(r.id, Math.min(secondDay.get(r.id) ?? Infinity, d));
  }
  const cohortSizes: Record<string, number> = {};
  for (const [, d] of firstDay) {
    const key = new Date(d * 86_400_000).toISOString().slice(0, 7);
    cohortSizes[key] = (cohortSizes[key] ?? 0) + 1;
  }
  const retainedWithin = (n: number) => [...secondDay].filter(([id, d]) => d - firstDay.get(id)! <= n).length;
  const gaps = [...secondDay].map(([id, d]) => d - firstDay.get(id)!).sort((a, b) => a - b);
  const mid = (gaps.length - 1) / 2;
  const directMedian = (gaps[Math.floor(mid)] + gaps[Math.ceil(mid)]) / 2;

  // The module's input: histories ascending by time.
  const byId = new Map<string, PurchaseHistory>();
  for (const r of data) {
    const at = dayOf(r.date) * 86_400_000;
    const h = byId.get(r.id) ?? { customerId: r.id, createdAt: at, orders: [] };
    h.orders.push({ at, valueMinor: r.cents });
    byId.set(r.id, h);
  }
  for (const h of byId.values()) h.orders.sort((a, b) => a.at - b.at);
  const { cohorts, shop } = analyzeRetention([...byId.values()], { asOf });

  it("has the whole file: 69,659 purchases by 23,570 customers", () => {
    expect(data).toHaveLength(69_659);
    expect(firstDay.size).toBe(23_570);
  });

  it("cohorts are Jan, Feb and Mar 1997 only, sum to 23,570, and match the direct count", () => {
    expect(cohorts.map((c) => c.month)).toEqual(["1997-01", "1997-02", "1997-03"]);
    expect(Object.fromEntries(cohorts.map((c) => [c.month, c.size]))).toEqual(cohortSizes);
    expect(cohorts.reduce((s, c) => s + c.size, 0)).toBe(23_570);
  });

  it("30/60/90-day retention and repeat rate match the direct loop; everyone has matured", () => {
    for (const n of [30, 60, 90]) {
      expect(shop.retention[n]).toEqual({ days: n, matured: 23_570, maturing: 0, retained: retainedWithin(n), rate: retainedWithin(n) / 23_570 });
    }
    expect(shop.repeatCustomers).toBe(secondDay.size);
    expect(shop.repeatRate).toBe(secondDay.size / 23_570);
    expect(shop.timeToSecondOrder.medianDays).toBe(directMedian);
  });

  it("is plausible: retention grows with the window, revenue adds up", () => {
    const [r30, r60, r90] = [30, 60, 90].map((n) => shop.retention[n].rate!);
    expect(r30).toBeLessThan(r60);
    expect(r60).toBeLessThan(r90);
    expect(r90).toBeLessThan(shop.repeatRate!);
    expect(shop.revenueMinor).toBe(data.reduce((s, r) => s + r.cents, 0));
    // Complete months by 1998-07-01: Jan 97..Jun 98 is 18 for the January cohort, 17 for February, 16 for March.
    expect(cohorts.map((c) => c.months.length)).toEqual([18, 17, 16]);
  });
});
