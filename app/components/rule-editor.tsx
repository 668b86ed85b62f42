/**
 * A layer rule as a list of conditions (field, operator, value or shop norm ×
 * factor; optionally negated) joined by "all" or "any". Fields, norms and
 * operators come from the domain's catalogues through the loader, so a field
 * added to RULE_FIELDS appears here with its label and kind; its translation
 * is `rule.field.<id>` when the catalogue has one, else the catalogue's label.
 */
import { BlockStack, Box, Button, Checkbox, ChoiceList, InlineError, InlineGrid, InlineStack, Select, Text, TextField } from "@shopify/polaris";
import type { EditorCondition, RuleCatalogue } from "~/domain/segments/rule-editor";
import { en, type Formatter, type MessageKey } from "~/i18n";
import { useI18n } from "~/i18n/react";
import type { FieldError } from "~/services/admin-views.server";

export type KeyedCondition = EditorCondition & { key: string };

let nextKey = 0;
/** A blank condition on the catalogue's first field. */
export function newCondition(catalogue: RuleCatalogue): KeyedCondition {
  const field = catalogue.fields[0];
  const textual = field?.kind === "stage" || field?.kind === "category";
  return { key: `c${nextKey++}`, negate: false, field: field?.id ?? "", op: textual ? "==" : ">=", mode: "value", value: "", norm: "", times: "" };
}

const OP_KEYS: Record<string, string> = { "<": "lt", "<=": "lte", ">": "gt", ">=": "gte", "==": "eq", "!=": "ne", in: "in" };

function known(key: string): key is MessageKey {
  return key in en;
}

/** The field's label in the admin's language; a field only the catalogue knows shows its English label (or its id). */
export function ruleFieldLabel(f: Formatter, field: { id: string; label: string }): string {
  const key = `rule.field.${field.id}`;
  return known(key) ? f.t(key) : field.label || field.id;
}

function normLabel(f: Formatter, norm: { id: string; label: string }): string {
  const key = `rule.norm.${norm.id}`;
  return known(key) ? f.t(key) : norm.label || norm.id;
}

function opLabel(f: Formatter, op: string): string {
  const key = `rule.op.${OP_KEYS[op] ?? op}`;
  return known(key) ? `${op === "in" ? "∈" : op} (${f.t(key)})` : op;
}

export function RuleConditionsEditor({
  catalogue, currencyCode, join, onJoin, conditions, onChange, errors, ruleError,
}: {
  catalogue: RuleCatalogue;
  currencyCode: string;
  join: "all" | "any";
  onJoin: (join: "all" | "any") => void;
  conditions: KeyedCondition[];
  onChange: (conditions: KeyedCondition[]) => void;
  errors: Record<number, FieldError[]>;
  ruleError?: string;
}) {
  const f = useI18n();
  const update = (i: number, patch: Partial<EditorCondition>) => onChange(conditions.map((c, j) => (j === i ? { ...c, ...patch } : c)));
  return (
    <BlockStack gap="300">
      <Select
        label={f.t("layerEdit.match")}
        value={join}
        onChange={(v) => onJoin(v === "any" ? "any" : "all")}
        options={[{ label: f.t("layerEdit.join.all"), value: "all" }, { label: f.t("layerEdit.join.any"), value: "any" }]}
      />
      {ruleError ? <InlineError message={ruleError} fieldID="rule" /> : null}
      {conditions.length === 0 ? <Text as="p" tone="subdued">{f.t("layerEdit.always")}</Text> : null}
      {conditions.map((c, i) => (
        <ConditionRow
          key={c.key}
          index={i}
          condition={c}
          catalogue={catalogue}
          currencyCode={currencyCode}
          errors={errors[i] ?? []}
          onChange={(patch) => update(i, patch)}
          onRemove={() => onChange(conditions.filter((_, j) => j !== i))}
        />
      ))}
      <InlineStack>
        <Button onClick={() => onChange([...conditions, newCondition(catalogue)])}>{f.t("layerEdit.add")}</Button>
      </InlineStack>
    </BlockStack>
  );
}

function ConditionRow({
  index, condition: c, catalogue, currencyCode, errors, onChange, onRemove,
}: {
  index: number;
  condition: KeyedCondition;
  catalogue: RuleCatalogue;
  currencyCode: string;
  errors: FieldError[];
  onChange: (patch: Partial<EditorCondition>) => void;
  onRemove: () => void;
}) {
  const f = useI18n();
  const field = catalogue.fields.find((x) => x.id === c.field);
  const kind = field?.kind;
  const textual = kind === "stage" || kind === "category";
  const ops = textual ? catalogue.ops.filter((op) => op === "==" || op === "!=" || op === "in") : catalogue.ops;
  const norms = catalogue.norms.filter((n) => n.kind === kind);
  const canNorm = norms.length > 0 && c.op !== "in";
  const mode = canNorm ? c.mode : "value";
  const id = `condition-${index}`;

  const changeField = (fieldId: string) => {
    const next = catalogue.fields.find((x) => x.id === fieldId);
    const nextOps = next?.kind === "stage" || next?.kind === "category" ? ["==", "!=", "in"] : catalogue.ops;
    const nextNorms = catalogue.norms.filter((n) => n.kind === next?.kind);
    onChange({
      field: fieldId,
      op: nextOps.includes(c.op as never) ? c.op : nextOps[0],
      mode: nextNorms.length > 0 ? c.mode : "value",
      norm: nextNorms.some((n) => n.id === c.norm) ? c.norm : "",
      value: next?.kind === field?.kind ? c.value : "",
    });
  };

  const stageValues = c.value.split(",").map((s) => s.trim()).filter(Boolean);
  const valueInput = () => {
    if (mode === "norm") {
      return (
        <InlineGrid columns={2} gap="200">
          <Select
            label={f.t("layerEdit.norm")}
            value={c.norm}
            onChange={(norm) => onChange({ norm })}
            options={[{ label: "—", value: "" }, ...norms.map((n) => ({ label: normLabel(f, n), value: n.id }))]}
          />
          <TextField label={f.t("layerEdit.times")} value={c.times} onChange={(times) => onChange({ times })} autoComplete="off" inputMode="decimal" placeholder="1" />
        </InlineGrid>
      );
    }
    if (kind === "stage" && c.op === "in") {
      return (
        <ChoiceList
          title={f.t("layerEdit.stages")}
          allowMultiple
          choices={catalogue.stages.map((s) => ({ label: f.t(`stage.${s}` as MessageKey), value: s }))}
          selected={stageValues}
          onChange={(selected) => onChange({ value: selected.join(",") })}
        />
      );
    }
    if (kind === "stage") {
      return (
        <Select
          label={f.t("layerEdit.value")}
          value={c.value}
          onChange={(value) => onChange({ value })}
          options={[{ label: "—", value: "" }, ...catalogue.stages.map((s) => ({ label: f.t(`stage.${s}` as MessageKey), value: s }))]}
        />
      );
    }
    const label = c.op === "in" ? f.t("layerEdit.valueList") : kind === "money" ? f.t("layerEdit.valueMoney", { currency: currencyCode }) : f.t("layerEdit.value");
    return <TextField label={label} value={c.value} onChange={(value) => onChange({ value })} autoComplete="off" inputMode={c.op === "in" || textual ? "text" : "decimal"} />;
  };

  return (
    <Box borderWidth="025" borderColor="border" borderRadius="200" padding="300">
      <div data-condition={index}>
        <BlockStack gap="200">
          <InlineStack align="space-between" blockAlign="center">
            <Text as="h3" variant="headingSm">{f.t("layerEdit.condition", { n: index + 1 })}</Text>
            <Button variant="plain" tone="critical" onClick={onRemove} accessibilityLabel={`${f.t("layerEdit.remove")} ${index + 1}`}>
              {f.t("layerEdit.remove")}
            </Button>
          </InlineStack>
          <InlineGrid columns={canNorm ? 3 : 2} gap="200">
            <Select
              label={f.t("layerEdit.field")}
              value={c.field}
              onChange={changeField}
              options={catalogue.fields.map((x) => ({ label: ruleFieldLabel(f, x), value: x.id }))}
            />
            <Select label={f.t("layerEdit.op")} value={c.op} onChange={(op) => onChange({ op, mode: op === "in" ? "value" : c.mode })} options={ops.map((op) => ({ label: opLabel(f, op), value: op }))} />
            {canNorm ? (
              <Select
                label={f.t("layerEdit.compareTo")}
                value={mode}
                onChange={(m) => onChange({ mode: m === "norm" ? "norm" : "value", times: m === "norm" && c.times === "" ? "1" : c.times })}
                options={[{ label: f.t("layerEdit.compareValue"), value: "value" }, { label: f.t("layerEdit.compareNorm"), value: "norm" }]}
              />
            ) : null}
          </InlineGrid>
          {valueInput()}
          <Checkbox label={f.t("layerEdit.negate")} checked={c.negate} onChange={(negate) => onChange({ negate })} />
          {errors.map((e, j) => (
            <InlineError key={j} message={f.t(e.key, e.vars)} fieldID={`${id}-${j}`} />
          ))}
        </BlockStack>
      </div>
    </Box>
  );
}
