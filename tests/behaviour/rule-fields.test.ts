/**
 * The behaviour and interest rule fields in the domain: validation, the
 * missing-value semantics (a customer the pixel never saw matches no
 * behaviour comparison, negated or not), rendering, and the columns the full
 * pass and the single-customer update fill from.
 */
import { describe, expect, it } from "vitest";
import { NORMS, features } from "../domain/segments/helpers";
import {
  BEHAVIOUR_RULE_FIELDS, behaviourColumnsOf, behaviourRuleKey, emptyBehaviourColumns, fillBehaviourFeatures, layersReadBehaviour, setBehaviourValues,
  type BehaviourValues,
} from "~/domain/behaviour/rule-features";
import { DEFAULT_LAYERS, RULE_FIELDS, compileRule, emptyFeatures, explainRule, renderRule, segmentCustomer, segmentShop, validateRule, type Rule } from "~/domain/segments";

const DAY = 86400_000;
const ASOF = Date.parse("2026-06-30T12:00:00Z");
const seen: BehaviourValues = {
  sessions30: 4, views30: 12, carts30: 2, searches30: 1, lastSeenAt: ASOF - 3 * DAY - 1000, cartAbandonedAt: ASOF - 2 * DAY, topProductType: "Coffee",
};

describe("behaviour rule fields", () => {
  it("are all in the rule catalogue, with a label", () => {
    for (const f of BEHAVIOUR_RULE_FIELDS) expect(RULE_FIELDS[f].label.length).toBeGreaterThan(0);
  });

  it.each<[unknown, string | null]>([
    [{ field: "sessions30d", op: ">=", value: 3 }, null],
    [{ field: "daysSinceCartAbandoned", op: "<=", value: 7 }, null],
    [{ field: "topProductType", op: "in", value: ["Coffee", "Tea"] }, null],
    [{ field: "topProductType", op: "==", value: "Coffee" }, null],
    [{ field: "topProductType", op: ">", value: "Coffee" }, "rule.op"],
    [{ field: "topProductType", op: "==", value: 3 }, "rule.value"],
    [{ field: "topProductType", op: "==", value: " " }, "rule.value"],
    [{ field: "topProductType", op: "==", value: { norm: "medianAovMinor" } }, "rule.value"],
    [{ field: "sessions30d", op: ">=", value: "many" }, "rule.value"],
    [{ field: "sessions30d", op: ">=", value: { norm: "medianAovMinor" } }, "rule.value.norm"],
  ])("validates %j", (rule, errorPath) => {
    const errors = validateRule(rule);
    if (errorPath === null) expect(errors).toEqual([]);
    else expect(errors.map((e) => e.path)).toContain(errorPath);
  });

  it("is missing for a customer the pixel never saw: every comparison is false, negated or not", () => {
    const x = fillBehaviourFeatures(features({ orders: 2, recencyDays: 80 }), null, 0, ASOF);
    const rules: Rule[] = [
      { field: "sessions30d", op: ">=", value: 0 },
      { field: "sessions30d", op: "<", value: 1 },
      { field: "daysSinceLastVisit", op: ">", value: -1 },
      { field: "topProductType", op: "!=", value: "Coffee" },
    ];
    for (const r of rules) expect(compileRule(r, NORMS)(x)).toBe(false);
    // "Not browsed recently" must be written so that it does not catch the unseen: `not` of a false comparison is true.
    expect(compileRule({ not: { field: "sessions30d", op: ">=", value: 1 } }, NORMS)(x)).toBe(true);
    expect(fillBehaviourFeatures(features({}), behaviourColumnsOf(null), 0, ASOF).sessions30d).toBeNull();
  });

  it("reads counts as stored and days since as of the pass", () => {
    const x = fillBehaviourFeatures(emptyFeatures(), behaviourColumnsOf(seen), 0, ASOF);
    expect(x).toMatchObject({
      sessions30d: 4, productViews30d: 12, addToCarts30d: 2, searches30d: 1, daysSinceLastVisit: 3, daysSinceCartAbandoned: 2, topProductType: "Coffee",
    });
    const noCart = fillBehaviourFeatures(emptyFeatures(), behaviourColumnsOf({ ...seen, cartAbandonedAt: null }), 0, ASOF);
    expect(noCart.daysSinceCartAbandoned).toBeNull();
    expect(noCart.sessions30d).toBe(4);
    // "Browses often, has not bought in 60 days" and "abandoned a cart this week".
    const lapsedBrowser: Rule = { all: [{ field: "sessions30d", op: ">=", value: 3 }, { field: "recencyDays", op: ">", value: 60 }] };
    expect(compileRule(lapsedBrowser, NORMS)({ ...x, recencyDays: 75 })).toBe(true);
    expect(compileRule(lapsedBrowser, NORMS)({ ...x, recencyDays: 20 })).toBe(false);
    expect(compileRule({ field: "daysSinceCartAbandoned", op: "<=", value: 7 }, NORMS)(x)).toBe(true);
    expect(compileRule({ field: "topProductType", op: "in", value: ["Tea", "Coffee"] }, NORMS)(x)).toBe(true);
  });

  it("renders in words, with values, and says when browsing data is missing", () => {
    const rule: Rule = { all: [{ field: "sessions30d", op: ">=", value: 3 }, { field: "topProductType", op: "==", value: "Coffee" }] };
    expect(renderRule(rule)).toBe("Sessions (30 days) ≥ 3 and Top product type is Coffee");
    const x = fillBehaviourFeatures(emptyFeatures(), behaviourColumnsOf(seen), 0, ASOF);
    expect(explainRule(rule, x, NORMS)).toBe("Sessions (30 days) 4 ≥ 3, Top product type is Coffee");
    expect(explainRule({ not: { field: "sessions30d", op: ">=", value: 1 } }, emptyFeatures(), NORMS)).toBe("Sessions (30 days) not known (no browsing data)");
  });

  it("gives the same layer in the full pass (columns) and for one customer", () => {
    const layers = [
      { id: "cart-abandoners", name: "Cart", description: "", priority: 0, rank: 5, rule: { field: "daysSinceCartAbandoned", op: "<=", value: 7 } as Rule },
      ...DEFAULT_LAYERS.map((l) => ({ ...l, priority: l.priority + 1 })),
    ];
    expect(layersReadBehaviour(layers)).toBe(true);
    expect(layersReadBehaviour(DEFAULT_LAYERS)).toBe(false);
    const histories = Array.from({ length: 40 }, (_, k) => ({
      customerId: `c${k}`, createdAt: ASOF - 400 * DAY, orders: k % 3 === 0 ? [] : [{ at: ASOF - (10 + k * 7) * DAY, valueMinor: 3000 + k * 100 }],
    }));
    const cols = emptyBehaviourColumns(histories.length);
    const values = histories.map((_, k) => (k % 2 === 0 ? { ...seen, cartAbandonedAt: k % 4 === 0 ? ASOF - (k % 9) * DAY : null } : null));
    values.forEach((v, k) => v && setBehaviourValues(cols, k, v));
    const pass = segmentShop(histories, ASOF, { layers, behaviour: cols });
    let abandoners = 0;
    histories.forEach((h, k) => {
      const one = segmentCustomer(h, pass.baseline, ASOF, layers, { behaviour: behaviourColumnsOf(values[k]) });
      expect(one.assignment.layerId).toBe(pass.layerIds[pass.layerIndex[k]]);
      if (one.assignment.layerId === "cart-abandoners") abandoners++;
    });
    expect(abandoners).toBe(values.filter((v) => v?.cartAbandonedAt != null && ASOF - v.cartAbandonedAt <= 7 * DAY).length);
    expect(abandoners).toBeGreaterThan(0);
  });

  it("keys what rules read, so an unchanged refresh re-layers no one", () => {
    expect(behaviourRuleKey(seen)).toBe(behaviourRuleKey({ ...seen }));
    expect(behaviourRuleKey(seen)).not.toBe(behaviourRuleKey({ ...seen, carts30: 3 }));
    expect(behaviourRuleKey(null)).not.toBe(behaviourRuleKey(seen));
  });
});
