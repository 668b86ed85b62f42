/**
 * Rewards: the catalogue, and redeeming points for a single-use Shopify
 * discount code limited to the customer (docs/loyalty.md).
 *
 * Redeeming is two steps around one external call:
 * 1. one transaction locks the customer's account, checks the balance,
 *    creates the redemption ("issuing") and its debit entry: concurrent
 *    redemptions serialise on the account row and can never overspend;
 * 2. the {@link DiscountCodeIssuer} creates the code (it looks the code up
 *    first, so a retry never makes a second one). Success marks it "issued";
 *    a permanent failure marks it "failed" and appends the restoring entry;
 *    anything else leaves it "issuing" for {@link resolveStuckRedemptions}.
 */
import { randomBytes } from "node:crypto";
import { prisma as appPrisma } from "~/db.server";
import { appendEntry, LEDGER_TX_OPTIONS, lockAccount, settleAccount } from "~/db/loyalty-ledger.server";
import { loadActiveProgram } from "~/db/loyalty-program.server";
import { base32, DAY_MS, redemptionCode } from "~/domain/loyalty/ledger";
import { tierRank } from "~/domain/loyalty/rules";
import type { LoyaltyRedemption, LoyaltyReward, PrismaClient } from "~/generated/prisma/client";
import type { AdminClient } from "~/shopify/admin-client.server";
import { ensureRewardDiscountCode, isPermanentRewardDiscountFailure } from "~/shopify/discounts.server";
import { InsufficientPointsError, LoyaltyProgramOffError } from "./points.server";
import { currentTier } from "./tiers.server";

export type RewardKind = "fixed_amount" | "percentage" | "free_shipping" | "free_product";

/** What the discount adapter (app/shopify/discounts.server.ts) creates. */
export interface DiscountCodeSpec {
  code: string;
  title: string;
  kind: RewardKind;
  amountMinor?: bigint;
  currencyCode?: string;
  percentage?: number;
  customerGid: string;
  minimumSubtotalMinor?: bigint;
  /** The redemption's time, so a retry sends the same spec. */
  startsAt: Date;
  endsAt?: Date;
  productVariantGids?: string[];
}

/**
 * The port rewards depend on. `ensureCode` must be safe to call again for the
 * same code (look it up, create only when absent). It throws
 * {@link PermanentIssueError} when Shopify refused the code (userErrors):
 * anything else thrown is treated as transient.
 */
export interface DiscountCodeIssuer {
  ensureCode(shopDomain: string, spec: DiscountCodeSpec): Promise<{ discountGid: string; code: string; created: boolean }>;
}

export class PermanentIssueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentIssueError";
  }
}

/**
 * The issuer over Shopify's Admin API (app/shopify/discounts.server.ts):
 * Shopify's userErrors, a clashing existing code and an invalid spec are
 * permanent (no code exists or will: the points are restored); anything else
 * leaves the outcome unknown, for resolveStuckRedemptions to settle.
 */
export function shopifyDiscountCodeIssuer(clientFor: (shopDomain: string) => Pick<AdminClient, "request">): DiscountCodeIssuer {
  return {
    async ensureCode(shopDomain, spec) {
      try {
        return await ensureRewardDiscountCode(clientFor(shopDomain), spec);
      } catch (error) {
        if (isPermanentRewardDiscountFailure(error)) throw new PermanentIssueError(error instanceof Error ? error.message : String(error));
        throw error;
      }
    },
  };
}

export class RewardUnavailableError extends Error {
  constructor(readonly rewardId: string, reason: string) {
    super(`Reward ${rewardId} cannot be redeemed: ${reason}`);
    this.name = "RewardUnavailableError";
  }
}

export interface RewardsDeps {
  db?: PrismaClient;
  now?: () => Date;
  issuer: DiscountCodeIssuer;
}

export interface NewReward {
  title: string;
  kind: RewardKind;
  pointsCost: number;
  amountMinor?: bigint;
  currencyCode?: string;
  percentage?: number;
  productVariantGids?: string[];
  minimumSubtotalMinor?: bigint;
  expiresAfterDays?: number;
  /** Exclusive to this tier and higher. */
  tier?: string;
}

/** Adds a reward to the shop's catalogue. @throws RangeError when the reward's fields do not fit its kind. */
export async function createReward(shopDomain: string, reward: NewReward, deps: { db?: PrismaClient } = {}): Promise<LoyaltyReward> {
  const db = deps.db ?? appPrisma;
  if (!Number.isInteger(reward.pointsCost) || reward.pointsCost < 0) throw new RangeError("pointsCost must be a non-negative integer");
  if (reward.kind === "fixed_amount" && (!reward.amountMinor || reward.amountMinor <= 0n || !reward.currencyCode)) throw new RangeError("a fixed amount reward needs amountMinor and currencyCode");
  if (reward.kind === "percentage" && !(Number.isInteger(reward.percentage) && reward.percentage! > 0 && reward.percentage! <= 100)) throw new RangeError("a percentage reward needs a percentage from 1 to 100");
  if (reward.kind === "free_product" && (!reward.productVariantGids?.length || !reward.amountMinor || !reward.currencyCode)) {
    throw new RangeError("a free product reward needs productVariantGids and the unit price it covers (amountMinor, currencyCode)");
  }
  if (reward.minimumSubtotalMinor !== undefined && !reward.currencyCode) throw new RangeError("a minimum subtotal needs currencyCode");
  return db.loyaltyReward.create({
    data: {
      id: base32(randomBytes(10)),
      shopDomain,
      title: reward.title,
      kind: reward.kind,
      pointsCost: reward.pointsCost,
      amountMinor: reward.amountMinor ?? null,
      currencyCode: reward.currencyCode ?? null,
      percentage: reward.percentage ?? null,
      productVariantGids: reward.productVariantGids?.join(",") ?? null,
      minimumSubtotalMinor: reward.minimumSubtotalMinor ?? null,
      expiresAfterDays: reward.expiresAfterDays ?? null,
      tier: reward.tier ?? null,
    },
  });
}

export interface RedeemInput {
  shopDomain: string;
  customerGid: string;
  rewardId: string;
  /** One per redeem request (e.g. from the storefront's button press): a retry returns the same redemption. */
  idempotencyKey: string;
}

export interface RedeemResult {
  redemption: LoyaltyRedemption;
  /** "issued": the code exists; "failed": refused by Shopify, points restored; "issuing": not confirmed yet (retried by the job). */
  status: "issued" | "failed" | "issuing";
}

/**
 * Spends points on a reward and creates its discount code.
 *
 * @throws InsufficientPointsError, RewardUnavailableError, LoyaltyProgramOffError
 */
export async function redeemReward(input: RedeemInput, deps: RewardsDeps): Promise<RedeemResult> {
  const db = deps.db ?? appPrisma;
  const now = deps.now ?? (() => new Date());
  const active = await loadActiveProgram(db, input.shopDomain);
  if (!active) throw new LoyaltyProgramOffError(input.shopDomain);
  const reward = await db.loyaltyReward.findUnique({ where: { id: input.rewardId } });
  if (!reward || reward.shopDomain !== input.shopDomain || !reward.active) throw new RewardUnavailableError(input.rewardId, "not in the catalogue");

  const redemption = await db.$transaction(async (tx) => {
    const at = now();
    const account = await settleAccount(tx, await lockAccount(tx, input.shopDomain, input.customerGid, at), at);
    const existing = await tx.loyaltyRedemption.findUnique({ where: { shopDomain_idempotencyKey: { shopDomain: input.shopDomain, idempotencyKey: input.idempotencyKey } } });
    if (existing) {
      if (existing.customerGid !== input.customerGid || existing.rewardId !== input.rewardId) throw new RewardUnavailableError(input.rewardId, "idempotency key already used for another redemption");
      return existing;
    }
    const tier = await currentTier(tx, active, input.customerGid);
    if (reward.tier && tierRank(active.rules, tier.id) < tierRank(active.rules, reward.tier)) throw new RewardUnavailableError(reward.id, `exclusive to ${reward.tier} and above`);
    const cost = reward.kind === "free_shipping" && tier.freeShipping ? 0 : reward.pointsCost;
    // The check and the debit happen under the account lock: nothing else can spend these points in between.
    if (account.available < cost) throw new InsufficientPointsError(account.available, cost);
    const id = base32(randomBytes(10));
    const created = await tx.loyaltyRedemption.create({
      data: {
        id,
        shopDomain: input.shopDomain,
        customerGid: input.customerGid,
        rewardId: reward.id,
        pointsCost: cost,
        code: redemptionCode(id),
        status: "issuing",
        idempotencyKey: input.idempotencyKey,
        endsAt: reward.expiresAfterDays ? new Date(at.getTime() + reward.expiresAfterDays * DAY_MS) : null,
        createdAt: at,
      },
    });
    if (cost > 0) {
      await appendEntry(tx, account, {
        customerGid: input.customerGid,
        points: -cost,
        kind: "redeem",
        idempotencyKey: `redeem:${id}`,
        hashContent: { redemptionId: id, points: -cost },
        availableAt: at,
        redemptionId: id,
        reason: reward.title,
      }, at);
    }
    return created;
  }, LEDGER_TX_OPTIONS);

  if (redemption.status !== "issuing") return { redemption, status: redemption.status as "issued" | "failed" };
  return issue(db, deps.issuer, redemption, reward, now);
}

function specOf(redemption: LoyaltyRedemption, reward: LoyaltyReward): DiscountCodeSpec {
  return {
    code: redemption.code,
    title: `${reward.title} (${redemption.code})`,
    kind: reward.kind as RewardKind,
    amountMinor: reward.amountMinor ?? undefined,
    currencyCode: reward.currencyCode ?? undefined,
    percentage: reward.percentage ?? undefined,
    customerGid: redemption.customerGid,
    minimumSubtotalMinor: reward.minimumSubtotalMinor ?? undefined,
    startsAt: redemption.createdAt,
    endsAt: redemption.endsAt ?? undefined,
    productVariantGids: reward.productVariantGids ? reward.productVariantGids.split(",") : undefined,
  };
}

async function issue(db: PrismaClient, issuer: DiscountCodeIssuer, redemption: LoyaltyRedemption, reward: LoyaltyReward, now: () => Date): Promise<RedeemResult> {
  try {
    const { discountGid } = await issuer.ensureCode(redemption.shopDomain, specOf(redemption, reward));
    const done = await db.loyaltyRedemption.update({ where: { id: redemption.id }, data: { status: "issued", discountGid, resolvedAt: now(), error: null } });
    return { redemption: done, status: "issued" };
  } catch (error) {
    if (!(error instanceof PermanentIssueError)) {
      await db.loyaltyRedemption.update({ where: { id: redemption.id }, data: { error: error instanceof Error ? error.message : String(error) } });
      return { redemption: await db.loyaltyRedemption.findUniqueOrThrow({ where: { id: redemption.id } }), status: "issuing" };
    }
    const failed = await restore(db, redemption, error.message, now());
    return { redemption: failed, status: "failed" };
  }
}

/** Marks a redemption failed and gives its points back, once. */
async function restore(db: PrismaClient, redemption: LoyaltyRedemption, reason: string, at: Date): Promise<LoyaltyRedemption> {
  return db.$transaction(async (tx) => {
    const account = await settleAccount(tx, await lockAccount(tx, redemption.shopDomain, redemption.customerGid, at), at);
    const current = await tx.loyaltyRedemption.findUniqueOrThrow({ where: { id: redemption.id } });
    if (current.status !== "issuing") return current;
    if (current.pointsCost > 0) {
      await appendEntry(tx, account, {
        customerGid: current.customerGid,
        points: current.pointsCost,
        kind: "redeem_restore",
        idempotencyKey: `redeem_restore:${current.id}`,
        hashContent: { redemptionId: current.id, points: current.pointsCost },
        availableAt: at,
        redemptionId: current.id,
        reason: `code not created: ${reason}`.slice(0, 500),
      }, at);
    }
    return tx.loyaltyRedemption.update({ where: { id: current.id }, data: { status: "failed", error: reason.slice(0, 1000), resolvedAt: at } });
  }, LEDGER_TX_OPTIONS);
}

/**
 * Job: retries redemptions left "issuing" (a crash or a transient error
 * between the debit and the code) for longer than `olderThanMs`. The issuer
 * finds a code created before the crash, so nothing is issued twice.
 */
export async function resolveStuckRedemptions(
  shopDomain: string,
  deps: RewardsDeps & { olderThanMs?: number },
): Promise<{ issued: number; failed: number; stillIssuing: number }> {
  const db = deps.db ?? appPrisma;
  const now = deps.now ?? (() => new Date());
  const cutoff = new Date(now().getTime() - (deps.olderThanMs ?? 60_000));
  const stuck = await db.loyaltyRedemption.findMany({ where: { shopDomain, status: "issuing", createdAt: { lte: cutoff } }, orderBy: { createdAt: "asc" }, take: 500 });
  const counts = { issued: 0, failed: 0, stillIssuing: 0 };
  for (const redemption of stuck) {
    const reward = await db.loyaltyReward.findUnique({ where: { id: redemption.rewardId } });
    const result = reward
      ? await issue(db, deps.issuer, redemption, reward, now)
      : { status: "failed" as const, redemption: await restore(db, redemption, "reward no longer exists", now()) };
    if (result.status === "issued") counts.issued++;
    else if (result.status === "failed") counts.failed++;
    else counts.stillIssuing++;
  }
  return counts;
}
