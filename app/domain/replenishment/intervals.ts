/**
 * Learning repurchase intervals from purchase lines.
 *
 * A gap is the time between two consecutive purchase occasions of the same
 * product by the same customer (lines less than `minGapDays` apart are one
 * occasion: a forgotten item sent as a second order). Gaps longer than
 * `maxGapDays` are lapses, not cycles. Everything is in log days:
 *
 * 1. Quantity: a gap after q units is normalised to the product's typical
 *    quantity t as log gap − e·log(q / t). The elasticity e ∈ [0, 1] is
 *    fitted on the shop's data (least squares through the origin of the log
 *    gap, centred per product, on log(q / t)): on the UCI data it is far
 *    below 1 (wholesale buyers restock on a schedule, not by consumption).
 * 2. Robustness: per product, log gaps farther than `outlierCutoff` scaled
 *    MADs from their median are dropped (robust.ts) and the rest averaged.
 * 3. Minimum evidence: an estimate needs `minSamples` kept gaps from
 *    `minCustomers` customers; below that `days` is null (the admin shows the
 *    counts) and due dates fall back to the product type.
 * 4. Shrinkage: an estimate of n gaps is pulled toward its parent (product →
 *    product type → shop; variant → product) by k / (n + k), k = within- /
 *    between-product variance of log gaps (empirical Bayes, as in
 *    Efron & Morris 1975): a product seen 6 times says less than one seen 600.
 *
 * A variant's interval is the product's gap after buying that variant (when
 * the product is bought again, in any variant), so it answers the same
 * question as the product's: when does the customer need the product again.
 */
import { median, robustLogEstimate } from "./robust";
import {
  DAY_MS,
  DEFAULT_LEARN_OPTIONS,
  type IntervalEstimate,
  type IntervalScope,
  type LearnedIntervals,
  type LearnOptions,
  type ProductInfo,
  type ProductPurchase,
  type ShopReplenishment,
} from "./types";

/** One purchase occasion of a product by a customer (lines merged). */
export interface Trip {
  at: number;
  quantity: number;
  /** The variant of the occasion's largest line (latest on ties). */
  variantGid: string | null;
}

/**
 * Merges one customer's lines of one product (any order) into purchase
 * occasions, ascending: a line within `minGapDays` of the occasion's first
 * line joins it (quantities add).
 */
export function mergeTrips(lines: readonly Pick<ProductPurchase, "at" | "quantity" | "variantGid">[], minGapDays: number): Trip[] {
  const sorted = [...lines].sort((a, b) => a.at - b.at);
  const trips: Trip[] = [];
  let biggest = 0;
  for (const line of sorted) {
    const last = trips[trips.length - 1];
    if (last && (line.at - last.at) / DAY_MS < minGapDays) {
      last.quantity += line.quantity;
      if (line.quantity >= biggest) {
        biggest = line.quantity;
        last.variantGid = line.variantGid;
      }
    } else {
      trips.push({ at: line.at, quantity: line.quantity, variantGid: line.variantGid });
      biggest = line.quantity;
    }
  }
  return trips;
}

/** A gap between two trips, before quantity normalisation. */
export interface Gap {
  customerGid: string;
  /** ln(days). */
  logDays: number;
  /** ln(previous trip's quantity / product's typical quantity). */
  logQuantityRatio: number;
  /** The variant bought on the previous trip. */
  previousVariantGid: string | null;
}

/** Gaps (≤ maxGapDays) between consecutive trips of one customer. */
export function tripGaps(customerGid: string, trips: readonly Trip[], typicalQuantity: number, maxGapDays: number): Gap[] {
  const out: Gap[] = [];
  for (let i = 1; i < trips.length; i++) {
    const days = (trips[i].at - trips[i - 1].at) / DAY_MS;
    if (days > maxGapDays || days <= 0) continue;
    out.push({
      customerGid,
      logDays: Math.log(days),
      logQuantityRatio: Math.log(Math.max(trips[i - 1].quantity, 1e-9) / typicalQuantity),
      previousVariantGid: trips[i - 1].variantGid,
    });
  }
  return out;
}

interface ProductGaps {
  productGid: string;
  typicalQuantity: number;
  gaps: Gap[];
}

/**
 * The elasticity e of gap ∝ (q/t)^e, fitted through the origin on gaps
 * centred per product; null when fewer than `minSamples` gaps follow an
 * untypical quantity.
 */
export function fitQuantityElasticity(products: readonly ProductGaps[], minSamples: number): number | null {
  let sxy = 0;
  let sxx = 0;
  let informative = 0;
  for (const p of products) {
    if (p.gaps.length < 2) continue;
    const center = median(p.gaps.map((g) => g.logDays));
    for (const g of p.gaps) {
      if (g.logQuantityRatio === 0) continue;
      informative++;
      sxy += g.logQuantityRatio * (g.logDays - center);
      sxx += g.logQuantityRatio * g.logQuantityRatio;
    }
  }
  if (informative < minSamples || sxx === 0) return null;
  return Math.min(1, Math.max(0, sxy / sxx));
}

interface Robust {
  logMean: number;
  kept: number;
  dropped: number;
  spreadLog: number;
  customers: number;
  samples: number;
}

function robustOf(logs: readonly number[], customers: readonly string[], cutoff: number): Robust | null {
  if (logs.length === 0) return null;
  const r = robustLogEstimate(
    logs.map((l) => Math.exp(l)),
    cutoff,
  );
  return { logMean: Math.log(r.value), kept: r.kept, dropped: r.dropped, spreadLog: r.spreadLog, customers: new Set(customers).size, samples: logs.length };
}

function sampleVariance(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
}

/**
 * k = σ² / τ²: σ² the median within-product variance of log gaps, τ² the
 * variance of product means less their average sampling variance; 0 (no
 * shrinkage) with fewer than 5 products, capped at 100.
 */
export function shrinkageStrength(products: readonly { logs: readonly number[] }[]): number {
  const eligible = products.filter((p) => p.logs.length >= 3);
  if (eligible.length < 5) return 0;
  const within = median(eligible.map((p) => sampleVariance(p.logs)));
  const means = eligible.map((p) => p.logs.reduce((s, v) => s + v, 0) / p.logs.length);
  const sampling = eligible.reduce((s, p) => s + within / p.logs.length, 0) / eligible.length;
  const between = sampleVariance(means) - sampling;
  if (within === 0) return 0;
  if (between <= 0) return 100;
  return Math.min(100, within / between);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(item);
  }
  return out;
}

/**
 * Learns intervals for every variant, product and product type with
 * purchases. Every product with a purchase gets a product entry (days null
 * when it has too little evidence); variants and product types get one when
 * they have at least one gap.
 *
 * @param purchases counted purchase lines of known customers, any order.
 * @param products product types (products missing here pool under no type).
 * @example learnIntervals(lines, products).byProduct.get("gid://shopify/Product/1")?.days // 30.2
 */
export function learnIntervals(
  purchases: readonly ProductPurchase[],
  products: readonly ProductInfo[],
  options: Partial<LearnOptions> = {},
): LearnedIntervals {
  const opts: LearnOptions = { ...DEFAULT_LEARN_OPTIONS, ...options };
  const typeOf = new Map(products.map((p) => [p.productGid, p.productType?.trim() || null]));

  const perProduct: ProductGaps[] = [];
  for (const [productGid, lines] of groupBy(purchases, (p) => p.productGid)) {
    const trips = [...groupBy(lines, (l) => l.customerGid)].map(([customerGid, own]) => ({ customerGid, trips: mergeTrips(own, opts.minGapDays) }));
    const typicalQuantity = median(trips.flatMap((c) => c.trips.map((t) => t.quantity)));
    perProduct.push({ productGid, typicalQuantity, gaps: trips.flatMap((c) => tripGaps(c.customerGid, c.trips, typicalQuantity, opts.maxGapDays)) });
  }

  const fitted = opts.quantityElasticity === "learn" ? fitQuantityElasticity(perProduct, opts.minElasticitySamples) : null;
  const elasticity = opts.quantityElasticity === "learn" ? (fitted ?? opts.defaultQuantityElasticity) : opts.quantityElasticity;
  const adjusted = (g: Gap) => g.logDays - elasticity * g.logQuantityRatio;

  // Robust estimates per product; the shop and product types pool every product's kept gaps.
  const robustProducts = perProduct.map((p) => ({ p, robust: robustOf(p.gaps.map(adjusted), p.gaps.map((g) => g.customerGid), opts.outlierCutoff) }));
  const enough = (r: Robust | null): r is Robust => r !== null && r.kept >= opts.minSamples && r.customers >= opts.minCustomers;
  const allLogs = perProduct.flatMap((p) => p.gaps.map(adjusted));
  const shopRobust = robustOf(allLogs, perProduct.flatMap((p) => p.gaps.map((g) => g.customerGid)), opts.outlierCutoff);
  const k = opts.shrink ? shrinkageStrength(perProduct.filter((p) => p.gaps.length >= opts.minSamples).map((p) => ({ logs: p.gaps.map(adjusted) }))) : 0;
  const shrinkTo = (r: Robust, parentLog: number | null) => (parentLog === null || k === 0 ? r.logMean : (r.kept * r.logMean + k * parentLog) / (r.kept + k));

  const byProductType = new Map<string, IntervalEstimate>();
  for (const [type, members] of groupBy(
    robustProducts.filter((x) => typeOf.get(x.p.productGid)),
    (x) => typeOf.get(x.p.productGid) as string,
  )) {
    const gaps = members.flatMap((x) => x.p.gaps);
    const robust = robustOf(gaps.map(adjusted), gaps.map((g) => g.customerGid), opts.outlierCutoff);
    if (!robust) continue;
    byProductType.set(type, toEstimate("productType", type, null, robust, 1, enough(robust) ? Math.exp(shrinkTo(robust, shopRobust?.logMean ?? null)) : null));
  }

  const byProduct = new Map<string, IntervalEstimate>();
  const byVariant = new Map<string, IntervalEstimate>();
  for (const { p, robust } of robustProducts) {
    const type = typeOf.get(p.productGid);
    const typeEstimate = type ? byProductType.get(type) : undefined;
    const parentLog = typeEstimate?.days != null ? Math.log(typeEstimate.days) : (shopRobust?.logMean ?? null);
    const productDays = enough(robust) ? Math.exp(shrinkTo(robust, parentLog)) : null;
    byProduct.set(p.productGid, robust ? toEstimate("product", p.productGid, p.productGid, robust, p.typicalQuantity, productDays) : emptyEstimate(p.productGid, p.typicalQuantity));

    const variantParent = productDays !== null ? Math.log(productDays) : parentLog;
    for (const [variantGid, gaps] of groupBy(
      p.gaps.filter((g) => g.previousVariantGid !== null),
      (g) => g.previousVariantGid as string,
    )) {
      const variantRobust = robustOf(gaps.map(adjusted), gaps.map((g) => g.customerGid), opts.outlierCutoff);
      if (!variantRobust) continue;
      const days = enough(variantRobust) ? Math.exp(shrinkTo(variantRobust, variantParent)) : null;
      byVariant.set(variantGid, toEstimate("variant", variantGid, p.productGid, variantRobust, p.typicalQuantity, days));
    }
  }

  const shop: ShopReplenishment = {
    quantityElasticity: elasticity,
    elasticityLearned: fitted !== null,
    shrinkage: k,
    days: shopRobust ? Math.exp(shopRobust.logMean) : null,
  };
  return { shop, byVariant, byProduct, byProductType };
}

function toEstimate(scope: IntervalScope, key: string, productGid: string | null, r: Robust, typicalQuantity: number, days: number | null): IntervalEstimate {
  return {
    scope,
    key,
    productGid,
    days,
    rawDays: days === null ? null : Math.exp(r.logMean),
    sampleSize: days === null ? r.samples : r.kept,
    outliers: days === null ? 0 : r.dropped,
    customers: r.customers,
    typicalQuantity,
    spreadLog: r.spreadLog,
  };
}

function emptyEstimate(productGid: string, typicalQuantity: number): IntervalEstimate {
  return { scope: "product", key: productGid, productGid, days: null, rawDays: null, sampleSize: 0, outliers: 0, customers: 0, typicalQuantity, spreadLog: 0 };
}
