/**
 * Customer-lifetime predictions: BG/NBD purchases, Gamma-Gamma order value,
 * discounted lifetime value, churn risk, with an empirical fallback.
 * Pure domain code: no clock, no I/O.
 */
export {
  bgNbdLogLikelihood,
  expectationIfAliveTerm,
  expectedTransactions,
  expectedTransactionsNewCustomer,
  fitBgNbd,
  groupObservations,
  InvalidObservationError,
  medianTimeToNextPurchaseIfAlive,
  probabilityAlive,
  purchaseRateIfAlive,
  type BgNbdFit,
  type BgNbdParams,
  type FitBgNbdOptions,
  type GroupedObservations,
  type RfmObservation,
} from "./bg-nbd";
export {
  churnRisk,
  DEFAULT_CHURN_THRESHOLDS,
  expectedNextOrderAt,
  type ChurnRisk,
  type ChurnRiskLevel,
  type ChurnRiskReason,
  type ChurnRiskThresholds,
  type NextOrderEstimate,
} from "./churn-risk";
export { predictedLifetimeValue, type LifetimeValueOptions } from "./clv";
export { empiricalCustomerEstimate, empiricalShopModel, type EmpiricalShopModel } from "./empirical";
export {
  conditionalExpectedOrderValue,
  fitGammaGamma,
  GammaGammaAssumptionError,
  gammaGammaLogLikelihood,
  type GammaGammaFit,
  type GammaGammaParams,
  type SpendObservation,
} from "./gamma-gamma";
export {
  fitShopModel,
  fitShopModelFromColumns,
  predictShop,
  predictCustomer,
  type ShopModelFit,
  type CustomerPrediction,
  type FallbackReason,
  type FitDiagnostics,
  type PredictShopOptions,
  type ShopPrediction,
} from "./predict-shop";
export { simulateBgNbd, seededRandom } from "./simulate";
export { summarise, UNIT_DAYS, type CustomerSummary, type TimeUnit } from "./summaries";
export { customerPredictor, type CustomerPredictor, type SummaryInput } from "./customer-predictor";
export { groupSummaryColumns, summariseColumns, type OrderColumns, type SummaryColumns } from "./summary-columns";
