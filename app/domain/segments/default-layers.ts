/**
 * The twelve default layers (value × lifecycle) and the fallback.
 *
 * Every money threshold is relative to the shop (multiples of its median AOV,
 * quintile scores), never fixed dollars, so the same rules fit a $15 and a
 * $500 store. With the default lifecycle rules the twelve cover every customer:
 *
 * | lifecycle stage | 0 orders | 1 order | 2+ orders |
 * |---|---|---|---|
 * | prospect | prospects | | |
 * | new | | new customers | |
 * | growing (2–3, active) | | | VIP / potential growth / needs attention (by AOV) |
 * | mature (4+, active) | | | VIP / loyal |
 * | at-risk | | one-time buyers | at risk high-value / about to sleep (by M score) |
 * | churned | | one-time buyers | churn risk / hibernating / lost (by recency) |
 *
 * Only VIP overlaps other rules (it is tried first); the fallback should stay
 * empty and exists for merchant-edited sets that leave gaps.
 */
import type { LayerDefinition } from "./layers";
import type { Rule } from "./rules";

const stage = (value: string): Rule => ({ field: "lifecycleStage", op: "==", value });
const repeat: Rule = { field: "orders", op: ">=", value: 2 };
const churnTimes = (op: "<" | ">=", times: number): Rule =>
  ({ field: "recencyDays", op, value: { norm: "churnAfterDays", times } });

export const FALLBACK_LAYER_ID = "unclassified";

/** Deeply frozen: copy (`structuredClone`) before editing. */
export const DEFAULT_LAYERS: readonly LayerDefinition[] = deepFreeze([
  {
    id: "vip", name: "VIP", priority: 10, rank: 12,
    description: "The strategy's high-value active: active repeat buyers in the shop's top frequency quintile whose average order is at least 1.5× the shop median. Exclusive benefits, personal service.",
    rule: { all: [
      { field: "lifecycleStage", op: "in", value: ["growing", "mature"] },
      { field: "f", op: ">=", value: 5 },
      { field: "aovMinor", op: ">=", value: { norm: "medianAovMinor", times: 1.5 } },
    ] },
  },
  {
    id: "loyal", name: "Loyal", priority: 20, rank: 11,
    description: "Active customers with 4 or more orders. Tier privileges, early access to new products.",
    rule: stage("mature"),
  },
  {
    id: "potential-growth", name: "Potential growth", priority: 30, rank: 10,
    description: "The strategy's potential growth: 2–3 orders and still active (a repeat trend, low frequency) with an average order at or above the shop median. Personal recommendations, replenishment reminders.",
    rule: { all: [stage("growing"), { field: "aovMinor", op: ">=", value: { norm: "medianAovMinor" } }] },
  },
  {
    id: "needs-attention", name: "Needs attention", priority: 40, rank: 9,
    description: "2–3 orders and still active, but average order below the shop median. Bundles and cross-sell to grow the basket.",
    rule: { all: [stage("growing"), { field: "aovMinor", op: "<", value: { norm: "medianAovMinor" } }] },
  },
  {
    id: "new-customers", name: "New customers", priority: 50, rank: 8,
    description: "First and only order within the new-customer window (30 days). Welcome series and a reason for the second order.",
    rule: stage("new"),
  },
  {
    id: "at-risk-high-value", name: "At risk, high value", priority: 60, rank: 7,
    description: "Repeat buyers in the shop's top two spend quintiles who are overdue against the shop's repurchase rhythm. Personal outreach before they churn.",
    rule: { all: [stage("at-risk"), repeat, { field: "m", op: ">=", value: 4 }] },
  },
  {
    id: "about-to-sleep", name: "About to sleep", priority: 70, rank: 6,
    description: "Repeat buyers overdue against the shop's repurchase rhythm, outside the top spend quintiles. A limited-time discount.",
    rule: { all: [stage("at-risk"), repeat, { field: "m", op: "<=", value: 3 }] },
  },
  {
    id: "churn-risk", name: "Churn risk", priority: 80, rank: 5,
    description: "The strategy's churn risk: repeat buyers with no order for the churn threshold (90 days by default) up to twice that. A win-back gift.",
    rule: { all: [stage("churned"), repeat, churnTimes("<", 2)] },
  },
  {
    id: "one-time-buyers", name: "One-time buyers", priority: 90, rank: 4,
    description: "One order, past the new-customer window, never came back: where most customers are lost (the strategy's 82% churn between first and second order). Second-order incentive.",
    rule: { all: [{ field: "orders", op: "==", value: 1 }, { not: stage("new") }] },
  },
  {
    id: "hibernating", name: "Hibernating", priority: 100, rank: 3,
    description: "Repeat buyers with no order for 2× to 4× the churn threshold. Low-cost reminders, seasonal offers.",
    rule: { all: [stage("churned"), repeat, churnTimes(">=", 2), churnTimes("<", 4)] },
  },
  {
    id: "lost", name: "Lost", priority: 110, rank: 2,
    description: "Repeat buyers with no order for 4× the churn threshold or longer. A last win-back attempt, then stop spending on them.",
    rule: { all: [stage("churned"), repeat, churnTimes(">=", 4)] },
  },
  {
    id: "prospects", name: "Prospects", priority: 120, rank: 1,
    description: "Signed up but never ordered. A first-order incentive.",
    rule: stage("prospect"),
  },
  {
    id: FALLBACK_LAYER_ID, name: "Unclassified", priority: 1000, rank: 0,
    description: "Customers no other layer's rule matched (empty with the default layers).",
    rule: { all: [] },
  },
] satisfies LayerDefinition[]);

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
