import { describe, expect, it } from "vitest";
import { consecutiveBreaches, type MonthlyValue } from "~/domain/analytics";

const series = (start: string, values: Array<number | null>): MonthlyValue[] => {
  const [y, m] = start.split("-").map(Number);
  return values.map((value, i) => {
    const idx = y * 12 + m - 1 + i;
    return { month: `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, "0")}`, value };
  });
};

describe("consecutiveBreaches (three months under the threshold escalates)", () => {
  it("two months under: no alert", () => {
    expect(consecutiveBreaches(series("2025-01", [3.1, 2.4, 2.2, 2.8]), 2.5)).toEqual([]);
  });

  it("three months under: one alert from the first to the last breached month", () => {
    expect(consecutiveBreaches(series("2025-01", [3.1, 2.4, 2.2, 2.3, 2.9]), 2.5)).toEqual([
      { startMonth: "2025-02", endMonth: "2025-04", escalatedMonth: "2025-04", months: 3, worstValue: 2.2, ongoing: false },
    ]);
  });

  it("a recovery resets the count", () => {
    expect(consecutiveBreaches(series("2025-01", [2.4, 2.2, 2.6, 2.3, 2.1]), 2.5)).toEqual([]);
  });

  it("a longer run is one alert; escalation is at its third month; a run reaching the end is ongoing", () => {
    expect(consecutiveBreaches(series("2024-11", [2, 2, 2, 1.5, 2]), 2.5)).toEqual([
      { startMonth: "2024-11", endMonth: "2025-03", escalatedMonth: "2025-01", months: 5, worstValue: 1.5, ongoing: true },
    ]);
  });

  it("a value at the threshold is not under it; a missing month or null value breaks the run", () => {
    expect(consecutiveBreaches(series("2025-01", [2, 2.5, 2, 2]), 2.5)).toEqual([]);
    expect(consecutiveBreaches(series("2025-01", [2, 2, null, 2]), 2.5)).toEqual([]);
    const gap = [...series("2025-01", [2, 2]), ...series("2025-04", [2])];
    expect(consecutiveBreaches(gap, 2.5)).toEqual([]);
  });

  it("accepts months in any order and a custom run length; refuses duplicates", () => {
    const shuffled = series("2025-01", [0.1, 0.1, 0.1]).reverse();
    expect(consecutiveBreaches(shuffled, 0.15)).toHaveLength(1);
    expect(consecutiveBreaches(series("2025-01", [0.1, 0.1]), 0.15, 2)).toHaveLength(1);
    expect(() => consecutiveBreaches([...shuffled, shuffled[0]], 0.15)).toThrow(RangeError);
  });

  it("works for retention (30-day rate under the 15% typical) and for lower-is-better metrics", () => {
    expect(consecutiveBreaches(series("2025-01", [0.12, 0.11, 0.14]), 0.15)[0].worstValue).toBe(0.11);
    // Repurchase cycle in days above 90 for three months.
    expect(consecutiveBreaches(series("2025-01", [95, 100, 91]), 90, 3, { direction: "above" })[0]).toMatchObject({ worstValue: 100, months: 3 });
  });
});
