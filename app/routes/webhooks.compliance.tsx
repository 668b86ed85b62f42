import type { ActionFunctionArgs } from "@remix-run/node";
import { prisma } from "~/db.server";
import { logger } from "~/logger.server";
import { normaliseTopic } from "~/services/shop-webhooks.server";
import { customerScope, recordCustomerDataRequest, redactCustomer, redactShop, type CompliancePayload } from "~/services/privacy.server";
import { authenticateWebhook } from "~/webhooks.server";

// customers/data_request, customers/redact, shop/redact. An invalid HMAC is
// answered 401 by authenticate.webhook, as Shopify's review requires; a
// payload that names no customer is a 400 (nothing to do, nothing changed).
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, topic, payload, webhookId } = await authenticateWebhook(request);
  const normalised = normaliseTopic(String(topic));
  const body = (payload ?? {}) as CompliancePayload;
  if (normalised === "shop/redact") {
    const deleted = await redactShop(prisma, shop);
    logger.info("shop redacted", { shop, webhookId, rows: Object.values(deleted).reduce((a, b) => a + b, 0) });
    return new Response();
  }
  if (normalised === "customers/redact" || normalised === "customers/data_request") {
    const scope = customerScope(shop, body, normalised === "customers/redact" ? "orders_to_redact" : "orders_requested");
    if (!scope) return new Response("the payload names no customer", { status: 400 });
    if (normalised === "customers/redact") {
      await redactCustomer(prisma, scope);
    } else {
      const id = body.data_request?.id;
      const { exportId, created } = await recordCustomerDataRequest(prisma, scope, { dataRequestId: id === undefined ? null : String(id) });
      logger.info("customer data export ready", { shop, webhookId, exportId, created });
    }
    logger.info("compliance webhook", { shop, topic: normalised, webhookId });
    return new Response();
  }
  return new Response(`unexpected topic ${normalised}`, { status: 400 });
};
