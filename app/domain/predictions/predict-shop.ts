/**
 * Shop-level customer-lifetime predictions: fit the BG/NBD (purchases) and
 * Gamma-Gamma (order value) when the shop has enough data, otherwise fall back
 * to the empirical model, and say which was used and why.
 */
import type { PurchaseHistory } from "../customers/purchase-history";
import {
  expectedTransactions,
  fitBgNbd,
  type GroupedObservations,
  type RfmObservation,
  medianTimeToNextPurchaseIfAlive,
  probabilityAlive,
  purchaseRateIfAlive,
  type BgNbdParams,
  type FitBgNbdOptions,
} from "./bg-nbd";
import { churnRisk, expectedNextOrderAt, type ChurnRisk, type ChurnRiskThresholds, type NextOrderBasis } from "./churn-risk";
import { predictedLifetimeValue } from "./clv";
import { empiricalCustomerEstimate, empiricalShopModel, type EmpiricalShopModel } from "./empirical";
import { conditionalExpectedOrderValue, fitGammaGamma, type GammaGammaParams } from "./gamma-gamma";
import { summarise, type CustomerSummary } from "./summaries";
import { groupSummaryColumns, type SummaryColumns } from "./summary-columns";
import { seededRandom } from "../random";

export interface PredictShopOptions {
  /** Fit the BG/NBD only with at least this many customers. Default 200. */
  minCustomers?: number;
  /** … and at least this many repeat customers (also gates Gamma-Gamma). Default 50. */
  minRepeaters?: number;
  /** LTV horizon. Default 365 days. */
  ltvHorizonDays?: number;
  /** Default 0.01 per month. */
  monthlyDiscountRate?: number;
  churnThresholds?: Partial<ChurnRiskThresholds>;
  /** Gamma-Gamma is not used when |corr(x, mₓ)| exceeds this. Default 0.3. */
  maxFrequencyValueCorrelation?: number;
  /** No next-order date below this P(alive). Default 0.1. */
  nextOrderMinPAlive?: number;
  bgNbd?: FitBgNbdOptions;
  /**
   * Fit BG/NBD and Gamma-Gamma on a deterministic random sample of at most this
   * many buyers when the shop has more (full-pass fits only). Default 50,000:
   * the parameters' standard errors shrink as 1/√n: a million buyers would cut
   * them to a fifth of a 50,000 sample's (already small) at twenty times the cost.
   */
  maxFitCustomers?: number;
}

export type FallbackReason =
  | { code: "tooFewCustomers"; customers: number; minCustomers: number }
  | { code: "tooFewRepeaters"; repeaters: number; minRepeaters: number }
  | { code: "fitFailed"; message: string }
  | { code: "fitNotConverged"; iterations: number };

export type ValueFallbackReason =
  | { code: "tooFewRepeaters"; repeaters: number; minRepeaters: number }
  | { code: "frequencyValueCorrelated"; correlation: number; maxAbsCorrelation: number }
  | { code: "fitNotConverged" }
  | { code: "noFiniteMean"; q: number }
  | { code: "fitFailed"; message: string };

export interface FitDiagnostics {
  /** Model time unit for params (α in days). */
  timeUnit: "days";
  n: number;
  repeaters: number;
  logLikelihood: number | null;
  converged: boolean | null;
  iterations: number | null;
  params: BgNbdParams | null;
  fallbackReason: FallbackReason | null;
  valueModel: {
    model: "gamma-gamma" | "empirical";
    params: GammaGammaParams | null;
    logLikelihood: number | null;
    /** corr(x, mean repeat value) over repeat customers; null when not computed. */
    frequencyValueCorrelation: number | null;
    fallbackReason: ValueFallbackReason | null;
  };
  /** Always computed: the fallback's shop-level rates. */
  empirical: EmpiricalShopModel;
  /** Present when the models were fitted on a sample of the buyers (see `maxFitCustomers`). */
  fitSample?: { customers: number; of: number; seed: number };
}

export interface CustomerPrediction {
  customerId: string;
  pAlive: number;
  expectedOrders: { next30Days: number; next90Days: number; next365Days: number };
  /** Expected value of one future order, minor units (rounded). */
  expectedOrderValueMinor: number;
  /** Discounted expected value over the LTV horizon, minor units (rounded). */
  predictedLtvMinor: number;
  churnRisk: ChurnRisk;
  daysSinceLastOrder: number;
  expectedGapDays: number | null;
  /** Epoch ms or null; see `nextOrderBasis`. */
  expectedNextOrderAt: number | null;
  nextOrderBasis: NextOrderBasis;
}

export interface ShopPrediction {
  model: "bgnbd" | "empirical";
  asOf: number;
  fitDiagnostics: FitDiagnostics;
  customers: CustomerPrediction[];
}

/**
 * Predict every customer with at least one order at or before `asOf`.
 * Times in days throughout (the BG/NBD is fitted on whole-day summaries).
 *
 * @param asOf epoch ms; orders after it are ignored.
 * @throws RangeError for a non-finite `asOf` or order field (from `summarise`).
 */
export function predictShop(
  histories: readonly PurchaseHistory[],
  asOf: number,
  options: PredictShopOptions = {},
): ShopPrediction {
  const summaries = summarise(histories, asOf, "days");
  const fit = fitShopModel(
    { n: summaries.length, repeaters: summaries.filter((s) => s.x > 0).length, empirical: summaries, observations: summaries, spend: summaries },
    options,
  );
  const customers = summaries.map((s) =>
    predictCustomer(s, asOf, fit.bgNbd, fit.gammaGamma, fit.fitDiagnostics.empirical, options),
  );
  return { model: fit.model, asOf, fitDiagnostics: fit.fitDiagnostics, customers };
}

/** The fitted shop model: what `predictCustomer` needs besides the customer's summary. */
export interface ShopModelFit {
  model: "bgnbd" | "empirical";
  fitDiagnostics: FitDiagnostics;
  /** BG/NBD parameters when the model is "bgnbd". */
  bgNbd: BgNbdParams | null;
  gammaGamma: GammaGammaParams | null;
}

/**
 * The fit `predictShop` makes (BG/NBD or the empirical fallback, Gamma-Gamma
 * or its fallback), from the shop's buyers' summaries in customer order.
 */
export function fitShopModel(
  data: {
    n: number;
    repeaters: number;
    empirical: readonly Pick<CustomerSummary, "x" | "tx" | "meanOrderValueMinor">[];
    observations: readonly RfmObservation[] | GroupedObservations;
    spend: readonly Pick<CustomerSummary, "x" | "meanRepeatValueMinor">[];
  },
  options: PredictShopOptions = {},
): ShopModelFit {
  const minCustomers = options.minCustomers ?? 200;
  const minRepeaters = options.minRepeaters ?? 50;
  const { n, repeaters } = data;
  const empirical: EmpiricalShopModel =
    n > 0
      ? empiricalShopModel(data.empirical)
      : { customers: 0, repeaters: 0, repeatRate: 0, repeatProbabilityByRepeats: [0], meanGapDays: null, meanOrderValueMinor: 0 };

  let fallbackReason: FallbackReason | null = null;
  let fit: ReturnType<typeof fitBgNbd> | null = null;
  if (n < minCustomers) fallbackReason = { code: "tooFewCustomers", customers: n, minCustomers };
  else if (repeaters < minRepeaters) fallbackReason = { code: "tooFewRepeaters", repeaters, minRepeaters };
  else {
    try {
      fit = fitBgNbd(data.observations, options.bgNbd);
      if (!fit.converged) fallbackReason = { code: "fitNotConverged", iterations: fit.iterations };
    } catch (error) {
      fallbackReason = { code: "fitFailed", message: error instanceof Error ? error.message : String(error) };
    }
  }
  const params = fallbackReason === null && fit ? fit.params : null;
  const valueModel = fitValueModel(data.spend, minRepeaters, options.maxFrequencyValueCorrelation ?? 0.3);
  return {
    model: params ? "bgnbd" : "empirical",
    bgNbd: params,
    gammaGamma: valueModel.params,
    fitDiagnostics: {
      timeUnit: "days",
      n,
      repeaters,
      logLikelihood: fit?.logLikelihood ?? null,
      converged: fit?.converged ?? null,
      iterations: fit?.iterations ?? null,
      params: fit?.params ?? null,
      fallbackReason,
      valueModel,
      empirical,
    },
  };
}

/**
 * `predictShop`'s fit over summary columns (the full pass's input): the same
 * model from the same numbers, without a summary object per customer.
 */
export function fitShopModelFromColumns(s: SummaryColumns, options: PredictShopOptions = {}): ShopModelFit {
  const sample = fitSampleMask(s, options.maxFitCustomers ?? DEFAULT_MAX_FIT_CUSTOMERS);
  const empirical: Pick<CustomerSummary, "x" | "tx" | "meanOrderValueMinor">[] = [];
  const spend: Pick<CustomerSummary, "x" | "meanRepeatValueMinor">[] = [];
  for (let i = 0; i < s.count; i++) {
    const x = s.x[i];
    if (x < 0) continue;
    // The empirical fallback is cheap: every buyer. The fitted models: the sample.
    empirical.push({ x, tx: s.tx[i], meanOrderValueMinor: s.meanOrderValueMinor[i] });
    if (x > 0 && (!sample || sample.mask[i] === 1)) spend.push({ x, meanRepeatValueMinor: s.meanRepeatValueMinor[i] });
  }
  const observations = groupSummaryColumns(s, sample?.mask);
  const fit = fitShopModel({ n: s.buyers, repeaters: s.repeaters, empirical, observations, spend }, options);
  if (sample) fit.fitDiagnostics.fitSample = { customers: observations.n, of: s.buyers, seed: FIT_SAMPLE_SEED };
  return fit;
}

const DEFAULT_MAX_FIT_CUSTOMERS = 50_000;
const FIT_SAMPLE_SEED = 0x5eed;

/**
 * Which buyers the fit uses when there are more than `max`: each independently
 * with probability max / buyers from a seeded generator, so a pass over the
 * same data always fits the same sample and no cohort (customers load in id
 * order, roughly sign-up order) is over- or under-represented. Null: all.
 */
function fitSampleMask(s: SummaryColumns, max: number): { mask: Uint8Array } | null {
  if (!(max > 0) || s.buyers <= max) return null;
  const random = seededRandom(FIT_SAMPLE_SEED);
  const p = max / s.buyers;
  const mask = new Uint8Array(s.count);
  for (let i = 0; i < s.count; i++) if (s.x[i] >= 0 && random() < p) mask[i] = 1;
  return { mask };
}

function fitValueModel(
  summaries: readonly Pick<CustomerSummary, "x" | "meanRepeatValueMinor">[],
  minRepeaters: number,
  maxAbsCorrelation: number,
): FitDiagnostics["valueModel"] {
  const spend = summaries
    .filter((s) => s.x > 0 && s.meanRepeatValueMinor !== null && s.meanRepeatValueMinor > 0)
    .map((s) => ({ x: s.x, meanValue: s.meanRepeatValueMinor! }));
  const empiricalValue = (fallbackReason: ValueFallbackReason, extra: Partial<FitDiagnostics["valueModel"]> = {}) => ({
    model: "empirical" as const,
    params: null,
    logLikelihood: null,
    frequencyValueCorrelation: null,
    fallbackReason,
    ...extra,
  });
  if (spend.length < minRepeaters) {
    return empiricalValue({ code: "tooFewRepeaters", repeaters: spend.length, minRepeaters });
  }
  try {
    const gg = fitGammaGamma(spend, { maxAbsCorrelation });
    const correlation = gg.diagnostics.frequencyValueCorrelation;
    const seen = { logLikelihood: gg.logLikelihood, frequencyValueCorrelation: correlation };
    if (!gg.diagnostics.independenceHolds) {
      return empiricalValue({ code: "frequencyValueCorrelated", correlation, maxAbsCorrelation }, seen);
    }
    if (!gg.converged) return empiricalValue({ code: "fitNotConverged" }, seen);
    if (!(gg.params.q > 1)) return empiricalValue({ code: "noFiniteMean", q: gg.params.q }, seen);
    return { model: "gamma-gamma", params: gg.params, fallbackReason: null, ...seen };
  } catch (error) {
    return empiricalValue({ code: "fitFailed", message: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * One customer's predictions from an already-fitted shop model: what
 * `predictShop` does per customer, exported so a single customer can be
 * rescored after an order without refitting.
 */
export function predictCustomer(
  s: CustomerSummary,
  asOf: number,
  bgNbd: BgNbdParams | null,
  gammaGamma: GammaGammaParams | null,
  empirical: EmpiricalShopModel,
  options: PredictShopOptions,
): CustomerPrediction {
  const daysSinceLastOrder = s.T - s.tx;
  const fallback = empiricalCustomerEstimate(empirical, s);
  let pAlive: number;
  let within: (days: number) => number;
  let expectedGapDays: number | null;
  let medianWait: number | null;
  if (bgNbd) {
    pAlive = probabilityAlive(bgNbd, s.x, s.tx, s.T);
    within = (days) => expectedTransactions(bgNbd, days, s.x, s.tx, s.T);
    // 1 / E[λ | alive]: the customer's typical gap if still active.
    expectedGapDays = 1 / purchaseRateIfAlive(bgNbd, s.x, s.T);
    medianWait = medianTimeToNextPurchaseIfAlive(bgNbd, s.x, s.T);
  } else {
    ({ pAlive, expectedGapDays } = fallback);
    within = fallback.expectedPurchasesWithin;
    medianWait = fallback.medianWaitDaysIfAlive;
  }
  const orderValue = gammaGamma
    ? conditionalExpectedOrderValue(gammaGamma, s.x, s.meanRepeatValueMinor)
    : fallback.expectedOrderValueMinor;
  const ltv = predictedLifetimeValue(within, orderValue, {
    horizonDays: options.ltvHorizonDays ?? 365,
    monthlyDiscountRate: options.monthlyDiscountRate ?? 0.01,
  });
  const next = expectedNextOrderAt({
    asOf,
    pAlive,
    medianWaitDaysIfAlive: medianWait,
    minPAlive: options.nextOrderMinPAlive,
  });
  return {
    customerId: s.customerId,
    pAlive,
    expectedOrders: { next30Days: within(30), next90Days: within(90), next365Days: within(365) },
    expectedOrderValueMinor: Math.round(orderValue),
    predictedLtvMinor: Math.round(ltv),
    churnRisk: churnRisk({ pAlive, daysSinceLastOrder, expectedGapDays }, options.churnThresholds),
    daysSinceLastOrder,
    expectedGapDays,
    expectedNextOrderAt: next.at,
    nextOrderBasis: next.basis,
  };
}
