/**
 * Replenishment: when a customer who bought a consumable will need it again.
 * Pure domain: inputs are plain records built by the service from synced
 * orders; times are epoch milliseconds (UTC), intervals are days (fractional).
 */

export const DAY_MS = 24 * 60 * 60 * 1000;

/** One line of a counted purchase (paid, not cancelled) of a product by a known customer. */
export interface ProductPurchase {
  customerGid: string;
  productGid: string;
  /** null when the variant was deleted or the line had none. */
  variantGid: string | null;
  /** When the order was placed (processedAt), epoch ms. */
  at: number;
  /** Units on the line, ≥ 1. */
  quantity: number;
}

/** What the learning reads about each product besides its purchases. */
export interface ProductInfo {
  productGid: string;
  /** Shopify's product type; products of one type pool their samples as a fallback. */
  productType: string | null;
}

export type IntervalScope = "variant" | "product" | "productType";

/** A learned repurchase interval for one variant, product or product type. */
export interface IntervalEstimate {
  scope: IntervalScope;
  /** The variant or product GID, or the product type's name. */
  key: string;
  /** The product the key belongs to (null for a product type). */
  productGid: string | null;
  /**
   * Days between purchases of `typicalQuantity` units; null when there were
   * too few gaps or customers (the row still says how many, for the admin).
   */
  days: number | null;
  /** Gaps kept by the robust estimate (all gaps when `days` is null). */
  sampleSize: number;
  /** Gaps dropped as outliers. */
  outliers: number;
  /** Distinct customers the gaps came from. */
  customers: number;
  /** Median units per purchase: the quantity `days` is for. */
  typicalQuantity: number;
  /** Scaled MAD of the log gaps (see robust.ts). */
  spreadLog: number;
  /** The estimate before shrinkage (null with `days`). */
  rawDays: number | null;
}

/** What the learning found about the shop as a whole. */
export interface ShopReplenishment {
  /** gap ∝ (quantity / typical)^elasticity; see LearnOptions.quantityElasticity. */
  quantityElasticity: number;
  /** Whether the elasticity was fitted (false: the option's fixed or default value). */
  elasticityLearned: boolean;
  /** Shrinkage strength k (0: none). */
  shrinkage: number;
  /** Geometric mean of all kept gaps of all products (the last parent of shrinkage), days; null without gaps. */
  days: number | null;
}

export interface LearnOptions {
  /** Fewest gaps (after outlier removal) for an estimate; fewer: fall back. Default 5. */
  minSamples: number;
  /** Fewest distinct customers behind an estimate (one customer's habit is not a product's cycle). Default 3. */
  minCustomers: number;
  /** Gaps shorter than this are one shopping trip split in two orders, merged. Default 1 day. */
  minGapDays: number;
  /** Gaps longer than this are lapses, not cycles, and are not samples. Default 365 days. */
  maxGapDays: number;
  /**
   * How a gap scales with the units bought before it: gap ∝ (q / typical)^e.
   * "learn" (default) fits e ∈ [0, 1] on the shop's own repurchases (pooled
   * within products) and uses `defaultQuantityElasticity` when too few
   * repurchases differ from the typical quantity; a number fixes it (0: quantity
   * does not matter, 1: two units last twice as long).
   */
  quantityElasticity: number | "learn";
  /** The elasticity when it cannot be learned. Default 1 (units are used up at a steady rate). */
  defaultQuantityElasticity: number;
  /** Fewest repurchases after an untypical quantity to learn the elasticity. Default 30. */
  minElasticitySamples: number;
  /**
   * Shrinks each estimate toward its parent (variant → product → product type
   * → shop) in log space, by n / (n + k) with k = within-product variance /
   * between-product variance (empirical Bayes). Default true.
   */
  shrink: boolean;
  /** Outlier cut-off in scaled MADs of the log gaps. Default 3. */
  outlierCutoff: number;
}

export const DEFAULT_LEARN_OPTIONS: LearnOptions = {
  minSamples: 5,
  minCustomers: 3,
  minGapDays: 1,
  maxGapDays: 365,
  quantityElasticity: "learn",
  defaultQuantityElasticity: 1,
  minElasticitySamples: 30,
  shrink: true,
  outlierCutoff: 3,
};

/** Everything learned for a shop, keyed by scope (every product with a purchase has a product entry). */
export interface LearnedIntervals {
  shop: ShopReplenishment;
  byVariant: Map<string, IntervalEstimate>;
  byProduct: Map<string, IntervalEstimate>;
  byProductType: Map<string, IntervalEstimate>;
}

/** Where the interval used for a due date came from. */
export type IntervalSource = "override" | IntervalScope;

export interface ResolvedInterval {
  days: number;
  source: IntervalSource;
  /** Units `days` is for (the product's typical quantity for an override or a product type's interval). */
  typicalQuantity: number;
  /** gap ∝ (quantity / typical)^elasticity (the shop's). */
  quantityElasticity: number;
}
