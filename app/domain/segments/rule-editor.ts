/**
 * The admin's structured rule editor: a layer rule as a flat list of
 * conditions joined by "all" or "any" (each condition a field, an operator and
 * a value, or a shop norm × a factor, optionally negated), and back.
 *
 * The editor works from the catalogues (`RULE_FIELDS`, `RULE_NORMS`,
 * `COMPARISON_OPS`), so a field added there appears in the editor without
 * change here. Rules nested deeper than one list (an `any` inside an `all`)
 * are not flat: {@link ruleToEditor} returns null and the admin edits them as JSON.
 *
 * Values travel as the merchant typed them (strings); money in the shop
 * currency's major units. {@link editorToRule} parses them and reports what it
 * cannot parse per condition as a message key; everything else is left to the
 * domain's `validateRule` (the source of truth), whose errors the caller maps
 * back to conditions with {@link conditionOfErrorPath}.
 */
import { LIFECYCLE_STAGES } from "./lifecycle";
import { COMPARISON_OPS, RULE_FIELDS, RULE_NORMS, type ComparisonOp, type Rule } from "./rules";

export type FieldKind = (typeof RULE_FIELDS)[keyof typeof RULE_FIELDS]["kind"];

export interface EditorCondition {
  /** True for `{ not: comparison }`. */
  negate: boolean;
  field: string;
  op: string;
  /** `value`: a number, a stage or a list (`in`); `norm`: a shop norm × `times`. */
  mode: "value" | "norm";
  /** The number or stage as typed; for `in`, comma-separated (stages: their ids). */
  value: string;
  norm: string;
  times: string;
}

export interface EditorRule {
  join: "all" | "any";
  conditions: EditorCondition[];
}

/** What the page needs to build its pickers, from the domain's catalogues. */
export interface RuleCatalogue {
  fields: { id: string; kind: FieldKind; label: string }[];
  norms: { id: string; kind: FieldKind; label: string }[];
  ops: ComparisonOp[];
  stages: string[];
}

export function ruleCatalogue(): RuleCatalogue {
  return {
    fields: Object.entries(RULE_FIELDS).map(([id, meta]) => ({ id, kind: meta.kind as FieldKind, label: meta.label })),
    norms: Object.entries(RULE_NORMS).map(([id, meta]) => ({ id, kind: meta.kind as FieldKind, label: meta.label })),
    ops: [...COMPARISON_OPS],
    stages: [...LIFECYCLE_STAGES],
  };
}

/** Kinds whose values are text (a lifecycle stage, a name), compared with ==, != or in only. */
export function isTextKind(kind: string | undefined): boolean {
  return kind === "stage" || kind === "category";
}

/** Operators that make sense for a kind: stages and names have no order. */
export function opsForKind(kind: FieldKind | undefined): ComparisonOp[] {
  return isTextKind(kind) ? COMPARISON_OPS.filter((op) => op === "==" || op === "!=" || op === "in") : [...COMPARISON_OPS];
}

/** Whether a field of this kind may be compared with a shop norm (norms of the same kind exist). */
export function normsForKind(kind: FieldKind | undefined): string[] {
  return Object.entries(RULE_NORMS).filter(([, m]) => m.kind === kind).map(([id]) => id);
}

function kindOf(field: string): FieldKind | undefined {
  return (RULE_FIELDS as Record<string, { kind: FieldKind }>)[field]?.kind;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

const minorPerMajor = (digits: number) => 10 ** digits;

function shownNumber(field: string, n: number, currencyDigits: number): string {
  if (kindOf(field) === "money") return String(n / minorPerMajor(currencyDigits));
  return String(n);
}

function comparisonToCondition(node: Record<string, unknown>, negate: boolean, currencyDigits: number): EditorCondition | null {
  if (!("field" in node) || Object.keys(node).some((k) => k !== "field" && k !== "op" && k !== "value")) return null;
  const field = String(node.field);
  const op = String(node.op);
  const value = node.value;
  const base = { negate, field, op, norm: "", times: "" };
  if (isObject(value)) {
    const times = value.times === undefined ? 1 : Number(value.times);
    return { ...base, mode: "norm", value: "", norm: String(value.norm), times: String(times) };
  }
  if (Array.isArray(value)) {
    return { ...base, mode: "value", value: value.map((v) => (typeof v === "number" ? shownNumber(field, v, currencyDigits) : String(v))).join(", ") };
  }
  return { ...base, mode: "value", value: typeof value === "number" ? shownNumber(field, value, currencyDigits) : String(value ?? "") };
}

/**
 * A stored rule as editor conditions; null when it is nested deeper than one
 * list of (possibly negated) comparisons. A lone comparison is an `all` of one.
 */
export function ruleToEditor(rule: Rule, currencyDigits: number): EditorRule | null {
  const leaf = (node: unknown): EditorCondition | null => {
    if (!isObject(node)) return null;
    if ("not" in node && Object.keys(node).length === 1) return isObject(node.not) && "field" in node.not ? comparisonToCondition(node.not, true, currencyDigits) : null;
    return "field" in node ? comparisonToCondition(node, false, currencyDigits) : null;
  };
  if ("all" in rule || "any" in rule) {
    const join = "all" in rule ? "all" : "any";
    const children = "all" in rule ? rule.all : rule.any;
    const conditions = children.map(leaf);
    return conditions.every((c): c is EditorCondition => c !== null) ? { join, conditions } : null;
  }
  const single = leaf(rule);
  return single ? { join: "all", conditions: [single] } : null;
}

/** A parse problem of one condition's input, as an admin message key. */
export interface ConditionInputError {
  condition: number;
  /** `value`, `times`, `field`, `op`, `norm`. */
  part: string;
  key: "err.number" | "err.chooseOne" | "err.listValue" | "err.required";
}

function parseNumber(text: string): number | null {
  const t = text.trim();
  if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(t)) return null;
  return Number(t);
}

/**
 * Editor conditions as a rule (unvalidated: pass it to the domain's
 * validation). Money is typed in major units and stored in minor units. A
 * lone un-negated condition of an `all` is stored bare (as the defaults write it).
 */
export function editorToRule(editor: EditorRule, currencyDigits: number): { rule: unknown; errors: ConditionInputError[] } {
  const errors: ConditionInputError[] = [];
  const scalar = (i: number, field: string, text: string): number | string | null => {
    if (isTextKind(kindOf(field))) return text.trim();
    const n = parseNumber(text);
    if (n === null) return null;
    return kindOf(field) === "money" ? Math.round(n * minorPerMajor(currencyDigits)) : n;
  };
  const children = editor.conditions.map((c, i) => {
    if (!kindOf(c.field)) errors.push({ condition: i, part: "field", key: "err.chooseOne" });
    let value: unknown;
    if (c.mode === "norm") {
      const times = c.times.trim() === "" ? 1 : parseNumber(c.times);
      if (times === null) errors.push({ condition: i, part: "times", key: "err.number" });
      if (!c.norm) errors.push({ condition: i, part: "norm", key: "err.chooseOne" });
      value = times === 1 ? { norm: c.norm } : { norm: c.norm, times };
    } else if (c.op === "in") {
      const parts = c.value.split(",").map((p) => p.trim()).filter((p) => p !== "");
      const values = parts.map((p) => scalar(i, c.field, p));
      if (parts.length === 0 || values.some((v) => v === null)) errors.push({ condition: i, part: "value", key: "err.listValue" });
      value = values;
    } else {
      const v = scalar(i, c.field, c.value);
      if (v === null || v === "") {
        const kind = kindOf(c.field);
        errors.push({ condition: i, part: "value", key: kind === "stage" ? "err.chooseOne" : kind === "category" ? "err.required" : "err.number" });
      }
      value = v;
    }
    const comparison = { field: c.field, op: c.op, value };
    return c.negate ? { not: comparison } : comparison;
  });
  if (editor.join === "all" && children.length === 1 && !editor.conditions[0].negate) return { rule: children[0], errors };
  return { rule: editor.join === "all" ? { all: children } : { any: children }, errors };
}

/**
 * The editor condition a validation path points into (`rule.all[2].value`,
 * `rule.not.op`, `rule.value`), or null for the rule as a whole (`rule.any`).
 */
export function conditionOfErrorPath(path: string): number | null {
  const listed = /^rule\.(?:all|any)\[(\d+)\]/.exec(path);
  if (listed) return Number(listed[1]);
  if (/^rule\.(?:not\.)?(?:field|op|value)/.test(path)) return 0;
  return null;
}

/** Parses the editor state a page posts (JSON); null when it is not editor-shaped. */
export function parseEditorRule(input: unknown): EditorRule | null {
  if (!isObject(input) || (input.join !== "all" && input.join !== "any") || !Array.isArray(input.conditions)) return null;
  if (input.conditions.length > 50) return null;
  const conditions: EditorCondition[] = [];
  for (const c of input.conditions) {
    if (!isObject(c)) return null;
    const text = (k: string) => (typeof c[k] === "string" ? (c[k] as string).slice(0, 500) : "");
    conditions.push({
      negate: c.negate === true, field: text("field"), op: text("op"), mode: c.mode === "norm" ? "norm" : "value",
      value: text("value"), norm: text("norm"), times: text("times"),
    });
  }
  return { join: input.join, conditions };
}
