/**
 * The web pixel's ingest endpoint, behind the route (app/routes/pixel.events.tsx):
 * who may send (the shop's ingest token), how much (per shop and per browser
 * client), what (app/domain/behaviour's schema), and storing it once.
 *
 * The ingest token is an HMAC of the shop domain under the app's secret: it is
 * written into the shop's web pixel settings at activation, so it proves the
 * batch came from a pixel Evergreen configured for that shop, and it needs no
 * database read to check. (It is visible to shoppers of that shop, like any
 * pixel's settings: it stops events forged for other shops, not a shopper
 * forging events for their own shop; rate limits bound that.)
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { appDatabaseDialect, prisma, type PrismaClient } from "~/db.server";
import type { SqlDialect } from "~/db/adapter.server";
import { BehaviourRepository } from "~/db/behaviour-repository.server";
import { parseBatch, toStoredEvents } from "~/domain/behaviour";
import { TokenBucketLimiter, type RateLimiter } from "~/proxy/rate-limit.server";

export function pixelIngestToken(shopDomain: string, appSecret: string): string {
  return createHmac("sha256", appSecret).update(`evergreen-pixel:${shopDomain}`).digest("base64url");
}

function tokenMatches(shopDomain: string, token: string, appSecret: string): boolean {
  const expected = Buffer.from(pixelIngestToken(shopDomain, appSecret));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface IngestLimiters {
  /** Per shop: a storefront's whole traffic. */
  shop: RateLimiter;
  /** Per browser client: one tab cannot flood the shop's allowance. */
  client: RateLimiter;
}

/** Batches (not events): a page visit sends one to a few. */
export function defaultIngestLimiters(): IngestLimiters {
  return {
    shop: new TokenBucketLimiter({ capacity: 2000, refillPerSecond: 200 }),
    client: new TokenBucketLimiter({ capacity: 30, refillPerSecond: 1 }),
  };
}

export interface IngestDeps {
  appSecret: string;
  limiters: IngestLimiters;
  db?: PrismaClient;
  dialect?: SqlDialect;
  now?: () => Date;
}

export type IngestOutcome =
  | { status: 200; stored: number; duplicates: number; dropped: number }
  | { status: 400 | 401 | 413; error: string }
  | { status: 429; error: string; retryAfterSeconds: number };

export async function ingestBehaviourBatch(body: string, deps: IngestDeps): Promise<IngestOutcome> {
  const checked = parseBatch(body);
  if (!checked.ok) return { status: checked.status, error: checked.error };
  const { batch } = checked;
  if (!tokenMatches(batch.shop, batch.token, deps.appSecret)) return { status: 401, error: "the ingest token does not match the shop" };

  for (const [limiter, key] of [
    [deps.limiters.shop, batch.shop],
    [deps.limiters.client, `${batch.shop}|${batch.clientId}`],
  ] as const) {
    const decision = limiter.take(key);
    if (!decision.allowed) return { status: 429, error: "too many batches", retryAfterSeconds: decision.retryAfterSeconds };
  }

  const now = (deps.now ?? (() => new Date()))();
  const { events, dropped } = toStoredEvents(batch, now);
  const repository = new BehaviourRepository(deps.db ?? prisma, deps.dialect ?? appDatabaseDialect());
  const loggedIn = batch.customerId ? `gid://shopify/Customer/${batch.customerId}` : null;
  // A browser that logged in before: its later anonymous events are still that customer's.
  const customerGid = loggedIn ?? (await repository.customerOfClient(batch.shop, batch.clientId));
  const stored = await repository.insertEvents(batch.shop, batch.clientId, customerGid, events);
  if (loggedIn) await repository.linkClient(batch.shop, batch.clientId, loggedIn, now);
  return { status: 200, stored, duplicates: events.length - stored, dropped };
}
