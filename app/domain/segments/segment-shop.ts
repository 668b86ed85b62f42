/**
 * The full pass (RFM + lifecycle stage + layer for every customer of a shop)
 * and the single-customer update against the baseline it stored.
 *
 * The pass reads histories into typed-array columns, sorts four of them for
 * the quintile cut points, then fills one reused features object per customer
 * and runs the compiled rules on it: no per-customer allocation besides the
 * result map entry.
 */
import { type BehaviourColumns, fillBehaviourFeatures } from "../behaviour/rule-features";
import type { PurchaseHistory } from "../customers/purchase-history";
import { type CompiledLayers, type LayerAssignment, UNASSIGNED_LAYER_ID, assignLayer, compileLayers, matchLayerIndex } from "./assign";
import { DEFAULT_LAYERS } from "./default-layers";
import { type CustomerFeatures, type ShopBaseline, type ShopNorms, customerFeatures, emptyFeatures, fillFeatures, shopNorms } from "./features";
import type { LayerDefinition } from "./layers";
import { type LifecycleParams, lifecycleThresholds } from "./lifecycle";
import { type PurchaseColumns, purchaseColumns } from "./purchase-columns";
import { type ScoreParams, type ShopColumns, readPurchaseColumns, thresholdsFromColumns } from "./rfm";

export interface SegmentOptions {
  layers?: readonly LayerDefinition[];
  scoreParams?: Partial<ScoreParams>;
  lifecycleParams?: Partial<LifecycleParams>;
  /** The behaviour rule fields' values, aligned with the customers; null or absent: missing for everyone. */
  behaviour?: BehaviourColumns | null;
}

export interface ShopSegmentation {
  /** Store this: it is what single-customer updates score against. JSON-safe. */
  baseline: ShopBaseline;
  norms: ShopNorms;
  /** The layer set's ids in priority order, then `UNASSIGNED_LAYER_ID` last. */
  layerIds: string[];
  /** The histories' customer ids, in input order (the same strings, not copies). */
  customerIds: string[];
  /**
   * Layer of customer `i` as an index into `layerIds`. Columns rather than a
   * Map: building a million-entry Map costs as much as the whole pass; use
   * {@link layerMap} when one is needed (e.g. for `diffLayers`).
   */
  layerIndex: Uint16Array;
  /** Customers per layer id, every layer of the set listed (0 when empty); unassigned only when non-zero. */
  layerSizes: Record<string, number>;
  /** The per-customer values the pass read (orders, recency, spend, ...), for building rows without reading again. */
  columns: ShopColumns;
}

/**
 * Scores, stages and layers every customer of a shop as of `asOf` (epoch ms).
 * Reasons are not built here (a million English sentences nobody reads); ask
 * {@link segmentCustomer} or `assignLayer` for one customer's reason.
 */
export function segmentShop(
  histories: readonly PurchaseHistory[],
  asOf: number,
  options: SegmentOptions = {},
): ShopSegmentation {
  return segmentPurchaseColumns(purchaseColumns(histories), asOf, options);
}

/** {@link segmentShop} over purchase columns (the full pass's input): the one implementation. */
export function segmentPurchaseColumns(
  purchases: PurchaseColumns,
  asOf: number,
  options: SegmentOptions = {},
): ShopSegmentation {
  const layers = options.layers ?? DEFAULT_LAYERS;
  const cols = readPurchaseColumns(purchases, asOf, options.scoreParams?.minGapDays);
  const rfm = thresholdsFromColumns(cols, options.scoreParams);
  const baseline: ShopBaseline = { rfm, lifecycle: lifecycleThresholds(rfm.typicalGapDays, options.lifecycleParams) };
  const norms = shopNorms(baseline);
  const compiled = compileLayers(layers, norms);
  const layerIds = [...compiled.layers.map((l) => l.id), UNASSIGNED_LAYER_ID];
  const unassigned = layerIds.length - 1;
  const counts = new Float64Array(layerIds.length);
  const layerIndex = new Uint16Array(cols.count);
  const customerIds = purchases.customerIds;
  const row = emptyFeatures();
  const behaviour = options.behaviour ?? null;
  for (let i = 0; i < cols.count; i++) {
    fillFeatures(row, customerIds[i], cols.orders[i], cols.recencyDays[i], cols.daysSinceFirstOrder[i], cols.daysSinceCreated[i],
      cols.monetaryMinor[i], cols.aovMinor[i], baseline);
    if (behaviour) fillBehaviourFeatures(row, behaviour, i, asOf);
    const k = matchLayerIndex(row, compiled);
    const slot = k < 0 ? unassigned : k;
    layerIndex[i] = slot;
    counts[slot]++;
  }
  const layerSizes: Record<string, number> = {};
  for (let k = 0; k < unassigned; k++) layerSizes[layerIds[k]] = counts[k];
  if (counts[unassigned] > 0) layerSizes[UNASSIGNED_LAYER_ID] = counts[unassigned];
  return { baseline, norms, layerIds, customerIds, layerIndex, layerSizes, columns: cols };
}

/** Customer id → layer id, from a full pass's columns. */
export function layerMap(segmentation: Pick<ShopSegmentation, "customerIds" | "layerIds" | "layerIndex">): Map<string, string> {
  const { customerIds, layerIds, layerIndex } = segmentation;
  const map = new Map<string, string>();
  for (let i = 0; i < customerIds.length; i++) map.set(customerIds[i], layerIds[layerIndex[i]]);
  return map;
}

export interface CustomerSegment {
  features: CustomerFeatures;
  assignment: LayerAssignment;
}

/**
 * Re-layers one customer (after an order, say) against a stored baseline;
 * gives the layer the full pass would have given with the same baseline.
 * Pass a `CompiledLayers` to skip recompiling rules on every call.
 */
export function segmentCustomer(
  history: PurchaseHistory,
  baseline: ShopBaseline,
  asOf: number,
  layers: CompiledLayers | readonly LayerDefinition[] = DEFAULT_LAYERS,
  options: { currencyCode?: string; behaviour?: BehaviourColumns | null } = {},
): CustomerSegment {
  const features = fillBehaviourFeatures(customerFeatures(history, baseline, asOf), options.behaviour ?? null, 0, asOf);
  const compiled = "predicates" in layers ? layers : compileLayers(layers, shopNorms(baseline));
  return { features, assignment: assignLayer(features, compiled, undefined, options) };
}
