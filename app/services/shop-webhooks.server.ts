/**
 * Applies a verified webhook delivery to the synced data.
 *
 * Exactly-once in effect: the delivery is recorded by Shopify's event id in the
 * same transaction as its writes, so a redelivery of a processed event is
 * recognised and skipped; and every write is version-guarded, so an older
 * payload arriving after a newer one changes nothing.
 */
import type { SqlDialect } from "~/db/adapter.server";
import { SyncRepository } from "~/db/sync-repository.server";
import type { PrismaClient } from "~/generated/prisma/client";
import { customerFromWebhook, deletedCustomerGid, orderFromWebhook, refundFromWebhook } from "~/domain/sync/map-webhook";
import { InvalidRecordError } from "~/domain/sync/records";
import { InvalidAmountError } from "~/domain/sync/money";

export interface WebhookDelivery {
  shopDomain: string;
  /** "orders/create" or the library's "ORDERS_CREATE": both are accepted. */
  topic: string;
  webhookId: string;
  /** X-Shopify-Event-Id: the same for every redelivery of one event. */
  eventId?: string | null;
  triggeredAt?: string | null;
  payload: unknown;
}

export type WebhookOutcome = "processed" | "duplicate" | "ignored";

export type WebhookDatabase = Pick<PrismaClient, "$transaction">;

export interface WebhookDeps {
  db: WebhookDatabase;
  dialect: SqlDialect;
  now?: () => Date;
}

/** A delivery whose body passed HMAC verification but is not what the topic promises. */
export class MalformedWebhookError extends Error {
  constructor(topic: string, detail: string) {
    super(`Malformed ${topic} webhook: ${detail}`);
    this.name = "MalformedWebhookError";
  }
}

/** "ORDERS_CREATE" -> "orders/create"; "orders/create" stays. */
export function normaliseTopic(topic: string): string {
  if (topic.includes("/")) return topic.toLowerCase();
  const lower = topic.toLowerCase();
  const first = lower.indexOf("_");
  // Topics are resource/action where the resource itself may hold underscores
  // (bulk_operations/finish, app/scopes_update): Shopify's enum joins with "_"
  // so the split point is known per resource.
  for (const resource of ["bulk_operations", "app", "orders", "refunds", "customers", "products", "shop", "checkouts"]) {
    if (lower.startsWith(`${resource}_`)) return `${resource}/${lower.slice(resource.length + 1)}`;
  }
  return first === -1 ? lower : `${lower.slice(0, first)}/${lower.slice(first + 1)}`;
}

const SYNC_TOPICS = new Set([
  "orders/create",
  "orders/updated",
  "orders/paid",
  "orders/cancelled",
  "refunds/create",
  "customers/create",
  "customers/update",
  "customers/delete",
]);

/**
 * Records and applies one delivery.
 *
 * @throws MalformedWebhookError when a signed payload does not parse; the
 * delivery is then left unprocessed, so Shopify's retry (or a fixed app) can
 * apply it later.
 */
export async function applyShopWebhook(delivery: WebhookDelivery, deps: WebhookDeps): Promise<WebhookOutcome> {
  const topic = normaliseTopic(delivery.topic);
  const now = deps.now ?? (() => new Date());
  const eventId = delivery.eventId || delivery.webhookId;
  const triggeredAt = delivery.triggeredAt ? new Date(delivery.triggeredAt) : null;
  const at = triggeredAt && !Number.isNaN(triggeredAt.getTime()) ? triggeredAt : now();
  const p = (n: number) => (deps.dialect === "postgresql" ? `$${n}` : "?");

  return deps.db.$transaction(async (tx) => {
    const inserted = await tx.$executeRawUnsafe(
      `INSERT INTO "WebhookDelivery" ("shopDomain","eventId","webhookId","topic","triggeredAt","receivedAt","status") VALUES (${p(1)},${p(2)},${p(3)},${p(4)},${p(5)},${p(6)},${p(7)}) ON CONFLICT ("shopDomain","eventId") DO NOTHING`,
      delivery.shopDomain, eventId, delivery.webhookId, topic, triggeredAt, now(), "received",
    );
    if (inserted === 0) {
      const [existing] = await tx.$queryRawUnsafe<{ status: string }[]>(
        `SELECT "status" FROM "WebhookDelivery" WHERE "shopDomain" = ${p(1)} AND "eventId" = ${p(2)}`,
        delivery.shopDomain, eventId,
      );
      if (existing && existing.status !== "received") return "duplicate";
    }

    const outcome = SYNC_TOPICS.has(topic) ? await applySyncTopic(topic, delivery, at, new SyncRepository(tx, deps.dialect), now()) : "ignored";
    await tx.$executeRawUnsafe(
      `UPDATE "WebhookDelivery" SET "status" = ${p(1)}, "processedAt" = ${p(2)} WHERE "shopDomain" = ${p(3)} AND "eventId" = ${p(4)}`,
      outcome, now(), delivery.shopDomain, eventId,
    );
    return outcome;
  });
}

async function applySyncTopic(
  topic: string,
  delivery: WebhookDelivery,
  at: Date,
  repo: SyncRepository,
  syncedAt: Date,
): Promise<WebhookOutcome> {
  try {
    if (topic.startsWith("orders/")) {
      await repo.upsertOrders(delivery.shopDomain, [orderFromWebhook(delivery.payload)], syncedAt);
    } else if (topic === "refunds/create") {
      const orderId = (delivery.payload as { order_id?: unknown } | null)?.order_id;
      const orderGid = orderId ? `gid://shopify/Order/${String(orderId)}` : null;
      const orderCurrency = orderGid ? await repo.orderCurrency(delivery.shopDomain, orderGid) : null;
      await repo.upsertRefunds(delivery.shopDomain, [refundFromWebhook(delivery.payload, orderGid, orderCurrency)]);
    } else if (topic === "customers/delete") {
      await repo.markCustomerDeleted(delivery.shopDomain, deletedCustomerGid(delivery.payload), at);
    } else {
      await repo.upsertCustomers(delivery.shopDomain, [customerFromWebhook(delivery.payload)], syncedAt);
    }
    return "processed";
  } catch (error) {
    // A payload that cannot become a record (a bad amount too) will never apply: 400, not a retried 500.
    if (error instanceof InvalidRecordError || error instanceof InvalidAmountError) throw new MalformedWebhookError(topic, error.message);
    throw error;
  }
}
