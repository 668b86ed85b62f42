/**
 * Points for things customers do outside orders: product reviews and social
 * follows/shares (reported by other apps or the storefront through
 * api.loyalty.activities, authenticated with the shop's loyalty API key),
 * and joining the programme (sign-up).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { prisma as appPrisma } from "~/db.server";
import { appendEntry, LEDGER_TX_OPTIONS, lockAccount } from "~/db/loyalty-ledger.server";
import { loadActiveProgram } from "~/db/loyalty-program.server";
import { DAY_MS } from "~/domain/loyalty/ledger";
import { ACTIVITY_KINDS, type ActivityKind } from "~/domain/loyalty/rules";
import type { PrismaClient } from "~/generated/prisma/client";
import { awardPoints, LoyaltyProgramOffError, type LedgerDeps } from "./points.server";
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
