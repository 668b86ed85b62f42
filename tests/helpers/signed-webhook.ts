import { createHmac, randomUUID } from "node:crypto";
import { TEST_API_SECRET } from "./dev-store";

/**
 * POSTs `payload` to `url` as Shopify delivers a webhook: HMAC-SHA256 of the
 * raw body under the app secret, and Shopify's headers (event id = webhook id).
 */
export function postSignedWebhook(url: string, delivery: { shop: string; topic: string; payload: unknown; eventId?: string; secret?: string }): Promise<Response> {
  const body = JSON.stringify(delivery.payload);
  const eventId = delivery.eventId ?? randomUUID();
  return fetch(url, {
    method: "POST",
    body,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": delivery.topic,
      "X-Shopify-Hmac-Sha256": createHmac("sha256", delivery.secret ?? TEST_API_SECRET).update(body).digest("base64"),
      "X-Shopify-Shop-Domain": delivery.shop,
      "X-Shopify-API-Version": "2026-10",
      "X-Shopify-Webhook-Id": eventId,
      "X-Shopify-Event-Id": eventId,
      "X-Shopify-Triggered-At": new Date().toISOString(),
    },
  });
}
