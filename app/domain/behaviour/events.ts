/**
 * The behaviour events Evergreen's web pixel sends (extensions/evergreen-pixel)
 * and what the ingest endpoint accepts: a batch per page visit, each event
 * reduced to what the behaviour and interest dimensions need (which product,
 * type, vendor, collection, search terms) and nothing personal beyond the
 * Shopify customer id.
 */
import { z } from "zod";

/** Shopify's standard customer events the pixel subscribes to, and their one-letter storage codes. */
export const EVENT_CODES = {
  page_viewed: "p",
  product_viewed: "v",
  collection_viewed: "c",
  search_submitted: "s",
  product_added_to_cart: "a",
  checkout_started: "k",
  checkout_completed: "o",
} as const;

export type BehaviourEventName = keyof typeof EVENT_CODES;
export const EVENT_NAMES = Object.keys(EVENT_CODES) as BehaviourEventName[];

/** Limits of one batch: the pixel flushes well below them. */
export const MAX_EVENTS_PER_BATCH = 50;
export const MAX_BATCH_BYTES = 32 * 1024;
/** Events older than this when they arrive are refused (a replayed or stuck batch), as are ones from the future. */
export const MAX_EVENT_AGE_MS = 24 * 3600_000;
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const numericId = z.union([z.string().regex(/^\d{1,20}$/), z.number().int().positive().max(Number.MAX_SAFE_INTEGER)]).transform(String);
const shortText = (max: number) => z.string().trim().min(1).max(max);

const eventSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "an event id is 8–64 letters, digits, _ or -"),
    name: z.enum(EVENT_NAMES as [BehaviourEventName, ...BehaviourEventName[]]),
    /** ISO 8601, as Shopify's events carry it. */
    timestamp: z.string().datetime({ offset: true }),
    productId: numericId.optional(),
    variantId: numericId.optional(),
    productType: shortText(100).optional(),
    vendor: shortText(100).optional(),
    collectionId: numericId.optional(),
    query: shortText(200).optional(),
    quantity: z.number().int().min(1).max(1000).optional(),
    /** Cart or checkout value in minor units of `currency`. */
    valueMinor: z.number().int().min(0).max(1e12).optional(),
    currency: z.string().regex(/^[A-Z]{3}$/).optional(),
  })
  .strict();

export const batchSchema = z
  .object({
    shop: z.string().regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "shop must be a myshopify.com domain"),
    /** The pixel's ingest token for the shop (settings of the web pixel, set at install). */
    token: z.string().min(16).max(128),
    /** Shopify's client id for the browser (anonymous until the shopper logs in or orders). */
    clientId: z.string().regex(/^[A-Za-z0-9_-]{8,128}$/),
    /** Set when the shopper is logged in. */
    customerId: numericId.nullish(),
    events: z.array(eventSchema).min(1).max(MAX_EVENTS_PER_BATCH),
  })
  .strict();

export type BehaviourBatch = z.infer<typeof batchSchema>;
export type BehaviourEventInput = BehaviourBatch["events"][number];

/** One event as stored. */
export interface StoredBehaviourEvent {
  eventId: string;
  code: string;
  occurredAt: Date;
  /** UTC day, YYYY-MM-DD: events are kept and rolled up per shop and day. */
  day: string;
  productGid: string | null;
  variantGid: string | null;
  /** Interest facets: product type, vendor, collection id or search terms, as one compact string per event kind. */
  facet: string | null;
  valueMinor: number | null;
}

export type BatchCheck = { ok: true; batch: BehaviourBatch } | { ok: false; status: 400 | 413; error: string };

/** Parses and validates a raw batch body (a string, to check its size before parsing). */
export function parseBatch(body: string): BatchCheck {
  if (Buffer.byteLength(body, "utf8") > MAX_BATCH_BYTES) return { ok: false, status: 413, error: `a batch is at most ${MAX_BATCH_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, status: 400, error: "the body is not JSON" };
  }
  const parsed = batchSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, status: 400, error: `${issue.path.join(".") || "body"}: ${issue.message}` };
  }
  return { ok: true, batch: parsed.data };
}

/**
 * The events to store: outside the accepted time window they are dropped
 * (counted), duplicates within the batch collapse to one.
 */
export function toStoredEvents(batch: BehaviourBatch, now: Date): { events: StoredBehaviourEvent[]; dropped: number } {
  const seen = new Set<string>();
  const events: StoredBehaviourEvent[] = [];
  let dropped = 0;
  for (const e of batch.events) {
    const at = new Date(e.timestamp);
    const age = now.getTime() - at.getTime();
    if (age > MAX_EVENT_AGE_MS || age < -MAX_CLOCK_SKEW_MS || seen.has(e.id)) {
      dropped++;
      continue;
    }
    seen.add(e.id);
    events.push({
      eventId: e.id,
      code: EVENT_CODES[e.name],
      occurredAt: at,
      day: at.toISOString().slice(0, 10),
      productGid: e.productId ? `gid://shopify/Product/${e.productId}` : null,
      variantGid: e.variantId ? `gid://shopify/ProductVariant/${e.variantId}` : null,
      facet: facetOf(e),
      valueMinor: e.valueMinor ?? null,
    });
  }
  return { events, dropped };
}

function facetOf(e: BehaviourEventInput): string | null {
  if (e.name === "search_submitted") return e.query ? `q:${e.query.toLowerCase()}` : null;
  if (e.name === "collection_viewed") return e.collectionId ? `c:${e.collectionId}` : null;
  const parts = [e.productType ? `t:${e.productType}` : null, e.vendor ? `v:${e.vendor}` : null].filter(Boolean);
  return parts.length ? parts.join("|") : null;
}
