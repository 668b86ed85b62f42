/**
 * The monitors' rule (app/domain/analytics/monitors.ts): a breach raises an
 * alert for the latest measured month, three consecutive monthly breaches
 * escalate once per run of breaches, a month back on the right side resets
 * the run and marks the metric recovered; thresholds merge over the defaults.
 */
import { describe, expect, it } from "vitest";
import type { MonthlyValue } from "~/domain/analytics";
import {
  breaches,
  DEFAULT_MONITOR_THRESHOLDS,
  evaluateMonitors,
  MONITOR_METRICS,
  resolveThresholds,
  type MonitorMetric,
} from "~/domain/analytics/monitors";

const months = (start: string, values: (number | null)[]): MonthlyValue[] => {
  const [y, m] = start.split("-").map(Number);
  return values.map((value, i) => {
    const index = y * 12 + (m - 1) + i;
    return { month: `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`, value };
  });
};

const only = (metric: MonitorMetric, series: MonthlyValue[], thresholds = DEFAULT_MONITOR_THRESHOLDS) => evaluateMonitors({ [metric]: series }, { ...thresholds });

describe("defaults", () => {
  it("follow the strategy: LTV/CAC below 2.5, retention and repeat rate at the typical store's figures", () => {
    expect(DEFAULT_MONITOR_THRESHOLDS).toEqual({
      retention30: 0.15, retention60: 0.08, retention90: 0.08, repeatRate: 0.08, ltvToCac: 2.5, highChurnRiskShare: 0.25,
    });
  });

  it.each([
    ["ltvToCac", 2.49, 2.5, true],
    ["ltvToCac", 2.5, 2.5, false], // at the threshold is not a breach
    ["retention30", 0.1, 0.15, true],
    ["highChurnRiskShare", 0.3, 0.25, true], // more high-risk customers is worse
    ["highChurnRiskShare", 0.2, 0.25, false],
    ["repeatRate", null, 0.08, false], // unmeasured is no evidence
  ] as const)("%s %s against %s breaches: %s", (metric, value, threshold, expected) => {
    expect(breaches(metric, value, threshold)).toBe(expected);
  });
});

describe("evaluateMonitors", () => {
  it("GIVEN LTV/CAC below 2.5 in the latest month only WHEN evaluated THEN one alert for that month, no escalation", () => {
    const r = only("ltvToCac", months("2026-07", [3.1, 2.8, 2.2]));
    expect(r.findings).toEqual([{ metric: "ltvToCac", level: "alert", period: "2026-09", value: 2.2, threshold: 2.5, months: 1 }]);
    expect(r.recovered).not.toContain("ltvToCac");
  });

  it("GIVEN three consecutive breached months WHEN evaluated THEN an alert and an escalation dated the third month", () => {
    const r = only("ltvToCac", months("2026-07", [2.1, 2.3, 2.4]));
    expect(r.findings).toEqual([
      { metric: "ltvToCac", level: "alert", period: "2026-09", value: 2.4, threshold: 2.5, months: 3 },
      { metric: "ltvToCac", level: "escalation", period: "2026-09", value: 2.4, threshold: 2.5, months: 3 },
    ]);
  });

  it("GIVEN a run that goes on for five months THEN the escalation keeps the month the run reached three (one escalation per run)", () => {
    const r = only("retention30", months("2026-05", [0.1, 0.1, 0.1, 0.12, 0.11]));
    expect(r.findings.find((f) => f.level === "escalation")).toMatchObject({ period: "2026-07", months: 5, value: 0.11 });
    expect(r.findings.find((f) => f.level === "alert")).toMatchObject({ period: "2026-09" });
  });

  it("GIVEN two breached months, a recovery, then two breached months THEN no escalation: the recovery reset the run", () => {
    const r = only("retention30", months("2026-03", [0.1, 0.1, 0.2, 0.1, 0.1]));
    expect(r.findings.map((f) => f.level)).toEqual(["alert"]);
    expect(r.statuses.find((s) => s.metric === "retention30")).toMatchObject({ breached: true, breachedMonths: 2 });
  });

  it("GIVEN a missing month inside the run THEN the months are not consecutive and nothing escalates", () => {
    const series = months("2026-03", [0.1, 0.1, 0.1]).filter((p) => p.month !== "2026-04");
    expect(only("retention30", series).findings.map((f) => f.level)).toEqual(["alert"]);
    expect(only("retention30", months("2026-03", [0.1, null, 0.1])).findings.map((f) => f.level)).toEqual(["alert"]);
  });

  it("GIVEN the latest month back above the threshold THEN no finding and the metric is recovered", () => {
    const r = only("ltvToCac", months("2026-06", [2.1, 2.2, 2.3, 2.6]));
    expect(r.findings).toEqual([]);
    expect(r.recovered).toEqual(["ltvToCac"]);
  });

  it("judges the high churn-risk share upwards, and reads the series in any order", () => {
    const r = only("highChurnRiskShare", months("2026-08", [0.3, 0.31, 0.4]).reverse());
    expect(r.findings.map((f) => [f.level, f.period])).toEqual([["alert", "2026-10"], ["escalation", "2026-10"]]);
  });

  it("uses the merchant's threshold, and leaves unmeasured metrics out of findings and recoveries", () => {
    const series = months("2026-07", [0.12, 0.12, 0.12]);
    expect(only("retention30", series, { ...DEFAULT_MONITOR_THRESHOLDS, retention30: 0.1 }).findings).toEqual([]);
    const r = evaluateMonitors({ retention30: series }, { ...DEFAULT_MONITOR_THRESHOLDS });
    expect(r.findings.every((f) => f.metric === "retention30")).toBe(true);
    expect(r.recovered).toEqual([]);
    expect(r.statuses.filter((s) => s.latest === null).map((s) => s.metric)).toEqual(MONITOR_METRICS.filter((m) => m !== "retention30"));
  });

  it("refuses a malformed or duplicate month", () => {
    expect(() => only("retention30", [{ month: "2026-13", value: 0.1 }])).toThrow(RangeError);
    expect(() => only("retention30", [{ month: "2026-01", value: 0.1 }, { month: "2026-01", value: 0.2 }])).toThrow(RangeError);
  });
});

describe("resolveThresholds", () => {
  it("merges valid values over the defaults and reports every out-of-range one", () => {
    const { thresholds, errors } = resolveThresholds({ retention30: 0.2, repeatRate: 1.5, highChurnRiskShare: "x", unknown: 3 });
    expect(thresholds).toEqual({ ...DEFAULT_MONITOR_THRESHOLDS, retention30: 0.2 });
    expect(errors.map((e) => e.metric)).toEqual(["repeatRate", "highChurnRiskShare"]);
  });
});
