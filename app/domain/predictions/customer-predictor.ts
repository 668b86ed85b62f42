/**
 * `predictCustomer` for a whole shop, fast: the same numbers (bit for bit),
 * computed once per distinct summary instead of once per customer.
 *
 * With whole-day summaries many customers share (x, T) and (x, tₓ, T). The
 * expensive part of the BG/NBD, E[Y(t) | x, tₓ, T] for the 30/90/365-day
 * counts and the 12 monthly LTV steps (a ₂F₁ each), is P(alive | x, tₓ, T)
 * times a term of (x, T) alone (`expectationIfAliveTerm`), so that term is
 * cached per (x, T) and multiplied by P(alive) exactly as `expectedTransactions`
 * does. Churn risk depends only on (x, tₓ, T) and is cached per triple, with
 * its reasons' JSON. Order value and LTV are per customer (they read the
 * customer's spend), through the same functions as `predictCustomer`.
 */
import { expectationIfAliveTerm, expectedTransactions, medianTimeToNextPurchaseIfAlive, probabilityAlive, purchaseRateIfAlive, type BgNbdParams } from "./bg-nbd";
import { churnRisk, expectedNextOrderAt, type ChurnRisk } from "./churn-risk";
import { predictedLifetimeValue } from "./clv";
import { empiricalCustomerEstimate, type EmpiricalShopModel } from "./empirical";
import { conditionalExpectedOrderValue, type GammaGammaParams } from "./gamma-gamma";
import { predictCustomer, type CustomerPrediction, type PredictShopOptions } from "./predict-shop";
import type { CustomerSummary } from "./summaries";

/** What a prediction reads from a summary (days). */
export type SummaryInput = Pick<CustomerSummary, "x" | "tx" | "T" | "meanRepeatValueMinor" | "meanOrderValueMinor">;

export interface CustomerPredictor {
  /** Exactly `predictCustomer(s, asOf, …)` for the shop model this was made with. */
  predict(customerId: string, s: SummaryInput): CustomerPrediction;
  /** Exactly `predict(…).churnRisk`, without the expected orders and value (what a pass compares for every customer). */
  churn(s: SummaryInput): ChurnRisk;
  /** `JSON.stringify(prediction.churnRisk.reasons)`, cached (the risk object is shared between customers with the same summary: do not mutate it). */
  churnReasonJson(risk: ChurnRisk): string;
}

interface Triple {
  pAlive: number;
  risk: ChurnRisk;
  expectedGapDays: number | null;
  medianWait: number | null;
}

/**
 * A predictor for one shop model (the fitted parameters `predictShop` chose,
 * or the stored ones).
 */
export function customerPredictor(
  asOf: number,
  bgNbd: BgNbdParams | null,
  gammaGamma: GammaGammaParams | null,
  empirical: EmpiricalShopModel,
  options: PredictShopOptions = {},
): CustomerPredictor {
  const horizonDays = options.ltvHorizonDays ?? 365;
  const ltvOptions = { horizonDays, monthlyDiscountRate: options.monthlyDiscountRate ?? 0.01 };
  // At a ≈ 1 expectedTransactions averages two conditional values: no per-(x, T) term then.
  const cacheTerms = bgNbd !== null && !(Math.abs(bgNbd.a - 1) < 1e-7);
  const terms = new Map<number, Map<number, number>>();
  const triples = new Map<number, Triple>();
  const reasonsJson = new WeakMap<ChurnRisk, string>();
  const exact = (x: number, tx: number, T: number) =>
    Number.isInteger(x) && Number.isInteger(tx) && Number.isInteger(T) && x >= 0 && x < 4096 && tx >= 0 && T >= 0 && T < 1 << 20;

  function termsOf(x: number, T: number): Map<number, number> {
    const key = x * 1048576 + T;
    let m = terms.get(key);
    if (!m) terms.set(key, (m = new Map()));
    return m;
  }

  function tripleOf(s: SummaryInput): Triple {
    const { x, tx, T } = s;
    const key = (x * 1048576 + tx) * 1048576 + T;
    let e = triples.get(key);
    if (e) return e;
    let pAlive: number;
    let expectedGapDays: number | null;
    let medianWait: number | null;
    if (bgNbd) {
      pAlive = probabilityAlive(bgNbd, x, tx, T);
      expectedGapDays = 1 / purchaseRateIfAlive(bgNbd, x, T);
      medianWait = medianTimeToNextPurchaseIfAlive(bgNbd, x, T);
    } else {
      const f = empiricalCustomerEstimate(empirical, s as CustomerSummary);
      ({ pAlive, expectedGapDays } = f);
      medianWait = f.medianWaitDaysIfAlive;
    }
    const risk = churnRisk({ pAlive, daysSinceLastOrder: T - tx, expectedGapDays }, options.churnThresholds);
    e = { pAlive, risk, expectedGapDays, medianWait };
    triples.set(key, e);
    return e;
  }

  function predict(customerId: string, s: SummaryInput): CustomerPrediction {
    if (!exact(s.x, s.tx, s.T)) return predictCustomer({ ...s, customerId } as CustomerSummary, asOf, bgNbd, gammaGamma, empirical, options);
    const t = tripleOf(s);
    const { pAlive } = t;
    let within: (days: number) => number;
    let fallbackValue: (() => number) | null = null;
    if (bgNbd) {
      if (cacheTerms) {
        const m = termsOf(s.x, s.T);
        within = (days) => {
          if (!(days > 0)) return expectedTransactions(bgNbd, days, s.x, s.tx, s.T);
          let v = m.get(days);
          if (v === undefined) m.set(days, (v = expectationIfAliveTerm(bgNbd, days, s.x, s.T)));
          return v * pAlive;
        };
      } else within = (days) => expectedTransactions(bgNbd, days, s.x, s.tx, s.T);
      fallbackValue = () => empiricalCustomerEstimate(empirical, s as CustomerSummary).expectedOrderValueMinor;
    } else {
      const f = empiricalCustomerEstimate(empirical, s as CustomerSummary);
      within = f.expectedPurchasesWithin;
      fallbackValue = () => f.expectedOrderValueMinor;
    }
    const orderValue = gammaGamma ? conditionalExpectedOrderValue(gammaGamma, s.x, s.meanRepeatValueMinor) : fallbackValue();
    const ltv = predictedLifetimeValue(within, orderValue, ltvOptions);
    const next = expectedNextOrderAt({ asOf, pAlive, medianWaitDaysIfAlive: t.medianWait, minPAlive: options.nextOrderMinPAlive });
    return {
      customerId,
      pAlive,
      expectedOrders: { next30Days: within(30), next90Days: within(90), next365Days: within(365) },
      expectedOrderValueMinor: Math.round(orderValue),
      predictedLtvMinor: Math.round(ltv),
      churnRisk: t.risk,
      daysSinceLastOrder: s.T - s.tx,
      expectedGapDays: t.expectedGapDays,
      expectedNextOrderAt: next.at,
      nextOrderBasis: next.basis,
    };
  }

  return {
    predict,
    churn(s) {
      return exact(s.x, s.tx, s.T) ? tripleOf(s).risk : predict("", s).churnRisk;
    },
    churnReasonJson(risk) {
      let json = reasonsJson.get(risk);
      if (json === undefined) reasonsJson.set(risk, (json = JSON.stringify(risk.reasons)));
      return json;
    },
  };
}
