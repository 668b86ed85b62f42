/**
 * Default playbooks: the retention strategy's interventions by layer and
 * churn-risk level (/work/shared/product/retention-strategy.md, "Interventions
 * by layer"), as editable campaign definitions over the default layers
 * (app/domain/segments/default-layers.ts). Every playbook keeps the default
 * 10% holdout and starts at the strategy's 5% rollout.
 *
 * Messages go out through the "campaign step due" Flow trigger, so the
 * merchant's own email/SMS tools send them; `step` tells the workflow which.
 */
import { withDefaults, type CampaignDefinition } from "./definition";

export interface Playbook {
  id: string;
  title: string;
  /** Why, in the strategy's words. */
  rationale: string;
  definition: CampaignDefinition;
}

const flow = (step: string) => ({ kind: "flow_trigger" as const, step });

export const DEFAULT_PLAYBOOKS: readonly Playbook[] = Object.freeze([
  {
    id: "win-back-gift",
    title: "Win-back gift for sleeping customers",
    rationale: "Sleeping customers: a win-back gift (the strategy reports 25% reactivation). Sent when a repeat buyer enters churn risk or hibernating.",
    definition: withDefaults({
      name: "Win-back gift", playbookId: "win-back-gift",
      audience: { enteredLayerIds: ["churn-risk", "hibernating"] },
      actions: [{ kind: "bonus_points", points: 500 }, flow("win-back-gift")],
      trigger: { kind: "on_enter" }, windowDays: 30,
    }),
  },
  {
    id: "limited-time-offer",
    title: "Limited-time offer for repeat buyers going quiet",
    rationale: "Repeat buyers going quiet: a limited-time discount (the strategy reports +15% conversion). Sent when a customer enters about to sleep.",
    definition: withDefaults({
      name: "Limited-time offer", playbookId: "limited-time-offer",
      audience: { enteredLayerIds: ["about-to-sleep"] },
      actions: [flow("limited-time-offer")],
      trigger: { kind: "on_enter" }, windowDays: 14,
    }),
  },
  {
    id: "exclusive-perks",
    title: "Exclusive perks for high-value customers",
    rationale: "High-value customers: exclusive benefits (the strategy reports +30% order value). VIPs and high-value customers at risk, monthly.",
    definition: withDefaults({
      name: "Exclusive perks", playbookId: "exclusive-perks",
      audience: { layerIds: ["vip", "at-risk-high-value"] },
      actions: [{ kind: "bonus_points", points: 300 }, flow("exclusive-perks")],
      trigger: { kind: "schedule", everyDays: 30 }, windowDays: 30,
    }),
  },
  {
    id: "churn-risk-low",
    title: "Low churn risk: a gentle reminder",
    rationale: "Churn warning, low level: the weakest of the three interventions of rising strength — a message, no cost.",
    definition: withDefaults({
      name: "Churn risk: low", playbookId: "churn-risk-low",
      audience: { churnRisks: ["low"], lifecycleStages: ["at-risk"] },
      actions: [flow("churn-risk-low")],
      trigger: { kind: "schedule", everyDays: 7 }, windowDays: 21,
    }),
  },
  {
    id: "churn-risk-medium",
    title: "Medium churn risk: bonus points",
    rationale: "Churn warning, medium level: a message and a modest points bonus.",
    definition: withDefaults({
      name: "Churn risk: medium", playbookId: "churn-risk-medium",
      audience: { churnRisks: ["medium"] },
      actions: [{ kind: "bonus_points", points: 200 }, flow("churn-risk-medium")],
      trigger: { kind: "schedule", everyDays: 7 }, windowDays: 21,
    }),
  },
  {
    id: "churn-risk-high",
    title: "High churn risk: a strong incentive",
    rationale: "Churn warning, high level: the strongest intervention — a larger points gift and a personal message.",
    definition: withDefaults({
      name: "Churn risk: high", playbookId: "churn-risk-high",
      audience: { churnRisks: ["high"] },
      actions: [{ kind: "bonus_points", points: 600 }, flow("churn-risk-high")],
      trigger: { kind: "schedule", everyDays: 7 }, windowDays: 30,
    }),
  },
  {
    id: "replenishment-nudge",
    title: "Replenishment nudges for potential growth",
    rationale: "Potential growth: personal recommendations and replenishment reminders, timed ahead of the shop's churn peak.",
    definition: withDefaults({
      name: "Replenishment nudge", playbookId: "replenishment-nudge",
      audience: { layerIds: ["potential-growth", "needs-attention"] },
      actions: [flow("replenishment-nudge")],
      trigger: { kind: "schedule", everyDays: 14 }, windowDays: 30,
    }),
  },
  {
    id: "birthday",
    title: "Birthday gift",
    rationale:
      "A basic benefit of the strategy: a birthday gift. A message with bonus points in the week before the birthday (the customer's birthday from the shop), " +
      "on top of loyalty's birthday points on the day; the holdout shows whether the gift brings an order. Add a reward_code action to send a code.",
    definition: withDefaults({
      name: "Birthday gift", playbookId: "birthday",
      audience: { birthdayWithinDays: 7 },
      actions: [{ kind: "bonus_points", points: 100 }, flow("birthday")],
      // Daily: each day's customers whose birthday came within reach. The window covers the birthday and the weeks after.
      trigger: { kind: "schedule", everyDays: 1 }, windowDays: 30,
    }),
  },
]);

/** A fresh, editable copy of a playbook's definition; undefined for an unknown id. */
export function playbookDefinition(id: string): CampaignDefinition | undefined {
  const playbook = DEFAULT_PLAYBOOKS.find((p) => p.id === id);
  return playbook ? structuredClone(playbook.definition) : undefined;
}
