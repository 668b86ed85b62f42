/**
 * Churn risk and expected next order: simple, explainable rules on top of the
 * purchase model's outputs. Each result says which rule fired with which
 * numbers, so the admin can show "why".
 */
import { DAY_MS } from "../customers/purchase-history";

export type ChurnRiskLevel = "low" | "medium" | "high";

export interface ChurnRiskThresholds {
  /** High when P(alive) is below this. Default 0.3. */
  highBelowPAlive: number;
  /** High when days since the last order exceed this multiple of the expected gap. Default 2. */
  highGapMultiple: number;
  /** Medium when P(alive) is below this. Default 0.6. */
  mediumBelowPAlive: number;
  /** Medium when days since the last order exceed this multiple of the expected gap. Default 1.2. */
  mediumGapMultiple: number;
}

export const DEFAULT_CHURN_THRESHOLDS: ChurnRiskThresholds = {
  highBelowPAlive: 0.3,
  highGapMultiple: 2,
  mediumBelowPAlive: 0.6,
  mediumGapMultiple: 1.2,
};

export type ChurnRiskReason =
  | { rule: "pAliveBelow"; pAlive: number; threshold: number }
  | { rule: "gapExceeded"; daysSinceLastOrder: number; expectedGapDays: number; multiple: number; limitDays: number }
  | { rule: "withinThresholds"; pAlive: number; daysSinceLastOrder: number; expectedGapDays: number | null };

export interface ChurnRisk {
  level: ChurnRiskLevel;
  /** Every rule that fired at `level` (one "withinThresholds" entry for low). */
  reasons: ChurnRiskReason[];
}

export interface ChurnRiskInput {
  /** P(customer still active), 0..1. */
  pAlive: number;
  daysSinceLastOrder: number;
  /** The customer's expected gap between orders, days; null when unknown (gap rules are skipped). */
  expectedGapDays: number | null;
}

/**
 * The rule, checked from high to low, first level with a firing rule wins:
 * - high   when pAlive < highBelowPAlive   or daysSinceLastOrder > highGapMultiple × expectedGapDays;
 * - medium when pAlive < mediumBelowPAlive or daysSinceLastOrder > mediumGapMultiple × expectedGapDays;
 * - low otherwise.
 *
 * @throws RangeError when pAlive is outside [0, 1] or days are negative/non-finite.
 */
export function churnRisk(input: ChurnRiskInput, thresholds: Partial<ChurnRiskThresholds> = {}): ChurnRisk {
  const t = { ...DEFAULT_CHURN_THRESHOLDS, ...thresholds };
  const { pAlive, daysSinceLastOrder, expectedGapDays } = input;
  if (!(pAlive >= 0 && pAlive <= 1)) throw new RangeError(`churnRisk: pAlive ${pAlive} outside [0, 1]`);
  if (!(daysSinceLastOrder >= 0) || !Number.isFinite(daysSinceLastOrder)) {
    throw new RangeError(`churnRisk: daysSinceLastOrder ${daysSinceLastOrder} must be finite and >= 0`);
  }
  const gapKnown = expectedGapDays !== null && expectedGapDays > 0 && Number.isFinite(expectedGapDays);
  const fired = (belowPAlive: number, multiple: number): ChurnRiskReason[] => {
    const reasons: ChurnRiskReason[] = [];
    if (pAlive < belowPAlive) reasons.push({ rule: "pAliveBelow", pAlive, threshold: belowPAlive });
    if (gapKnown && daysSinceLastOrder > multiple * expectedGapDays) {
      reasons.push({
        rule: "gapExceeded",
        daysSinceLastOrder,
        expectedGapDays,
        multiple,
        limitDays: multiple * expectedGapDays,
      });
    }
    return reasons;
  };
  const high = fired(t.highBelowPAlive, t.highGapMultiple);
  if (high.length > 0) return { level: "high", reasons: high };
  const medium = fired(t.mediumBelowPAlive, t.mediumGapMultiple);
  if (medium.length > 0) return { level: "medium", reasons: medium };
  return {
    level: "low",
    reasons: [{ rule: "withinThresholds", pAlive, daysSinceLastOrder, expectedGapDays: gapKnown ? expectedGapDays : null }],
  };
}

export type NextOrderBasis = "medianWaitIfAlive" | "unlikelyAlive" | "noPurchaseRate";

export interface NextOrderEstimate {
  /** Epoch ms, or null when the customer is unlikely to order again or no rate is known. */
  at: number | null;
  basis: NextOrderBasis;
  pAlive: number;
}

/**
 * Expected next order date: `asOf` plus the median wait to the next purchase
 * given the customer is still active (from the purchase model), reported only
 * when P(alive) ≥ `minPAlive` (default 0.1) — below that "never" is the
 * likelier answer and we say so (`basis: "unlikelyAlive"`).
 *
 * @param asOf epoch ms.
 * @param medianWaitDaysIfAlive days; null or non-finite when unknown.
 */
export function expectedNextOrderAt(input: {
  asOf: number;
  pAlive: number;
  medianWaitDaysIfAlive: number | null;
  minPAlive?: number;
}): NextOrderEstimate {
  const { asOf, pAlive, medianWaitDaysIfAlive } = input;
  if (pAlive < (input.minPAlive ?? 0.1)) return { at: null, basis: "unlikelyAlive", pAlive };
  if (medianWaitDaysIfAlive === null || !Number.isFinite(medianWaitDaysIfAlive) || medianWaitDaysIfAlive < 0) {
    return { at: null, basis: "noPurchaseRate", pAlive };
  }
  return { at: asOf + Math.round(medianWaitDaysIfAlive * DAY_MS), basis: "medianWaitIfAlive", pAlive };
}

