/**
 * Loyalty after a webhook changed the synced data (docs/loyalty.md): orders
 * and refunds move the order's points to its target, a new customer earns the
 * account-creation points.
 */
import { logger } from "~/logger.server";
import { normaliseTopic } from "./shop-webhooks.server";
import { onCustomerCreated, onOrderChanged, type LedgerDeps } from "./points.server";

/**
 * Best effort: a failure is logged, not thrown (the webhook's sync write is
 * committed already); the next delivery for the order, or the loyalty sweep
 * job (`earnForChangedOrders`), converges it.
 *
 * @returns what was done, for logs and tests.
 */
export async function applyLoyaltyWebhook(shop: string, topic: string, payload: unknown, deps?: LedgerDeps): Promise<"order" | "customer" | "none" | "failed"> {
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
