import { describe, expect, it } from "vitest";
import { DEFAULT_LAYERS, RULE_FIELDS, RULE_NORMS, validateRule, type Rule } from "~/domain/segments";
import { conditionOfErrorPath, editorToRule, parseEditorRule, ruleCatalogue, ruleToEditor, type EditorCondition } from "~/domain/segments/rule-editor";

const cond = (c: Partial<EditorCondition>): EditorCondition => ({ negate: false, field: "f", op: ">=", mode: "value", value: "", norm: "", times: "", ...c });

describe("the structured rule editor", () => {
  it("round-trips every default layer's rule exactly (USD, 2 digits)", () => {
    for (const layer of DEFAULT_LAYERS) {
      const editor = ruleToEditor(layer.rule, 2);
      expect(editor, layer.id).not.toBeNull();
      const back = editorToRule(editor!, 2);
      expect(back.errors, layer.id).toEqual([]);
      expect(back.rule, layer.id).toEqual(layer.rule);
    }
  });

  it("offers every catalogue field and norm, with its kind and English label", () => {
    const catalogue = ruleCatalogue();
    expect(catalogue.fields.map((f) => f.id)).toEqual(Object.keys(RULE_FIELDS));
    expect(catalogue.norms.map((n) => n.id)).toEqual(Object.keys(RULE_NORMS));
    expect(catalogue.fields.find((f) => f.id === "aovMinor")).toEqual({ id: "aovMinor", kind: "money", label: "AOV" });
    expect(catalogue.ops).toContain("in");
    expect(catalogue.stages).toContain("mature");
  });

  it("shows money in major units and stores it in minor units (JPY has none)", () => {
    const rule: Rule = { field: "monetaryMinor", op: ">=", value: 12_550 };
    expect(ruleToEditor(rule, 2)!.conditions[0].value).toBe("125.5");
    expect(editorToRule({ join: "all", conditions: [cond({ field: "monetaryMinor", value: "125.5" })] }, 2).rule).toEqual({ field: "monetaryMinor", op: ">=", value: 12_550 });
    expect(editorToRule({ join: "all", conditions: [cond({ field: "monetaryMinor", value: "300" })] }, 0).rule).toEqual({ field: "monetaryMinor", op: ">=", value: 300 });
  });

  it("builds negations, lists, norms and any-joins the domain accepts", () => {
    const { rule, errors } = editorToRule({
      join: "any",
      conditions: [
        cond({ field: "lifecycleStage", op: "in", value: "growing, mature" }),
        cond({ field: "aovMinor", op: ">", mode: "norm", norm: "medianAovMinor", times: "1.5" }),
        cond({ field: "recencyDays", op: "<", mode: "norm", norm: "churnAfterDays", times: "1" }),
        cond({ field: "lifecycleStage", op: "==", value: "new", negate: true }),
      ],
    }, 2);
    expect(errors).toEqual([]);
    expect(rule).toEqual({ any: [
      { field: "lifecycleStage", op: "in", value: ["growing", "mature"] },
      { field: "aovMinor", op: ">", value: { norm: "medianAovMinor", times: 1.5 } },
      { field: "recencyDays", op: "<", value: { norm: "churnAfterDays" } },
      { not: { field: "lifecycleStage", op: "==", value: "new" } },
    ] });
    expect(validateRule(rule)).toEqual([]);
  });

  it("reports what it cannot parse per condition, as message keys", () => {
    const { errors } = editorToRule({
      join: "all",
      conditions: [
        cond({ value: "" }),
        cond({ field: "orders", op: "in", value: "1, x" }),
        cond({ field: "aovMinor", mode: "norm", norm: "", times: "two" }),
        cond({ field: "lifecycleStage", op: "==", value: " " }),
        cond({ field: "noSuchField", value: "1" }),
      ],
    }, 2);
    expect(errors).toEqual([
      { condition: 0, part: "value", key: "err.number" },
      { condition: 1, part: "value", key: "err.listValue" },
      { condition: 2, part: "times", key: "err.number" },
      { condition: 2, part: "norm", key: "err.chooseOne" },
      { condition: 3, part: "value", key: "err.chooseOne" },
      { condition: 4, part: "field", key: "err.chooseOne" },
    ]);
  });

  it("leaves range checks to the domain, whose error paths point at the condition", () => {
    const { rule, errors } = editorToRule({ join: "all", conditions: [cond({ field: "f", value: "3" }), cond({ field: "r", value: "9" })] }, 2);
    expect(errors).toEqual([]);
    const problems = validateRule(rule);
    expect(problems.map((p) => [conditionOfErrorPath(p.path), p.message])).toEqual([[1, "r is a 1..5 score: 9 is out of range"]]);
    expect(conditionOfErrorPath("rule.value")).toBe(0);
    expect(conditionOfErrorPath("rule.not.op")).toBe(0);
    expect(conditionOfErrorPath("rule.any")).toBeNull();
    expect(conditionOfErrorPath("rule.any[12].value.norm")).toBe(12);
  });

  it("takes every text-valued catalogue field's value as text, and refuses an empty one", () => {
    const textFields = ruleCatalogue().fields.filter((f) => f.kind === "stage" || (f.kind as string) === "category");
    for (const f of textFields) {
      const { rule, errors } = editorToRule({ join: "all", conditions: [cond({ field: f.id, op: "in", value: "a, b" })] }, 2);
      expect(errors, f.id).toEqual([]);
      expect(rule, f.id).toEqual({ field: f.id, op: "in", value: ["a", "b"] });
      expect(editorToRule({ join: "all", conditions: [cond({ field: f.id, op: "==", value: "  " })] }, 2).errors[0]?.part, f.id).toBe("value");
    }
  });

  it("returns null for rules nested deeper than one list (edited as JSON)", () => {
    expect(ruleToEditor({ all: [{ any: [{ field: "f", op: ">=", value: 4 }] }] }, 2)).toBeNull();
    expect(ruleToEditor({ not: { all: [] } }, 2)).toBeNull();
    expect(ruleToEditor({ all: [] }, 2)).toEqual({ join: "all", conditions: [] });
  });

  it("accepts only editor-shaped input from the page", () => {
    expect(parseEditorRule({ join: "all", conditions: [{ field: "f", op: ">=", value: "3", mode: "value" }] })).toEqual({
      join: "all", conditions: [{ negate: false, field: "f", op: ">=", mode: "value", value: "3", norm: "", times: "" }],
    });
    for (const bad of [null, [], { join: "some", conditions: [] }, { join: "all", conditions: {} }, { join: "all", conditions: [1] }, { join: "all", conditions: Array(51).fill({}) }]) {
      expect(parseEditorRule(bad)).toBeNull();
    }
  });
});
