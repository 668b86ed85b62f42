/**
 * The admin's layer editor (routes/app.layers.$layerId_.edit): one layer's
 * name and rule as structured conditions (domain/segments/rule-editor), a
 * preview of who would move (previewLayerChange), saving (updateLayerDefinitions,
 * with the staff member recorded) and going back to the default layers.
 *
 * Errors come back per part of the form as message keys (the page translates
 * them): the editor's own parse errors per condition, the domain's validation
 * per condition (its code as a message key: layer-set-errors.server), and problems of other layers
 * (a name another layer already has) for the whole form.
 */
import type { SqlDialect } from "~/db/adapter.server";
import { shopCurrency } from "~/db/admin-queries.server";
import type { LayerDefinition } from "~/domain/segments";
import {
  conditionOfErrorPath,
  editorToRule,
  parseEditorRule,
  ruleCatalogue,
  ruleToEditor,
  type EditorRule,
  type RuleCatalogue,
} from "~/domain/segments/rule-editor";
import type { PrismaClient } from "~/generated/prisma/client";
import { currencyExponent } from "~/domain/sync/money";
import type { FieldError, FieldErrors } from "~/services/admin-views.server";
import { layerSetErrorMessage } from "~/services/layer-set-errors.server";
import type { IntelligenceDb } from "~/services/intelligence.server";
import {
  getLayerDefinitions,
  previewLayerChange,
  resetLayerDefinitions,
  updateLayerDefinitions,
  type LayerChangePreview,
  type LayerSetError,
  type StaffRef,
} from "~/services/layer-settings.server";

export interface LayerEditorDeps {
  db: PrismaClient;
  dialect: SqlDialect;
}

export interface LayerEditorView {
  layer: { id: string; name: string; description: string };
  /** The rule as conditions; null when it is nested (edited as JSON, `ruleJson`). */
  editor: EditorRule | null;
  ruleJson: string;
  catalogue: RuleCatalogue;
  currencyCode: string;
  /** The shop's set is the defaults (reset has nothing to do). */
  isDefault: boolean;
}

/** The editor's starting point for one layer; null when the shop's set has no such layer. */
export async function layerEditor(shopDomain: string, layerId: string, deps: LayerEditorDeps): Promise<LayerEditorView | null> {
  const [definitions, currency] = await Promise.all([getLayerDefinitions(shopDomain, intelligenceDeps(deps)), shopCurrency(deps.db, shopDomain)]);
  const layer = definitions.layers.find((l) => l.id === layerId);
  if (!layer) return null;
  const currencyCode = currency ?? "USD";
  return {
    layer: { id: layer.id, name: layer.name, description: layer.description },
    editor: ruleToEditor(layer.rule, currencyExponent(currencyCode)),
    ruleJson: JSON.stringify(layer.rule, null, 2),
    catalogue: ruleCatalogue(),
    currencyCode,
    isDefault: definitions.isDefault,
  };
}

/** One layer's part of a preview, with the moves in and out of it. */
export interface LayerEditPreview {
  customers: number;
  /** Customers of the whole shop whose layer would change. */
  moving: number;
  before: number;
  after: number;
  movingIn: number;
  movingOut: number;
  /** The largest moves touching this layer (at most 10). */
  moves: { from: string; fromName: string; to: string; toName: string; customers: number; direction: string }[];
  /** Layers whose size would change, with their names (for the table). */
  layers: { id: string; name: string; before: number; after: number; change: number }[];
}

export type LayerEditResult =
  | { ok: true; intent: "preview"; preview: LayerEditPreview }
  | { ok: true; intent: "save"; preview: LayerEditPreview; moved: number }
  | { ok: true; intent: "reset"; moved: number }
  | { ok: false; errors: FieldErrors; conditionErrors: Record<number, FieldError[]> };

const MAX_FORM_JSON = 100_000;

/**
 * Handles one post of the editor: `intent` preview, save or reset; `name`;
 * `editor` (the conditions as JSON) or `ruleJson` (a nested rule as JSON).
 * Invalid input: `{ ok: false }` with errors per field and per condition,
 * nothing changed.
 */
export async function submitLayerEdit(
  shopDomain: string,
  layerId: string,
  form: FormData,
  deps: LayerEditorDeps & { now: Date; staff: StaffRef },
): Promise<LayerEditResult | null> {
  const intent = String(form.get("intent") ?? "");
  const ideps = { ...intelligenceDeps(deps), asOf: deps.now };
  const definitions = await getLayerDefinitions(shopDomain, ideps);
  const index = definitions.layers.findIndex((l) => l.id === layerId);
  if (index < 0) return null;
  const fail = (errors: FieldErrors, conditionErrors: Record<number, FieldError[]> = {}) => ({ ok: false as const, errors, conditionErrors });

  if (intent === "reset") {
    const result = await resetLayerDefinitions(shopDomain, { ...ideps, staff: deps.staff });
    return { ok: true, intent: "reset", moved: result.moves };
  }
  if (intent !== "preview" && intent !== "save") return fail({ form: { key: "err.choose" } });

  const digits = currencyExponent((await shopCurrency(deps.db, shopDomain)) ?? "USD");
  let rule: unknown;
  const conditionErrors: Record<number, FieldError[]> = {};
  const editorText = form.get("editor");
  if (typeof editorText === "string" && editorText !== "") {
    const editor = editorText.length <= MAX_FORM_JSON ? parseEditorRule(safeJson(editorText)) : null;
    if (!editor) return fail({ rule: { key: "err.ruleShape" } });
    const parsed = editorToRule(editor, digits);
    for (const e of parsed.errors) (conditionErrors[e.condition] ??= []).push({ key: e.key, vars: { part: e.part } });
    if (parsed.errors.length > 0) return fail({ form: { key: "err.fixBelow" } }, conditionErrors);
    rule = parsed.rule;
  } else {
    const text = String(form.get("ruleJson") ?? "");
    rule = text.length <= MAX_FORM_JSON ? safeJson(text) : undefined;
    if (rule === undefined) return fail({ rule: { key: "err.ruleJson" } });
  }

  const layers: LayerDefinition[] = definitions.layers.map((l, i) =>
    i === index ? { ...l, name: String(form.get("name") ?? "").slice(0, 1000), rule: rule as LayerDefinition["rule"] } : l,
  );
  if (intent === "preview") {
    const result = await previewLayerChange(shopDomain, layers, ideps);
    if (!result.ok) return fail(...layerSetErrors(result.errors, index));
    return { ok: true, intent, preview: summarise(result.preview, layerId, layers) };
  }
  const result = await updateLayerDefinitions(shopDomain, layers, { ...ideps, staff: deps.staff });
  if (!result.ok) return fail(...layerSetErrors(result.errors, index));
  return { ok: true, intent, preview: summarise(result.preview, layerId, layers), moved: result.moves };
}

/** The domain's errors on this form: name, rule, per condition; other layers' problems for the whole form. */
function layerSetErrors(errors: LayerSetError[], index: number): [FieldErrors, Record<number, FieldError[]>] {
  const fields: FieldErrors = {};
  const conditions: Record<number, FieldError[]> = {};
  for (const e of errors) {
    const detail = layerSetErrorMessage(e);
    if (e.layer !== index) fields.form ??= detail;
    else if (e.field === "name") fields.name ??= detail;
    else if (e.field.startsWith("rule")) {
      const c = conditionOfErrorPath(e.field);
      if (c === null) fields.rule ??= detail;
      else (conditions[c] ??= []).push(detail);
    } else fields.form ??= detail;
  }
  if (!fields.form && (Object.keys(conditions).length > 0 || fields.name || fields.rule)) fields.form = { key: "err.fixBelow" };
  return [fields, conditions];
}

function summarise(preview: LayerChangePreview, layerId: string, layers: readonly LayerDefinition[]): LayerEditPreview {
  const names = new Map(preview.layers.map((l) => [l.id, l.name]));
  for (const l of layers) names.set(l.id, l.name);
  const mine = preview.layers.find((l) => l.id === layerId);
  const touching = preview.moves.filter((m) => m.from === layerId || m.to === layerId);
  return {
    customers: preview.customers,
    moving: preview.moving,
    before: mine?.before ?? 0,
    after: mine?.after ?? 0,
    movingIn: touching.filter((m) => m.to === layerId).reduce((s, m) => s + m.customers, 0),
    movingOut: touching.filter((m) => m.from === layerId).reduce((s, m) => s + m.customers, 0),
    moves: touching.slice(0, 10).map((m) => ({ ...m, fromName: names.get(m.from) ?? m.from, toName: names.get(m.to) ?? m.to })),
    layers: preview.layers.filter((l) => l.change !== 0).map((l) => ({ id: l.id, name: l.name, before: l.before, after: l.after, change: l.change })),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function intelligenceDeps(deps: LayerEditorDeps) {
  return { db: deps.db as unknown as IntelligenceDb, dialect: deps.dialect };
}

/**
 * The staff member behind an admin request, for the log: their Shopify user
 * id (online session, else the session token's subject); never an email.
 */
export function staffRefOf(auth: { session: { onlineAccessInfo?: { associated_user?: { id?: number } } | null }; sessionToken?: { sub?: string } }): StaffRef {
  const id = auth.session.onlineAccessInfo?.associated_user?.id ?? auth.sessionToken?.sub ?? null;
  return { id, label: id === null ? "staff" : `staff:${id}` };
}
