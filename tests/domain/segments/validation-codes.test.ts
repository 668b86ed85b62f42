/**
 * The rule and layer-set validators give each problem a stable code and the
 * values it names next to their English sentence, so the admin can show it in
 * the merchant's language (app/services/layer-set-errors.server.ts); every
 * code has an English and a Chinese message.
 */
import { describe, expect, it } from "vitest";
import { en, translate, zhCN, type MessageKey } from "~/i18n";
import { checkLayerSet, type LayerSetErrorCode } from "~/domain/segments/layer-edits";
import { validateRule, type RuleErrorCode } from "~/domain/segments/rules";
import { layerSetErrorMessage } from "~/services/layer-set-errors.server";

const RULE_CODES = [
  "notCondition", "noKind", "manyKinds", "unexpectedKey", "notList", "emptyAny", "unknownField", "unknownOp", "opNotApplicable", "missingValue",
  "notStage", "notName", "notNumber", "scoreRange", "inNeedsList", "listNeedsIn", "noNorm", "unknownNorm", "normKindMismatch", "timesPositive",
] as const satisfies readonly RuleErrorCode[];
const LAYER_CODES = [
  "notList", "empty", "tooMany", "notObject", "idMissing", "idPattern", "idTooLong", "idReserved", "idTaken", "nameMissing", "nameTooLong", "nameTaken",
  "descriptionNotText", "descriptionTooLong", "priorityNotNumber", "priorityTaken", "rankNotNumber",
] as const satisfies readonly Exclude<LayerSetErrorCode, "rule" | "other">[];

describe("rule validation codes", () => {
  it.each<[string, unknown, RuleErrorCode, Record<string, string | number>]>([
    ["not an object", null, "notCondition", { got: "null" }],
    ["no kind", { x: 1 }, "noKind", { keys: '"x"' }],
    ["two kinds", { all: [], any: [] }, "manyKinds", { kinds: '"all", "any"' }],
    ["empty any", { any: [] }, "emptyAny", {}],
    ["unknown field", { field: "aov", op: ">=", value: 1 }, "unknownField", { got: '"aov"' }],
    ["ordering on a stage", { field: "lifecycleStage", op: ">", value: "new" }, "opNotApplicable", { op: ">", field: "lifecycleStage" }],
    ["score out of range", { field: "r", op: ">=", value: 6 }, "scoreRange", { field: "r", value: 6 }],
    ["missing value", { field: "orders", op: ">=" }, "missingValue", {}],
    ["money against days", { field: "aovMinor", op: ">=", value: { norm: "typicalGapDays" } }, "normKindMismatch", { field: "aovMinor", norm: "typicalGapDays" }],
    ["a list without in", { field: "orders", op: "==", value: [1, 2] }, "listNeedsIn", { op: "==" }],
  ])("%s: %s", (_name, rule, code, params) => {
    const [error] = validateRule(rule);
    expect(error.code).toBe(code);
    expect(error.params).toMatchObject(params);
    // The English sentence is unchanged (the validator's tests assert it).
    expect(error.message.length).toBeGreaterThan(0);
  });
});

describe("layer set validation codes", () => {
  const layer = (over: Record<string, unknown>) => ({ id: "a", name: "A", description: "", priority: 1, rank: 1, rule: { field: "orders", op: ">=", value: 1 }, ...over });

  it("names each problem with a code and its values, in English and in Chinese", () => {
    const errors = checkLayerSet([layer({}), layer({ id: "b", name: " a ", priority: 1 }), layer({ id: "c", name: "C", priority: 3, rule: { field: "r", op: ">=", value: 9 } })]);
    expect(errors.map((e) => [e.layer, e.field, e.code])).toEqual([
      [1, "name", "nameTaken"],
      [1, "priority", "priorityTaken"],
      [2, "rule.value", "rule"],
    ]);
    const [name, priority, rule] = errors.map(layerSetErrorMessage);
    expect(name).toEqual({ key: "layerErr.nameTaken", vars: { other: 1, name: "a" } });
    expect(translate("zh-CN", name.key, name.vars)).toBe("第 1 个分层已命名为“a”，名称必须不同，客户才能区分。");
    expect(translate("en", name.key, name.vars)).toBe(errors[0].message);
    expect(translate("zh-CN", priority.key, priority.vars)).toBe("第 1 个分层的优先级已是 1，请为每个分层设置不同的优先级，使尝试顺序明确。");
    expect(rule.key).toBe("ruleErr.scoreRange");
    expect(translate("zh-CN", rule.key, rule.vars)).toBe("r 是 1 到 5 的评分：9 超出范围。");
  });

  it("a set that is not a list, or empty", () => {
    expect(checkLayerSet("x").map((e) => e.code)).toEqual(["notList"]);
    expect(checkLayerSet([]).map((e) => e.code)).toEqual(["empty"]);
    expect(layerSetErrorMessage(checkLayerSet([])[0])).toEqual({ key: "layerErr.empty", vars: {} });
  });

  it("every code has an English and a Chinese message, and no placeholder is left unfilled by its own params", () => {
    const keys = [...RULE_CODES.map((c) => `ruleErr.${c}`), ...LAYER_CODES.map((c) => `layerErr.${c}`)] as MessageKey[];
    for (const key of keys) {
      expect(en[key], key).toBeTruthy();
      expect(zhCN[key], key).toBeTruthy();
      expect(zhCN[key], key).not.toBe(en[key]);
      // Same placeholders in both languages.
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(zhCN[key]), key).toEqual(names(en[key]));
    }
  });
});
