/**
 * The plain-language verdict on a campaign's experiment. The decision uses
 * conversion and the sequential test only (chosen before launch, so repeated
 * looks do not inflate false positives); revenue and ROI are reported beside
 * it, never used to call a winner.
 */
import { compareProportions, DEFAULT_MIXTURE_SCALE, sequentialConversionTest, type ArmCounts, type ProportionComparison, type SequentialTest } from "./statistics";

/** Below these the normal approximation behind the tests is not trusted and no verdict is given. */
export const MIN_CUSTOMERS_PER_ARM = 100;
export const MIN_CONVERSIONS = 10;

export type VerdictKind = "collecting" | "no_winner_yet" | "treatment_better" | "treatment_worse" | "no_effect_found";

export interface Verdict {
  kind: VerdictKind;
  /** One or two sentences for the merchant. */
  message: string;
  comparison: ProportionComparison | null;
  sequential: SequentialTest | null;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const points = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)} points`;

/**
 * @param horizonCustomersPerArm a fixed horizon set at launch: once both arms
 *   reach it without the test rejecting, the verdict is "no effect found".
 */
export function verdictFor(
  treatment: ArmCounts,
  control: ArmCounts,
  options: { alpha?: number; tau?: number; horizonCustomersPerArm?: number | null } = {},
): Verdict {
  const { alpha = 0.05, tau = DEFAULT_MIXTURE_SCALE, horizonCustomersPerArm = null } = options;
  const smaller = Math.min(treatment.customers, control.customers);
  const conversions = treatment.converted + control.converted;
  if (smaller < MIN_CUSTOMERS_PER_ARM || conversions < MIN_CONVERSIONS) {
    const needs: string[] = [];
    if (smaller < MIN_CUSTOMERS_PER_ARM) needs.push(`at least ${MIN_CUSTOMERS_PER_ARM} customers in each group (the smaller has ${smaller})`);
    if (conversions < MIN_CONVERSIONS) needs.push(`at least ${MIN_CONVERSIONS} orders between the groups (${conversions} so far)`);
    return { kind: "collecting", message: `Too early to tell: the result needs ${needs.join(" and ")}.`, comparison: null, sequential: null };
  }
  const comparison = compareProportions(treatment, control, alpha);
  const sequential = sequentialConversionTest(treatment, control, alpha, tau);
  const rates = `${pct(comparison.pTreatment)} of customers who got the campaign ordered, against ${pct(comparison.pControl)} of the holdout`;
  const range = `the effect is likely between ${points(sequential.interval[0])} and ${points(sequential.interval[1])}`;
  if (sequential.rejectsNull && comparison.difference > 0) {
    return { kind: "treatment_better", message: `The campaign brings customers back: ${rates} (${points(comparison.difference)}; ${range}).`, comparison, sequential };
  }
  if (sequential.rejectsNull && comparison.difference < 0) {
    return { kind: "treatment_worse", message: `The campaign does worse than doing nothing: ${rates} (${range}). Consider rolling it back.`, comparison, sequential };
  }
  if (horizonCustomersPerArm !== null && smaller >= horizonCustomersPerArm) {
    return { kind: "no_effect_found", message: `No measurable effect after ${smaller} customers per group: ${rates}; ${range}.`, comparison, sequential };
  }
  return { kind: "no_winner_yet", message: `No winner yet: ${rates}, a gap the data cannot yet tell from chance (${range}).`, comparison, sequential };
}
