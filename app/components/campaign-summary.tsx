/**
 * A campaign in words, in the admin's language: status and verdict badges,
 * the audience, the actions and the trigger (list, detail and new pages).
 */
import { Badge } from "@shopify/polaris";
import type { CampaignAction, CampaignDefinition } from "~/domain/campaigns";
import type { Formatter, MessageKey } from "~/i18n";

const STATUS_TONE = { draft: undefined, running: "success", stopped: "critical" } as const;
const VERDICT_TONE = { collecting: undefined, no_winner_yet: "attention", treatment_better: "success", treatment_worse: "critical", no_effect_found: "info" } as const;

export function CampaignStatusBadge({ f, status }: { f: Formatter; status: string }) {
  return <Badge tone={STATUS_TONE[status as keyof typeof STATUS_TONE]}>{f.t(`campaigns.status.${status}` as MessageKey)}</Badge>;
}

export function VerdictBadge({ f, kind }: { f: Formatter; kind: string }) {
  return <Badge tone={VERDICT_TONE[kind as keyof typeof VERDICT_TONE]}>{f.t(`campaigns.verdict.${kind}` as MessageKey)}</Badge>;
}

/** "layers: VIP, Loyal · churn risk: high". */
export function audienceText(f: Formatter, audience: CampaignDefinition["audience"], layerName: (id: string) => string): string {
  const parts: string[] = [];
  if (audience.layerIds?.length) parts.push(f.t("campaigns.audience.layers", { list: audience.layerIds.map(layerName).join(", ") }));
  if (audience.enteredLayerIds?.length) parts.push(f.t("campaigns.audience.entered", { list: audience.enteredLayerIds.map(layerName).join(", ") }));
  if (audience.churnRisks?.length) parts.push(f.t("campaigns.audience.churnRisks", { list: audience.churnRisks.map((r) => f.t(`risk.${r}` as MessageKey)).join(", ") }));
  if (audience.lifecycleStages?.length) parts.push(f.t("campaigns.audience.stages", { list: audience.lifecycleStages.map((s) => f.t(`stage.${s}` as MessageKey)).join(", ") }));
  if (audience.tiers?.length) parts.push(f.t("campaigns.audience.tiers", { list: audience.tiers.join(", ") }));
  return parts.join(" · ") || f.t("common.none");
}

export function actionText(f: Formatter, a: CampaignAction): string {
  switch (a.kind) {
    case "bonus_points": return f.t("campaigns.action.bonus_points", { points: f.number(a.points) });
    case "flow_trigger": return f.t("campaigns.action.flow_trigger", { step: a.step });
    case "tier_perk": return f.t("campaigns.action.tier_perk", { tier: a.tier });
    case "customer_tag": return f.t("campaigns.action.customer_tag", { tag: a.tag });
    case "reward_code": return f.t("campaigns.action.reward_code");
    default: return String((a as { kind?: unknown }).kind);
  }
}

export const actionsText = (f: Formatter, actions: CampaignAction[]) => actions.map((a) => actionText(f, a)).join(" + ") || f.t("common.none");

export function triggerText(f: Formatter, trigger: CampaignDefinition["trigger"]): string {
  if (trigger.kind === "schedule") return f.t("campaigns.trigger.schedule", { days: trigger.everyDays });
  return f.t(`campaigns.trigger.${trigger.kind}` as MessageKey);
}
