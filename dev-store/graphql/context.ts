/** What every resolver of the local Admin API sees. */
import type { DevStore } from "../store";
import type { BulkOperations } from "../bulk";
import type { DevWebhookSubscription } from "../model";

/** API-created webhook subscriptions of one shop (the toml's live in the sender too). */
export interface WebhookSubscriptionsApi {
  list(shopDomain: string): DevWebhookSubscription[];
  create(shopDomain: string, topic: string, uri: string): DevWebhookSubscription;
  remove(shopDomain: string, id: string): boolean;
}

export interface ResolverContext {
  store: DevStore;
  shopDomain: string;
  now: () => Date;
  bulk: BulkOperations | null;
  webhooks: WebhookSubscriptionsApi | null;
  /**
   * The access scopes of the request's token: fields that need a scope
   * (discounts) answer ACCESS_DENIED without it. Absent: not enforced.
   */
  scopes?: readonly string[] | null;
  /** Handles of the app's Flow trigger extensions (flowTriggerReceive refuses others). Absent: none. */
  flowTriggerHandles?: readonly string[];
  /** False: protected customer data level 2 (addresses) answers ACCESS_DENIED. Absent: approved. */
  protectedCustomerData?: boolean;
  /** Set while a bulk query runs: connections without first/last return everything, the root one this chunk. */
  bulkRun?: { rootItems?: readonly unknown[] };
}
