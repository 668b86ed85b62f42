/**
 * Loyalty and referrals after a webhook changed the synced data
 * (docs/loyalty.md#webhooks): orders and refunds move the order's points to
 * its target and attribute, void or reverse the order's referral; a new
 * customer earns the account-creation points.
 */
import { logger } from "~/logger.server";
import type { PrismaClient } from "~/generated/prisma/client";
import { normaliseTopic } from "./shop-webhooks.server";
import { onCustomerCreated, onOrderChanged, type LedgerDeps } from "./points.server";
import {
  applyReferralCustomerWebhook,
  applyReferralWebhook,
  lazyOfflineAdmin,
  offlineSignalsPort,
  referralPorts,
  type AbuseSignalsPort,
  type CustomerReferralOutcome,
  type OrderReferralOutcome,
  type ReferralPorts,
} from "./referrals.server";

export type LoyaltyWebhookOutcome = "order" | "customer" | "none" | "failed";

/**
 * Best effort: a failure is logged and reported as "failed", not thrown (the
 * webhook's sync write is committed already). The webhook route answers 500
 * on "failed" so Shopify redelivers; the order sweep job
 * (`earnForChangedOrders`) converges orders whatever happens.
 *
 * @returns what was done, for logs and tests.
 */
export async function applyLoyaltyWebhook(shop: string, topic: string, payload: unknown, deps?: LedgerDeps): Promise<LoyaltyWebhookOutcome> {
  const normalised = normaliseTopic(topic);
  const body = payload as { admin_graphql_api_id?: unknown; order_id?: unknown } | null;
  try {
    if (normalised.startsWith("orders/") && normalised !== "orders/delete" && typeof body?.admin_graphql_api_id === "string") {
      await onOrderChanged(shop, body.admin_graphql_api_id, deps);
      return "order";
    }
    if (normalised === "refunds/create" && (typeof body?.order_id === "number" || typeof body?.order_id === "string")) {
      await onOrderChanged(shop, `gid://shopify/Order/${String(body.order_id)}`, deps);
      return "order";
    }
    if (normalised === "customers/create" && typeof body?.admin_graphql_api_id === "string") {
      await onCustomerCreated(shop, body.admin_graphql_api_id, deps);
      return "customer";
    }
    return "none";
  } catch (error) {
    logger.warn("loyalty not applied", { shop, topic: normalised, error: error instanceof Error ? error.message : String(error) });
    return "failed";
  }
}

export interface ProgrammeWebhookResult {
  loyalty: LoyaltyWebhookOutcome;
  referrals: OrderReferralOutcome["outcome"] | CustomerReferralOutcome["outcome"] | "failed";
  /** Either side failed: answer non-2xx so Shopify redelivers (both sides are idempotent, so the retry only completes what failed). */
  failed: boolean;
}

/**
 * What the webhook route runs after the sync layer stored a delivery: points
 * first, then referrals (orders/* and refunds/create attribute, void or
 * reverse; customers/create and customers/update record a referred friend's
 * sign-up, docs/referrals.md#how-attribution-works). Each side runs even when
 * the other failed.
 *
 * @example
 * const after = await applyLoyaltyProgrammeWebhook(shop, "orders/paid", payload, { db: prisma });
 * if (after.failed) return new Response(null, { status: 500 });
 */
export async function applyLoyaltyProgrammeWebhook(
  shop: string,
  topic: string,
  payload: unknown,
  deps: {
    db: PrismaClient;
    now?: () => Date;
    /** The address and card checks' source; default: the Admin API over the shop's offline session, opened only when a referral is decided. */
    signals?: AbuseSignalsPort;
    /** Points and discount ports (tests); default: the ledger and, for sign-ups, the offline session's Admin client. */
    ports?: ReferralPorts;
  },
): Promise<ProgrammeWebhookResult> {
  const loyalty = await applyLoyaltyWebhook(shop, topic, payload, deps);
  let referrals: ProgrammeWebhookResult["referrals"];
  try {
    // Orders never create discount codes, so no Admin client is bound for the ports.
    const signals = deps.signals ?? offlineSignalsPort({ db: deps.db, now: deps.now });
    referrals = normaliseTopic(topic).startsWith("customers/")
      // A member's code on a sign-up mints the friend's discount: the Admin client over the offline session, opened only then.
      ? (await applyReferralCustomerWebhook(shop, topic, payload, { db: deps.db, now: deps.now, ports: deps.ports ?? referralPorts(lazyOfflineAdmin(shop, deps.db), deps) })).outcome
      : (await applyReferralWebhook(shop, topic, payload, { db: deps.db, now: deps.now, ports: deps.ports ?? referralPorts(null, deps), signals })).outcome;
  } catch (error) {
    logger.warn("referrals not applied", { shop, topic: normaliseTopic(topic), error: error instanceof Error ? error.message : String(error) });
    referrals = "failed";
  }
  return { loyalty, referrals, failed: loyalty === "failed" || referrals === "failed" };
}
