/**
 * The glue every webhook route shares: verify (HMAC, headers) through the
 * Shopify library, apply, answer. Forged or unsigned requests never get past
 * `authenticate.webhook`, which answers 401 (bad HMAC) or 400 (missing headers).
 */
import { appDatabaseDialect, prisma } from "./db.server";
import { logger } from "./logger.server";
import { applyShopWebhook, MalformedWebhookError } from "./services/shop-webhooks.server";
import { authenticate } from "./shopify.server";

export async function receiveSyncWebhook(request: Request): Promise<Response> {
  const { shop, topic, webhookId, eventId, triggeredAt, payload } = await authenticate.webhook(request);
  try {
    const outcome = await applyShopWebhook(
      { shopDomain: shop, topic: String(topic), webhookId, eventId, triggeredAt, payload },
      { db: prisma, dialect: appDatabaseDialect() },
    );
    logger.info("webhook", { shop, topic: String(topic), eventId: eventId ?? webhookId, outcome });
    return new Response(null, { status: 200 });
  } catch (error) {
    if (error instanceof MalformedWebhookError) {
      logger.warn("webhook rejected", { shop, topic: String(topic), eventId: eventId ?? webhookId, reason: error.message });
      return new Response(error.message, { status: 400 });
    }
    throw error;
  }
}
