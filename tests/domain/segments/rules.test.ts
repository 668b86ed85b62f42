import { describe, expect, it } from "vitest";
import {
  DEFAULT_LAYERS, type Rule, compileRule, explainRule, formatMoney, renderRule, validateLayers, validateRule,
} from "~/domain/segments";
import { NORMS, features } from "./helpers";

describe("validateRule", () => {
  it.each<{ name: string; rule: unknown; path: string; message: RegExp }>([
    { name: "not an object", rule: null, path: "rule", message: /expected a condition object/ },
    { name: "unknown field", rule: { field: "aov", op: ">=", value: 1 }, path: "rule.field", message: /unknown field "aov"; known fields: r, f, m, recencyDays/ },
    { name: "unknown operator", rule: { field: "orders", op: "=>", value: 1 }, path: "rule.op", message: /unknown operator "=>"; use one of < <= > >= == != in/ },
    { name: "ordering on a stage", rule: { field: "lifecycleStage", op: ">", value: "new" }, path: "rule.op", message: /operator ">" does not apply to lifecycleStage/ },
    { name: "unknown stage", rule: { field: "lifecycleStage", op: "==", value: "sleeping" }, path: "rule.value", message: /expected one of prospect, new, growing, mature, at-risk, churned, got "sleeping"/ },
    { name: "number given as text", rule: { field: "recencyDays", op: "<=", value: "30" }, path: "rule.value", message: /recencyDays is a number \(days\): expected a finite number, got "30"/ },
    { name: "score out of range", rule: { field: "r", op: ">=", value: 6 }, path: "rule.value", message: /r is a 1..5 score: 6 is out of range/ },
    { name: "missing value", rule: { field: "orders", op: ">=" }, path: "rule.value", message: /missing value/ },
    { name: "money against days", rule: { field: "aovMinor", op: ">=", value: { norm: "typicalGapDays" } }, path: "rule.value.norm", message: /aovMinor is money but typicalGapDays is days/ },
    { name: "unknown norm", rule: { field: "aovMinor", op: ">=", value: { norm: "meanAov" } }, path: "rule.value.norm", message: /unknown norm "meanAov"; known norms: medianAovMinor/ },
    { name: "negative multiplier", rule: { field: "aovMinor", op: ">=", value: { norm: "medianAovMinor", times: -1 } }, path: "rule.value.times", message: /times must be a positive number, got -1/ },
    { name: "score against a norm", rule: { field: "f", op: ">=", value: { norm: "medianFrequency" } }, path: "rule.value", message: /f cannot be compared with a shop norm/ },
    { name: "list without in", rule: { field: "orders", op: "==", value: [1, 2] }, path: "rule.value", message: /a list needs the "in" operator/ },
    { name: "in without list", rule: { field: "orders", op: "in", value: 1 }, path: "rule.value", message: /"in" needs a non-empty list/ },
    { name: "bad list member", rule: { field: "lifecycleStage", op: "in", value: ["new", "vip"] }, path: "rule.value[1]", message: /got "vip"/ },
    { name: "empty any", rule: { any: [] }, path: "rule.any", message: /"any" needs at least one condition/ },
    { name: "all is not a list", rule: { all: { field: "orders" } }, path: "rule.all", message: /"all" must be a list of conditions/ },
    { name: "two kinds in one node", rule: { all: [], any: [] }, path: "rule", message: /exactly one of "all", "any", "not", "field"; got "all" and "any"/ },
    { name: "no kind", rule: { feild: "orders" }, path: "rule", message: /expected one of "all", "any", "not" or "field", got keys "feild"/ },
    { name: "typo in a key", rule: { field: "orders", op: ">=", value: 1, vaule: 2 }, path: "rule.vaule", message: /unexpected key "vaule"/ },
    { name: "nested path", rule: { all: [{ field: "orders", op: ">=", value: 1 }, { not: { field: "recency", op: "<", value: 3 } }] }, path: "rule.all[1].not.field", message: /unknown field "recency"/ },
  ])("$name", ({ rule, path, message }) => {
    const errors = validateRule(rule);
    expect(errors).toHaveLength(1);
    expect(errors[0].path).toBe(path);
    expect(errors[0].message).toMatch(message);
  });

  it("reports every problem at once", () => {
    const errors = validateRule({ all: [{ field: "x", op: "<", value: 1 }, { field: "orders", op: "~", value: 1 }, { any: [] }] });
    expect(errors.map((e) => e.path)).toEqual(["rule.all[0].field", "rule.all[1].op", "rule.all[2].any"]);
  });

  it("accepts the default layers' rules and an empty all (always)", () => {
    expect(validateRule({ all: [] })).toEqual([]);
    for (const layer of DEFAULT_LAYERS) expect(validateRule(layer.rule)).toEqual([]);
  });
});

describe("validateLayers", () => {
  const vip = DEFAULT_LAYERS[0];
  it("accepts the default set", () => {
    expect(validateLayers(DEFAULT_LAYERS)).toEqual([]);
  });
  it.each<{ name: string; layers: unknown; path: string; message: RegExp }>([
    { name: "not a list", layers: {}, path: "layers", message: /expected a list/ },
    { name: "duplicate id", layers: [vip, { ...vip, priority: 99 }], path: "layers[1].id", message: /duplicate layer id "vip"/ },
    { name: "bad id", layers: [{ ...vip, id: "Big Spenders" }], path: "layers[0].id", message: /kebab-case/ },
    { name: "empty name", layers: [{ ...vip, name: " " }], path: "layers[vip].name", message: /name must not be empty/ },
    { name: "duplicate priority", layers: [vip, { ...vip, id: "vip-2" }], path: "layers[vip-2].priority", message: /priority 10 is also used by "vip"/ },
    { name: "rank missing", layers: [{ ...vip, rank: undefined }], path: "layers[vip].rank", message: /rank must be a number/ },
    { name: "bad rule", layers: [{ ...vip, rule: { all: [{ field: "spend", op: ">", value: 1 }] } }], path: "layers[vip].rule.all[0].field", message: /unknown field "spend"/ },
  ])("$name", ({ layers, path, message }) => {
    const errors = validateLayers(layers);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path });
    expect(errors[0].message).toMatch(message);
  });
});

describe("rule evaluation", () => {
  const prospect = features({});
  const buyer = features({ orders: 3, recencyDays: 40, aovMinor: 6000, lifecycleStage: "growing", r: 3, f: 4, m: 2 });
  it.each<{ rule: Rule; buyer: boolean; prospect: boolean }>([
    { rule: { field: "recencyDays", op: "<", value: 41 }, buyer: true, prospect: false },
    { rule: { field: "recencyDays", op: "<=", value: 40 }, buyer: true, prospect: false },
    { rule: { field: "recencyDays", op: ">", value: 40 }, buyer: false, prospect: false },
    { rule: { field: "recencyDays", op: ">=", value: 40 }, buyer: true, prospect: false },
    { rule: { field: "recencyDays", op: "!=", value: 7 }, buyer: true, prospect: false }, // missing values never compare
    { rule: { not: { field: "recencyDays", op: "<", value: 30 } }, buyer: true, prospect: true },
    { rule: { field: "orders", op: "==", value: 0 }, buyer: false, prospect: true },
    { rule: { field: "orders", op: "in", value: [2, 3] }, buyer: true, prospect: false },
    { rule: { field: "aovMinor", op: ">=", value: { norm: "medianAovMinor", times: 1.15 } }, buyer: true, prospect: false }, // 6000 ≥ 5980
    { rule: { field: "aovMinor", op: ">=", value: { norm: "medianAovMinor", times: 1.2 } }, buyer: false, prospect: false }, // 6000 < 6240
    { rule: { field: "lifecycleStage", op: "in", value: ["growing", "mature"] }, buyer: true, prospect: false },
    { rule: { any: [{ field: "f", op: ">=", value: 5 }, { field: "lifecycleStage", op: "==", value: "prospect" }] }, buyer: false, prospect: true },
    { rule: { all: [] }, buyer: true, prospect: true },
  ])("$rule.field $rule.op → buyer $buyer, prospect $prospect", ({ rule, buyer: b, prospect: p }) => {
    const predicate = compileRule(rule, NORMS);
    expect(predicate(buyer)).toBe(b);
    expect(predicate(prospect)).toBe(p);
  });
});

describe("rendering and explanations", () => {
  const loyal = features({ orders: 5, recencyDays: 12, aovMinor: 8400, lifecycleStage: "mature", r: 5, f: 5, m: 4 });
  const rule: Rule = { all: [
    { field: "recencyDays", op: "<=", value: 30 },
    { field: "orders", op: ">=", value: 4 },
    { field: "aovMinor", op: ">=", value: { norm: "medianAovMinor", times: 1.5 } },
  ] };

  it("explains with the customer's values and the shop's norm", () => {
    expect(explainRule(rule, loyal, NORMS)).toBe("Recency 12 days ≤ 30, 5 orders ≥ 4, AOV $84 ≥ 1.5× shop median AOV $52");
  });

  it("renders the rule without values", () => {
    expect(renderRule(rule)).toBe("Recency ≤ 30 and Orders ≥ 4 and AOV ≥ 1.5× shop median AOV");
    expect(renderRule({ any: [{ field: "r", op: ">=", value: 4 }, { not: { field: "lifecycleStage", op: "in", value: ["new", "prospect"] } }] }))
      .toBe("R score ≥ 4 or Lifecycle stage is none of new, prospect");
    expect(renderRule({ not: { all: [{ field: "orders", op: "==", value: 1 }, { field: "monetaryMinor", op: "<", value: 2000 }] } }))
      .toBe("Orders ≠ 1 or Total spend ≥ $20");
    expect(renderRule({ all: [] })).toBe("always");
  });

  it.each<{ name: string; rule: Rule; text: string }>([
    { name: "any: the first branch that holds", rule: { any: [{ field: "f", op: ">=", value: 6 - 1 }, { field: "r", op: "==", value: 5 }] }, text: "F score 5 ≥ 5" },
    { name: "not of a comparison: the negated comparison", rule: { not: { field: "orders", op: "==", value: 1 } }, text: "5 orders ≠ 1" },
    { name: "not of all: the first failing part, negated", rule: { not: { all: [{ field: "r", op: ">=", value: 4 }, { field: "m", op: "==", value: 5 }] } }, text: "M score 4 ≠ 5" },
    { name: "not of any: every part negated", rule: { not: { any: [{ field: "recencyDays", op: ">", value: 30 }, { field: "lifecycleStage", op: "==", value: "new" }] } }, text: "Recency 12 days ≤ 30, Lifecycle stage mature is not new" },
    { name: "stage equality", rule: { field: "lifecycleStage", op: "==", value: "mature" }, text: "Lifecycle stage is mature" },
    { name: "stage membership", rule: { field: "lifecycleStage", op: "in", value: ["growing", "mature"] }, text: "Lifecycle stage mature is one of growing, mature" },
    { name: "days against a norm", rule: { field: "recencyDays", op: "<", value: { norm: "churnAfterDays", times: 2 } }, text: "Recency 12 days < 2× churn threshold 90 days" },
    { name: "money with cents", rule: { field: "monetaryMinor", op: ">", value: 100 }, text: "Total spend $420.37 > $1" },
    { name: "catch-all", rule: { all: [] }, text: "No other layer's rule matched" },
  ])("$name", ({ rule: r, text }) => {
    const x = { ...loyal, monetaryMinor: 42037 };
    expect(compileRule(r, NORMS)(x)).toBe(true);
    expect(explainRule(r, x, NORMS)).toBe(text);
  });

  it("says when a value is missing", () => {
    expect(explainRule({ not: { field: "recencyDays", op: "<", value: 30 } }, features({}), NORMS)).toBe("Recency not known (no orders yet)");
  });

  it.each([
    { minor: 8400, currency: "USD", text: "$84" },
    { minor: 8437, currency: "USD", text: "$84.37" },
    { minor: 1234567, currency: "USD", text: "$12,345.67" },
    { minor: 2000, currency: "JPY", text: "¥2,000" },
    { minor: 1500, currency: "EUR", text: "€15" },
  ])("formats $minor minor $currency as $text", ({ minor, currency, text }) => {
    expect(formatMoney(minor, currency)).toBe(text);
  });
});
