/**
 * The glue every webhook route shares: verify (HMAC, headers) through the
 * Shopify library, apply, answer. Forged or unsigned requests never get past
 * `authenticate.webhook`, which answers 401 (bad HMAC) or 400 (missing headers).
 */
import { appDatabaseDialect, prisma } from "./db.server";
import { AdmissionGate, admissionLimitsFromEnv, OverloadedError } from "./http/admission.server";
import { logger } from "./logger.server";
import { IntelligenceNotComputedError, UnknownCustomerError, updateCustomer } from "./services/intelligence.server";
import { applyLoyaltyProgrammeWebhook } from "./services/loyalty-webhooks.server";
import { applyShopWebhook, MalformedWebhookError, normaliseTopic } from "./services/shop-webhooks.server";
import { authenticate } from "./shopify.server";

/**
 * The Shopify library's webhook check, with a signed body that is not JSON
 * answered 400 (the library parses after the HMAC check and lets the
 * SyntaxError escape as a 500, which Shopify would retry forever).
 */
export async function authenticateWebhook(request: Request): ReturnType<typeof authenticate.webhook> {
  try {
    return await authenticate.webhook(request);
  } catch (error) {
    if (error instanceof SyntaxError) throw new Response("the webhook body is not JSON", { status: 400 });
    throw error;
  }
}

let gate: AdmissionGate | undefined;

/**
 * The bound on deliveries applied at once in this process
 * (`EVERGREEN_WEBHOOK_CONCURRENCY`; default 8 on PostgreSQL, under the pool's
 * 10 connections so admin pages and jobs still get one; 4 on SQLite, whose
 * writers take turns anyway).
 */
export function webhookGate(): AdmissionGate {
  gate ??= new AdmissionGate(admissionLimitsFromEnv("EVERGREEN_WEBHOOK_CONCURRENCY", appDatabaseDialect() === "postgresql" ? 8 : 4));
  return gate;
}

export async function receiveSyncWebhook(request: Request): Promise<Response> {
  const delivery = await authenticateWebhook(request);
  try {
    return await webhookGate().run(() => applySyncWebhook(delivery));
  } catch (error) {
    if (!(error instanceof OverloadedError)) throw error;
    // Nothing was applied: Shopify redelivers the same payload later.
    logger.warn("webhook deferred", { shop: delivery.shop, topic: String(delivery.topic), reason: error.reason, ...webhookGate().load });
    return new Response("busy; retry later", { status: 503, headers: { "Retry-After": "5" } });
  }
}

async function applySyncWebhook(delivery: Awaited<ReturnType<typeof authenticateWebhook>>): Promise<Response> {
  const { shop, topic, webhookId, eventId, triggeredAt, payload } = delivery;
  try {
    const outcome = await applyShopWebhook(
      { shopDomain: shop, topic: String(topic), webhookId, eventId, triggeredAt, payload },
      { db: prisma, dialect: appDatabaseDialect() },
    );
    logger.info("webhook", { shop, topic: String(topic), eventId: eventId ?? webhookId, outcome });
    if (outcome === "processed") await refreshCustomerInsight(shop, String(topic), payload);
    // A redelivery runs loyalty and referrals again too: both converge, so it only fills in what a failed first attempt missed.
    if (outcome !== "ignored") {
      const after = await applyLoyaltyProgrammeWebhook(shop, String(topic), payload, { db: prisma });
      // The sync write is committed; a 500 makes Shopify redeliver the original payload, so points or a referral are not lost.
      if (after.failed) return new Response("loyalty or referrals not applied; retry", { status: 500 });
    }
    return new Response(null, { status: 200 });
  } catch (error) {
    if (error instanceof MalformedWebhookError) {
      logger.warn("webhook rejected", { shop, topic: String(topic), eventId: eventId ?? webhookId, reason: error.message });
      return new Response(error.message, { status: 400 });
    }
    throw error;
  }
}

/**
 * An order moved a customer: rescore them now (a few ms) rather than at the
 * next full pass. Best effort: the scheduled recompute catches anything missed.
 */
async function refreshCustomerInsight(shop: string, topic: string, payload: unknown): Promise<void> {
  const normalised = normaliseTopic(topic);
  if (!normalised.startsWith("orders/") && normalised !== "refunds/create") return;
  const order = payload as { customer?: { admin_graphql_api_id?: unknown }; updated_at?: unknown } | null;
  const customerGid = order?.customer?.admin_graphql_api_id;
  if (typeof customerGid !== "string") return;
  // Never before the order that triggered this: Shopify's clock may run ahead of ours.
  const changedAt = typeof order?.updated_at === "string" ? Date.parse(order.updated_at) : NaN;
  const asOf = new Date(Number.isNaN(changedAt) ? Date.now() : Math.max(Date.now(), changedAt));
  try {
    await updateCustomer(shop, customerGid, { db: prisma, dialect: appDatabaseDialect(), asOf });
  } catch (error) {
    if (error instanceof IntelligenceNotComputedError || error instanceof UnknownCustomerError) return;
    logger.warn("customer insight not refreshed", { shop, topic: normalised, error: error instanceof Error ? error.message : String(error) });
  }
}
