/**
 * Cohorts by the calendar month of the first purchase (in the shop's UTC
 * offset). Per cohort: size, 30/60/90-day retention over matured members,
 * repeat-purchase rate, the retention curve and its churn peak, and revenue
 * and cumulative LTV per member by calendar month since the cohort month.
 */
import { retentionByDays, retentionCurve, windowRetention, type RetentionCurve, type WindowRetention } from "./retention";
import type { Scan } from "./scan";
import { formatMonth, monthStartAt } from "./time";

/**
 * One calendar month of a cohort's life. Month k is the k-th calendar month
 * after the cohort month (k = 0 is the cohort month), so a customer whose
 * first purchase is on Jan 31 and who orders again on Feb 1 is active in month
 * 1. Every member's month k ends at the same instant, so a month is reported
 * only once it has fully ended by asOf: its numbers are final.
 */
export interface CohortMonth {
  monthsSinceFirst: number;
  /** Members with at least one order in the month (month 0: the whole cohort). */
  activeCustomers: number;
  /** `activeCustomers / size`: the "active in month k" curve. */
  activeShare: number;
  /** Net revenue of the cohort's orders in the month, minor units. */
  revenueMinor: number;
  /** `revenueMinor / size`, minor units per member. */
  revenuePerMemberMinor: number;
  /** Sum of `revenuePerMemberMinor` over months 0..k: LTV per member so far, minor units. */
  cumulativeLtvMinor: number;
}

export interface CohortReport {
  /** First-purchase month, "YYYY-MM" in the shop's offset. */
  month: string;
  /** Customers whose first purchase fell in the month (and at or before asOf). */
  size: number;
  /** Members with a repeat order by asOf (no maturity requirement). */
  repeatCustomers: number;
  /** `repeatCustomers / size`: the repeat-purchase rate. */
  repeatRate: number;
  /** Retention for each configured window (default 30/60/90), keyed by days: `retention[30].rate`. */
  retention: Record<number, WindowRetention>;
  /** Share who ordered again by day d on the grid, its slopes and churn peak. */
  curve: RetentionCurve;
  /** Complete calendar months since the cohort month, in order. */
  months: CohortMonth[];
  /** Net revenue of all the cohort's orders up to asOf (including the month in progress), minor units. */
  revenueToDateMinor: number;
}

/** Builds the cohort reports from a scan, ascending by month. */
export function cohortReports(scan: Scan): CohortReport[] {
  const { asOf, utcOffsetMinutes, retentionWindowsDays, curveStepDays, curveMaxDays } = scan.options;
  return scan.cohorts.map((acc) => {
    const windows = windowRetention(acc.size, acc.maturedDiff, acc.retainedDiff, scan.windowsDays);
    const months: CohortMonth[] = [];
    let cumulative = 0;
    for (let k = 0; k < acc.revenueByMonth.length && monthStartAt(acc.month + k + 1, utcOffsetMinutes) <= asOf; k++) {
      const perMember = acc.revenueByMonth[k] / acc.size;
      cumulative += perMember;
      months.push({
        monthsSinceFirst: k,
        activeCustomers: acc.activeByMonth[k],
        activeShare: acc.activeByMonth[k] / acc.size,
        revenueMinor: acc.revenueByMonth[k],
        revenuePerMemberMinor: perMember,
        cumulativeLtvMinor: cumulative,
      });
    }
    return {
      month: formatMonth(acc.month),
      size: acc.size,
      repeatCustomers: acc.repeatCustomers,
      repeatRate: acc.repeatCustomers / acc.size,
      retention: retentionByDays(windows, retentionWindowsDays),
      curve: retentionCurve(acc.size, windows, curveStepDays, curveMaxDays),
      months,
      revenueToDateMinor: acc.revenueMinor,
    };
  });
}
