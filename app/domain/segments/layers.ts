/**
 * A layer: a named group of customers with a rule (data, merchant-editable),
 * a priority (which rule is tried first) and a rank (how valuable the layer is,
 * so a move between layers reads as up or down).
 */
import { type Rule, type RuleError, validateRule } from "./rules";

export interface LayerDefinition {
  /** Stable id, kebab-case; survives renames. */
  id: string;
  /** Merchant-facing name. */
  name: string;
  /** Merchant-facing description: who is in it and what to do for them. */
  description: string;
  /** Rules are tried by ascending priority; the first that holds assigns the layer. */
  priority: number;
  /** Value standing: a move to a higher rank is an upgrade. */
  rank: number;
  rule: Rule;
}

/**
 * Checks a merchant-edited layer set: ids present and unique, names present,
 * priorities and ranks finite numbers, priorities unique (so the order of tries
 * is unambiguous), every rule valid. Empty when valid.
 */
export function validateLayers(layers: unknown): RuleError[] {
  if (!Array.isArray(layers)) return [{ path: "layers", message: "expected a list of layers" }];
  const errors: RuleError[] = [];
  const ids = new Set<string>();
  const priorities = new Map<number, string>();
  layers.forEach((layer: Record<string, unknown>, i) => {
    const at = `layers[${i}]`;
    if (typeof layer !== "object" || layer === null) return errors.push({ path: at, message: "expected a layer object" });
    const id = layer.id;
    if (typeof id !== "string" || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) {
      errors.push({ path: `${at}.id`, message: `id must be kebab-case text, got ${JSON.stringify(id)}` });
    } else if (ids.has(id)) {
      errors.push({ path: `${at}.id`, message: `duplicate layer id "${id}"` });
    } else ids.add(id);
    const label = typeof id === "string" ? `layers[${id}]` : at;
    if (typeof layer.name !== "string" || layer.name.trim() === "") errors.push({ path: `${label}.name`, message: "name must not be empty" });
    if (typeof layer.description !== "string") errors.push({ path: `${label}.description`, message: "description must be text" });
    for (const key of ["priority", "rank"] as const) {
      if (typeof layer[key] !== "number" || !Number.isFinite(layer[key])) {
        errors.push({ path: `${label}.${key}`, message: `${key} must be a number` });
      }
    }
    if (typeof layer.priority === "number") {
      const other = priorities.get(layer.priority);
      if (other !== undefined) errors.push({ path: `${label}.priority`, message: `priority ${layer.priority} is also used by "${other}"` });
      else priorities.set(layer.priority, String(id));
    }
    errors.push(...validateRule(layer.rule, `${label}.rule`));
  });
  return errors;
}
