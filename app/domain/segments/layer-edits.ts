/**
 * Merchant edits of a shop's layer set: checking an edited set field by field
 * in plain language, re-layering customers from their stored features, and the
 * "who would move" preview (layer sizes before and after, and the from → to
 * matrix). Pure; the service (app/services/layer-settings.server.ts) loads and stores.
 */
import { UNASSIGNED_LAYER_ID, type CompiledLayers } from "./assign";
import type { CustomerFeatures } from "./features";
import { type LayerDefinition, validateLayers } from "./layers";
import { LIFECYCLE_STAGES, type LifecycleStage } from "./lifecycle";
import type { MoveDirection } from "./moves";
import type { Quintile } from "./rfm";
import { type RenderOptions, type RuleErrorParams, type RuleField, renderRule, ruleFields } from "./rules";

/** Most layers a set may have (the admin lists them all; the full pass indexes them in 16 bits). */
export const MAX_LAYERS = 50;
export const MAX_LAYER_NAME_LENGTH = 80;
export const MAX_LAYER_DESCRIPTION_LENGTH = 500;
/**
 * Longest layer id: ids end up in customer tags (`evergreen-layer-<id>`), which
 * Shopify caps at 255 characters, prefix included.
 */
export const MAX_LAYER_ID_LENGTH = 60;

/** One problem of an edited layer set, for the admin to show next to the field. */
export interface LayerSetError {
  /** Index of the layer in the submitted list; null for a problem of the whole set. */
  layer: number | null;
  /** The layer's id when it has a usable one. */
  layerId: string | null;
  /** The field, relative to the layer: `id`, `name`, `description`, `priority`, `rank`, `rule`, `rule.all[1].value`…; `layers` for the set. */
  field: string;
  /** A sentence a merchant can act on (English). */
  message: string;
  /** What is wrong, stable for translation: the admin shows `message` in the merchant's language from it. */
  code: LayerSetErrorCode;
  /** The values the message names. For `rule` errors: the rule validator's params, `layer` and its `ruleCode`. */
  params: RuleErrorParams;
}

export type LayerSetErrorCode =
  | "notList" | "empty" | "tooMany" | "notObject"
  | "idMissing" | "idPattern" | "idTooLong" | "idReserved" | "idTaken"
  | "nameMissing" | "nameTooLong" | "nameTaken"
  | "descriptionNotText" | "descriptionTooLong"
  | "priorityNotNumber" | "priorityTaken" | "rankNotNumber"
  /** The rule validator's problem: `params.ruleCode` says which (absent: only `message` says). */
  | "rule"
  /** Anything else the full pass refuses: only `message` says. */
  | "other";

const ID_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * Checks a merchant-edited layer set: everything `validateLayers` checks (the
 * full pass refuses a set it rejects), plus limits the admin and tags rely on
 * (names present, unique and short, ids short and not reserved, at most
 * {@link MAX_LAYERS}). Every error names its layer and field and says what to
 * change. Empty when the set is valid.
 */
export function checkLayerSet(input: unknown): LayerSetError[] {
  if (!Array.isArray(input)) return [{ layer: null, layerId: null, field: "layers", message: "Layers must be a list.", code: "notList", params: {} }];
  const errors: LayerSetError[] = [];
  const ofSet = (message: string, code: LayerSetErrorCode, params: RuleErrorParams = {}) => errors.push({ layer: null, layerId: null, field: "layers", message, code, params });
  if (input.length === 0) ofSet("Add at least one layer: every customer needs one.", "empty");
  if (input.length > MAX_LAYERS) ofSet(`A shop can have at most ${MAX_LAYERS} layers; this set has ${input.length}.`, "tooMany", { max: MAX_LAYERS, count: input.length });

  const byId = new Map<string, number>();
  const byName = new Map<string, number>();
  const byPriority = new Map<number, number>();
  input.forEach((layer: unknown, i) => {
    const at = (field: string, message: string, code: LayerSetErrorCode, params: RuleErrorParams = {}) =>
      errors.push({ layer: i, layerId: isRecord(layer) && typeof layer.id === "string" && ID_PATTERN.test(layer.id) ? layer.id : null, field, message, code, params });
    if (!isRecord(layer)) return at("layer", "Each layer must have an id, a name, a description, a priority, a rank and a rule.", "notObject");
    const { id, name, description, priority, rank } = layer;
    const shown = typeof name === "string" && name.trim() !== "" ? `"${name.trim()}"` : `number ${i + 1}`;

    if (typeof id !== "string" || id === "") at("id", "Give the layer an id (lowercase letters, digits and hyphens, e.g. \"big-spenders\").", "idMissing");
    else if (!ID_PATTERN.test(id)) at("id", `The id "${id}" can only use lowercase letters, digits and single hyphens between them (e.g. "big-spenders").`, "idPattern", { id });
    else if (id.length > MAX_LAYER_ID_LENGTH) at("id", `The id is ${id.length} characters long; use at most ${MAX_LAYER_ID_LENGTH}.`, "idTooLong", { length: id.length, max: MAX_LAYER_ID_LENGTH });
    else if (id === UNASSIGNED_LAYER_ID) at("id", `"${UNASSIGNED_LAYER_ID}" is reserved for customers no layer matches; choose another id.`, "idReserved", { id });
    else if (byId.has(id)) at("id", `Layer ${byId.get(id)! + 1} already uses the id "${id}"; each layer needs its own.`, "idTaken", { other: byId.get(id)! + 1, id });
    else byId.set(id, i);

    if (typeof name !== "string" || name.trim() === "") at("name", "Give the layer a name.", "nameMissing");
    else if (name.trim().length > MAX_LAYER_NAME_LENGTH) at("name", `The name is ${name.trim().length} characters long; use at most ${MAX_LAYER_NAME_LENGTH}.`, "nameTooLong", { length: name.trim().length, max: MAX_LAYER_NAME_LENGTH });
    else {
      const key = name.trim().toLowerCase();
      if (byName.has(key)) at("name", `Layer ${byName.get(key)! + 1} is already called "${name.trim()}"; names must differ so customers can tell them apart.`, "nameTaken", { other: byName.get(key)! + 1, name: name.trim() });
      else byName.set(key, i);
    }

    if (typeof description !== "string") at("description", "The description must be text (it can be empty).", "descriptionNotText");
    else if (description.length > MAX_LAYER_DESCRIPTION_LENGTH) at("description", `The description is ${description.length} characters long; use at most ${MAX_LAYER_DESCRIPTION_LENGTH}.`, "descriptionTooLong", { length: description.length, max: MAX_LAYER_DESCRIPTION_LENGTH });

    if (typeof priority !== "number" || !Number.isFinite(priority)) at("priority", "Priority must be a number: layers are tried from the lowest priority up, and the first whose rule holds wins.", "priorityNotNumber");
    else if (byPriority.has(priority)) at("priority", `Layer ${byPriority.get(priority)! + 1} already has priority ${priority}; give each layer its own so the order of tries is clear.`, "priorityTaken", { other: byPriority.get(priority)! + 1, priority });
    else byPriority.set(priority, i);

    if (typeof rank !== "number" || !Number.isFinite(rank)) at("rank", "Rank must be a number: a higher rank is a more valuable layer, so moves read as up or down.", "rankNotNumber");

    // Rule problems come from the rule validator the full pass uses; only the path is made relative.
    for (const e of validateLayers([{ id: "x", name: "x", description: "", priority: 0, rank: 0, rule: layer.rule }])) {
      const field = e.path.replace(/^layers\[[^\]]*\]\./, "");
      at(field, `In the rule of layer ${shown}: ${sentence(e.message)}`, "rule", { ...e.params, layer: shown, ...(e.code ? { ruleCode: e.code } : {}) });
    }
  });
  if (errors.length === 0) {
    // Belt and braces: anything the full pass's validator refuses must be reported.
    for (const e of validateLayers(input)) errors.push({ layer: null, layerId: null, field: e.path, message: sentence(e.message), code: e.code ? "rule" : "other", params: { ...e.params, ...(e.code ? { ruleCode: e.code } : {}) } });
  }
  return errors;
}

function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

// ---------------------------------------------------------------- features from stored insights

/** The rule fields a stored `CustomerInsight` row holds; the others need the customer's orders. */
export const STORED_RULE_FIELDS: ReadonlySet<RuleField> = new Set<RuleField>([
  "r", "f", "m", "recencyDays", "frequency", "orders", "monetaryMinor", "aovMinor", "lifecycleStage",
]);

/** True when some rule of the set reads a field a stored insight row does not hold (days since first order, since sign-up). */
export function layersNeedHistories(layers: readonly LayerDefinition[]): boolean {
  return layers.some((l) => ruleFields(l.rule).some((f) => !STORED_RULE_FIELDS.has(f)));
}

/** A customer's stored insight values (the columns layer rules may read). */
export interface StoredFeatureValues {
  customerGid: string;
  lifecycleStage: string;
  r: number | null;
  f: number | null;
  m: number | null;
  recencyDays: number | null;
  orders: number;
  aovMinor: number | null;
  monetaryMinor: number;
}

/**
 * Fills `into` from a stored insight row (allocation-free). The fields a row
 * does not hold (`daysSinceFirstOrder`, `daysSinceCreated`) are set to null,
 * which makes any comparison on them false: use only with sets for which
 * {@link layersNeedHistories} is false.
 */
export function fillStoredFeatures(into: CustomerFeatures, row: StoredFeatureValues): CustomerFeatures {
  into.customerId = row.customerGid;
  into.orders = row.orders;
  into.frequency = row.orders;
  into.recencyDays = row.recencyDays;
  into.daysSinceFirstOrder = null;
  (into as { daysSinceCreated: number | null }).daysSinceCreated = null;
  into.monetaryMinor = row.monetaryMinor;
  into.aovMinor = row.aovMinor;
  into.r = row.r as Quintile | null;
  into.f = row.f as Quintile | null;
  into.m = row.m as Quintile | null;
  into.lifecycleStage = (LIFECYCLE_STAGES as readonly string[]).includes(row.lifecycleStage) ? (row.lifecycleStage as LifecycleStage) : "prospect";
  return into;
}

// ---------------------------------------------------------------- reasons

/**
 * The stored layer reason (`CustomerInsight.layerReason`), in the full pass's
 * format: `{ matchedRule, values }` (the rule in words, the values it read), or
 * the unassigned reason. Rules are rendered once per layer.
 */
export function layerReasonWriter(compiled: CompiledLayers, options: Pick<RenderOptions, "currencyCode"> = {}) {
  const rendered = compiled.layers.map((l) => ({ text: renderRule(l.rule, { ...options, norms: compiled.norms }), fields: ruleFields(l.rule) }));
  const none = JSON.stringify({ matchedRule: "none", values: {}, explanation: "No layer's rule matched this customer" });
  return (layerIndex: number, x: CustomerFeatures): string => {
    if (layerIndex < 0) return none;
    const r = rendered[layerIndex];
    const values: Partial<Record<keyof CustomerFeatures, number | string | null>> = {};
    for (const f of r.fields) values[f] = x[f];
    return JSON.stringify({ matchedRule: r.text, values });
  };
}

// ---------------------------------------------------------------- preview

export interface LayerSizeChange {
  id: string;
  /** The name after the edit (before, for a removed layer). */
  name: string;
  /** Customers in the layer now. */
  before: number;
  /** Customers in the layer after the edit. */
  after: number;
  /** `after − before`. */
  change: number;
  /** `added`/`removed` when the id exists on one side only; `renamed` when only the name differs; else `kept`. */
  status: "kept" | "renamed" | "added" | "removed";
}

export interface LayerMoveCount {
  from: string;
  to: string;
  customers: number;
  direction: MoveDirection;
}

export interface LayerChangePreview {
  /** Customers looked at. */
  customers: number;
  /** Customers whose layer would change. */
  moving: number;
  /** Every layer of either set (the edited set's order, then removed layers, then `unassigned` if non-empty). */
  layers: LayerSizeChange[];
  /** The from → to matrix, moves only (from ≠ to), largest first. */
  moves: LayerMoveCount[];
}

/**
 * Direction of a move from one set's layer to another's: by the edited set's
 * ranks, with the old set's rank for a removed layer; lateral when either is
 * unknown (unassigned) or the ranks are equal.
 */
export function editMoveDirection(from: string, to: string, before: readonly LayerDefinition[], after: readonly LayerDefinition[]): MoveDirection {
  const rank = (id: string) => after.find((l) => l.id === id)?.rank ?? before.find((l) => l.id === id)?.rank;
  const a = rank(from);
  const b = rank(to);
  return a === undefined || b === undefined || a === b ? "lateral" : b > a ? "up" : "down";
}

/** Counts customers per (current layer, edited layer) pair; then {@link MoveTally.preview}. */
export class MoveTally {
  private readonly counts = new Map<string, Map<string, number>>();
  private total = 0;

  add(from: string, to: string): void {
    let row = this.counts.get(from);
    if (!row) this.counts.set(from, (row = new Map()));
    row.set(to, (row.get(to) ?? 0) + 1);
    this.total++;
  }

  preview(before: readonly LayerDefinition[], after: readonly LayerDefinition[]): LayerChangePreview {
    const sizeBefore = new Map<string, number>();
    const sizeAfter = new Map<string, number>();
    const moves: LayerMoveCount[] = [];
    let moving = 0;
    for (const [from, row] of this.counts) {
      for (const [to, n] of row) {
        sizeBefore.set(from, (sizeBefore.get(from) ?? 0) + n);
        sizeAfter.set(to, (sizeAfter.get(to) ?? 0) + n);
        if (from !== to) {
          moving += n;
          moves.push({ from, to, customers: n, direction: editMoveDirection(from, to, before, after) });
        }
      }
    }
    moves.sort((a, b) => b.customers - a.customers || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
    const byPriority = (set: readonly LayerDefinition[]) => [...set].sort((a, b) => a.priority - b.priority);
    const oldById = new Map(before.map((l) => [l.id, l]));
    const newIds = new Set(after.map((l) => l.id));
    const layers: LayerSizeChange[] = [];
    const push = (id: string, name: string, status: LayerSizeChange["status"]) => {
      const b = sizeBefore.get(id) ?? 0;
      const a = sizeAfter.get(id) ?? 0;
      layers.push({ id, name, before: b, after: a, change: a - b, status });
    };
    for (const l of byPriority(after)) {
      const old = oldById.get(l.id);
      push(l.id, l.name, !old ? "added" : old.name !== l.name ? "renamed" : "kept");
    }
    for (const l of byPriority(before)) if (!newIds.has(l.id)) push(l.id, l.name, "removed");
    const listed = new Set(layers.map((l) => l.id));
    // Stored layer ids of neither set (unassigned, or a layer removed outside this edit).
    for (const id of new Set([...sizeBefore.keys(), ...sizeAfter.keys()])) {
      if (listed.has(id)) continue;
      const b = sizeBefore.get(id) ?? 0;
      const a = sizeAfter.get(id) ?? 0;
      push(id, id === UNASSIGNED_LAYER_ID ? "Unassigned" : id, b === 0 ? "added" : a === 0 ? "removed" : "kept");
    }
    return { customers: this.total, moving, layers, moves };
  }
}
