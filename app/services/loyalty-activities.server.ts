/**
 * Points for things customers do outside orders: product reviews and social
 * follows/shares (reported by other apps or the storefront's backend through
 * POST /api/loyalty/activities, authenticated with the shop's activity API
 * key: {@link receiveActivityReport}), and joining the programme (sign-up).
 */
import { readBodyAtMost } from "~/http/read-body.server";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { prisma as appPrisma } from "~/db.server";
import { appendEntry, LEDGER_TX_OPTIONS, lockAccount } from "~/db/loyalty-ledger.server";
import { loadActiveProgram } from "~/db/loyalty-program.server";
import { DAY_MS } from "~/domain/loyalty/ledger";
import { ACTIVITY_KINDS, type ActivityKind } from "~/domain/loyalty/rules";
import type { PrismaClient } from "~/generated/prisma/client";
import { logger } from "~/logger.server";
import { TokenBucketLimiter, type RateLimiter } from "~/proxy/rate-limit.server";
import { awardPoints, IdempotencyConflictError, LoyaltyProgramOffError, type LedgerDeps } from "./points.server";
import { upgradeTierIfQualified } from "./tiers.server";

export type ActivityOutcome =
  | { status: "awarded"; entryId: string; points: number }
  | { status: "duplicate"; entryId: string; points: number }
  | { status: "capped"; limit: "day" | "year" }
  | { status: "off" };

export function isActivityKind(kind: string): kind is ActivityKind {
  return (ACTIVITY_KINDS as readonly string[]).includes(kind);
}

/**
 * Awards an activity's points once per `externalId` (the review's or share's
 * own id), within the rule's per-customer caps (rolling day and year).
 *
 * @throws LoyaltyProgramOffError, IdempotencyConflictError (the externalId was credited to another customer)
 */
export async function recordActivity(shopDomain: string, customerGid: string, kind: ActivityKind, externalId: string, deps?: LedgerDeps): Promise<ActivityOutcome> {
  const db = deps?.db ?? appPrisma;
  const now = deps?.now ?? (() => new Date());
  if (!externalId || externalId.length > 200) throw new RangeError("externalId must be 1 to 200 characters");
  const active = await loadActiveProgram(db, shopDomain);
  if (!active) throw new LoyaltyProgramOffError(shopDomain);
  const rule = active.rules.activities[kind];
  if (rule.points <= 0) return { status: "off" };
  const idempotencyKey = `${kind}:${externalId}`;
  return db.$transaction(async (tx): Promise<ActivityOutcome> => {
    const at = now();
    const account = await lockAccount(tx, shopDomain, customerGid, at);
    const existing = await tx.loyaltyEntry.findUnique({ where: { shopDomain_idempotencyKey: { shopDomain, idempotencyKey } } });
    if (!existing) {
      // Counted under the account lock, so concurrent reports cannot both slip under a cap.
      const count = (since: Date) => tx.loyaltyEntry.count({ where: { shopDomain, customerGid, kind, reversesEntryId: null, createdAt: { gt: since } } });
      if (rule.maxPerDay > 0 && (await count(new Date(at.getTime() - DAY_MS))) >= rule.maxPerDay) return { status: "capped", limit: "day" };
      if (rule.maxPerYear > 0 && (await count(new Date(at.getTime() - 365 * DAY_MS))) >= rule.maxPerYear) return { status: "capped", limit: "year" };
    }
    const { entry, created } = await appendEntry(tx, account, {
      customerGid,
      points: existing ? existing.points : rule.points,
      kind,
      idempotencyKey,
      hashContent: { customerGid, kind, externalId },
      availableAt: at,
      ruleVersion: existing ? existing.ruleVersion : active.ruleVersion,
      reason: kind === "review" ? "product review" : "social follow or share",
      detail: { externalId },
    }, at);
    if (created && active.rules.tierBasis === "points") await upgradeTierIfQualified(tx, active, account, at);
    return created ? { status: "awarded", entryId: entry.id, points: entry.points } : { status: "duplicate", entryId: entry.id, points: entry.points };
  }, LEDGER_TX_OPTIONS);
}

/** Joining the loyalty programme: the sign-up points, once per customer. */
export async function recordSignup(shopDomain: string, customerGid: string, deps?: LedgerDeps): Promise<{ entryId: string; created: boolean } | null> {
  const active = await loadActiveProgram(deps?.db ?? appPrisma, shopDomain);
  if (!active) throw new LoyaltyProgramOffError(shopDomain);
  if (active.rules.signupPoints <= 0) return null;
  return awardPoints({ shopDomain, customerGid, points: active.rules.signupPoints, kind: "signup", idempotencyKey: `signup:${customerGid}`, reason: "joined the programme" }, deps);
}

const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

/** Issues (or replaces) the shop's activity API key; only its hash is stored. Returns the key once. */
export async function issueActivityApiKey(shopDomain: string, deps: { db?: PrismaClient } = {}): Promise<string> {
  const db = deps.db ?? appPrisma;
  const key = `egl_${randomBytes(24).toString("base64url")}`;
  await db.loyaltyProgram.update({ where: { shopDomain }, data: { apiKeyHash: hashKey(key) } });
  return key;
}

/** Whether `key` is the shop's current activity API key (constant-time on the hashes). */
export async function verifyActivityApiKey(shopDomain: string, key: string, deps: { db?: PrismaClient } = {}): Promise<boolean> {
  const db = deps.db ?? appPrisma;
  const program = await db.loyaltyProgram.findUnique({ where: { shopDomain }, select: { apiKeyHash: true, enabled: true } });
  if (!program?.apiKeyHash || !program.enabled) return false;
  return timingSafeEqual(Buffer.from(hashKey(key)), Buffer.from(program.apiKeyHash));
}

// ---------------------------------------------------------------------------
// The activity endpoint (app/routes/api.loyalty.activities.tsx)

/** A report is a few short strings; anything bigger is not one. */
export const MAX_ACTIVITY_BODY_BYTES = 4096;

/**
 * Per shop, after authentication: a burst of 60 reports, then 10 a second
 * (in process, so per app instance; see app/proxy/rate-limit.server.ts).
 */
export const activityApiLimiter = new TokenBucketLimiter({ capacity: 60, refillPerSecond: 10 });

const ActivityReport = z.object({
  shop: z.string().regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "a *.myshopify.com domain"),
  customerId: z.union([
    z.string().regex(/^(gid:\/\/shopify\/Customer\/)?[1-9][0-9]{0,19}$/, "a customer id or gid://shopify/Customer/… GID"),
    z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  ]),
  kind: z.enum(ACTIVITY_KINDS as [ActivityKind, ...ActivityKind[]]),
  externalId: z.string().min(1).max(200),
});

const API_HEADERS = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };
const json = (body: unknown, status: number, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { ...API_HEADERS, ...headers } });
const apiError = (status: number, code: string, message: string, headers: Record<string, string> = {}) => json({ error: { code, message } }, status, headers);

/**
 * POST /api/loyalty/activities: `{ shop, customerId, kind, externalId }` with
 * `Authorization: Bearer <the shop's activity API key>`. Answers 201
 * `{status:"awarded", entryId, points}`; 200 for `duplicate` (the same
 * externalId again: nothing more is credited), `capped` (`limit`: "day" or
 * "year") and `off` (the kind earns nothing in this shop). Errors are
 * `{error:{code, message}}`: 400 invalid_body, 401 unauthorized, 404
 * unknown_customer / program_off, 409 external_id_conflict, 413
 * body_too_large, 415 json_required, 429 rate_limited (with Retry-After).
 */
export async function receiveActivityReport(
  request: Request,
  deps: { db?: PrismaClient; limiter?: RateLimiter; now?: () => Date } = {},
): Promise<Response> {
  const db = deps.db ?? appPrisma;
  if (request.method !== "POST") return apiError(405, "method_not_allowed", "Use POST.", { Allow: "POST" });
  if (!/^application\/json\b/i.test(request.headers.get("content-type") ?? "")) return apiError(415, "json_required", "Send application/json.");
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_ACTIVITY_BODY_BYTES) return apiError(413, "body_too_large", `The body must be at most ${MAX_ACTIVITY_BODY_BYTES} bytes.`);
  const text = await readBodyAtMost(request, MAX_ACTIVITY_BODY_BYTES);
  if (text === null) return apiError(413, "body_too_large", `The body must be at most ${MAX_ACTIVITY_BODY_BYTES} bytes.`);

  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return apiError(400, "invalid_body", "The body is not JSON.");
  }
  const parsed = ActivityReport.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
    return apiError(400, "invalid_body", `Send { shop, customerId, kind: ${ACTIVITY_KINDS.map((k) => `"${k}"`).join(" | ")}, externalId }. ${problems}`);
  }
  const { shop, kind, externalId } = parsed.data;

  const key = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  // One answer for a missing key, a wrong key and a shop without a programme: nothing to learn by probing.
  if (!key || !(await verifyActivityApiKey(shop, key, { db }))) {
    return apiError(401, "unauthorized", "Send the shop's activity API key as Authorization: Bearer <key>.", { "WWW-Authenticate": 'Bearer realm="evergreen-loyalty"' });
  }
  const decision = (deps.limiter ?? activityApiLimiter).take(shop);
  if (!decision.allowed) return apiError(429, "rate_limited", "Too many reports for this shop; retry later.", { "Retry-After": String(decision.retryAfterSeconds) });

  const customerGid = typeof parsed.data.customerId === "number" || !parsed.data.customerId.startsWith("gid:")
    ? `gid://shopify/Customer/${parsed.data.customerId}`
    : parsed.data.customerId;
  const customer = await db.customer.findUnique({ where: { shopDomain_customerGid: { shopDomain: shop, customerGid } }, select: { deletedAt: true } });
  if (!customer || customer.deletedAt) return apiError(404, "unknown_customer", `No customer ${customerGid} in this shop.`);

  try {
    const outcome = await recordActivity(shop, customerGid, kind, externalId, { db, now: deps.now });
    return json(outcome, outcome.status === "awarded" ? 201 : 200);
  } catch (error) {
    if (error instanceof LoyaltyProgramOffError) return apiError(404, "program_off", "The shop's loyalty programme is off.");
    if (error instanceof IdempotencyConflictError) return apiError(409, "external_id_conflict", `This ${kind} (${externalId}) was already credited to another customer.`);
    logger.warn("activity not recorded", { shop, kind, error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}
