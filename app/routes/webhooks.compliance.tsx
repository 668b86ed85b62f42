import type { ActionFunctionArgs } from "@remix-run/node";
import { prisma } from "~/db.server";
import { logger } from "~/logger.server";
import { normaliseTopic } from "~/services/shop-webhooks.server";
import { redactCustomer, redactShop, type CustomerRedactPayload } from "~/services/privacy.server";
import { authenticate } from "~/shopify.server";

// customers/data_request, customers/redact, shop/redact. An invalid HMAC is
// answered 401 by authenticate.webhook, as Shopify's review requires.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, topic, payload, webhookId } = await authenticate.webhook(request);
  const normalised = normaliseTopic(String(topic));
  if (normalised === "customers/redact") await redactCustomer(prisma, shop, payload as CustomerRedactPayload);
  else if (normalised === "shop/redact") await redactShop(prisma, shop);
  logger.info("compliance webhook", { shop, topic: normalised, webhookId });
  return new Response();
};
