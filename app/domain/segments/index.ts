/** Customer segments: RFM scores, lifecycle stages and explainable layers. */
export { orderStatistics } from "./order-statistics";
export { DEFAULT_SCORE_PARAMS, readColumns, scoreCustomer, scoreShop, thresholdsFromColumns } from "./rfm";
export type { Quintile, RfmScore, RfmThresholds, ScoreParams, ShopColumns, ShopScores } from "./rfm";
export { DEFAULT_LIFECYCLE_PARAMS, LIFECYCLE_STAGES, lifecycleStage, lifecycleThresholds, lifecycleThresholdsFor } from "./lifecycle";
export type { LifecycleParams, LifecycleStage, LifecycleThresholds } from "./lifecycle";
export { customerFeatures, emptyFeatures, fillFeatures, shopNorms } from "./features";
export type { CustomerFeatures, ShopBaseline, ShopNorms } from "./features";
export { COMPARISON_OPS, RULE_FIELDS, RULE_NORMS, compileRule, explainRule, formatMoney, isValidRule, renderRule, ruleFields, validateRule } from "./rules";
export type { Comparison, ComparisonOp, NormRef, Rule, RuleError, RuleField, RuleNorm } from "./rules";
export { validateLayers } from "./layers";
export type { LayerDefinition } from "./layers";
export { DEFAULT_LAYERS, FALLBACK_LAYER_ID } from "./default-layers";
export { UNASSIGNED_LAYER_ID, assignLayer, compileLayers, matchLayerIndex } from "./assign";
export type { CompiledLayers, LayerAssignment } from "./assign";
export { layerMap, segmentCustomer, segmentShop } from "./segment-shop";
export type { CustomerSegment, SegmentOptions, ShopSegmentation } from "./segment-shop";
export { diffLayers, moveRates } from "./moves";
export type { LayerMove, MoveDirection, MovePeriod, MoveRates } from "./moves";
