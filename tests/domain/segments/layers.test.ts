import { describe, expect, it } from "vitest";
import {
  type CustomerFeatures, DEFAULT_LAYERS, FALLBACK_LAYER_ID, UNASSIGNED_LAYER_ID, assignLayer, compileLayers, compileRule,
  customerFeatures, layerMap, segmentShop,
} from "~/domain/segments";
import { AS_OF, NORMS, features } from "./helpers";
import { syntheticShop } from "./synthetic";

describe("default layers", () => {
  it("are twelve plus the fallback, with unique priorities and ranks", () => {
    expect(DEFAULT_LAYERS).toHaveLength(13);
    expect(new Set(DEFAULT_LAYERS.map((l) => l.priority)).size).toBe(13);
    expect(new Set(DEFAULT_LAYERS.map((l) => l.rank)).size).toBe(13);
    expect(DEFAULT_LAYERS.at(-1)!.id).toBe(FALLBACK_LAYER_ID);
    expect(Object.isFrozen(DEFAULT_LAYERS[0].rule)).toBe(true);
  });

  it.each<{ layer: string; customer: Partial<CustomerFeatures>; explanation: string }>([
    { layer: "vip", customer: { lifecycleStage: "mature", orders: 6, recencyDays: 5, aovMinor: 7800, r: 5, f: 5, m: 5 },
      explanation: "Lifecycle stage mature is one of growing, mature, F score 5 ≥ 5, AOV $78 ≥ 1.5× shop median AOV $52" },
    { layer: "loyal", customer: { lifecycleStage: "mature", orders: 4, recencyDays: 5, aovMinor: 7799, r: 5, f: 5, m: 5 },
      explanation: "Lifecycle stage is mature" },
    { layer: "potential-growth", customer: { lifecycleStage: "growing", orders: 2, recencyDays: 20, aovMinor: 5200, r: 4, f: 3, m: 3 },
      explanation: "Lifecycle stage is growing, AOV $52 ≥ shop median AOV $52" },
    { layer: "needs-attention", customer: { lifecycleStage: "growing", orders: 3, recencyDays: 20, aovMinor: 5199, r: 4, f: 4, m: 3 },
      explanation: "Lifecycle stage is growing, AOV $51.99 < shop median AOV $52" },
    { layer: "new-customers", customer: { lifecycleStage: "new", orders: 1, recencyDays: 3, aovMinor: 1000, r: 5, f: 1, m: 1 },
      explanation: "Lifecycle stage is new" },
    { layer: "at-risk-high-value", customer: { lifecycleStage: "at-risk", orders: 3, recencyDays: 70, aovMinor: 9000, r: 3, f: 4, m: 4 },
      explanation: "Lifecycle stage is at-risk, 3 orders ≥ 2, M score 4 ≥ 4" },
    { layer: "about-to-sleep", customer: { lifecycleStage: "at-risk", orders: 2, recencyDays: 70, aovMinor: 2000, r: 3, f: 3, m: 3 },
      explanation: "Lifecycle stage is at-risk, 2 orders ≥ 2, M score 3 ≤ 3" },
    { layer: "churn-risk", customer: { lifecycleStage: "churned", orders: 2, recencyDays: 179, aovMinor: 2000, r: 2, f: 3, m: 2 },
      explanation: "Lifecycle stage is churned, 2 orders ≥ 2, Recency 179 days < 2× churn threshold 90 days" },
    { layer: "one-time-buyers", customer: { lifecycleStage: "at-risk", orders: 1, recencyDays: 45, aovMinor: 2000, r: 3, f: 1, m: 1 },
      explanation: "1 order = 1, Lifecycle stage at-risk is not new" },
    { layer: "hibernating", customer: { lifecycleStage: "churned", orders: 3, recencyDays: 180, aovMinor: 2000, r: 1, f: 4, m: 3 },
      explanation: "Lifecycle stage is churned, 3 orders ≥ 2, Recency 180 days ≥ 2× churn threshold 90 days, Recency 180 days < 4× churn threshold 90 days" },
    { layer: "lost", customer: { lifecycleStage: "churned", orders: 3, recencyDays: 360, aovMinor: 2000, r: 1, f: 4, m: 3 },
      explanation: "Lifecycle stage is churned, 3 orders ≥ 2, Recency 360 days ≥ 4× churn threshold 90 days" },
    { layer: "prospects", customer: { lifecycleStage: "prospect" }, explanation: "Lifecycle stage is prospect" },
  ])("$layer is reachable: $explanation", ({ layer, customer, explanation }) => {
    const x = features(customer);
    const assignment = assignLayer(x, DEFAULT_LAYERS, NORMS);
    expect(assignment.layerId).toBe(layer);
    expect(assignment.reason.explanation).toBe(explanation);
    for (const field of Object.keys(assignment.reason.values) as Array<keyof CustomerFeatures>) {
      expect(assignment.reason.values[field]).toBe(x[field]);
    }
  });

  it("gives the matched rule in words and the values it looked at", () => {
    const x = features({ lifecycleStage: "mature", orders: 6, recencyDays: 5, aovMinor: 9000, r: 5, f: 5, m: 5 });
    expect(assignLayer(x, compileLayers(DEFAULT_LAYERS, NORMS)).reason).toEqual({
      matchedRule: "Lifecycle stage is one of growing, mature and F score ≥ 5 and AOV ≥ 1.5× shop median AOV $52",
      values: { lifecycleStage: "mature", f: 5, aovMinor: 9000 },
      explanation: "Lifecycle stage mature is one of growing, mature, F score 5 ≥ 5, AOV $90 ≥ 1.5× shop median AOV $52",
    });
  });

  it("tries layers by priority, not by list order", () => {
    const reversed = [...DEFAULT_LAYERS].reverse();
    const x = features({ lifecycleStage: "mature", orders: 6, recencyDays: 5, aovMinor: 9000, r: 5, f: 5, m: 5 });
    expect(assignLayer(x, reversed, NORMS).layerId).toBe("vip");
  });

  it("says so when an edited set leaves a customer out", () => {
    const onlyVip = DEFAULT_LAYERS.filter((l) => l.id === "vip");
    expect(assignLayer(features({}), onlyVip, NORMS)).toEqual({
      layerId: UNASSIGNED_LAYER_ID,
      reason: { matchedRule: "none", values: {}, explanation: "No layer's rule matched this customer" },
    });
    expect(() => assignLayer(features({}), onlyVip)).toThrow(/need the shop's norms/);
  });

  it("honours a merchant's edited rule and name", () => {
    const edited = DEFAULT_LAYERS.map((l) => (l.id === "loyal"
      ? { ...l, name: "Regulars", rule: { all: [{ field: "lifecycleStage" as const, op: "==" as const, value: "mature" }, { field: "r" as const, op: ">=" as const, value: 4 }] } }
      : l));
    const x = features({ lifecycleStage: "mature", orders: 4, recencyDays: 40, aovMinor: 100, r: 3, f: 4, m: 2 });
    expect(assignLayer(x, DEFAULT_LAYERS, NORMS).layerId).toBe("loyal");
    expect(assignLayer(x, edited, NORMS).layerId).toBe(FALLBACK_LAYER_ID);
  });
});

describe("a synthetic population of 20,000", () => {
  const histories = syntheticShop(20_000, AS_OF, 7);
  const pass = segmentShop(histories, AS_OF);
  const rules = DEFAULT_LAYERS.filter((l) => l.id !== FALLBACK_LAYER_ID).map((l) => ({ id: l.id, holds: compileRule(l.rule, pass.norms) }));

  it("puts every customer in exactly one layer, none in the fallback, and fills every layer", () => {
    const sizes = pass.layerSizes;
    expect(Object.values(sizes).reduce((a, b) => a + b, 0)).toBe(20_000);
    expect(sizes[FALLBACK_LAYER_ID]).toBe(0);
    expect(sizes[UNASSIGNED_LAYER_ID]).toBeUndefined();
    for (const rule of rules) expect(sizes[rule.id], rule.id).toBeGreaterThan(0);
  });

  it("matches each customer with exactly one of the twelve rules (VIP overlapping exactly one other)", () => {
    const layers = layerMap(pass);
    for (const h of histories) {
      const x = customerFeatures(h, pass.baseline, AS_OF);
      const matching = rules.filter((r) => r.holds(x)).map((r) => r.id);
      const others = matching.filter((id) => id !== "vip");
      expect(others, `${h.customerId}: ${matching.join(", ")}`).toHaveLength(1);
      expect(layers.get(h.customerId)).toBe(matching[0]);
    }
  });
});
