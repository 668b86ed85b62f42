/**
 * Delivers the dev store's events to the app the way Shopify does
 * (https://shopify.dev/docs/apps/build/webhooks): a POST of the JSON payload
 * signed with the app secret (base64 HMAC-SHA256 of the raw body), Shopify's
 * headers, retries with back-off on non-2xx answers and timeouts (Shopify: 8
 * tries over 4 hours; compressed here), and optional chaos (duplicates with the
 * same event id, reordering, delay) so the app's handlers meet what production
 * sends them.
 */
import { Rng } from "./rng";
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import toml from "toml";
import { ADMIN_API_VERSION } from "../app/shopify/api-version";
import type { DevWebhookSubscription } from "./model";
import type { WebhookSubscriptionsApi } from "./graphql/context";

export const DEFAULT_APP_TOML = resolve(dirname(fileURLToPath(import.meta.url)), "..", "shopify.app.toml");

/** One `[[webhooks.subscriptions]]` entry; topics in REST form ("orders/create"). */
export interface WebhookSubscriptionConfig {
  topics: string[];
  uri: string;
  compliance: boolean;
}

export interface AppConfig {
  clientId: string;
  applicationUrl: string;
  scopes: string[];
  webhooksApiVersion: string;
  subscriptions: WebhookSubscriptionConfig[];
}

/** Reads what the dev store needs from shopify.app.toml: scopes and webhook subscriptions. */
export function readAppConfig(path: string = DEFAULT_APP_TOML): AppConfig {
  const parsed = toml.parse(readFileSync(path, "utf8")) as {
    client_id?: string;
    application_url?: string;
    access_scopes?: { scopes?: string };
    webhooks?: { api_version?: string; subscriptions?: { topics?: string[]; compliance_topics?: string[]; uri?: string }[] };
  };
  const subscriptions: WebhookSubscriptionConfig[] = [];
  for (const entry of parsed.webhooks?.subscriptions ?? []) {
    if (!entry.uri) continue;
    if (entry.topics?.length) subscriptions.push({ topics: entry.topics, uri: entry.uri, compliance: false });
    if (entry.compliance_topics?.length) subscriptions.push({ topics: entry.compliance_topics, uri: entry.uri, compliance: true });
  }
  return {
    clientId: parsed.client_id ?? "",
    applicationUrl: parsed.application_url ?? "",
    scopes: (parsed.access_scopes?.scopes ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    webhooksApiVersion: parsed.webhooks?.api_version ?? ADMIN_API_VERSION,
    subscriptions,
  };
}

/** "orders/create" -> "ORDERS_CREATE" (the GraphQL WebhookSubscriptionTopic). */
export function topicToEnum(topic: string): string {
  return topic.replace(/[/.]/g, "_").toUpperCase();
}

/** base64 HMAC-SHA256 of the raw body with the app secret: X-Shopify-Hmac-Sha256. */
export function webhookHmac(rawBody: string | Buffer, apiSecret: string): string {
  return createHmac("sha256", apiSecret).update(rawBody).digest("base64");
}

export interface WebhookRetryOptions {
  /** Tries in all, the first included (Shopify: 8). */
  attempts?: number;
  /** Wait before try n+1 (n from 1); default 1 s doubling, capped at 60 s. */
  backoffMs?: (attempt: number) => number;
  /** A delivery not answered within this is a failure (Shopify: 5 s). */
  timeoutMs?: number;
}

export interface WebhookChaosOptions {
  /** Probability (0..1) that a delivery is sent twice with the same event id. */
  duplicateRate?: number;
  /** Hold this many deliveries and release them shuffled (or hold until flush / `reorderHoldMs`). */
  reorder?: number;
  /** Longest a partial reorder window is held before it is released; 50 ms by default. */
  reorderHoldMs?: number;
  /** Delay before each try. */
  delayMs?: number;
  /** Seed of the chaos decisions (duplicates, shuffles). */
  seed?: number;
}

export interface WebhookSenderOptions {
  apiSecret: string;
  /** Relative subscription uris resolve against this (the app's URL). */
  appUrl: string;
  apiVersion?: string;
  /** Declarative subscriptions; shopify.app.toml's by default. */
  subscriptions?: WebhookSubscriptionConfig[];
  retry?: WebhookRetryOptions;
  chaos?: WebhookChaosOptions;
  fetch?: typeof fetch;
  clock?: () => Date;
  /** Told about every try (for logs). */
  onAttempt?: (delivery: WebhookDelivery, attempt: WebhookAttempt) => void;
}

export interface WebhookAttempt {
  at: string;
  status: number | null;
  error: string | null;
}

export interface WebhookDelivery {
  webhookId: string;
  eventId: string;
  topic: string;
  shopDomain: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  duplicate: boolean;
  state: "pending" | "delivered" | "failed";
  attempts: WebhookAttempt[];
}

export interface SendOptions {
  eventId?: string;
  triggeredAt?: string;
  /** Deliver to this URL only, ignoring subscriptions (for tests and compliance requests). */
  url?: string;
}


/** Waits `ms`, or less when `signal` aborts (so close() never waits out a back-off). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

export class WebhookSender implements WebhookSubscriptionsApi {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly options: WebhookSenderOptions;
  private readonly declarative: WebhookSubscriptionConfig[];
  private readonly apiCreated = new Map<string, DevWebhookSubscription[]>();
  private readonly active = new Set<Promise<void>>();
  private held: WebhookDelivery[] = [];
  private holdTimer: NodeJS.Timeout | null = null;
  private readonly random: () => number;
  private readonly fetchImpl: typeof fetch;
  private readonly clock: () => Date;
  private nextSubscriptionId = 1_200_000_000;
  private closed = false;
  private readonly stop = new AbortController();

  constructor(options: WebhookSenderOptions) {
    this.options = options;
    this.declarative = options.subscriptions ?? readAppConfig().subscriptions;
    const rng = new Rng(options.chaos?.seed ?? 1);
    this.random = () => rng.next();
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.clock = options.clock ?? (() => new Date());
  }

  get apiVersion(): string {
    return this.options.apiVersion ?? ADMIN_API_VERSION;
  }

  /** Every URL subscribed to `topic` ("orders/create") for the shop: the toml's and the API-created ones. */
  urlsFor(shopDomain: string, topic: string): string[] {
    const urls = new Set<string>();
    for (const subscription of this.declarative) {
      if (subscription.topics.includes(topic)) urls.add(new URL(subscription.uri, this.options.appUrl).toString());
    }
    const wanted = topicToEnum(topic);
    for (const subscription of this.apiCreated.get(shopDomain) ?? []) {
      if (subscription.topic === wanted) urls.add(subscription.callbackUrl);
    }
    return [...urls];
  }

  /**
   * Queues `payload` for every subscriber of `topic` (or `options.url`) and
   * returns the deliveries; `flush()` waits for them to settle.
   */
  send(shopDomain: string, topic: string, payload: unknown, options: SendOptions = {}): WebhookDelivery[] {
    if (this.closed) return [];
    const body = JSON.stringify(payload);
    const eventId = options.eventId ?? randomUUID();
    const triggeredAt = options.triggeredAt ?? this.clock().toISOString();
    const urls = options.url ? [options.url] : this.urlsFor(shopDomain, topic);
    const created: WebhookDelivery[] = [];
    for (const url of urls) {
      const copies = this.random() < (this.options.chaos?.duplicateRate ?? 0) ? 2 : 1;
      for (let copy = 0; copy < copies; copy++) {
        const webhookId = randomUUID();
        created.push({
          webhookId,
          eventId,
          topic,
          shopDomain,
          url,
          body,
          duplicate: copy > 0,
          state: "pending",
          attempts: [],
          headers: {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": webhookHmac(body, this.options.apiSecret),
            "X-Shopify-Shop-Domain": shopDomain,
            "X-Shopify-API-Version": this.apiVersion,
            "X-Shopify-Webhook-Id": webhookId,
            "X-Shopify-Event-Id": eventId,
            "X-Shopify-Triggered-At": triggeredAt,
          },
        });
      }
    }
    this.deliveries.push(...created);
    for (const delivery of created) this.enqueue(delivery);
    return created;
  }

  private enqueue(delivery: WebhookDelivery): void {
    const window = this.options.chaos?.reorder ?? 0;
    if (window <= 1) {
      this.dispatch(delivery);
      return;
    }
    this.held.push(delivery);
    if (this.held.length >= window) this.releaseHeld();
    else if (!this.holdTimer) {
      this.holdTimer = setTimeout(() => this.releaseHeld(), this.options.chaos?.reorderHoldMs ?? 50);
    }
  }

  private releaseHeld(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    const batch = this.held;
    this.held = [];
    // Fisher-Yates with the seeded generator.
    for (let i = batch.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [batch[i], batch[j]] = [batch[j], batch[i]];
    }
    for (const delivery of batch) this.dispatch(delivery);
  }

  private dispatch(delivery: WebhookDelivery): void {
    const task = this.deliver(delivery).finally(() => this.active.delete(task));
    this.active.add(task);
  }

  private async deliver(delivery: WebhookDelivery): Promise<void> {
    const attempts = this.options.retry?.attempts ?? 8;
    const backoff = this.options.retry?.backoffMs ?? ((n: number) => Math.min(60_000, 1000 * 2 ** (n - 1)));
    const timeoutMs = this.options.retry?.timeoutMs ?? 5000;
    for (let n = 1; n <= attempts; n++) {
      if (this.options.chaos?.delayMs) await sleep(this.options.chaos.delayMs, this.stop.signal);
      if (this.closed) break;
      const attempt: WebhookAttempt = { at: this.clock().toISOString(), status: null, error: null };
      try {
        const response = await this.fetchImpl(delivery.url, {
          method: "POST",
          headers: delivery.headers,
          body: delivery.body,
          signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.stop.signal]),
        });
        attempt.status = response.status;
        await response.arrayBuffer().catch(() => undefined);
      } catch (error) {
        attempt.error = error instanceof Error ? error.message : String(error);
      }
      delivery.attempts.push(attempt);
      this.options.onAttempt?.(delivery, attempt);
      if (attempt.status !== null && attempt.status >= 200 && attempt.status < 300) {
        delivery.state = "delivered";
        return;
      }
      if (n < attempts && !this.closed) await sleep(backoff(n), this.stop.signal);
    }
    delivery.state = "failed";
  }

  /** Resolves once every queued, held and retrying delivery has been delivered or has failed. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.held.length) this.releaseHeld();
      if (this.active.size === 0) return;
      await Promise.allSettled([...this.active]);
    }
  }

  /** Stops retries and drops held deliveries. */
  async close(): Promise<void> {
    this.closed = true;
    this.stop.abort();
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.held = [];
    await Promise.allSettled([...this.active]);
  }

  // WebhookSubscriptionsApi: subscriptions created through the Admin API, per shop.
  list(shopDomain: string): DevWebhookSubscription[] {
    return [...(this.apiCreated.get(shopDomain) ?? [])];
  }

  create(shopDomain: string, topic: string, uri: string): DevWebhookSubscription {
    const now = this.clock().toISOString();
    const subscription: DevWebhookSubscription = {
      id: String((this.nextSubscriptionId += 1)),
      topic,
      callbackUrl: uri,
      format: "JSON",
      createdAt: now,
      updatedAt: now,
    };
    this.apiCreated.set(shopDomain, [...this.list(shopDomain), subscription]);
    return subscription;
  }

  remove(shopDomain: string, id: string): boolean {
    const before = this.list(shopDomain);
    const after = before.filter((s) => s.id !== id);
    this.apiCreated.set(shopDomain, after);
    return after.length !== before.length;
  }
}
