/**
 * Pure rules for applying a treated customer's actions: the order they are
 * applied in, the discount code a code action creates, and when a campaign's
 * tag comes off again.
 */
import { hash53 } from "./assignment";
import type { CampaignActionKind } from "./definition";

const DAY_MS = 86_400_000;

/**
 * Code actions and tags first, the Flow trigger last: the message the
 * merchant's tools send can then carry the customer's code.
 */
const APPLY_RANK: Record<CampaignActionKind, number> = { bonus_points: 0, reward_code: 0, tier_perk: 0, customer_tag: 0, flow_trigger: 1 };

export function applyRank(kind: string): number {
  return APPLY_RANK[kind as CampaignActionKind] ?? 0;
}

/** Action kinds that create a single-use discount code for the customer. */
export const CODE_ACTION_KINDS: readonly CampaignActionKind[] = ["reward_code", "tier_perk"];

/**
 * The discount code of a code action, derived from the action's id: it is
 * stored with the action before Shopify is asked, so a retry after a crash
 * looks up the same code instead of creating a second one. 53 bits of hash
 * in base 36 (11 characters): a clash between two of a shop's codes is
 * negligible, and would be refused by Shopify (codes are unique per shop),
 * never merged. The code is limited to one customer, so it need not be secret.
 */
export function campaignDiscountCode(actionId: string): string {
  return `EGC-${hash53(actionId).toString(36).toUpperCase().padStart(11, "0")}`;
}

/** When a treated customer's campaign window ends (exclusive): the code's expiry, and when a temporary tag comes off. */
export function windowEndsAt(treatedAt: Date, windowDays: number): Date {
  return new Date(treatedAt.getTime() + windowDays * DAY_MS);
}

/** Whether a tag added with `removeAfterWindow` is due to come off: the customer's window ended, or the campaign stopped. */
export function tagRemovalDue(treatedAt: Date, windowDays: number, campaignStatus: string, now: Date): boolean {
  return campaignStatus === "stopped" || now.getTime() >= windowEndsAt(treatedAt, windowDays).getTime();
}
