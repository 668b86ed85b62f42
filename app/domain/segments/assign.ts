/**
 * Layer assignment: the first layer (by ascending priority) whose rule holds,
 * with the reason in data and in English.
 */
import type { CustomerFeatures, ShopNorms } from "./features";
import type { LayerDefinition } from "./layers";
import { type Predicate, type RenderOptions, compileRule, explainRule, renderRule, ruleFields } from "./rules";

/** Layer id used when no rule of a (merchant-edited) set holds. */
export const UNASSIGNED_LAYER_ID = "unassigned";

export interface LayerAssignment {
  layerId: string;
  reason: {
    /** The matched layer's rule in words ("always" for a catch-all). */
    matchedRule: string;
    /** The customer's values of every field the rule reads. */
    values: Partial<Record<keyof CustomerFeatures, number | string | null>>;
    /** Why, with values: "Recency 12 days ≤ 30, 5 orders ≥ 4, AOV $84 ≥ 1.5× shop median AOV $52". */
    explanation: string;
  };
}

/** Layers sorted by priority with their rules compiled against one shop's norms. */
export interface CompiledLayers {
  layers: readonly LayerDefinition[];
  predicates: readonly Predicate[];
  norms: ShopNorms;
}

/** Compiles a (valid: see `validateLayers`) layer set for a shop; cheap, do it once per pass. */
export function compileLayers(layers: readonly LayerDefinition[], norms: ShopNorms): CompiledLayers {
  const sorted = [...layers].sort((a, b) => a.priority - b.priority);
  return { layers: sorted, predicates: sorted.map((l) => compileRule(l.rule, norms)), norms };
}

/**
 * Index into `compiled.layers` of the first layer whose rule holds, or -1.
 * Allocation-free: the full pass calls it once per customer.
 */
export function matchLayerIndex(x: CustomerFeatures, compiled: CompiledLayers): number {
  const ps = compiled.predicates;
  for (let i = 0; i < ps.length; i++) if (ps[i](x)) return i;
  return -1;
}

/**
 * Assigns one customer to a layer and says why.
 *
 * @param layers a layer set, raw (compiled here) or from {@link compileLayers}
 * @param norms the shop's norms (needed with raw layers)
 * @returns `UNASSIGNED_LAYER_ID` with an explanation if no rule holds
 */
export function assignLayer(
  features: CustomerFeatures,
  layers: CompiledLayers | readonly LayerDefinition[],
  norms?: ShopNorms,
  options: Pick<RenderOptions, "currencyCode"> = {},
): LayerAssignment {
  const compiled = "predicates" in layers ? layers : compileLayers(layers, requireNorms(norms));
  const i = matchLayerIndex(features, compiled);
  if (i < 0) {
    return {
      layerId: UNASSIGNED_LAYER_ID,
      reason: { matchedRule: "none", values: {}, explanation: "No layer's rule matched this customer" },
    };
  }
  const layer = compiled.layers[i];
  const values: LayerAssignment["reason"]["values"] = {};
  for (const field of ruleFields(layer.rule)) values[field] = features[field];
  return {
    layerId: layer.id,
    reason: {
      matchedRule: renderRule(layer.rule, { ...options, norms: compiled.norms }),
      values,
      explanation: explainRule(layer.rule, features, compiled.norms, options),
    },
  };
}

function requireNorms(norms: ShopNorms | undefined): ShopNorms {
  if (!norms) throw new TypeError("assignLayer: raw layers need the shop's norms to resolve \"× shop median\" comparisons");
  return norms;
}
