/**
 * Frequency caps and budgets as pure checks. The service runs them inside the
 * transaction that holds the campaign's and the customer's row locks, so
 * concurrent runs see each other's reservations.
 */
import type { FrequencyCap } from "./definition";

const DAY_MS = 86_400_000;

/**
 * Whether one more action may reach a customer who already received actions
 * at `previousAt` (epoch ms, any campaign of the shop).
 */
export function withinFrequencyCap(previousAt: readonly number[], nowMs: number, cap: FrequencyCap): boolean {
  const since = nowMs - cap.perDays * DAY_MS;
  return previousAt.filter((t) => t > since && t <= nowMs).length < cap.maxActions;
}

export interface BudgetState {
  /** Points already reserved or spent. */
  spentPoints: number;
  /** Money already reserved or spent, minor units. */
  spentMinor: number;
}

export interface Budget {
  budgetPoints: number | null;
  budgetMinor: number | null;
}

export type BudgetVerdict = { ok: true } | { ok: false; reason: "points_budget" | "money_budget" };

/** Whether a treatment costing `cost` fits what is left of the budgets. A null budget is unlimited. */
export function fitsBudget(state: BudgetState, cost: { points: number; minor: number }, budget: Budget): BudgetVerdict {
  if (budget.budgetPoints !== null && state.spentPoints + cost.points > budget.budgetPoints) return { ok: false, reason: "points_budget" };
  if (budget.budgetMinor !== null && state.spentMinor + cost.minor > budget.budgetMinor) return { ok: false, reason: "money_budget" };
  return { ok: true };
}
