/**
 * Layer rules as data: a small JSON condition tree merchants can edit.
 *
 * ```json
 * { "all": [
 *   { "field": "lifecycleStage", "op": "in", "value": ["growing", "mature"] },
 *   { "field": "f", "op": ">=", "value": 5 },
 *   { "field": "aovMinor", "op": ">=", "value": { "norm": "medianAovMinor", "times": 1.5 } }
 * ] }
 * ```
 * Nodes: `{ all: [...] }` (true when every child is; `[]` is always true),
 * `{ any: [...] }` (at least one child; must not be empty), `{ not: rule }`, or a
 * comparison of a feature with a number, a lifecycle stage, a list (`in`) or a
 * shop norm times a factor. A comparison on a missing value (a prospect's
 * recency, say) is false, whatever the operator.
 */
import { currencyExponent } from "../sync/money";
import type { CustomerFeatures, ShopNorms } from "./features";
import { LIFECYCLE_STAGES } from "./lifecycle";

export type ComparisonOp = "<" | "<=" | ">" | ">=" | "==" | "!=" | "in";
export const COMPARISON_OPS: readonly ComparisonOp[] = ["<", "<=", ">", ">=", "==", "!=", "in"];

type Kind = "days" | "count" | "money" | "score" | "stage" | "activity" | "category";

/** Rule fields: the features a rule may read. */
export const RULE_FIELDS = {
  r: { kind: "score", label: "R score" },
  f: { kind: "score", label: "F score" },
  m: { kind: "score", label: "M score" },
  recencyDays: { kind: "days", label: "Recency" },
  daysSinceFirstOrder: { kind: "days", label: "Days since first order" },
  daysSinceCreated: { kind: "days", label: "Days since sign-up" },
  frequency: { kind: "count", label: "Frequency" },
  orders: { kind: "count", label: "" },
  monetaryMinor: { kind: "money", label: "Total spend" },
  aovMinor: { kind: "money", label: "AOV" },
  lifecycleStage: { kind: "stage", label: "Lifecycle stage" },
  // Behaviour and interest, from the web pixel (docs/behaviour.md): null (so any comparison is false)
  // for a customer the pixel never saw, e.g. one who gave no analytics consent.
  sessions30d: { kind: "activity", label: "Sessions (30 days)", group: "behaviour" },
  productViews30d: { kind: "activity", label: "Product views (30 days)", group: "behaviour" },
  addToCarts30d: { kind: "activity", label: "Add-to-carts (30 days)", group: "behaviour" },
  searches30d: { kind: "activity", label: "Searches (30 days)", group: "behaviour" },
  daysSinceLastVisit: { kind: "days", label: "Since last visit", group: "behaviour" },
  daysSinceCartAbandoned: { kind: "days", label: "Since abandoned cart", group: "behaviour" },
  topProductType: { kind: "category", label: "Top product type", group: "behaviour" },
} as const satisfies Record<string, { kind: Kind; label: string; group?: "behaviour" }>;
export type RuleField = keyof typeof RULE_FIELDS & keyof CustomerFeatures;

/** Shop norms a comparison may scale: "≥ 1.5× shop median AOV". */
export const RULE_NORMS = {
  medianAovMinor: { kind: "money", label: "shop median AOV" },
  p80AovMinor: { kind: "money", label: "shop 80th-percentile AOV" },
  medianMonetaryMinor: { kind: "money", label: "shop median spend" },
  medianFrequency: { kind: "count", label: "shop median orders" },
  typicalGapDays: { kind: "days", label: "typical repurchase gap" },
  atRiskAfterDays: { kind: "days", label: "at-risk threshold" },
  churnAfterDays: { kind: "days", label: "churn threshold" },
  newWindowDays: { kind: "days", label: "new-customer window" },
} as const satisfies Record<keyof ShopNorms, { kind: Kind; label: string }>;
export type RuleNorm = keyof typeof RULE_NORMS;

export interface NormRef {
  norm: RuleNorm;
  /** Multiplier of the norm; default 1. */
  times?: number;
}

export interface Comparison {
  field: RuleField;
  op: ComparisonOp;
  value: number | string | NormRef | Array<number | string>;
}

export type Rule = { all: Rule[] } | { any: Rule[] } | { not: Rule } | Comparison;

export interface RuleError {
  /** Where in the rule, e.g. `all[1].value`. */
  path: string;
  /** English, for logs and the API. */
  message: string;
  /** What is wrong, stable for translation; set by {@link validateRule} (layer-level checks elsewhere may omit it). */
  code?: RuleErrorCode;
  /** The values the message names, for a translation to fill in. */
  params?: RuleErrorParams;
}

export type RuleErrorCode =
  | "notCondition" | "noKind" | "manyKinds" | "unexpectedKey" | "notList" | "emptyAny"
  | "unknownField" | "unknownOp" | "opNotApplicable" | "missingValue"
  | "notStage" | "notName" | "notNumber" | "scoreRange" | "inNeedsList" | "listNeedsIn"
  | "noNorm" | "unknownNorm" | "normKindMismatch" | "timesPositive";

export type RuleErrorParams = Record<string, string | number>;

const ORDERING_OPS = new Set<ComparisonOp>(["<", "<=", ">", ">="]);

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * Checks an untrusted rule (e.g. a merchant's edit). Returns every problem
 * found, each with a path and a message a merchant can act on; empty when valid.
 */
export function validateRule(input: unknown, path = "rule"): RuleError[] {
  const errors: RuleError[] = [];
  check(input, path, errors);
  return errors;
}

/** Type guard over {@link validateRule}. */
export function isValidRule(input: unknown): input is Rule {
  return validateRule(input).length === 0;
}

function check(node: unknown, path: string, errors: RuleError[]): void {
  const err = (p: string, message: string, code: RuleErrorCode, params: RuleErrorParams = {}) => errors.push({ path: p, message, code, params });
  if (!isObject(node)) {
    err(path, `expected a condition object ({all}, {any}, {not} or {field, op, value}), got ${describe(node)}`, "notCondition", { got: describe(node) });
    return;
  }
  const keys = Object.keys(node);
  const kinds = ["all", "any", "not", "field"].filter((k) => k in node);
  if (kinds.length !== 1) {
    if (kinds.length === 0) {
      const got = keys.map((k) => `"${k}"`).join(", ") || "(none)";
      err(path, `expected one of "all", "any", "not" or "field", got keys ${got}`, "noKind", { keys: got });
    } else {
      err(path, `a condition has exactly one of "all", "any", "not", "field"; got ${kinds.map((k) => `"${k}"`).join(" and ")}`, "manyKinds", { kinds: kinds.map((k) => `"${k}"`).join(", ") });
    }
    return;
  }
  const kind = kinds[0];
  const allowed = kind === "field" ? ["field", "op", "value"] : [kind];
  for (const k of keys) if (!allowed.includes(k)) err(`${path}.${k}`, `unexpected key "${k}"`, "unexpectedKey", { key: k });
  if (kind === "all" || kind === "any") {
    const children = node[kind];
    if (!Array.isArray(children)) {
      err(`${path}.${kind}`, `"${kind}" must be a list of conditions`, "notList", { kind });
      return;
    }
    if (kind === "any" && children.length === 0) err(`${path}.any`, `"any" needs at least one condition (an empty "any" never matches)`, "emptyAny");
    children.forEach((c, i) => check(c, `${path}.${kind}[${i}]`, errors));
    return;
  }
  if (kind === "not") return check(node.not, `${path}.not`, errors);
  checkComparison(node, path, err);
}

function checkComparison(node: Record<string, unknown>, path: string, err: (p: string, m: string, code: RuleErrorCode, params?: RuleErrorParams) => void): void {
  const { field, op, value } = node;
  if (typeof field !== "string" || !(field in RULE_FIELDS)) {
    err(`${path}.field`, `unknown field ${describe(field)}; known fields: ${Object.keys(RULE_FIELDS).join(", ")}`, "unknownField", { got: describe(field), known: Object.keys(RULE_FIELDS).join(", ") });
    return;
  }
  const kind = RULE_FIELDS[field as RuleField].kind;
  if (typeof op !== "string" || !COMPARISON_OPS.includes(op as ComparisonOp)) {
    err(`${path}.op`, `unknown operator ${describe(op)}; use one of ${COMPARISON_OPS.join(" ")}`, "unknownOp", { got: describe(op), known: COMPARISON_OPS.join(" ") });
    return;
  }
  if ((kind === "stage" || kind === "category") && ORDERING_OPS.has(op as ComparisonOp)) {
    err(`${path}.op`, `operator "${op}" does not apply to ${field}; use ==, != or in`, "opNotApplicable", { op: String(op), field });
    return;
  }
  if (!("value" in node)) return err(`${path}.value`, `missing value`, "missingValue");
  const checkScalar = (v: unknown, p: string) => {
    if (kind === "stage") {
      if (typeof v !== "string" || !(LIFECYCLE_STAGES as readonly string[]).includes(v)) {
        err(p, `${field} is a lifecycle stage: expected one of ${LIFECYCLE_STAGES.join(", ")}, got ${describe(v)}`, "notStage", { field, stages: LIFECYCLE_STAGES.join(", "), got: describe(v) });
      }
    } else if (kind === "category") {
      if (typeof v !== "string" || v.trim().length === 0 || v.length > 100) err(p, `${field} is a name: expected text of 1 to 100 characters, got ${describe(v)}`, "notName", { field, max: 100, got: describe(v) });
    } else if (typeof v !== "number" || !Number.isFinite(v)) {
      err(p, `${field} is a number (${kind}): expected a finite number, got ${describe(v)}`, "notNumber", { field, got: describe(v) });
    } else if (kind === "score" && (v < 1 || v > 5)) {
      err(p, `${field} is a 1..5 score: ${v} is out of range`, "scoreRange", { field, value: v });
    }
  };
  if (op === "in") {
    if (!Array.isArray(value) || value.length === 0) return err(`${path}.value`, `"in" needs a non-empty list, got ${describe(value)}`, "inNeedsList", { got: describe(value) });
    value.forEach((v, i) => checkScalar(v, `${path}.value[${i}]`));
    return;
  }
  if (Array.isArray(value)) return err(`${path}.value`, `a list needs the "in" operator, not "${op}"`, "listNeedsIn", { op: String(op) });
  if (isObject(value)) {
    if (kind === "stage" || kind === "score" || kind === "category") return err(`${path}.value`, `${field} cannot be compared with a shop norm`, "noNorm", { field });
    const { norm, times } = value;
    for (const k of Object.keys(value)) if (k !== "norm" && k !== "times") err(`${path}.value.${k}`, `unexpected key "${k}"`, "unexpectedKey", { key: k });
    if (typeof norm !== "string" || !(norm in RULE_NORMS)) {
      return err(`${path}.value.norm`, `unknown norm ${describe(norm)}; known norms: ${Object.keys(RULE_NORMS).join(", ")}`, "unknownNorm", { got: describe(norm), known: Object.keys(RULE_NORMS).join(", ") });
    }
    const normKind = RULE_NORMS[norm as RuleNorm].kind;
    if (normKind !== kind) err(`${path}.value.norm`, `${field} is ${kind} but ${norm} is ${normKind}: they cannot be compared`, "normKindMismatch", { field, norm });
    if (times !== undefined && (typeof times !== "number" || !Number.isFinite(times) || times <= 0)) {
      err(`${path}.value.times`, `times must be a positive number, got ${describe(times)}`, "timesPositive", { got: describe(times) });
    }
    return;
  }
  checkScalar(value, `${path}.value`);
}

function describe(x: unknown): string {
  if (x === undefined) return "nothing";
  if (Array.isArray(x)) return "a list";
  return typeof x === "object" && x !== null ? "an object" : JSON.stringify(x);
}

/** Every field a rule reads, in first-seen order. */
export function ruleFields(rule: Rule, into: RuleField[] = []): RuleField[] {
  if ("all" in rule) rule.all.forEach((r) => ruleFields(r, into));
  else if ("any" in rule) rule.any.forEach((r) => ruleFields(r, into));
  else if ("not" in rule) ruleFields(rule.not, into);
  else if (!into.includes(rule.field)) into.push(rule.field);
  return into;
}

// ---------------------------------------------------------------- evaluation

export type Predicate = (x: CustomerFeatures) => boolean;

function threshold(value: Comparison["value"], norms: ShopNorms): number | string | Array<number | string> {
  if (isObject(value)) return norms[(value as NormRef).norm] * ((value as NormRef).times ?? 1);
  return value as number | string | Array<number | string>;
}

/**
 * Compiles a valid rule against a shop's norms into a predicate. Norms are
 * resolved once here, so evaluating allocates nothing.
 */
export function compileRule(rule: Rule, norms: ShopNorms): Predicate {
  if ("all" in rule) {
    const ps = rule.all.map((r) => compileRule(r, norms));
    return (x) => { for (let i = 0; i < ps.length; i++) if (!ps[i](x)) return false; return true; };
  }
  if ("any" in rule) {
    const ps = rule.any.map((r) => compileRule(r, norms));
    return (x) => { for (let i = 0; i < ps.length; i++) if (ps[i](x)) return true; return false; };
  }
  if ("not" in rule) {
    const p = compileRule(rule.not, norms);
    return (x) => !p(x);
  }
  const field = rule.field;
  const t = threshold(rule.value, norms);
  switch (rule.op) {
    case "<": return (x) => { const v = x[field] as number | null; return v !== null && v < (t as number); };
    case "<=": return (x) => { const v = x[field] as number | null; return v !== null && v <= (t as number); };
    case ">": return (x) => { const v = x[field] as number | null; return v !== null && v > (t as number); };
    case ">=": return (x) => { const v = x[field] as number | null; return v !== null && v >= (t as number); };
    case "==": return (x) => { const v = x[field]; return v !== null && v === t; };
    case "!=": return (x) => { const v = x[field]; return v !== null && v !== t; };
    case "in": {
      const set = new Set(t as Array<number | string>);
      return (x) => { const v = x[field]; return v !== null && set.has(v); };
    }
  }
}

// ---------------------------------------------------------------- rendering

export interface RenderOptions {
  /** ISO 4217 code for money fields; default USD. */
  currencyCode?: string;
  /** Norm values, to show "1.5× shop median AOV $52" rather than just the name. */
  norms?: ShopNorms;
}

const SYMBOL: Record<Exclude<ComparisonOp, "in">, string> = { "<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠" };
const NEGATED: Record<Exclude<ComparisonOp, "in">, Exclude<ComparisonOp, "in">> = {
  "<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "==",
};

const moneyFormats = new Map<string, Intl.NumberFormat[]>();
/** Minor units as "$84" or "$84.37" (decimals only when not whole). */
export function formatMoney(minor: number, currencyCode = "USD"): string {
  const exponent = currencyExponent(currencyCode);
  let formats = moneyFormats.get(currencyCode);
  if (!formats) {
    const make = (digits: number) => new Intl.NumberFormat("en-US", {
      style: "currency", currency: currencyCode, minimumFractionDigits: digits, maximumFractionDigits: digits,
    });
    formats = [make(0), make(exponent)];
    moneyFormats.set(currencyCode, formats);
  }
  const major = minor / 10 ** exponent;
  return (Number.isInteger(major) ? formats[0] : formats[1]).format(major);
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 10) / 10);
}

function formatValue(field: RuleField, v: number | string, o: RenderOptions): string {
  const kind = RULE_FIELDS[field].kind;
  if (typeof v === "string") return v;
  if (kind === "money") return formatMoney(v, o.currencyCode);
  if (kind === "days") return `${formatNumber(v)} ${v === 1 ? "day" : "days"}`;
  if (kind === "count") return `${formatNumber(v)} ${v === 1 ? "order" : "orders"}`;
  return formatNumber(v);
}

function formatRhs(c: Comparison, o: RenderOptions): string {
  const value = c.value;
  if (Array.isArray(value)) return value.map(String).join(", ");
  if (isObject(value)) {
    const ref = value as NormRef;
    const times = ref.times ?? 1;
    const meta = RULE_NORMS[ref.norm];
    const shown = o.norms ? ` ${formatValueOfKind(meta.kind, o.norms[ref.norm], o)}` : "";
    return `${times === 1 ? "" : `${formatNumber(times)}× `}${meta.label}${shown}`;
  }
  const kind = RULE_FIELDS[c.field].kind;
  return kind === "money" ? formatMoney(value as number, o.currencyCode) : String(value);
}

function formatValueOfKind(kind: Kind, v: number, o: RenderOptions): string {
  if (kind === "money") return formatMoney(v, o.currencyCode);
  if (kind === "days") return `${formatNumber(v)} days`;
  if (kind === "count") return `${formatNumber(v)} orders`;
  return formatNumber(v);
}

function renderComparison(c: Comparison, o: RenderOptions, negated: boolean, actual?: number | string | null): string {
  const meta = RULE_FIELDS[c.field];
  const withValue = actual !== undefined;
  if (actual === null) return `${meta.label || "Orders"} not known (${"group" in meta ? "no browsing data" : "no orders yet"})`;
  const subject = !withValue
    ? meta.label || "Orders"
    : meta.label ? `${meta.label} ${formatValue(c.field, actual, o)}` : formatValue(c.field, actual, o);
  if (c.op === "in") return `${subject} ${negated ? "is none of" : "is one of"} ${formatRhs(c, o)}`;
  const op = negated ? NEGATED[c.op] : c.op;
  const named = meta.kind === "stage" || meta.kind === "category";
  if (named && !withValue) return `${subject} ${op === "==" ? "is" : "is not"} ${formatRhs(c, o)}`;
  if (named && op === "==") return `${meta.label} is ${formatRhs(c, o)}`;
  if (named) return `${subject} is not ${formatRhs(c, o)}`;
  return `${subject} ${SYMBOL[op]} ${formatRhs(c, o)}`;
}

/** The rule in words, without customer values: for the layer editor and `matchedRule`. */
export function renderRule(rule: Rule, o: RenderOptions = {}): string {
  return render(rule, o, false, true);
}

function render(rule: Rule, o: RenderOptions, negated: boolean, top: boolean): string {
  if ("not" in rule) return render(rule.not, o, !negated, top);
  if ("all" in rule || "any" in rule) {
    const isAll = "all" in rule;
    const children = isAll ? rule.all : rule.any;
    if (children.length === 0) return isAll !== negated ? "always" : "never";
    const joiner = isAll !== negated ? " and " : " or ";
    const text = children.map((c) => render(c, o, negated, false)).join(joiner);
    return top || children.length === 1 ? text : `(${text})`;
  }
  return renderComparison(rule, o, negated);
}

/**
 * Why a rule holds for a customer, with their values: the conditions of an
 * `all`, the first satisfied branch of an `any`; `not` is pushed inward (De
 * Morgan) so every clause shown is a true statement. Call only when the rule holds.
 */
export function explainRule(rule: Rule, x: CustomerFeatures, norms: ShopNorms, o: RenderOptions = {}): string {
  const opts = { ...o, norms };
  return explain(rule, x, norms, opts, false).join(", ") || "No other layer's rule matched";
}

function explain(rule: Rule, x: CustomerFeatures, norms: ShopNorms, o: RenderOptions, negated: boolean): string[] {
  if ("not" in rule) return explain(rule.not, x, norms, o, !negated);
  if ("all" in rule || "any" in rule) {
    const isAll = "all" in rule;
    const children = isAll ? rule.all : rule.any;
    if (isAll !== negated) return children.flatMap((c) => explain(c, x, norms, o, negated)); // every child holds
    const holds = (c: Rule) => compileRule(c, norms)(x) !== negated;
    const first = children.find(holds);
    return first ? explain(first, x, norms, o, negated) : [];
  }
  return [renderComparison(rule, o, negated, x[rule.field])];
}
