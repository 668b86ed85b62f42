import { describe, expect, it } from "vitest";
import { insightStateHash, recencyDaysAt, summaryAt, type InsightState } from "~/domain/customers/insight-state";
import { DAY_MS } from "~/domain/customers/purchase-history";
import { summarise } from "~/domain/predictions";

const base: InsightState = {
  layerId: "loyal", matchedRule: "Orders ≥ 3", lifecycleStage: "mature", r: 4, f: 5, m: 3, orders: 4, aovMinor: 2_500,
  monetaryMinor: 10_000, churnRisk: "low", lastOrderAtMs: Date.parse("2026-10-20T10:00:00Z"), firstOrderDay: 20_100,
  repeatOrders: 3, repeatSpanDays: 180, meanRepeatValueMinor: 2_400, meanOrderValueMinor: 2_500,
  digestKey: 123_456_789_012,
};

describe("insightStateHash", () => {
  it("GIVEN the same state THEN the same hash, an integer a float column stores exactly", () => {
    const h = insightStateHash(base);
    expect(insightStateHash({ ...base })).toBe(h);
    expect(Number.isSafeInteger(h)).toBe(true);
    expect(h).toBeGreaterThanOrEqual(0);
  });

  it("GIVEN any one field changed THEN the hash changes", () => {
    const changes: Partial<InsightState>[] = [
      { layerId: "vip" }, { matchedRule: "Orders ≥ 4" }, { lifecycleStage: "at-risk" }, { r: 3 }, { f: 4 }, { m: null }, { orders: 5 },
      { aovMinor: 2_501 }, { monetaryMinor: 10_001 }, { churnRisk: "medium" }, { lastOrderAtMs: base.lastOrderAtMs! + 1000 },
      { firstOrderDay: 20_101 }, { repeatOrders: 4 }, { repeatSpanDays: 181 }, { meanRepeatValueMinor: 2_400.5 }, { meanOrderValueMinor: null },
      { digestKey: 123_456_789_013 },
    ];
    const seen = new Set([insightStateHash(base)]);
    for (const c of changes) seen.add(insightStateHash({ ...base, ...c }));
    expect(seen.size).toBe(changes.length + 1);
  });

  it("GIVEN fields whose texts run together THEN they still hash apart (fields are separated)", () => {
    expect(insightStateHash({ ...base, layerId: "a", matchedRule: "bc" })).not.toBe(insightStateHash({ ...base, layerId: "ab", matchedRule: "c" }));
  });
});

describe("summaryAt and recencyDaysAt", () => {
  it("GIVEN a history THEN the summary rebuilt from the stored state at any later instant equals summarise's", () => {
    const history = {
      customerId: "c1", createdAt: Date.parse("2025-01-01T00:00:00Z"),
      orders: [
        { at: Date.parse("2025-02-03T23:59:00Z"), valueMinor: 1_000 },
        { at: Date.parse("2025-02-03T08:00:00Z"), valueMinor: 500 },
        { at: Date.parse("2025-05-10T12:00:00Z"), valueMinor: 2_000 },
        { at: Date.parse("2025-09-01T06:30:00Z"), valueMinor: 1_200 },
      ],
    };
    const asOf = Date.parse("2025-10-01T00:00:00Z");
    const [s] = summarise([history], asOf, "days");
    const state = {
      lastOrderAtMs: Date.parse("2025-09-01T06:30:00Z"), firstOrderDay: Math.floor(asOf / DAY_MS) - s.T, repeatOrders: s.x,
      repeatSpanDays: s.tx, meanRepeatValueMinor: s.meanRepeatValueMinor, meanOrderValueMinor: s.meanOrderValueMinor,
    };
    for (const days of [0, 1, 29, 400]) {
      const later = asOf + days * DAY_MS + 3_600_000;
      const [expected] = summarise([history], later, "days");
      expect(summaryAt(state, later)).toEqual({
        x: expected.x, tx: expected.tx, T: expected.T, meanRepeatValueMinor: expected.meanRepeatValueMinor, meanOrderValueMinor: expected.meanOrderValueMinor,
      });
      expect(recencyDaysAt(state, later)).toBe(Math.floor((later - state.lastOrderAtMs) / DAY_MS));
    }
    expect(recencyDaysAt(state, asOf)).toBe(29);
  });

  it("GIVEN a prospect's state THEN no summary and no recency", () => {
    const none = { lastOrderAtMs: null, firstOrderDay: null, repeatOrders: null, repeatSpanDays: null, meanRepeatValueMinor: null, meanOrderValueMinor: null };
    expect(summaryAt(none, Date.now())).toBeNull();
    expect(recencyDaysAt(none, Date.now())).toBeNull();
  });
});
